"""Writes a FashionResNet as an ONNX graph whose stage values carry the paper's names.

torch.onnx.export names each graph output after output_names, so every stage is exported as an
output of that name; then all outputs but `final` are dropped (the values stay in the graph with
their names, which the manifest's params.stageValues point at).
"""
import onnx
import torch

from resnet import STAGES, StageOutputs


def write_onnx(model, path, opset=13):
    model.eval()
    x = torch.zeros(1, 1, 28, 28)
    torch.onnx.export(StageOutputs(model), x, path, opset_version=opset,
                      input_names=["input"], output_names=STAGES)
    graph = onnx.load(path)
    keep = [o for o in graph.graph.output if o.name == "final"]
    del graph.graph.output[:]
    graph.graph.output.extend(keep)
    graph.producer_name = "scripts/models/fmnist_family/export_onnx.py (PyTorch " + torch.__version__ + ")"
    onnx.checker.check_model(graph)
    onnx.save(graph, path)
