#!/usr/bin/env python3
"""Reference fixtures for the metric and .npy tests, written by numpy/scipy (run offline:
python3 scripts/scipy-reference.py). Outputs are small and committed:

- test/fixtures/metrics/<case>_a.npy, <case>_b.npy and expected.json: scipy.stats.spearmanr,
  scipy.stats.pearsonr and the paper's SNR 10 log10(sum a^2 / sum (a-b)^2), in float64, on
  float32 data (the values the CLI reads); large_ties: 200,000 float16 values with ties and a
  large mean (for the precision of the sums). Degenerate cases follow the project's conventions
  (both all zero -> 0; constant vector -> correlation 0), which scipy leaves as NaN.
- test/fixtures/metrics/quantiles.json: numpy.quantile (linear) and numpy.histogram of a sample.
- test/fixtures/npy/*.npy: arrays in several dtypes / versions with their float values.
"""
import json
import os
import numpy as np
from scipy import stats

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures')
rng = np.random.default_rng(20231)


def metrics(a, b):
    a64 = a.astype(np.float64).ravel()
    b64 = b.astype(np.float64).ravel()
    if not a64.any() and not b64.any():
        return dict(spearman=0.0, pearson=0.0, r2=0.0, snr_db=0.0)
    const = a64.std() == 0 or b64.std() == 0
    sp = 0.0 if const else float(stats.spearmanr(a64, b64).statistic)
    pe = 0.0 if const else float(stats.pearsonr(a64, b64).statistic)
    signal = float(np.sum(a64 ** 2))
    noise = float(np.sum((a64 - b64) ** 2))
    if noise == 0:
        snr = 'Infinity' if signal > 0 else 0.0
    elif signal == 0:
        snr = '-Infinity'
    else:
        snr = 10 * np.log10(signal / noise)
    return dict(spearman=sp, pearson=pe, r2=pe * pe, snr_db=snr)


def cases():
    n = 500
    # Ties everywhere: small integers, as after a ReLU or quantisation.
    a = rng.integers(0, 6, size=(10, 50)).astype(np.float32)
    b = (a + rng.integers(-2, 3, size=a.shape)).astype(np.float32)
    yield 'ties', a, b
    a = np.maximum(rng.normal(size=(4, 8, 8)), 0).astype(np.float32)  # ReLU: many zeros
    b = np.maximum(a + 0.3 * rng.normal(size=a.shape), 0).astype(np.float32)
    yield 'relu', a, b
    a = rng.normal(-3, 2, size=n).astype(np.float32)  # negative values
    b = (-0.5 * a + rng.normal(size=n)).astype(np.float32)
    yield 'negative', a, b
    z = np.zeros((7, 3), np.float32)
    yield 'all_zero', z, z
    yield 'constant_a', np.full(40, 2.5, np.float32), rng.normal(size=40).astype(np.float32)
    yield 'zero_ref', np.zeros(30, np.float32), rng.normal(size=30).astype(np.float32)
    a = rng.normal(size=300).astype(np.float32)
    yield 'identical', a, a.copy()
    a = rng.uniform(size=(16, 16, 3)).astype(np.float32)
    yield 'image', a, np.clip(a + 0.05 * rng.normal(size=a.shape), 0, 1).astype(np.float32)


def large_cases():
    # 200,000 values with a large mean and heavy ties (float16 keeps ~11 bits, and a ReLU
    # leaves many values at the offset): naive float32 sums lose ~1e-4 here. Stored as
    # float16 to keep the fixture small; the metrics are of these float16 values.
    n = 200_000
    own = np.random.default_rng(200_000)  # its own generator: the other fixtures stay as they were
    a = (50 + 3 * np.maximum(own.normal(size=n), 0)).astype(np.float16)
    b = (a.astype(np.float64) + 0.5 * own.normal(size=n)).astype(np.float16)
    yield 'large_ties', a, b


def main():
    mdir = os.path.join(ROOT, 'metrics')
    os.makedirs(mdir, exist_ok=True)
    expected = {}
    for name, a, b in [*cases(), *large_cases()]:
        np.save(os.path.join(mdir, f'{name}_a.npy'), a)
        np.save(os.path.join(mdir, f'{name}_b.npy'), b)
        expected[name] = metrics(a, b)
    with open(os.path.join(mdir, 'expected.json'), 'w') as f:
        json.dump(expected, f, indent=1)

    sample = rng.normal(size=1001) ** 3
    levels = [0.001, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 0.999]
    counts, edges = np.histogram(sample, bins=50)
    with open(os.path.join(mdir, 'quantiles.json'), 'w') as f:
        json.dump(dict(values=sample.tolist(), levels=levels,
                       quantiles=np.quantile(sample, levels).tolist(), mean=float(sample.mean()),
                       counts=counts.tolist(), edges=edges.tolist()), f)

    ndir = os.path.join(ROOT, 'npy')
    os.makedirs(ndir, exist_ok=True)
    base = (np.arange(24).reshape(2, 3, 4) - 7.5) / 4
    index = {}
    for dtype in ['<f4', '<f8', '<f2', '<i2', '<i4', '<i8', '|u1', '<u2', '|b1']:
        arr = base.astype(dtype) if dtype not in ('|u1', '<u2', '|b1') else np.abs(base * 4).astype(dtype)
        fname = 'dtype_' + dtype.strip('<|') + '.npy'
        np.save(os.path.join(ndir, fname), arr)
        index[fname] = dict(shape=list(arr.shape), values=arr.astype(np.float64).ravel().tolist())
    np.save(os.path.join(ndir, 'scalar.npy'), np.float32(3.25))
    index['scalar.npy'] = dict(shape=[], values=[3.25])
    np.save(os.path.join(ndir, 'empty.npy'), np.zeros((0, 3), np.float32))
    index['empty.npy'] = dict(shape=[0, 3], values=[])
    arr = rng.normal(size=(3, 5)).astype(np.float32)
    for version in [(2, 0), (3, 0)]:
        fname = f'version{version[0]}.npy'
        with open(os.path.join(ndir, fname), 'wb') as f:
            np.lib.format.write_array(f, arr, version=version)
        index[fname] = dict(shape=[3, 5], values=arr.astype(np.float64).ravel().tolist())
    # Files that must be refused.
    np.save(os.path.join(ndir, 'bad_fortran.npy'), np.asfortranarray(rng.normal(size=(3, 4)).astype(np.float32)))
    np.save(os.path.join(ndir, 'bad_bigendian.npy'), np.arange(6, dtype='>f4'))
    np.save(os.path.join(ndir, 'bad_object.npy'), np.array([1, 'x', None], dtype=object), allow_pickle=True)
    with open(os.path.join(ndir, 'index.json'), 'w') as f:
        json.dump(index, f, indent=1)


if __name__ == '__main__':
    main()
