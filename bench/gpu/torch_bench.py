"""The PyTorch side of the GPU benchmark (bench/gpu/): the paper's metamer loop in PyTorch on the
same weights and stages as the project's WebGPU loop.

    python3 torch_bench.py --onnx-dir onnx --models-dir models --out torch.json [--device cuda]
                           [--steps 30] [--warmup 3] [--skip-onnx] [--small]

1. Builds AlexNet and ResNet-50 at torchvision widths (224 x 224 RGB, 1000 classes) with seeded
   random weights (no weights are shipped: the pack stays small), exports each to ONNX (opset 13)
   with its input spec, and lists them in <onnx-dir>/index.json: the project imports exactly these
   files, so both sides run the same weights. --small builds the narrow test-fixture widths instead
   (a quick dry run on a CPU).
2. Times the loop (loss ||A - A'|| / ||A|| at the stage, x <- clamp(x - eta g / ||g||, range), the
   loss read back every step as the project does) at each model's first and last stage: the ONNX
   models, and the built-in Fashion-MNIST pair (weights read from their TF.js files).
3. Times the cochleagram of a 2-s clip (spec section 5, the same filters: torch.fft instead of the
   project's matMul factorisation), forward and forward+backward.

Needs torch and numpy (torchvision not needed). Results: JSON with the device, versions and rows.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
# In the pack these modules sit in py/; in the repository, where pack.ts copies them from.
for d in ["py", "../../scripts/models/onnx_fixtures", "../../scripts"]:
    sys.path.insert(0, os.path.join(HERE, d))
import architectures as A  # noqa: E402  (scripts/models/onnx_fixtures/architectures.py)
import cochleagram_reference as coch_ref  # noqa: E402  (scripts/cochleagram_reference.py)
from seeded_weights import randomize  # noqa: E402  (scripts/models/onnx_fixtures/seeded_weights.py)

IMAGENET = {"mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]}
IMAGE_SPEC = {
    "modality": "image", "shape": [224, 224, 3], "range": [0, 1], "init": {"mean": 0.5, "std": 0.05},
    "normalization": IMAGENET, "layout": "NCHW", "channelOrder": "RGB",
}


def onnx_models(small):
    """(name, model, {stage: function of the normalised NCHW input}, description)."""
    alex = randomize(A.AlexNet(widths=(16, 48, 96, 64, 64), hidden=64) if small else
                     A.AlexNet(widths=(64, 192, 384, 256, 256), hidden=4096), 500)
    res = randomize(A.ResNet((3, 4, 6, 3), base=8) if small else A.ResNet((3, 4, 6, 3), base=64), 501)
    size = "narrow test widths" if small else "torchvision widths"
    return [
        ("alexnet-224", alex, {"relu0": lambda x: alex.features[:2](x), "final": alex}, f"AlexNet, {size}, 224 x 224 RGB, seeded random weights"),
        ("resnet50-224", res, {"conv1_relu1": lambda x: res.relu(res.bn1(res.conv1(x))), "final": res},
         f"ResNet-50, {size}, 224 x 224 RGB, seeded random weights"),
    ]


def export_onnx(models, onnx_dir):
    os.makedirs(onnx_dir, exist_ok=True)
    index = []
    x = torch.zeros(1, 3, 224, 224)
    for name, model, stages, description in models:
        path = os.path.join(onnx_dir, f"{name}.onnx")
        torch.onnx.export(model, x, path, opset_version=13, input_names=["input"], output_names=["logits"])
        with open(os.path.join(onnx_dir, f"{name}.input-spec.json"), "w") as f:
            json.dump(IMAGE_SPEC, f, indent=2)
        index.append({"name": name, "file": f"{name}.onnx", "inputSpec": f"{name}.input-spec.json",
                      "stages": list(stages), "description": description})
        print(f"  exported {name}: {os.path.getsize(path) / 1e6:.1f} MB", file=sys.stderr)
    with open(os.path.join(onnx_dir, "index.json"), "w") as f:
        json.dump(index, f, indent=2)


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def time_loop(stage_fn, reference, lo, hi, steps, warmup, device, seed=0):
    """Steps/s of the paper's normalised gradient descent on x (raw input range [lo, hi]); the
    loss is read back every step (loss.item()), as the project's engine does."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        target = stage_fn(reference)
        target_norm = target.norm()
    x = (torch.randn(reference.shape, generator=g).to(reference.device) * (hi - lo) / 20 + (lo + hi) / 2).clamp(lo, hi)
    eta = 1.0

    def step(x):
        x = x.detach().requires_grad_(True)
        loss = (stage_fn(x) - target).norm() / target_norm
        (grad,) = torch.autograd.grad(loss, x)
        with torch.no_grad():
            x = (x - eta * grad / (grad.norm() + 1e-10)).clamp(lo, hi)
        loss.item()
        return x

    for _ in range(warmup):
        x = step(x)
    sync(device)
    t0 = time.perf_counter()
    for _ in range(steps):
        x = step(x)
    sync(device)
    return steps / (time.perf_counter() - t0)


def image_stage(fn, mean, std, device):
    """Raw NHWC [0, 1] image -> normalised NCHW -> the stage (the project's input convention)."""
    m = torch.tensor(mean, device=device).view(1, 1, 1, -1)
    s = torch.tensor(std, device=device).view(1, 1, 1, -1)
    return lambda x: fn(((x - m) / s).permute(0, 3, 1, 2))


# ---------------------------------------------------------------- Fashion-MNIST pair (TF.js weights)

def load_layers_weights(model_dir):
    with open(os.path.join(model_dir, "model.json")) as f:
        spec = json.load(f)
    weights = {}
    for group in spec["weightsManifest"]:
        data = b"".join(open(os.path.join(model_dir, p), "rb").read() for p in group["paths"])
        offset = 0
        for w in group["weights"]:
            n = int(np.prod(w["shape"]))
            weights[w["name"]] = np.frombuffer(data, dtype=np.float32, count=n, offset=offset).reshape(w["shape"])
            offset += 4 * n
    return spec, weights


def fmnist_stages(model_dir, device):
    """Stage functions of the fmnist AlexNet (manifest stage names) on raw [1, 28, 28, 1] input,
    with the TF.js weights: conv kernels HWIO -> OIHW, the first dense layer's rows from NHWC to
    NCHW flatten order."""
    with open(os.path.join(model_dir, "manifest.json")) as f:
        manifest = json.load(f)
    _, w = load_layers_weights(model_dir)
    t = lambda a: torch.tensor(np.ascontiguousarray(a), device=device)  # noqa: E731
    convs = [(t(w[f"conv{i}/kernel"].transpose(3, 2, 0, 1)), t(w[f"conv{i}/bias"])) for i in range(5)]
    k0 = w["fc0/kernel"]  # [3*3*32 (h, w, c), 128]
    k0 = k0.reshape(3, 3, 32, -1).transpose(2, 0, 1, 3).reshape(288, -1)
    fcs = [(t(k0.T), t(w["fc0/bias"])), (t(w["fc1/kernel"].T), t(w["fc1/bias"])), (t(w["final/kernel"].T), t(w["final/bias"]))]
    norm = manifest["inputSpec"]["normalization"]
    mean, std = norm["mean"][0], norm["std"][0]
    pools = {0, 1, 4}

    def upto(stage):
        def f(x):
            h = ((x - mean) / std).permute(0, 3, 1, 2)
            for i, (k, b) in enumerate(convs):
                h = F.relu(F.conv2d(h, k, b, padding=k.shape[-1] // 2))
                if stage == f"relu{i}":
                    return h
                if i in pools:
                    h = F.max_pool2d(h, 2, 2)
            h = h.flatten(1)
            for name, (k, b) in zip(["fc0_relu", "fc1_relu", "final"], fcs):
                h = F.linear(h, k, b)
                if name != "final":
                    h = F.relu(h)
                if stage == name:
                    return h
            raise ValueError(stage)
        return f

    return manifest, upto


# ---------------------------------------------------------------- cochleagram

class TorchCochleagram(torch.nn.Module):
    """Spec section 5 with torch.fft, differentiable: rfft -> half-cosine filters (one-sided) ->
    ifft (analytic signal) -> magnitude -> Kaiser sinc to 200 Hz (valid, stride 100) -> (x + 1e-8)^0.3."""

    def __init__(self, device):
        super().__init__()
        coch_ref.use(coch_ref.PAPER)
        self.filters = torch.tensor(coch_ref.filterbank(), dtype=torch.float32, device=device)
        self.taps = torch.tensor(coch_ref.kaiser_sinc(), dtype=torch.float32, device=device).view(1, 1, -1)
        self.n = coch_ref.N
        self.factor = coch_ref.SR // coch_ref.ENV_SR

    def forward(self, x):
        spec = torch.fft.rfft(x.view(1, -1))
        env = torch.fft.ifft(spec * self.filters, n=self.n, dim=-1).abs()
        out = F.conv1d(env[:, None], self.taps, stride=self.factor)[:, 0]
        return (F.relu(out) + coch_ref.OFFSET) ** coch_ref.POWER


def time_cochleagram(device, repeats):
    coch = TorchCochleagram(device)
    g = torch.Generator().manual_seed(1)
    x = (torch.randn(coch_ref.N, generator=g) * 0.1).to(device)

    def forward():
        with torch.no_grad():
            return coch(x)

    def backward():
        xx = x.detach().requires_grad_(True)
        (grad,) = torch.autograd.grad(coch(xx).sum(), xx)
        return grad

    out = {}
    for name, fn in [("cochleagram forward", forward), ("cochleagram forward+backward", backward)]:
        fn().cpu()
        t0 = time.perf_counter()
        for _ in range(repeats):
            fn().cpu()  # the result read back, as the project's benchmark does
        out[name] = (time.perf_counter() - t0) / repeats * 1000
    return out


# ---------------------------------------------------------------- main

def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--onnx-dir", default="onnx")
    p.add_argument("--models-dir", default="models")
    p.add_argument("--out", default="torch.json")
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--cochleagram-repeats", type=int, default=10)
    p.add_argument("--small", action="store_true", help="narrow ONNX models (a quick CPU dry run)")
    p.add_argument("--threads", type=int, default=0, help="CPU threads (0: torch's default)")
    args = p.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    torch.backends.cudnn.benchmark = True
    rows = []

    def record(model, stage, fn):
        try:
            sps = fn()
            rows.append({"case": "optimizer", "model": model, "stage": stage, "stepsPerSecond": sps})
            print(f"  {model} {stage}: {sps:.2f} steps/s", file=sys.stderr)
        except Exception as e:  # one failing case must not lose the others
            rows.append({"case": "optimizer", "model": model, "stage": stage, "error": f"{type(e).__name__}: {e}"})
            print(f"  {model} {stage}: FAILED {e}", file=sys.stderr)

    models = onnx_models(args.small)
    export_onnx(models, args.onnx_dir)
    g = torch.Generator().manual_seed(11)
    reference = (torch.randn(1, 224, 224, 3, generator=g) * 0.25 + 0.5).clamp(0, 1).to(device)
    for name, model, stages, _ in models:
        model.to(device)
        for stage, fn in stages.items():
            record(name, stage, lambda: time_loop(image_stage(fn, IMAGENET["mean"], IMAGENET["std"], device), reference, 0.0, 1.0, args.steps, args.warmup, device))
        model.cpu()

    for mid in ["fmnist-alexnet", "fmnist-alexnet-robust"]:
        model_dir = os.path.join(args.models_dir, mid)
        if not os.path.exists(os.path.join(model_dir, "manifest.json")):
            continue
        manifest, upto = fmnist_stages(model_dir, device)
        # A seeded image (the content of the reference does not change the time of a step).
        shape = manifest["inputSpec"]["shape"]
        ref = (torch.rand([1, *shape], generator=torch.Generator().manual_seed(12))).to(device)
        names = [s["name"] for s in manifest["stages"]]
        for stage in [names[0], names[-1]]:
            record(mid, stage, lambda: time_loop(upto(stage), ref, 0.0, 1.0, args.steps, args.warmup, device))

    if args.cochleagram_repeats > 0:
        for name, ms in time_cochleagram(device, args.cochleagram_repeats).items():
            rows.append({"case": name, "ms": ms})
            print(f"  {name}: {ms:.1f} ms", file=sys.stderr)

    gpu = torch.cuda.get_device_name(device) if device.type == "cuda" else None
    result = {
        "side": "pytorch", "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "torch": torch.__version__,
        "cuda": torch.version.cuda, "device": args.device, "gpu": gpu, "threads": torch.get_num_threads(),
        "steps": args.steps, "warmup": args.warmup, "small": args.small, "rows": rows,
    }
    with open(args.out, "w") as f:
        json.dump(result, f, indent=2)
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
