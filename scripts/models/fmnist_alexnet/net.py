"""The AlexNet-style CNN for 28x28 Fashion-MNIST, shared by the standard and the robust twin.

Stage names follow Feather et al. 2023 (relu0..relu4, fc0_relu, fc1_relu, final). Like the
paper's AlexNet, max-pools follow relu0, relu1 and relu4. Every layer's padding is chosen so
that tfjs computes exactly the same thing: 'same' convolutions with odd kernels (torch
padding = k // 2, symmetric), 2x2/stride-2 'valid' pools (torch floors odd sizes the same way).
The input is raw [0, 1] pixels; the (x - mean) / std normalisation is the first op of forward,
so adversarial attacks and metamers both work in pixel units.
"""
import torch
from torch import nn

# Mean and std of the Fashion-MNIST training pixels in [0, 1] (computed by train.py; fixed
# here so the tfjs side can use the same numbers from the manifest).
PIXEL_MEAN = 0.2860
PIXEL_STD = 0.3530

# (name, in_channels, out_channels, kernel, pool_after). Small widths and 3x3 kernels after
# conv0 keep training of both twins (PGD included) to minutes on a shared 2-core CPU.
CONVS = [
    ("conv0", 1, 16, 5, True),
    ("conv1", 16, 32, 3, True),
    ("conv2", 32, 32, 3, False),
    ("conv3", 32, 32, 3, False),
    ("conv4", 32, 32, 3, True),
]
# (name, in_features, out_features, relu_after)
FCS = [
    ("fc0", 32 * 3 * 3, 128, True),
    ("fc1", 128, 64, True),
    ("final", 64, 10, False),
]
FLAT_SHAPE_CHW = (32, 3, 3)  # conv4 pooled output, torch order


class FashionAlexNet(nn.Module):
    def __init__(self):
        super().__init__()
        for name, cin, cout, k, _ in CONVS:
            setattr(self, name, nn.Conv2d(cin, cout, k, padding=k // 2))
        for name, fin, fout, _ in FCS:
            setattr(self, name, nn.Linear(fin, fout))

    def forward(self, x, return_stages=False):
        stages = {}
        h = (x - PIXEL_MEAN) / PIXEL_STD
        for i, (name, _, _, _, pool) in enumerate(CONVS):
            h = torch.relu(getattr(self, name)(h))
            stages[f"relu{i}"] = h
            if pool:
                h = nn.functional.max_pool2d(h, 2, 2)
        h = h.flatten(1)
        for name, _, _, relu in FCS:
            h = getattr(self, name)(h)
            if relu:
                h = torch.relu(h)
                stages[f"{name}_relu"] = h
        stages["final"] = h
        return (h, stages) if return_stages else h
