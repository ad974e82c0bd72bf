"""A small ResNet for 28x28 Fashion-MNIST with the paper's ResNet stage names
(conv1_relu1, layer1..layer4, avgpool, final).

conv1 (3x3, 16) + ReLU, max-pool 2x2 (28 -> 14), then four residual stages of one basic block
each (two 3x3 convs, identity or 1x1 projection shortcut, ReLU after the sum), global average
pool, linear readout. No batch norm: a shallow net trains without it, and the exported graph
then needs only Conv, Relu, Add, MaxPool, GlobalAveragePool and Gemm. The second conv of each
block starts small (x0.1) so each block starts near the identity (Fixup-like), which keeps
training stable without normalisation.

Strided convs pad 1 on every side (torch padding=1); the ONNX export keeps the explicit pads, so
tfjs computes exactly the same thing (tfjs 'same' padding would pad asymmetrically on even sizes).
The input is raw [0, 1] pixels; the (x - mean) / std normalisation is the first op of forward
(the exported graph leaves it out: the manifest's inputSpec.normalization applies it).
"""
import torch
from torch import nn

from net import PIXEL_MEAN, PIXEL_STD

# (name, in_channels, out_channels, stride)
BLOCKS = [
    ("layer1", 16, 16, 1),   # 14x14
    ("layer2", 16, 32, 2),   # 7x7
    ("layer3", 32, 32, 1),   # 7x7
    ("layer4", 32, 48, 2),   # 4x4
]
STAGES = ["conv1_relu1", "layer1", "layer2", "layer3", "layer4", "avgpool", "final"]


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        with torch.no_grad():
            self.conv2.weight.mul_(0.1)
        self.shortcut = nn.Conv2d(cin, cout, 1, stride=stride) if (stride != 1 or cin != cout) else None

    def forward(self, x):
        h = torch.relu(self.conv1(x))
        h = self.conv2(h)
        s = x if self.shortcut is None else self.shortcut(x)
        return torch.relu(h + s)


class FashionResNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        for name, cin, cout, stride in BLOCKS:
            setattr(self, name, BasicBlock(cin, cout, stride))
        self.fc = nn.Linear(BLOCKS[-1][2], 10)

    def forward(self, x, return_stages=False, normalise=True):
        stages = {}
        h = (x - PIXEL_MEAN) / PIXEL_STD if normalise else x
        h = torch.relu(self.conv1(h))
        stages["conv1_relu1"] = h
        h = nn.functional.max_pool2d(h, 2, 2)
        for name, *_ in BLOCKS:
            h = getattr(self, name)(h)
            stages[name] = h
        h = h.mean(dim=(2, 3))
        stages["avgpool"] = h
        h = self.fc(h)
        stages["final"] = h
        return (h, stages) if return_stages else h


class StageOutputs(nn.Module):
    """Export wrapper: every stage as a named graph output, without the input normalisation."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x):
        _, stages = self.model(x, return_stages=True, normalise=False)
        return tuple(stages[s] for s in STAGES)
