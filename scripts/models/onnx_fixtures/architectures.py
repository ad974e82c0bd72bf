"""Narrow PyTorch versions of the seeds' architectures, for the ONNX import fixtures.

Each class keeps the layer layout of the paper's model (so stage discovery and op coverage are
exercised as on the real checkpoint) with channel widths divided down so that the committed
fixtures stay small. Written by hand after torchvision 0.14 (BSD-3-Clause: AlexNet, VGG, ResNet),
CORnet-S (Kubilius et al. 2019), VOneNet (Dapello et al. 2020), the lowpass AlexNet of Feather et
al. 2023 and Kell et al. 2018's word network; torchvision itself is not needed.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


# ---------------------------------------------------------------- AlexNet family

class AlexNet(nn.Module):
    """torchvision AlexNet layout: 5 convs (relu0..relu4), 3 max pools, adaptive avg pool 6x6,
    3 linear layers (fc0_relu, fc1_relu, final)."""

    def __init__(self, widths=(16, 48, 96, 64, 64), hidden=128, num_classes=1000, in_channels=3):
        super().__init__()
        c0, c1, c2, c3, c4 = widths
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, c0, kernel_size=11, stride=4, padding=2),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(c0, c1, kernel_size=5, padding=2),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(c1, c2, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(c2, c3, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(c3, c4, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
        )
        self.avgpool = nn.AdaptiveAvgPool2d((6, 6))
        self.classifier = nn.Sequential(
            nn.Dropout(p=0.5),
            nn.Linear(c4 * 6 * 6, hidden),
            nn.ReLU(inplace=True),
            nn.Dropout(p=0.5),
            nn.Linear(hidden, hidden),
            nn.ReLU(inplace=True),
            nn.Linear(hidden, num_classes),
        )

    def forward(self, x):
        x = self.avgpool(self.features(x))
        return self.classifier(torch.flatten(x, 1))


def hann_kernel(size):
    """Normalised 2-D Hann window (outer product), the blur of the lowpass networks."""
    n = torch.arange(size, dtype=torch.float64)
    w = torch.sin(math.pi * (n + 1) / (size + 1)) ** 2
    k = torch.outer(w, w)
    return (k / k.sum()).float()


class HannPool(nn.Module):
    """Depthwise (groups = channels) Hann blur with the stride of the layer it precedes, so the
    signal is low-passed before it is subsampled."""

    def __init__(self, channels, size, stride):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, size, stride=stride, padding=size // 2, groups=channels, bias=False)
        self.conv.weight.data[:] = hann_kernel(size)[None, None]
        self.conv.weight.requires_grad_(False)

    def forward(self, x):
        return self.conv(x)


class LowpassAlexNet(nn.Module):
    """AlexNet with every downsampling done by a Hann blur: conv0 at stride 1 then a stride-4
    blur, and max pools replaced by stride-2 blurs (Feather et al. 2023's LowpassAlexNet)."""

    def __init__(self, widths=(16, 48, 96, 64, 64), hidden=128, num_classes=1000):
        super().__init__()
        c0, c1, c2, c3, c4 = widths
        self.features = nn.Sequential(
            nn.Conv2d(3, c0, kernel_size=11, stride=1, padding=5),
            nn.ReLU(inplace=True),
            HannPool(c0, 9, 4),
            HannPool(c0, 5, 2),
            nn.Conv2d(c0, c1, kernel_size=5, padding=2),
            nn.ReLU(inplace=True),
            HannPool(c1, 5, 2),
            nn.Conv2d(c1, c2, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(c2, c3, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(c3, c4, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            HannPool(c4, 5, 2),
        )
        self.classifier = nn.Sequential(
            nn.Dropout(p=0.5),
            nn.Linear(c4 * 7 * 7, hidden),
            nn.ReLU(inplace=True),
            nn.Dropout(p=0.5),
            nn.Linear(hidden, hidden),
            nn.ReLU(inplace=True),
            nn.Linear(hidden, num_classes),
        )

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))


def gabor_bank(n, size, seed):
    """`n` quadrature pairs of RGB Gabor filters [2n, 3, size, size] with seeded random
    orientation, frequency, size and colour weighting (VOneNet samples these per channel)."""
    g = torch.Generator().manual_seed(seed)
    half = size // 2
    y, x = torch.meshgrid(torch.arange(-half, half + 1.0), torch.arange(-half, half + 1.0), indexing="ij")
    filters = []
    for _ in range(n):
        theta = float(torch.rand(1, generator=g)) * math.pi
        freq = 0.08 + 0.2 * float(torch.rand(1, generator=g))
        sigma = 1.5 + 2.5 * float(torch.rand(1, generator=g))
        colour = torch.rand(3, generator=g) - 0.3
        xr = x * math.cos(theta) + y * math.sin(theta)
        envelope = torch.exp(-(x ** 2 + y ** 2) / (2 * sigma ** 2))
        for phase in (0.0, math.pi / 2):
            k = envelope * torch.cos(2 * math.pi * freq * xr + phase)
            k = k / k.norm()
            filters.append(colour[:, None, None] * k[None])
    return torch.stack(filters)


class VOneAlexNet(nn.Module):
    """VOneNet front end (fixed Gabor quadrature pairs -> simple cells ReLU(q0) and complex cells
    sqrt(q0^2 + q1^2) / sqrt 2, then a 1x1 bottleneck) feeding AlexNet from its second conv on.
    VOneNet's stochastic noise is left out (eval-mode export of a deterministic net)."""

    def __init__(self, pairs=16, hidden=128, num_classes=1000, seed=7):
        super().__init__()
        self.pairs = pairs
        self.gabor = nn.Conv2d(3, 2 * pairs, 15, stride=4, padding=7, bias=False)
        self.gabor.weight.data[:] = gabor_bank(pairs, 15, seed)
        self.gabor.weight.requires_grad_(False)
        self.bottleneck = nn.Conv2d(2 * pairs, 16, 1)
        self.alexnet = AlexNet(hidden=hidden, num_classes=num_classes)
        self.alexnet.features = self.alexnet.features[2:]  # drop AlexNet's conv0 + relu0

    def forward(self, x):
        q = self.gabor(x)
        q0, q1 = q[:, 0::2], q[:, 1::2]
        simple = F.relu(q0)
        complex_ = torch.sqrt(q0 * q0 + q1 * q1) / math.sqrt(2)
        v1 = torch.cat([simple, complex_], 1)
        return self.alexnet(self.bottleneck(v1))


# ---------------------------------------------------------------- VGG-19

class VGG19(nn.Module):
    """torchvision vgg19 (configuration "E", no batch norm): 16 convs in 5 blocks, adaptive avg pool
    7x7, 3 linear layers."""

    CFG = [1, 1, "M", 2, 2, "M", 4, 4, 4, 4, "M", 8, 8, 8, 8, "M", 8, 8, 8, 8, "M"]

    def __init__(self, base=8, hidden=64, num_classes=1000):
        super().__init__()
        layers, c = [], 3
        for v in self.CFG:
            if v == "M":
                layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
            else:
                layers += [nn.Conv2d(c, v * base, kernel_size=3, padding=1), nn.ReLU(inplace=True)]
                c = v * base
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        self.classifier = nn.Sequential(
            nn.Linear(c * 7 * 7, hidden), nn.ReLU(True), nn.Dropout(),
            nn.Linear(hidden, hidden), nn.ReLU(True), nn.Dropout(),
            nn.Linear(hidden, num_classes),
        )

    def forward(self, x):
        x = self.avgpool(self.features(x))
        return self.classifier(torch.flatten(x, 1))


# ---------------------------------------------------------------- ResNets

class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * 4, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + identity)


class ResNet(nn.Module):
    """torchvision ResNet with Bottleneck blocks (ResNet-50: [3, 4, 6, 3]; 101: [3, 4, 23, 3]),
    widths divided by 64 / base. `in_channels` 1 gives the CochResNet50 layout on a cochleagram."""

    def __init__(self, layers=(3, 4, 6, 3), base=8, num_classes=1000, in_channels=3):
        super().__init__()
        self.inplanes = base
        self.conv1 = nn.Conv2d(in_channels, base, 7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(base)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(base, layers[0])
        self.layer2 = self._make_layer(base * 2, layers[1], stride=2)
        self.layer3 = self._make_layer(base * 4, layers[2], stride=2)
        self.layer4 = self._make_layer(base * 8, layers[3], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(base * 8 * 4, num_classes)

    def _make_layer(self, planes, blocks, stride=1):
        downsample = None
        if stride != 1 or self.inplanes != planes * 4:
            downsample = nn.Sequential(
                nn.Conv2d(self.inplanes, planes * 4, 1, stride=stride, bias=False), nn.BatchNorm2d(planes * 4)
            )
        layers = [Bottleneck(self.inplanes, planes, stride, downsample)]
        self.inplanes = planes * 4
        layers += [Bottleneck(self.inplanes, planes) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


# ---------------------------------------------------------------- CORnet-S

class CORblockS(nn.Module):
    """CORnet-S recurrent block unrolled `times` steps: the first step downsamples (stride-2 3x3
    conv, projected skip); later steps reuse the same conv weights at stride 1 with an identity
    skip. Batch norms are per time step, as in the original."""

    scale = 4

    def __init__(self, in_channels, out_channels, times):
        super().__init__()
        self.times = times
        self.conv_input = nn.Conv2d(in_channels, out_channels, 1, bias=False)
        self.skip = nn.Conv2d(out_channels, out_channels, 1, stride=2, bias=False)
        self.norm_skip = nn.BatchNorm2d(out_channels)
        self.conv1 = nn.Conv2d(out_channels, out_channels * self.scale, 1, bias=False)
        self.conv2 = nn.Conv2d(out_channels * self.scale, out_channels * self.scale, 3, padding=1, bias=False)
        self.conv3 = nn.Conv2d(out_channels * self.scale, out_channels, 1, bias=False)
        for t in range(times):
            setattr(self, f"norm1_{t}", nn.BatchNorm2d(out_channels * self.scale))
            setattr(self, f"norm2_{t}", nn.BatchNorm2d(out_channels * self.scale))
            setattr(self, f"norm3_{t}", nn.BatchNorm2d(out_channels))

    def forward(self, inp):
        x = self.conv_input(inp)
        for t in range(self.times):
            skip = self.norm_skip(self.skip(x)) if t == 0 else x
            stride = 2 if t == 0 else 1
            x = F.relu(getattr(self, f"norm1_{t}")(self.conv1(x)))
            x = F.conv2d(x, self.conv2.weight, stride=stride, padding=1)
            x = F.relu(getattr(self, f"norm2_{t}")(x))
            x = getattr(self, f"norm3_{t}")(self.conv3(x))
            x = F.relu(x + skip)
        return x


class CORnetS(nn.Module):
    """CORnet-S: V1 (two convs), V2 / V4 / IT recurrent blocks (2, 4, 2 steps), decoder."""

    def __init__(self, widths=(4, 8, 16, 32), num_classes=1000):
        super().__init__()
        v1, v2, v4, it = widths
        self.V1 = nn.Sequential(
            nn.Conv2d(3, v1, 7, stride=2, padding=3, bias=False), nn.BatchNorm2d(v1), nn.ReLU(inplace=True),
            nn.MaxPool2d(3, stride=2, padding=1),
            nn.Conv2d(v1, v1, 3, padding=1, bias=False), nn.BatchNorm2d(v1), nn.ReLU(inplace=True),
        )
        self.V2 = CORblockS(v1, v2, times=2)
        self.V4 = CORblockS(v2, v4, times=4)
        self.IT = CORblockS(v4, it, times=2)
        self.decoder = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(it, num_classes))

    def forward(self, x):
        return self.decoder(self.IT(self.V4(self.V2(self.V1(x)))))


# ---------------------------------------------------------------- audio: CochCNN9

class CochCNN9(nn.Module):
    """Kell et al. 2018 word network as in Feather et al. 2023 (CochCNN9): on a cochleagram
    [1, 1, 211, 390]; conv0 9x9/3 -> relu0 -> maxpool, conv1 5x5/2 -> relu1 -> maxpool,
    conv2..conv4 3x3 -> relu2..relu4, avgpool, fc -> relufc, final (794 words)."""

    def __init__(self, widths=(12, 32, 64, 128, 64), hidden=128, num_classes=794):
        super().__init__()
        c0, c1, c2, c3, c4 = widths
        self.conv0 = nn.Conv2d(1, c0, 9, stride=3)
        self.bn0 = nn.BatchNorm2d(c0)
        self.conv1 = nn.Conv2d(c0, c1, 5, stride=2)
        self.bn1 = nn.BatchNorm2d(c1)
        self.conv2 = nn.Conv2d(c1, c2, 3, padding=1)
        self.conv3 = nn.Conv2d(c2, c3, 3, padding=1)
        self.conv4 = nn.Conv2d(c3, c4, 3, padding=1)
        self.fc = nn.Linear(c4 * 4 * 7, hidden)  # after the avg pool: [c4, 4, 7]
        self.final = nn.Linear(hidden, num_classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn0(self.conv0(x))), 3, stride=2, padding=1)
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 3, stride=2, padding=1)
        x = F.relu(self.conv2(x))
        x = F.relu(self.conv3(x))
        x = F.relu(self.conv4(x))
        x = F.avg_pool2d(x, 2, stride=2)
        x = F.relu(self.fc(torch.flatten(x, 1)))
        return self.final(x)
