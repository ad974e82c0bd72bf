"""Export the ONNX import fixtures (test/fixtures/onnx/) from PyTorch.

    /usr/bin/python3 scripts/models/onnx_fixtures/export.py          # committed, narrow fixtures
    /usr/bin/python3 scripts/models/onnx_fixtures/export.py --full   # full-size AlexNet / ResNet-50 to /tmp

Each fixture is one of the seeds' architectures (architectures.py) with reduced widths and random,
seeded weights (batch norms get random running statistics so folding them is not a no-op),
exported in eval mode exactly the way the README tells users to export their own checkpoint:

    torch.onnx.export(model.eval(), x, "model.onnx", opset_version=13,
                      input_names=["input"], output_names=["logits"])

Written next to each `<name>.onnx`: `<name>.input-spec.json` (the InputSpec a user would enter,
plus the ONNX input's layout and channel order) and `<name>.logits.npy` (torch's logits on the
shared seeded input, so tests can check that onnxruntime agrees with torch before using it as the
oracle). Inputs are shared by every fixture with the same input shape: `image-224.input.npy`
(ImageNet-normalised NCHW) and `cochleagram-211x390.input.npy`. `index.json` lists everything.
Weights are random: the fixtures test parsing and numerics, not recognition.
"""
import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import architectures as A  # noqa: E402
from seeded_weights import randomize  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
OUT_DIR = os.path.join(ROOT, "test", "fixtures", "onnx")
FULL_DIR = "/tmp/onnx-full"
OPSET = 13
MAX_TOTAL_BYTES = 20 * 1024 * 1024

IMAGENET = {"mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]}
IMAGE_SPEC = {
    "modality": "image", "shape": [224, 224, 3], "range": [0, 1], "init": {"mean": 0.5, "std": 0.05},
    "normalization": IMAGENET, "layout": "NCHW", "channelOrder": "RGB",
}
# Audio models take the raw 2-s clip; the app's cochleagram [211, 390] is their front end (the
# importer adds it for audio models whose input is a cochleagram, so the spec does not name it).
AUDIO_SPEC = {
    "modality": "audio", "shape": [40000], "range": [-1, 1], "init": {"mean": 0, "std": 1e-7},
    "sampleRate": 20000, "layout": "NCHW",
}
IMAGE_INPUT = "image-224.input.npy"
AUDIO_INPUT = "cochleagram-211x390.input.npy"

# The ops the importer maps (issue 6); anything else in a fixture is reported at export time.
SUPPORTED_OPS = set(
    "Conv ConvTranspose Relu LeakyRelu Sigmoid Tanh Clip MaxPool AveragePool GlobalAveragePool Gemm "
    "MatMul Add Sub Mul Div BatchNormalization Flatten Reshape Transpose Concat Pad Softmax Constant "
    "Identity Dropout Squeeze Unsqueeze Shape Gather Slice".split()
)

# name, constructor, input kind, architecture stage discovery should recognise (src/models/import/
# stage-discovery.ts Architecture: its paper stage names are then suggested), description
FIXTURES = [
    ("alexnet", lambda: A.AlexNet(hidden=64), "image", "alexnet",
     "torchvision AlexNet layout, 1/4 conv widths (16-48-96-64-64), 64-unit fc layers, 1000 classes"),
    ("vgg19", lambda: A.VGG19(base=8), "image", "vgg",
     "torchvision VGG-19 (config E) layout, 1/8 widths (8..64), 64-unit fc layers, 1000 classes"),
    ("resnet50", lambda: A.ResNet((3, 4, 6, 3), base=8), "image", "resnet",
     "torchvision ResNet-50 layout (bottlenecks [3, 4, 6, 3]), base width 8 (1/8), 1000 classes"),
    ("resnet101", lambda: A.ResNet((3, 4, 23, 3), base=4), "image", "resnet",
     "torchvision ResNet-101 layout (bottlenecks [3, 4, 23, 3]), base width 4 (1/16), 1000 classes"),
    ("cornet_s", lambda: A.CORnetS(), "image", "cornet",
     "CORnet-S layout (V1, V2 x2, V4 x4, IT x2 recurrent steps unrolled), widths 4-8-16-32, 1000 classes; "
     "exported with training=TrainingMode.PRESERVE so BatchNormalization (and Identity) nodes stay in the graph"),
    ("lowpass_alexnet", lambda: A.LowpassAlexNet(hidden=64), "image", "alexnet",
     "LowpassAlexNet: AlexNet whose downsampling is a depthwise Hann blur (conv0 stride 1), 1/4 widths, 64-unit fc"),
    ("vone_alexnet", lambda: A.VOneAlexNet(hidden=64), "image", None,
     "VOneAlexNet-like: fixed Gabor quadrature front end (simple + complex cells, uses Sqrt), 1x1 "
     "bottleneck, then AlexNet from its first max pool"),
    ("cochcnn9", lambda: A.CochCNN9(hidden=64), "audio", "cochcnn",
     "CochCNN9 (Kell et al. 2018 word network) on a [1, 1, 211, 390] cochleagram, widths 12-32-64-128-64, "
     "64-unit fc, 794 words"),
    ("cochresnet50", lambda: A.ResNet((3, 4, 6, 3), base=8, num_classes=794, in_channels=1), "audio", "resnet",
     "CochResNet50: ResNet-50 bottleneck layout on a [1, 1, 211, 390] cochleagram, base width 8, 794 words"),
]


def image_input(seed=1):
    """A seeded raw image in [0, 1] ([1, 224, 224, 3]), ImageNet-normalised, as NCHW float32."""
    g = torch.Generator().manual_seed(seed)
    raw = torch.rand((1, 224, 224, 3), generator=g)
    mean, std = torch.tensor(IMAGENET["mean"]), torch.tensor(IMAGENET["std"])
    return ((raw - mean) / std).permute(0, 3, 1, 2).contiguous()


def cochleagram_input(seed=2):
    """A seeded cochleagram-like input [1, 1, 211, 390] in [0, 0.8]."""
    g = torch.Generator().manual_seed(seed)
    return torch.rand((1, 1, 211, 390), generator=g) * 0.8


# Fixtures exported with batch norms kept as BatchNormalization nodes instead of folded into the
# convs (what the default eval export does), so the importer's BatchNormalization op is covered.
KEEP_BATCH_NORM = {"cornet_s"}


def export_onnx(model, x, path, keep_batch_norm=False):
    """The one-line export users run (see the module docstring)."""
    extra = {"training": torch.onnx.TrainingMode.PRESERVE} if keep_batch_norm else {}
    torch.onnx.export(model, x, path, opset_version=OPSET, input_names=["input"], output_names=["logits"], **extra)


def op_types(path):
    import onnx

    m = onnx.load(path)
    onnx.checker.check_model(m)
    return sorted({n.op_type for n in m.graph.node})


def save_npy(path, t):
    np.save(path, t.detach().numpy().astype(np.float32))


def export_fixtures(only=None):
    os.makedirs(OUT_DIR, exist_ok=True)
    inputs = {"image": image_input(), "audio": cochleagram_input()}
    save_npy(os.path.join(OUT_DIR, IMAGE_INPUT), inputs["image"])
    save_npy(os.path.join(OUT_DIR, AUDIO_INPUT), inputs["audio"])
    index = []
    for seed, (name, make, kind, arch, description) in enumerate(FIXTURES, start=100):
        x = inputs[kind]
        entry = {
            "name": name, "file": f"{name}.onnx", "inputSpec": f"{name}.input-spec.json",
            "input": IMAGE_INPUT if kind == "image" else AUDIO_INPUT, "inputShape": list(x.shape),
            "logits": f"{name}.logits.npy", "architecture": arch, "description": description,
        }
        index.append(entry)
        if only and name not in only:
            continue
        torch.manual_seed(seed)
        model = randomize(make(), seed)
        with torch.no_grad():
            logits = model(x)
        path = os.path.join(OUT_DIR, entry["file"])
        export_onnx(model, x, path, keep_batch_norm=name in KEEP_BATCH_NORM)
        save_npy(os.path.join(OUT_DIR, entry["logits"]), logits)
        with open(os.path.join(OUT_DIR, entry["inputSpec"]), "w") as f:
            json.dump(IMAGE_SPEC if kind == "image" else AUDIO_SPEC, f, indent=2)
            f.write("\n")
        ops = op_types(path)
        extra = [o for o in ops if o not in SUPPORTED_OPS]
        size = os.path.getsize(path)
        print(f"{name:16s} {size / 1e6:6.2f} MB  logits std {logits.std():.3g}  ops {' '.join(ops)}"
              + (f"  NOT IN THE ISSUE'S LIST: {extra}" if extra else ""))
    with open(os.path.join(OUT_DIR, "index.json"), "w") as f:
        json.dump({"opset": OPSET, "torch": torch.__version__, "fixtures": index}, f, indent=2)
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(OUT_DIR, n)) for n in os.listdir(OUT_DIR))
    print(f"total {total / 1e6:.2f} MB in {OUT_DIR}")
    if total > MAX_TOTAL_BYTES:
        sys.exit(f"fixtures total {total} bytes > {MAX_TOTAL_BYTES}: reduce widths")


def export_full():
    """Full-size AlexNet and ResNet-50 (torchvision widths, random weights) for manual checks."""
    os.makedirs(FULL_DIR, exist_ok=True)
    x = image_input()
    save_npy(os.path.join(FULL_DIR, IMAGE_INPUT), x)
    full = [
        ("alexnet_full", lambda: A.AlexNet(widths=(64, 192, 384, 256, 256), hidden=4096)),
        ("resnet50_full", lambda: A.ResNet((3, 4, 6, 3), base=64)),
    ]
    for seed, (name, make) in enumerate(full, start=500):
        torch.manual_seed(seed)
        model = randomize(make(), seed)
        with torch.no_grad():
            logits = model(x)
        path = os.path.join(FULL_DIR, f"{name}.onnx")
        export_onnx(model, x, path)
        save_npy(os.path.join(FULL_DIR, f"{name}.logits.npy"), logits)
        with open(os.path.join(FULL_DIR, f"{name}.input-spec.json"), "w") as f:
            json.dump(IMAGE_SPEC, f, indent=2)
        print(f"{name:16s} {os.path.getsize(path) / 1e6:7.1f} MB -> {path}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--full", action="store_true", help="full-size AlexNet / ResNet-50 to " + FULL_DIR)
    parser.add_argument("--only", nargs="*", help="re-export only these fixtures (index.json is rewritten)")
    args = parser.parse_args()
    if args.full:
        export_full()
    else:
        export_fixtures(set(args.only) if args.only else None)


if __name__ == "__main__":
    main()
