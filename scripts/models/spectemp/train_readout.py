#!/usr/bin/env python3
"""Trains Spectemp's linear word readout (multinomial logistic regression, L2) on `average` features.

Features (the same ops as src/models/spectemp/spectemp-readout.ts): average [110, 211] -> mean of
`pool` consecutive channels (last group shorter) -> log(. + eps) -> flatten filter-major ->
standardised with the training mean / std (folded into W and b before saving).
eps = EPS_FRACTION x the median pooled training feature (a floor for near-silent bands).

Regularisation: the L2 weight is chosen on a validation split of held-out training VOICES (every
voice whose index in the sorted voice list is 0 mod 5), then the readout is refitted on the whole
training split. Reported: accuracy on the committed held-out clips of cochcnn9-words (heldout.mulaw,
voices never in training; features from the tfjs model) and, with --test, on test-split features.

Run:
  /usr/bin/python3 scripts/models/spectemp/train_readout.py --train TRAIN_DIR [--test TEST_DIR] \
      --heldout HELDOUT_TS_DIR --labels models/cochcnn9-words/manifest.json --out models/spectemp/readout.bin \
      --summary SUMMARY.json [--pool 1 4] [--lambdas 0.01 0.1 1 10]
TRAIN / TEST: spectemp_torch.py output directories; HELDOUT_TS_DIR: features.ts --heldout output.
Writes the weight file (float32: W [features, 100] row-major, then b [100]) and a JSON summary
(params, accuracies, logits of the first held-out clips for the tests).
"""
import argparse
import glob
import json
import os
import time

import numpy as np
import torch

from spectemp_torch import read_parts

EPS_FRACTION = 1e-3
FIXTURE_CLIPS = 100


def pool_channels(avg, pool):
    """avg [n, F, C] -> [n, F, ceil(C / pool)]: mean over consecutive groups of `pool` channels."""
    n, f, c = avg.shape
    k = -(-c // pool)
    out = np.empty((n, f, k), dtype=np.float64)
    for g in range(k):
        out[:, :, g] = avg[:, :, g * pool: min(c, (g + 1) * pool)].mean(axis=2)
    return out


def features(avg, pool, eps):
    return np.log(pool_channels(avg, pool) + eps).reshape(len(avg), -1)


def row_space(x):
    """x [n, D] -> (V [D, r] orthonormal basis of its row space, coordinates x V [n, r]), from the
    n x n Gram matrix."""
    evals, u = np.linalg.eigh(x @ x.T)
    keep = evals > 1e-10 * evals.max()
    sv = np.sqrt(evals[keep])
    return (x.T @ u[:, keep]) / sv, u[:, keep] * sv


def fit(space, y, lam, classes, iters=100):
    """Multinomial logistic regression on standardised x: mean cross-entropy + lam/2 ||W||^2.

    With an L2 penalty the optimal W lies in the row space of x (representer theorem), so the fit
    runs exactly in the n-dimensional coordinates x V (space = row_space(x)) and W = V A:
    n << D = 23210 makes this ~100x cheaper than L-BFGS on W itself.
    """
    v, coords = space
    coords = torch.tensor(coords, dtype=torch.float64)
    yt = torch.tensor(y, dtype=torch.long)
    a = torch.zeros(coords.shape[1], classes, dtype=torch.float64, requires_grad=True)
    b = torch.zeros(classes, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([a, b], lr=1, max_iter=iters, history_size=20, line_search_fn="strong_wolfe",
                            tolerance_grad=1e-6, tolerance_change=1e-9)

    def closure():
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(coords @ a + b, yt) + 0.5 * lam * (a * a).sum()
        loss.backward()
        return loss

    opt.step(closure)
    return v @ a.detach().numpy(), b.detach().numpy()


def accuracy(logits, y):
    return float(np.mean(np.argmax(logits, axis=1) == y))


def standardiser(x):
    mu = x.mean(axis=0)
    sd = x.std(axis=0)
    return mu, np.maximum(sd, 1e-6 * max(float(np.median(sd)), 1e-30))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", required=True)
    ap.add_argument("--test", help="test split features (held-out voices); optional")
    ap.add_argument("--heldout", required=True, help="features.ts --heldout output directory")
    ap.add_argument("--labels", required=True, help="models/cochcnn9-words/manifest.json (params.heldout.labels)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--summary", required=True)
    ap.add_argument("--pool", type=int, nargs="+", default=[1, 4])
    ap.add_argument("--lambdas", type=float, nargs="+", default=[1e-2, 1e-1, 1, 10])
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)

    tr = read_parts(a.train)
    te = read_parts(a.test) if a.test else None
    ho_avg = np.concatenate([np.load(p) for p in sorted(glob.glob(os.path.join(a.heldout, "part-*.npy")))])
    with open(a.labels) as f:
        ho_y = np.array(json.load(f)["params"]["heldout"]["labels"])[: len(ho_avg)]
    tr_avg, tr_y, tr_voice = tr["average"].astype(np.float64), tr["y"].astype(np.int64), tr["voice"]
    te_avg = te["average"].astype(np.float64) if te else np.zeros((0,) + tr_avg.shape[1:])
    te_y = te["y"].astype(np.int64) if te else np.zeros(0, dtype=np.int64)
    classes = 100
    voices = sorted(set(tr_voice.tolist()))
    val_voices = set(voices[::5])
    val = np.array([v in val_voices for v in tr_voice])
    print(f"train {len(tr_y)} clips ({len(voices)} voices; validation: {val.sum()} clips of {len(val_voices)} voices), "
          f"test {len(te_y)}, held-out {len(ho_y)}", flush=True)

    # Model selection (pool, lambda) on the held-out training voices.
    best = None
    for pool in a.pool:
        eps = float(f"{EPS_FRACTION * np.median(pool_channels(tr_avg[~val], pool)):.2g}")
        x = features(tr_avg, pool, eps)
        mu, sd = standardiser(x[~val])
        z = (x - mu) / sd
        space = row_space(z[~val])
        for lam in a.lambdas:
            t0 = time.time()
            w, b = fit(space, tr_y[~val], lam, classes)
            acc = accuracy(z[val] @ w + b, tr_y[val])
            print(f"pool {pool} eps {eps:.2g} lambda {lam:g}: validation accuracy {acc:.3f} ({time.time() - t0:.0f} s)", flush=True)
            if best is None or acc > best["val"] + 1e-9 or (abs(acc - best["val"]) < 1e-9 and pool > best["pool"]):
                best = {"pool": pool, "lam": lam, "val": acc}

    # Refit on every training clip with the chosen settings; fold the standardisation into W, b.
    pool, lam = best["pool"], best["lam"]
    eps = float(f"{EPS_FRACTION * np.median(pool_channels(tr_avg, pool)):.2g}")
    x = features(tr_avg, pool, eps)
    mu, sd = standardiser(x)
    wz, bz = fit(row_space((x - mu) / sd), tr_y, lam, classes)
    w = wz / sd[:, None]
    b = bz - (mu / sd) @ wz
    w32, b32 = w.astype(np.float32), b.astype(np.float32)
    predict = lambda avg: features(avg, pool, eps).astype(np.float32) @ w32 + b32  # noqa: E731
    train_acc = accuracy(predict(tr_avg), tr_y)
    test_acc = accuracy(predict(te_avg), te_y) if len(te_y) else None
    ho_logits = predict(ho_avg.astype(np.float64))
    ho_acc = accuracy(ho_logits, ho_y)
    print(f"chosen pool {pool}, eps {eps:g}, lambda {lam:g} (validation {best['val']:.3f}); "
          f"train {train_acc:.3f}, test split {test_acc}, committed held-out {ho_acc:.3f}", flush=True)

    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, "wb") as f:
        f.write(np.ascontiguousarray(w32).astype("<f4").tobytes())
        f.write(b32.astype("<f4").tobytes())
    summary = {
        "channelPool": pool, "eps": eps, "lambda": lam, "validationAccuracy": best["val"],
        "trainClips": int(len(tr_y)), "trainVoices": len(voices), "trainAccuracy": train_acc,
        "testClips": int(len(te_y)), "testAccuracy": test_acc,
        "heldoutClips": int(len(ho_y)), "heldoutAccuracy": ho_acc,
        "heldoutPredictions": np.argmax(ho_logits, axis=1).tolist(),
        "heldoutLogits": np.round(ho_logits[:FIXTURE_CLIPS], 5).tolist(),
        "torch": torch.__version__,
    }
    with open(a.summary, "w") as f:
        json.dump(summary, f)


if __name__ == "__main__":
    main()
