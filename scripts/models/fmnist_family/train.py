"""Trains the Fashion-MNIST family that measures who else is fooled by a metamer (issue 15):
random-seed twins of fmnist-alexnet and of its robust twin, and a small ResNet.

  fmnist-alexnet-seed1, fmnist-alexnet-seed2   FashionAlexNet, same recipe as fmnist-alexnet
                                               (seed 0), other seed (weights init + batch order)
  fmnist-alexnet-robust-seed1                  fine-tuned from fmnist-alexnet-seed1 on L2-PGD
                                               examples, same recipe as fmnist-alexnet-robust
  fmnist-resnet                                FashionResNet (resnet.py), exported to ONNX

One model per call (`--model ID`); each writes models/<ID>/ (weights, training.json,
natural.bin and references/ identical to fmnist-alexnet's: the same seeded test subsets) and
its entry of test/fixtures/fmnist/family-outputs.json (torch's logits and held-out
predictions, for the parity and accuracy tests). The recipes come from
../fmnist_alexnet/train.py; run with /usr/bin/python3 (Debian python3-torch, python3-onnx,
dataset-fashion-mnist).
"""
import argparse
import importlib.util
import json
import os
import sys

import numpy as np
import torch

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "fmnist_alexnet"))
sys.path.insert(0, HERE)
import data  # noqa: E402
from export_onnx import write_onnx  # noqa: E402
from export_tfjs import write_layers_model  # noqa: E402
from net import PIXEL_MEAN, PIXEL_STD, FashionAlexNet  # noqa: E402
from pgd import l2_pgd  # noqa: E402
from resnet import FashionResNet  # noqa: E402

# ../fmnist_alexnet/train.py (this file has the same module name): its training loop, accuracy
# and adversarial accuracy are the recipe every model of the family shares.
_spec = importlib.util.spec_from_file_location("fmnist_alexnet_train", os.path.join(HERE, "..", "fmnist_alexnet", "train.py"))
recipe = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(recipe)

REPO = recipe.REPO
FIXTURE = os.path.join(REPO, "test", "fixtures", "fmnist", "family-outputs.json")
FIXTURE_IMAGES = 8
# id -> (architecture, kind, seed, initialised from)
MODELS = {
    "fmnist-alexnet-seed1": ("alexnet", "standard", 1, None),
    "fmnist-alexnet-seed2": ("alexnet", "standard", 2, None),
    "fmnist-alexnet-robust-seed1": ("alexnet", "robust", 1, "fmnist-alexnet-seed1"),
    "fmnist-resnet": ("resnet", "standard", 0, None),
}
log = recipe.log


def write_files(model, model_id, arch, record, test_images, natural, references):
    out = os.path.join(REPO, "models", model_id)
    os.makedirs(os.path.join(out, "references"), exist_ok=True)
    if arch == "alexnet":
        write_layers_model(model, model_id.replace("-", "_"), os.path.join(out, "model.json"),
                           os.path.join(out, "weights.bin"))
    else:
        write_onnx(model, os.path.join(out, "model.onnx"))
    recipe.write_model_data(out, record, test_images, natural, references)


def write_fixture(model, model_id, xh):
    doc = json.load(open(FIXTURE)) if os.path.exists(FIXTURE) else {"models": {}}
    doc["note"] = ("torch's outputs of the family models on the committed held-out set "
                   "(heldout-images.u8): logits of the first 8 images, argmax of all 200")
    model.eval()
    with torch.no_grad():
        logits = model(xh[:FIXTURE_IMAGES])
        preds = model(xh).argmax(1)
    doc["models"][model_id] = {"logits": [[float(v) for v in row] for row in logits],
                               "heldoutPredictions": [int(v) for v in preds]}
    doc["models"] = dict(sorted(doc["models"].items()))
    with open(FIXTURE, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    log(f"wrote {FIXTURE}")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, choices=sorted(MODELS))
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--robust-epochs", type=int, default=2)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--robust-lr", type=float, default=1e-3)
    p.add_argument("--eps", type=float, default=1.0)
    p.add_argument("--train-steps", type=int, default=3)
    p.add_argument("--eval-steps", type=int, default=20)
    p.add_argument("--adv-eval-count", type=int, default=2000)
    p.add_argument("--train-limit", type=int, default=0, help="use only the first N training images (smoke tests)")
    p.add_argument("--cache", default="/tmp/fmnist-family-cache",
                   help="torch state dicts (a robust twin starts from its standard twin's)")
    args = p.parse_args()
    arch, kind, seed, parent = MODELS[args.model]
    torch.set_num_threads(args.threads)

    train_images, train_labels = data.load("train")
    test_images, test_labels = data.load("t10k")
    natural, heldout, reference_idx = data.test_subsets(test_labels)
    if args.train_limit > 0:
        train_images, train_labels = train_images[:args.train_limit], train_labels[:args.train_limit]
    xtr, ytr = recipe.to_tensor(train_images), torch.from_numpy(train_labels.astype(np.int64))
    xte, yte = recipe.to_tensor(test_images), torch.from_numpy(test_labels.astype(np.int64))
    adv_x, adv_y = xte[:args.adv_eval_count], yte[:args.adv_eval_count]
    record = {
        "dataset": "Fashion-MNIST (Xiao, Rasul & Vollgraf 2017), Debian package dataset-fashion-mnist; "
                   "60,000 training images; accuracies on the 10,000 test images",
        "datasetLicence": "MIT (Zalando Research)",
        "torchVersion": torch.__version__,
        "threads": args.threads,
        "seed": seed,
        "batchSize": recipe.BATCH,
        "pixelMean": PIXEL_MEAN,
        "pixelStd": PIXEL_STD,
        "id": args.model,
        "architecture": arch,
    }
    os.makedirs(args.cache, exist_ok=True)
    torch.manual_seed(seed)
    np.random.seed(seed)
    if kind == "standard":
        model = FashionAlexNet() if arch == "alexnet" else FashionResNet()
        secs = recipe.train(model, xtr, ytr, args.epochs, args.lr, seed, label=args.model)
        record["training"] = {"kind": "standard", "epochs": args.epochs, "optimizer": "Adam",
                              "learningRate": args.lr, "schedule": "cosine to 0 over all steps",
                              "seconds": round(secs)}
    else:
        parent_file = os.path.join(args.cache, f"{parent}.pt")
        if not os.path.exists(parent_file):
            raise SystemExit(f"{parent_file} not found: train --model {parent} first")
        model = FashionAlexNet()
        model.load_state_dict(torch.load(parent_file))

        def adversary(m, xb, yb, gen):
            return l2_pgd(m, xb, yb, args.eps, args.train_steps, generator=gen)

        secs = recipe.train(model, xtr, ytr, args.robust_epochs, args.robust_lr, seed + 1,
                            adversary=adversary, label=args.model)
        record["training"] = {
            "kind": "adversarial (L2 PGD)", "initialisedFrom": parent, "epochs": args.robust_epochs,
            "optimizer": "Adam", "learningRate": args.robust_lr, "schedule": "cosine to 0 over all steps",
            "attack": {"norm": "L2", "eps": args.eps, "steps": args.train_steps,
                       "stepSize": 2.5 * args.eps / args.train_steps, "randomStart": True},
            "seconds": round(secs)}
    torch.save(model.state_dict(), os.path.join(args.cache, f"{args.model}.pt"))

    clean = recipe.accuracy(model, xte, yte)
    adv = recipe.adversarial_accuracy(model, adv_x, adv_y, args.eps, args.eval_steps, seed=7)
    held = recipe.accuracy(model, xte[heldout], yte[heldout])
    log(f"{args.model}: clean {clean:.4f}, L2-PGD {adv:.4f}, held-out {held:.4f}")
    record["accuracy"] = {
        "clean": clean,
        "adversarial": {"norm": "L2", "eps": args.eps, "steps": args.eval_steps,
                        "stepSize": 2.5 * args.eps / args.eval_steps, "randomStart": True,
                        "images": args.adv_eval_count,
                        "imagesNote": f"the first {args.adv_eval_count} of the 10,000 test images",
                        "accuracy": adv},
        "heldout": {"count": len(heldout), "accuracy": held},
    }
    references = [(data.CLASSES[c], i) for c, i in enumerate(reference_idx)]
    write_files(model, args.model, arch, record, test_images, natural, references)
    write_fixture(model, args.model, xte[heldout])


if __name__ == "__main__":
    main()
