#!/usr/bin/env python3
"""Trains the CochCNN9-style word network on the cached cochleagrams (cache_cochleagrams.py).

Adam with one-cycle learning rate, batch 64, random time shifts of up to +-15 frames
(75 ms), dropout 0.3 before fc, batch norm (folded at export). Accuracy is reported on the
test split, whose voices are held out (make_dataset.py). Writes /tmp/cochcnn-words/model.pt and
a JSON summary (--summary).

Run: /usr/bin/python3 scripts/models/cochcnn_words/train.py [--epochs 20] [--threads 2]
"""
import argparse
import glob
import json
import os
import time

import numpy as np
import torch
import torch.nn.functional as F

from net import CochCNN

SEED = 5


def load_chunks(data_dir, split, limit=None):
    files = sorted(glob.glob(os.path.join(data_dir, f"coch-{split}", "chunk-*.npz")))
    if limit:
        files = files[:limit]
    idx, coch = [], []
    for f in files:
        d = np.load(f)
        idx.append(d["index"])
        coch.append(d["coch"])
    y = np.load(os.path.join(data_dir, f"{split}.npz"))["y"]
    idx = np.concatenate(idx)
    return torch.tensor(np.concatenate(coch)), torch.tensor(y[idx].astype(np.int64)), idx


def shift(batch, max_shift, gen):
    """Random circular-free time shift: frames move by s, vacated frames take the batch minimum."""
    if max_shift == 0:
        return batch
    out = torch.empty_like(batch)
    for i in range(batch.shape[0]):
        s = int(torch.randint(-max_shift, max_shift + 1, (1,), generator=gen))
        row = batch[i]
        fill = row.min()
        if s > 0:
            out[i, :, :s] = fill
            out[i, :, s:] = row[:, :-s]
        elif s < 0:
            out[i, :, s:] = fill
            out[i, :, :s] = row[:, -s:]
        else:
            out[i] = row
    return out


@torch.no_grad()
def accuracy(model, x, y, batch=128):
    model.eval()
    correct = 0
    for s in range(0, len(x), batch):
        correct += int((model(x[s: s + batch].float()).argmax(1) == y[s: s + batch]).sum())
    return correct / max(1, len(x))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="/tmp/cochcnn-words")
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--max-chunks", type=int, default=0)
    ap.add_argument("--summary", default="/tmp/cochcnn-words/training.json")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(SEED)
    gen = torch.Generator().manual_seed(SEED)
    xtr, ytr, _ = load_chunks(a.data, "train", a.max_chunks or None)
    xte, yte, _ = load_chunks(a.data, "test")
    print(f"train {len(xtr)} clips, test {len(xte)} clips (held-out voices)", flush=True)
    model = CochCNN()
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=1e-4)
    steps_per_epoch = (len(xtr) + 63) // 64
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=a.lr, total_steps=a.epochs * steps_per_epoch, pct_start=0.2)
    t0 = time.time()
    history = []
    for epoch in range(a.epochs):
        model.train()
        perm = torch.randperm(len(xtr), generator=gen)
        total, n = 0.0, 0
        for s in range(0, len(xtr), 64):
            b = perm[s: s + 64]
            xb = shift(xtr[b].float(), 15, gen)
            loss = F.cross_entropy(model(xb), ytr[b], label_smoothing=0.05)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss) * len(b)
            n += len(b)
        acc = accuracy(model, xte, yte)
        history.append({"epoch": epoch + 1, "trainLoss": total / n, "testAccuracy": acc, "seconds": time.time() - t0})
        print(f"epoch {epoch + 1}: loss {total / n:.3f}, held-out-voice accuracy {acc:.3f}, {time.time() - t0:.0f} s", flush=True)
    model.eval()
    train_acc = accuracy(model, xtr[:1000], ytr[:1000])
    torch.save(model.state_dict(), os.path.join(a.data, "model.pt"))
    summary = {
        "trainClips": len(xtr), "testClips": len(xte), "epochs": a.epochs, "batch": 64, "optimizer": "AdamW one-cycle",
        "maxLr": a.lr, "weightDecay": 1e-4, "labelSmoothing": 0.05, "timeShiftFrames": 15, "dropout": 0.3,
        "heldOutVoiceAccuracy": history[-1]["testAccuracy"], "trainAccuracyFirst1000": train_acc,
        "history": history, "torch": torch.__version__, "threads": a.threads,
    }
    with open(a.summary, "w") as f:
        json.dump(summary, f, indent=1)
    print(json.dumps({k: v for k, v in summary.items() if k != "history"}), flush=True)


if __name__ == "__main__":
    main()
