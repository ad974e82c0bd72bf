"""PyTorch side of `npm run bench -- --vs-torch` (bench/bench-vs-torch.ts drives it).

    python3 bench/torch/vs_torch.py export CASE DIR   # seeded model -> DIR/model.onnx, weights, reference
    python3 bench/torch/vs_torch.py time CASE DIR N1 N2  # PyTorch steps/s on the same weights and stage

Cases (issue 11): `resnet96` (ResNet-50 bottleneck layout, base width 8, 96 px, stage layer2),
`alexnet224` (torchvision-width AlexNet, 224 px, stage relu1) and `cochleagram` (forward +
backward of the 2-s cochleagram, written in torch below from scripts/cochleagram_reference.py).

The loop is the paper's normalised-gradient step, the one src/engine/metamer-run.ts takes:
    L = ||A - A'(x)|| / ||A||,  x <- clamp(x - eta g / (||g|| + 1e-10), lo, hi)
on one thread (torch.set_num_threads(1)). Timing excludes start-up: the rate is the difference
of N2 and N1 steps over the difference of their process CPU times. Prints one JSON line.
"""
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "scripts", "models", "onnx_fixtures"))
import architectures as A  # noqa: E402
from seeded_weights import randomize  # noqa: E402

IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]
ETA = 0.01


def make_case(case):
    """(full model, truncated model up to the stage, image size, stage name)."""
    if case == "resnet96":
        m = randomize(A.ResNet((3, 4, 6, 3), base=8), 11)
        stem = nn.Sequential(m.conv1, m.bn1, m.relu, m.maxpool, m.layer1, m.layer2)
        return m, stem, 96, "layer2"
    if case == "alexnet224":
        m = randomize(A.AlexNet(widths=(64, 192, 384, 256, 256), hidden=4096), 12)
        return m, m.features[:5], 224, "relu1"
    raise SystemExit(f"unknown case {case!r} (resnet96, alexnet224, cochleagram)")


def image_spec(size):
    return {
        "modality": "image", "shape": [size, size, 3], "range": [0, 1], "init": {"mean": 0.5, "std": 0.05},
        "normalization": {"mean": IMAGENET_MEAN, "std": IMAGENET_STD}, "layout": "NCHW", "channelOrder": "RGB",
    }


def export(case, out):
    os.makedirs(out, exist_ok=True)
    if case == "cochleagram":
        with open(os.path.join(out, "meta.json"), "w") as f:
            json.dump({"case": case}, f)
        return
    model, _, size, stage = make_case(case)
    x = torch.zeros(1, 3, size, size)
    # Inplace ReLUs would alias the stage's output in torch; the export is what users run.
    torch.onnx.export(model, x, os.path.join(out, "model.onnx"), opset_version=13,
                      input_names=["input"], output_names=["logits"])
    torch.save(model.state_dict(), os.path.join(out, "weights.pt"))
    g = torch.Generator().manual_seed(5)
    reference = torch.rand((1, size, size, 3), generator=g)  # raw NHWC in [0, 1], the project's layout
    np.save(os.path.join(out, "reference.npy"), reference.numpy().astype(np.float32))
    with open(os.path.join(out, "input-spec.json"), "w") as f:
        json.dump(image_spec(size), f)
    with open(os.path.join(out, "meta.json"), "w") as f:
        json.dump({"case": case, "stage": stage, "size": size}, f)


def normalised_step_loop(f, reference, x0, lo, hi):
    """Returns step(n): n optimizer steps of the paper's loop on x (kept between calls)."""
    with torch.no_grad():
        target = f(reference).detach().clone()
        tnorm = target.norm()
    state = {"x": x0.clone()}

    def step(n):
        x = state["x"]
        for _ in range(n):
            x.requires_grad_(True)
            loss = (target - f(x)).norm() / tnorm
            (g,) = torch.autograd.grad(loss, x)
            with torch.no_grad():
                x = torch.clamp(x - g * (ETA / (g.norm() + 1e-10)), lo, hi)
        state["x"] = x.detach()
        return float(loss)

    return step


def image_loop(case, out):
    model, stem, size, _ = make_case(case)
    model.load_state_dict(torch.load(os.path.join(out, "weights.pt")))
    for mod in model.modules():
        if isinstance(mod, nn.ReLU):
            mod.inplace = False
    mean = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)

    def f(x_nhwc):
        return stem((x_nhwc.permute(0, 3, 1, 2) - mean) / std)

    reference = torch.from_numpy(np.load(os.path.join(out, "reference.npy")))
    g = torch.Generator().manual_seed(0)
    x0 = (0.5 + 0.05 * torch.randn((1, size, size, 3), generator=g)).clamp(0, 1)
    return normalised_step_loop(f, reference, x0, 0.0, 1.0)


# ---------------------------------------------------------------- cochleagram in torch
# The pipeline of scripts/cochleagram_reference.py (spec section 5), float32, autograd.
SR, N, N_BANDS, S, LOW, HIGH, ENV_SR, TAPS, BETA = 20000, 40000, 50, 4, 50.0, 10000.0, 200, 1001, 5.0
POWER, OFFSET, CLIP = 0.3, 1e-8, 5.0


def filterbank():
    sys.path.insert(0, os.path.join(HERE, "..", "..", "scripts"))
    import cochleagram_reference as R  # noqa: E402

    R.use(R.PAPER)
    return torch.from_numpy(R.filterbank()).float(), torch.from_numpy(R.kaiser_sinc()).float()


class Compress(torch.autograd.Function):
    """(max(x, 0) + offset)^power with the spec's fake-ReLU, clipped gradient."""

    @staticmethod
    def forward(ctx, x):
        shifted = torch.relu(x) + OFFSET
        ctx.save_for_backward(shifted)
        return shifted ** POWER

    @staticmethod
    def backward(ctx, dy):
        (shifted,) = ctx.saved_tensors
        return dy * torch.clamp(POWER * shifted ** (POWER - 1), -CLIP, CLIP)


def cochleagram_fn():
    filters, taps = filterbank()  # [211, 20001], [1001]
    half = N // 2 + 1
    factor = SR // ENV_SR
    kernel = taps.view(1, 1, -1)

    def coch(x):
        spec = torch.fft.rfft(x)  # [20001]
        full = torch.cat([filters * spec, torch.zeros((filters.shape[0], N - half), dtype=torch.complex64)], dim=1)
        env = torch.fft.ifft(full, dim=1).abs()  # [211, 40000]
        down = torch.nn.functional.conv1d(env.unsqueeze(1), kernel, stride=factor).squeeze(1)
        return Compress.apply(down)

    return coch


def cochleagram_loop():
    coch = cochleagram_fn()
    g = torch.Generator().manual_seed(1)
    x = 0.1 * torch.randn(N, generator=g)

    def step(n):
        for _ in range(n):
            xi = x.clone().requires_grad_(True)
            (gx,) = torch.autograd.grad(coch(xi).sum(), xi)
        return float(gx.norm())

    return step


def timed(step, n1, n2):
    step(1)  # warm-up (allocator, first-call set-up)
    # Process CPU time (all threads), as the Node side: other jobs on a shared machine do not inflate it.
    t0 = time.process_time()
    step(n1)
    t1 = time.process_time()
    step(n2)
    t2 = time.process_time()
    # Rate from the difference of the N2- and N1-step runs: constant per-call costs cancel.
    return (n2 - n1) / ((t2 - t1) - (t1 - t0))


def main():
    torch.set_num_threads(1)
    cmd, case, out = sys.argv[1], sys.argv[2], sys.argv[3]
    if cmd == "export":
        export(case, out)
        return
    n1, n2 = int(sys.argv[4]), int(sys.argv[5])
    step = cochleagram_loop() if case == "cochleagram" else image_loop(case, out)
    rate = timed(step, n1, n2)
    print(json.dumps({
        "case": case, "stepsPerSecond": rate, "torch": torch.__version__, "threads": torch.get_num_threads(),
        "numpy": np.__version__, "python": sys.version.split()[0],
    }))


if __name__ == "__main__":
    main()
