"""CochCNN9-style word network (after Kell et al. 2018 / Feather et al. 2023), narrow widths.

Input: the cochleagram [1, 211, 390] (channels x frames). Layers (stage names of the paper):
  conv0 9x9 stride 3 valid, 16 ch  -> relu0 [16, 68, 128] -> pool0 max 2x2 -> [16, 34, 64]
  conv1 5x5 stride 2 valid, 32 ch  -> relu1 [32, 15, 30]  -> pool1 max 2x2 -> [32, 7, 15]
  conv2 3x3 same, 64 ch            -> relu2 [64, 7, 15]
  conv3 3x3 same, 64 ch            -> relu3 [64, 7, 15]
  conv4 3x3 same, 64 ch            -> relu4 [64, 7, 15]
  avgpool 2x2 stride 2 valid       -> [64, 3, 7] -> flatten 1344
  fc 128                           -> relufc
  final 100 (word logits)
Convolutions are followed by batch norm during training; export folds it into the conv weights,
so the exported network is plain conv / relu / pool / dense. Padding is 'valid' for strided
layers and symmetric 1 for 3x3 stride-1 convs, which equals TF's 'same' exactly.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

# name, in, out, kernel, stride, padding ('valid' | 'same'), max pool after
CONVS = [
    ("conv0", 1, 16, 9, 3, "valid", True),
    ("conv1", 16, 32, 5, 2, "valid", True),
    ("conv2", 32, 64, 3, 1, "same", False),
    ("conv3", 64, 64, 3, 1, "same", False),
    ("conv4", 64, 64, 3, 1, "same", False),
]
FC = 128
N_CLASSES = 100
COCH_SHAPE = (211, 390)
FLAT_SHAPE_CHW = (64, 3, 7)


class CochCNN(nn.Module):
    def __init__(self, n_classes=N_CLASSES, dropout=0.3):
        super().__init__()
        for name, cin, cout, k, stride, pad, _ in CONVS:
            setattr(self, name, nn.Conv2d(cin, cout, k, stride=stride, padding=(k // 2 if pad == "same" else 0)))
            setattr(self, name + "_bn", nn.BatchNorm2d(cout))
        c, h, w = FLAT_SHAPE_CHW
        self.fc = nn.Linear(c * h * w, FC)
        self.final = nn.Linear(FC, n_classes)
        self.dropout = nn.Dropout(dropout)

    def stages(self, coch):
        """coch [B, 211, 390] -> dict of stage activations (torch NCHW layout)."""
        h = coch[:, None]
        out = {}
        for i, (name, *_, pool) in enumerate(CONVS):
            h = F.relu(getattr(self, name + "_bn")(getattr(self, name)(h)))
            out[f"relu{i}"] = h
            if pool:
                h = F.max_pool2d(h, 2, 2)
        h = F.avg_pool2d(h, 2, 2)
        out["avgpool"] = h
        h = F.relu(self.fc(self.dropout(torch.flatten(h, 1))))
        out["relufc"] = h
        out["final"] = self.final(h)
        return out

    def forward(self, coch):
        return self.stages(coch)["final"]


def folded_conv(model, name):
    """Conv weight [out, in, kh, kw] and bias with the (eval-mode) batch norm folded in."""
    conv, bn = getattr(model, name), getattr(model, name + "_bn")
    scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
    w = conv.weight * scale[:, None, None, None]
    b = (conv.bias - bn.running_mean) * scale + bn.bias
    return w.detach(), b.detach()
