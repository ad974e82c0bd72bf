"""Seeded random weights for the PyTorch models of the ONNX import fixtures (export.py) and of
the PyTorch speed comparisons (bench/torch/vs_torch.py, bench/gpu/torch_bench.py): all build their models the same way."""
import torch
import torch.nn as nn


def randomize(model, seed):
    """Seeded random weights with roughly variance-preserving scale (so 50-layer nets neither
    vanish nor overflow) and non-trivial batch-norm statistics. Fixed filters (Gabor, Hann) stay."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)) and m.weight.requires_grad:
                fan_in = m.weight[0].numel()
                m.weight.copy_(torch.randn(m.weight.shape, generator=g) * (2.0 / fan_in) ** 0.5)
                if m.bias is not None:
                    m.bias.copy_(torch.randn(m.bias.shape, generator=g) * 0.05)
            elif isinstance(m, nn.BatchNorm2d):
                n = m.num_features
                m.running_mean.copy_(torch.randn(n, generator=g) * 0.1)
                m.running_var.copy_(0.5 + torch.rand(n, generator=g))
                m.weight.copy_(0.5 + 0.5 * torch.rand(n, generator=g))
                m.bias.copy_(torch.randn(n, generator=g) * 0.1)
    return model.eval()
