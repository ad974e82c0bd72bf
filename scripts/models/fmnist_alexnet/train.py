"""Trains the standard and the adversarially robust AlexNet-style CNN on Fashion-MNIST and
writes everything the Node side of `npm run build:model -- fmnist-alexnet[-robust]` needs:

  models/<id>/model.json, weights.bin   TF.js LayersModel (export_tfjs.py)
  models/<id>/training.json             hyper-parameters, timings, accuracies (-> manifest, card)
  models/<id>/natural.bin               256 test images (raw uint8 [256, 28, 28]): null-distribution pool
                                        (.bin: the app serves and copies only known extensions)
  models/<id>/references/*.png          one held-out test image per class
  test/fixtures/fmnist/                 200 held-out test images + labels, torch outputs

Needs Debian's python3-torch and dataset-fashion-mnist; run with /usr/bin/python3.
Standard: Adam, cosine learning rate, cross-entropy on clean images. Robust twin: fine-tuned
from the standard weights on L2-PGD adversarial examples (Madry et al. 2018). All seeds fixed.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.dont_write_bytecode = True  # no __pycache__ next to the committed sources
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import data  # noqa: E402
from export_tfjs import write_layers_model  # noqa: E402
from net import PIXEL_MEAN, PIXEL_STD, FashionAlexNet  # noqa: E402
from pgd import l2_pgd  # noqa: E402
from png import write_grey_png  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
STANDARD_ID = "fmnist-alexnet"
ROBUST_ID = "fmnist-alexnet-robust"
SEED = 0
BATCH = 128
TORCH_FIXTURE_IMAGES = 8


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def to_tensor(images):
    return torch.from_numpy(images.astype(np.float32) / 255.0).unsqueeze(1)


def train(model, x, y, epochs, lr, seed, adversary=None, label=""):
    """Adam with a cosine learning-rate decay to 0; `adversary(model, xb, yb)` replaces each
    batch by adversarial examples (robust training)."""
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    batches = (len(x) + BATCH - 1) // BATCH
    total = epochs * batches
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 0.5 * (1 + np.cos(np.pi * s / total)))
    t0 = time.time()
    for epoch in range(epochs):
        order = torch.randperm(len(x), generator=gen)
        running, correct, seen = 0.0, 0, 0
        for b in range(batches):
            idx = order[b * BATCH:(b + 1) * BATCH]
            xb, yb = x[idx], y[idx]
            if adversary is not None:
                model.eval()
                xb = adversary(model, xb, yb, gen)
                model.train()
            logits = model(xb)
            loss = F.cross_entropy(logits, yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            running += loss.item() * len(idx)
            correct += (logits.argmax(1) == yb).sum().item()
            seen += len(idx)
            if (b + 1) % 100 == 0 or b + 1 == batches:
                log(f"{label} epoch {epoch + 1}/{epochs} batch {b + 1}/{batches} "
                    f"loss {running / seen:.4f} train-acc {correct / seen:.4f} ({time.time() - t0:.0f} s)")
    return time.time() - t0


@torch.no_grad()
def accuracy(model, x, y):
    model.eval()
    correct = 0
    for i in range(0, len(x), 1000):
        correct += (model(x[i:i + 1000]).argmax(1) == y[i:i + 1000]).sum().item()
    return correct / len(x)


def adversarial_accuracy(model, x, y, eps, steps, seed):
    model.eval()
    gen = torch.Generator().manual_seed(seed)
    correct = 0
    for i in range(0, len(x), 500):
        xa = l2_pgd(model, x[i:i + 500], y[i:i + 500], eps, steps, generator=gen)
        with torch.no_grad():
            correct += (model(xa).argmax(1) == y[i:i + 500]).sum().item()
    return correct / len(x)


def write_model(model, model_id, record, test_images, natural, references):
    out = os.path.join(REPO, "models", model_id)
    os.makedirs(os.path.join(out, "references"), exist_ok=True)
    write_layers_model(model, model_id.replace("-", "_"), os.path.join(out, "model.json"),
                       os.path.join(out, "weights.bin"))
    write_model_data(out, record, test_images, natural, references)


def write_model_data(out, record, test_images, natural, references):
    """The files beside the weights in models/<id>/ (shared by the family's train.py): the
    natural images, the reference PNGs and training.json with both listed."""
    test_images[natural].tofile(os.path.join(out, "natural.bin"))
    refs = []
    for label, idx in references:
        slug = label.lower().replace("/", "-").replace(" ", "-")
        path = f"references/{slug}.png"
        write_grey_png(os.path.join(out, path), test_images[idx])
        refs.append({"path": path, "label": label, "testIndex": int(idx)})
    record["references"] = refs
    record["natural"] = {"path": "natural.bin", "shape": [len(natural), 28, 28],
                         "testIndices": [int(i) for i in natural]}
    with open(os.path.join(out, "training.json"), "w") as f:
        json.dump(record, f, indent=1)
        f.write("\n")
    log(f"wrote {out}")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--threads", type=int, default=2, help="torch CPU threads (1 is faster on a busy 2-core machine)")
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--robust-epochs", type=int, default=2)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--robust-lr", type=float, default=1e-3)
    p.add_argument("--eps", type=float, default=1.0, help="L2 radius in [0,1] pixel units")
    p.add_argument("--train-steps", type=int, default=3, help="PGD steps during robust training")
    p.add_argument("--eval-steps", type=int, default=20, help="PGD steps for the adversarial accuracy")
    p.add_argument("--adv-eval-count", type=int, default=2000, help="test images attacked for the adversarial accuracy")
    p.add_argument("--train-limit", type=int, default=0, help="use only the first N training images (smoke tests)")
    p.add_argument("--cache", default="/tmp/fmnist-alexnet-train-cache",
                   help="where the torch state dicts and records are kept (for --export-only)")
    p.add_argument("--export-only", action="store_true",
                   help="skip training: reload the cached state dicts and records, rewrite the outputs")
    args = p.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(SEED)
    np.random.seed(SEED)

    train_images, train_labels = data.load("train")
    test_images, test_labels = data.load("t10k")
    natural, heldout, reference_idx = data.test_subsets(test_labels)
    if args.train_limit > 0:
        train_images, train_labels = train_images[:args.train_limit], train_labels[:args.train_limit]
    xtr, ytr = to_tensor(train_images), torch.from_numpy(train_labels.astype(np.int64))
    xte, yte = to_tensor(test_images), torch.from_numpy(test_labels.astype(np.int64))
    log(f"train {tuple(xtr.shape)}, test {tuple(xte.shape)}; pixel mean {xtr.mean():.4f} std {xtr.std():.4f} "
        f"(net.py uses {PIXEL_MEAN}, {PIXEL_STD})")
    adv_x, adv_y = xte[:args.adv_eval_count], yte[:args.adv_eval_count]

    common = {
        "dataset": "Fashion-MNIST (Xiao, Rasul & Vollgraf 2017), Debian package dataset-fashion-mnist; "
                   "60,000 training images; accuracies on the 10,000 test images",
        "datasetLicence": "MIT (Zalando Research)",
        "torchVersion": torch.__version__,
        "threads": args.threads,
        "seed": SEED,
        "batchSize": BATCH,
        "pixelMean": PIXEL_MEAN,
        "pixelStd": PIXEL_STD,
    }
    attack = {"norm": "L2", "eps": args.eps, "steps": args.eval_steps, "stepSize": 2.5 * args.eps / args.eval_steps,
              "randomStart": True, "images": args.adv_eval_count,
              "imagesNote": f"the first {args.adv_eval_count} of the 10,000 test images"}

    def evaluate(model, label):
        clean = accuracy(model, xte, yte)
        adv = adversarial_accuracy(model, adv_x, adv_y, args.eps, args.eval_steps, seed=SEED + 7)
        held = accuracy(model, xte[heldout], yte[heldout])
        log(f"{label}: clean test accuracy {clean:.4f}; L2-PGD (eps {args.eps}, {args.eval_steps} steps) "
            f"accuracy {adv:.4f} on {len(adv_x)} images; held-out {held:.4f}")
        return {"clean": clean, "adversarial": {**attack, "accuracy": adv},
                "heldout": {"count": len(heldout), "accuracy": held}}

    cache_file = os.path.join(args.cache, "trained.pt")
    if args.export_only:
        saved = torch.load(cache_file)
        standard, robust = FashionAlexNet(), FashionAlexNet()
        standard.load_state_dict(saved["standard"])
        robust.load_state_dict(saved["robust"])
        std_record, rob_record = saved["records"]
        log(f"reloaded {cache_file}")
    else:
        # Standard model.
        torch.manual_seed(SEED)
        standard = FashionAlexNet()
        secs = train(standard, xtr, ytr, args.epochs, args.lr, SEED, label="standard")
        std_record = {**common, "id": STANDARD_ID, "training": {
            "kind": "standard", "epochs": args.epochs, "optimizer": "Adam", "learningRate": args.lr,
            "schedule": "cosine to 0 over all steps", "seconds": round(secs)}}
        std_record["accuracy"] = evaluate(standard, "standard")

        # Robust twin: fine-tuned from the standard weights on L2-PGD examples.
        robust = FashionAlexNet()
        robust.load_state_dict(standard.state_dict())

        def adversary(model, xb, yb, gen):
            return l2_pgd(model, xb, yb, args.eps, args.train_steps, generator=gen)

        secs = train(robust, xtr, ytr, args.robust_epochs, args.robust_lr, SEED + 1, adversary=adversary, label="robust")
        rob_record = {**common, "id": ROBUST_ID, "training": {
            "kind": "adversarial (L2 PGD)", "initialisedFrom": STANDARD_ID, "epochs": args.robust_epochs,
            "optimizer": "Adam", "learningRate": args.robust_lr, "schedule": "cosine to 0 over all steps",
            "attack": {"norm": "L2", "eps": args.eps, "steps": args.train_steps,
                       "stepSize": 2.5 * args.eps / args.train_steps, "randomStart": True},
            "seconds": round(secs)}}
        rob_record["accuracy"] = evaluate(robust, "robust")
        os.makedirs(args.cache, exist_ok=True)
        torch.save({"standard": standard.state_dict(), "robust": robust.state_dict(),
                    "records": (std_record, rob_record)}, cache_file)

    references = [(data.CLASSES[c], i) for c, i in enumerate(reference_idx)]
    for model, model_id, record in ((standard, STANDARD_ID, std_record), (robust, ROBUST_ID, rob_record)):
        write_model(model, model_id, record, test_images, natural, references)

    # Test fixtures: the held-out set and torch's own outputs on it.
    fx = os.path.join(REPO, "test", "fixtures", "fmnist")
    os.makedirs(fx, exist_ok=True)
    test_images[heldout].tofile(os.path.join(fx, "heldout-images.u8"))
    test_labels[heldout].astype(np.uint8).tofile(os.path.join(fx, "heldout-labels.u8"))
    outputs = {"heldoutTestIndices": [int(i) for i in heldout], "classes": data.CLASSES, "models": {}}
    xh = xte[heldout]
    for model, model_id in ((standard, STANDARD_ID), (robust, ROBUST_ID)):
        model.eval()
        with torch.no_grad():
            logits, stages = model(xh[:TORCH_FIXTURE_IMAGES], return_stages=True)
            preds = model(xh).argmax(1)
        outputs["models"][model_id] = {
            "logits": [[float(v) for v in row] for row in logits],
            # Sum and sum of squares of every stage for held-out image 0: layout-independent
            # checks that each stage name maps to the same activation in tfjs.
            "stageSums": {k: float(v[0].sum()) for k, v in stages.items()},
            "stageSquares": {k: float((v[0] ** 2).sum()) for k, v in stages.items()},
            "heldoutPredictions": [int(v) for v in preds],
        }
    with open(os.path.join(fx, "torch-outputs.json"), "w") as f:
        json.dump(outputs, f, indent=1)
        f.write("\n")
    log(f"wrote {fx}")


if __name__ == "__main__":
    main()
