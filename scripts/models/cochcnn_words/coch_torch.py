"""The project's cochleagram (spec section 5) in torch, batched, for training.

Same filterbank and Kaiser-sinc taps as scripts/cochleagram_reference.py (imported from there,
float64, cast to float32 here); the pipeline (rfft -> filters -> one-sided spectrum -> ifft ->
magnitude -> strided cross-correlation -> compression) is vectorised over a batch with torch.fft.
Forward only (training needs no gradient w.r.t. the audio). `check()` compares it with the float64
reference on a few clips.
"""
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
import cochleagram_reference as ref  # noqa: E402

ref.use(ref.PAPER)


class TorchCochleagram:
    def __init__(self):
        self.filters = torch.tensor(ref.filterbank(), dtype=torch.float32)  # [211, 20001]
        self.taps = torch.tensor(ref.kaiser_sinc(), dtype=torch.float32).view(1, 1, -1)  # [1, 1, 1001]
        self.n = ref.N
        self.factor = ref.SR // ref.ENV_SR

    @torch.no_grad()
    def __call__(self, x, block=8):
        """x: float32 [B, 40000] -> [B, 211, 390]. Channels go through in blocks of `block`:
        a [block, 40000] complex buffer stays in cache (2x faster than all 211 at once)."""
        spec = torch.fft.rfft(x.to(torch.float64)).to(torch.complex64)  # [B, 20001]
        out = torch.empty(x.shape[0], self.filters.shape[0], (self.n - self.taps.shape[-1]) // self.factor + 1)
        for b in range(x.shape[0]):
            for s in range(0, self.filters.shape[0], block):
                # ifft with n = N zero-pads the one-sided product: the negative frequencies are 0.
                env = torch.fft.ifft(spec[b][None] * self.filters[s: s + block], n=self.n, dim=-1).abs()
                out[b, s: s + block] = F.conv1d(env[:, None], self.taps, stride=self.factor)[:, 0]
        return (out.clamp_min(0) + ref.OFFSET) ** ref.POWER


def check(clips):
    """Max relative error (max |diff| / max |ref|) against the float64 reference."""
    coch = TorchCochleagram()
    filters, h = ref.filterbank(), ref.kaiser_sinc()
    ours = coch(torch.tensor(np.asarray(clips, dtype=np.float32))).numpy()
    worst = 0.0
    for i, x in enumerate(clips):
        r = ref.cochleagram(np.asarray(x, dtype=np.float32).astype(np.float64), filters, h)
        worst = max(worst, float(np.max(np.abs(ours[i] - r)) / np.max(np.abs(r))))
    return worst
