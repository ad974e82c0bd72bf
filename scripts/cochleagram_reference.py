#!/usr/bin/env python3
"""Independent float64 reference of the cochleagram (spec section 5) and its gradient.

Writes the fixtures the TypeScript tests compare against, for the paper's configuration
(test/fixtures/cochleagram/paper/) and a small one (.../small/) cheap enough for tfjs's cpu backend:
  meta.json            names, shapes, dtypes and the parameters used
  signal.f32.bin       the test signal (float32, what the tfjs side receives)
  spectrum.f64.bin     numpy rfft of that signal: 20001 real parts then 20001 imaginary parts
  cochleagram.f64.bin  the channels x frames (211 x 390) cochleagram, row-major
  taps.f64.bin         the Kaiser-windowed sinc taps (numpy.sinc * numpy.kaiser)
  gradient.f64.bin     d/dx of sum(w * cochleagram), w[i] = sin(0.5 + 0.618034 i) (row-major index i)

Everything is computed in float64 with numpy.fft / numpy.kaiser, from the spec's text only
(no code shared with src/audio). The gradient is the hand-derived adjoint of the pipeline,
including the spec's clipped compression gradient and fake-ReLU max; it is checked here against
float64 central differences on a smooth variant before the fixtures are written.

Run: python3 scripts/cochleagram_reference.py
"""
import json
import os

import numpy as np

# Two configurations: the paper's (spec section 5) and a small one that the tests can run on
# tfjs's slow pure-JS cpu backend. The functions below read the active one from these globals.
PAPER = dict(SR=20000, N=40000, N_BANDS=50, S=4, LOW=50.0, HIGH=10000.0, ENV_SR=200, TAPS=1001, BETA=5.0)
SMALL = dict(SR=8000, N=4000, N_BANDS=20, S=2, LOW=50.0, HIGH=4000.0, ENV_SR=100, TAPS=401, BETA=5.0)
POWER = 0.3
OFFSET = 1e-8
CLIP = 5.0


def use(config):
    globals().update(config)


use(PAPER)

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'cochleagram')


def erb(f):
    return 9.265 * np.log(1 + f / (24.7 * 9.265))


def erb_to_hz(e):
    return 24.7 * 9.265 * (np.exp(e / 9.265) - 1)


def filterbank():
    freqs = np.arange(N // 2 + 1) * (SR / N)
    fe = erb(freqs)
    n_bp = S * (N_BANDS + 1) - 1
    grid, d = np.linspace(erb(LOW), erb(HIGH), n_bp + 2, retstep=True)
    c = grid[1:-1]
    bp = np.zeros((n_bp, freqs.size))
    for i in range(n_bp):
        inside = (fe > c[i] - S * d) & (fe < c[i] + S * d)
        bp[i, inside] = np.cos((fe[inside] - c[i]) / (2 * S * d) * np.pi)
    lows = np.zeros((S, freqs.size))
    highs = np.zeros((S, freqs.size))
    for j in range(S):
        below = np.nonzero(freqs < erb_to_hz(c[j]))[0]
        last = below.max()
        lows[j, : last + 1] = np.sqrt(1 - bp[j, : last + 1] ** 2)
        above = np.nonzero(freqs > erb_to_hz(c[n_bp - 1 - j]))[0]
        first = above.min()
        highs[j, first:] = np.sqrt(1 - bp[n_bp - 1 - j, first:] ** 2)
    filters = np.concatenate([lows, bp, highs[::-1]], axis=0) / np.sqrt(S)
    return filters


def kaiser_sinc():
    t = np.arange(TAPS) - (TAPS - 1) / 2 - 0.5
    factor = SR // ENV_SR
    return np.sinc(t / factor) / factor * np.kaiser(TAPS, BETA)


def analytic_envelopes(x, filters):
    spec = np.fft.rfft(x)
    full = np.zeros((filters.shape[0], N), dtype=complex)
    full[:, : N // 2 + 1] = filters * spec
    analytic = np.fft.ifft(full, axis=1)
    return analytic


def downsample(env, h):
    factor = SR // ENV_SR
    frames = (N - TAPS) // factor + 1
    idx = np.arange(frames)[:, None] * factor + np.arange(TAPS)[None, :]
    return env[:, idx] @ h, idx


def cochleagram(x, filters, h):
    analytic = analytic_envelopes(x, filters)
    env = np.abs(analytic)
    down, _ = downsample(env, h)
    return (np.maximum(down, 0) + OFFSET) ** POWER


def gradient(x, w, filters, h, compression=True):
    """d/dx sum(w * cochleagram(x)) by the adjoint of each stage."""
    analytic = analytic_envelopes(x, filters)
    env = np.abs(analytic)
    down, idx = downsample(env, h)
    if compression:
        deriv = np.clip(POWER * (np.maximum(down, 0) + OFFSET) ** (POWER - 1), -CLIP, CLIP)
    else:
        deriv = 1.0
    g_down = w * deriv  # fake ReLU: the max passes the gradient unchanged
    g_env = np.zeros_like(env)
    for m in range(idx.shape[0]):
        g_env[:, idx[m]] += g_down[:, m : m + 1] * h[None, :]
    g_analytic = g_env * analytic / np.maximum(env, 1e-300)  # dL/dRe + i dL/dIm
    # analytic = A x with A = ifft . diag(mask * H) . fft; for real x, dL/dx = Re(A^H g).
    # A^H g = ifft(mask * H * fft(g)) since fft^H = N ifft and ifft^H = fft / N.
    g_spec = np.fft.fft(g_analytic, axis=1)[:, : N // 2 + 1] * filters
    full = np.zeros((filters.shape[0], N), dtype=complex)
    full[:, : N // 2 + 1] = g_spec
    return np.real(np.fft.ifft(full, axis=1)).sum(axis=0)


def test_signal():
    rng = np.random.default_rng(20231)
    t = np.arange(N) / SR
    # Noise at RMS 0.1 (most downsampled envelopes fall below 0.018, where the compression's
    # derivative is clipped) plus tones loud enough that their channels use the unclipped branch.
    x = 0.1 * rng.standard_normal(N)
    for f, a in [(220.0, 0.3), (1000.0, 0.2), (3150.5, 0.15), (0.35 * SR, 0.1)]:
        x += a * np.sin(2 * np.pi * f * t + 0.3)
    return x.astype(np.float32)


def check_gradient(x, w, filters, h):
    """The adjoint of filter -> envelope -> downsample vs float64 central differences.

    The loss stops before the compression: its clipped derivative and fake-ReLU max are
    deliberately not the true derivative, and they enter the adjoint as a plain factor."""
    x64 = x.astype(np.float64)
    g = gradient(x64, w, filters, h, compression=False)

    def loss(v):
        analytic = analytic_envelopes(v, filters)
        down, _ = downsample(np.abs(analytic), h)
        return np.sum(w * down)

    for i in [0, 123, N // 2, N - 1]:
        e = np.zeros(N)
        eps = 1e-6
        e[i] = eps
        fd = (loss(x64 + e) - loss(x64 - e)) / (2 * eps)
        rel = abs(fd - g[i]) / max(abs(fd), 1e-12)
        assert rel < 1e-4, (i, fd, g[i], rel)


def write_fixtures(name):
    out = os.path.join(OUT, name)
    os.makedirs(out, exist_ok=True)
    filters = filterbank()
    channels = filters.shape[0]
    assert channels == S * (N_BANDS + 1) - 1 + 2 * S and filters.shape[1] == N // 2 + 1
    assert np.max(np.abs((filters ** 2).sum(axis=0) - 1)) < 1e-12
    h = kaiser_sinc()
    x = test_signal()
    x64 = x.astype(np.float64)
    coch = cochleagram(x64, filters, h)
    frames = coch.shape[1]
    w = np.sin(0.5 + 0.618034 * np.arange(coch.size)).reshape(coch.shape)
    check_gradient(x, w, filters, h)
    grad = gradient(x64, w, filters, h)
    spec = np.fft.rfft(x64)

    x.astype('<f4').tofile(os.path.join(out, 'signal.f32.bin'))
    np.concatenate([spec.real, spec.imag]).astype('<f8').tofile(os.path.join(out, 'spectrum.f64.bin'))
    coch.astype('<f8').tofile(os.path.join(out, 'cochleagram.f64.bin'))
    h.astype('<f8').tofile(os.path.join(out, 'taps.f64.bin'))
    grad.astype('<f8').tofile(os.path.join(out, 'gradient.f64.bin'))
    deriv = POWER * (np.maximum(cochleagram_pre(x64, filters, h), 0) + OFFSET) ** (POWER - 1)
    meta = {
        'generator': 'scripts/cochleagram_reference.py (numpy %s, float64)' % np.__version__,
        'params': {
            'sampleRate': SR, 'signalLength': N, 'nFilters': N_BANDS, 'sampleFactor': S,
            'lowHz': LOW, 'highHz': HIGH, 'envSampleRate': ENV_SR, 'downsampleTaps': TAPS,
            'kaiserBeta': BETA, 'compressionPower': POWER, 'compressionOffset': OFFSET, 'gradientClip': CLIP,
        },
        'weights': 'w[i] = sin(0.5 + 0.618034 * i), i = row-major index into the channels x frames output',
        'fractionOfClippedDerivatives': float(np.mean(deriv > CLIP)),
        'files': {
            'signal': {'file': 'signal.f32.bin', 'dtype': 'float32', 'shape': [N]},
            'spectrum': {'file': 'spectrum.f64.bin', 'dtype': 'float64', 'shape': [2, N // 2 + 1],
                         'layout': 'real parts then imaginary parts'},
            'cochleagram': {'file': 'cochleagram.f64.bin', 'dtype': 'float64', 'shape': [channels, frames]},
            'taps': {'file': 'taps.f64.bin', 'dtype': 'float64', 'shape': [TAPS]},
            'gradient': {'file': 'gradient.f64.bin', 'dtype': 'float64', 'shape': [N]},
        },
    }
    with open(os.path.join(out, 'meta.json'), 'w') as f:
        json.dump(meta, f, indent=2)
        f.write('\n')
    print('wrote', out, coch.shape, 'clipped fraction', meta['fractionOfClippedDerivatives'])


def main():
    for name, config in [('paper', PAPER), ('small', SMALL)]:
        use(config)
        write_fixtures(name)


def cochleagram_pre(x, filters, h):
    down, _ = downsample(np.abs(analytic_envelopes(x, filters)), h)
    return down


if __name__ == '__main__':
    main()
