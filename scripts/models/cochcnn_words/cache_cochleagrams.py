#!/usr/bin/env python3
"""Computes the cochleagrams of a split once (torch, float32, stored as float16) for training.

Clips are processed in a seeded random order and written in chunks of 64 to
/tmp/cochcnn-words/coch-<split>/chunk-XXXX.npz ({index, coch}), so training can start on the
chunks that exist (the cochleagram costs ~0.3-0.6 s per clip on 2 CPU cores). Existing chunks are
kept (the run resumes).

Run: /usr/bin/python3 scripts/models/cochcnn_words/cache_cochleagrams.py test train [--shard 0 --shards 2]
(two single-threaded shards in parallel use 2 cores best)
"""
import argparse
import os
import time

import numpy as np
import torch

from coch_torch import TorchCochleagram, check

CHUNK = 64


def cache_split(data_dir, split, coch, shard=0, shards=1):
    d = np.load(os.path.join(data_dir, f"{split}.npz"))
    x = d["x"]
    out = os.path.join(data_dir, f"coch-{split}")
    os.makedirs(out, exist_ok=True)
    order = np.random.default_rng(7).permutation(len(x))
    t0 = time.time()
    for c in range(0, len(order), CHUNK):
        path = os.path.join(out, f"chunk-{c // CHUNK:04d}.npz")
        if (c // CHUNK) % shards != shard or os.path.exists(path):
            continue
        idx = order[c: c + CHUNK]
        ys = []
        for s in range(0, len(idx), 4):
            clips = torch.tensor(x[idx[s: s + 4]].astype(np.float32) / 32767)
            ys.append(coch(clips).numpy().astype(np.float16))
        np.savez(path + ".tmp.npz", index=idx, coch=np.concatenate(ys))
        os.replace(path + ".tmp.npz", path)
        print(f"{split} {c + len(idx)}/{len(x)} {time.time() - t0:.0f} s", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("splits", nargs="+")
    ap.add_argument("--data", default="/tmp/cochcnn-words")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--shard", type=int, default=0, help="process chunks with index %% shards == shard")
    ap.add_argument("--shards", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    test = np.load(os.path.join(a.data, "test.npz"))["x"][:2].astype(np.float32) / 32767
    err = check(test)
    print(f"torch cochleagram vs float64 reference: max relative error {err:.2e}", flush=True)
    assert err < 1e-4
    coch = TorchCochleagram()
    for split in a.splits:
        cache_split(a.data, split, coch, a.shard, a.shards)


if __name__ == "__main__":
    main()
