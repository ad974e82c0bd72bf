#!/usr/bin/env python3
"""Synthesises the offline word-recognition set of `cochcnn9-words` (deterministic, seeded).

100 common English words spoken by many synthetic voices:
  - espeak-ng: 7 English accents x the variant voices in espeak-ng-data/voices/!v, random pitch
    (-p 25..75) and speed (-s 130..220 wpm);
  - flite: kal, kal16, awb, slt, rms, with random duration stretch and f0 target;
  - festival: kal_diphone (text2wave).
Every clip is additionally resampled by a random factor 0.9..1.1 (pitch and speed together),
brought to 20 kHz, trimmed to the spoken word, centred in 2 s (40000 samples), mixed with
background noise (pink, brown, or babble made of 4..8 other words of the same split) at an SNR
drawn uniformly from [-10, 10] dB (word power over its spoken extent vs noise power), or left
clean (15 %), mean removed, RMS 0.1, clamped to [-1, 1].

Held-out test voices (never in training): the espeak-ng variants in TEST_VARIANTS (with any
accent) and flite's rms. The `natural` split (null distribution stimuli) is drawn like the
training split (training voices), with its own seed.

Output (not committed): /tmp/cochcnn-words/{train,test,natural}.npz with
  x: int16 [n, 40000] (value / 32767 = the clip), y: int16 [n] word index, voice: str [n].

Needs (Debian): espeak-ng, flite, festival (+ festvox-kallpc16k), python3-numpy, python3-scipy.
Run: /usr/bin/python3 scripts/models/cochcnn_words/make_dataset.py [--out DIR] [--per-word N]
"""
import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
from multiprocessing import Pool

import numpy as np
import warnings

from scipy.io import wavfile
from scipy.signal import resample

warnings.filterwarnings("ignore", message="Reached EOF prematurely")  # espeak-ng --stdout leaves the size open

SR = 20000
N = 40000
RMS = 0.1
SEED = 20231005

WORDS = [
    "about", "after", "again", "air", "animal", "answer", "apple", "baby", "back", "ball",
    "because", "bird", "black", "blue", "boat", "book", "bread", "brother", "button", "car",
    "chair", "child", "city", "clock", "cold", "color", "dinner", "doctor", "dog", "door",
    "dragon", "eight", "evening", "family", "father", "fire", "fish", "flower", "forest", "four",
    "friend", "garden", "girl", "glass", "green", "guitar", "happy", "horse", "house", "island",
    "jacket", "kitchen", "letter", "light", "little", "money", "monkey", "morning", "mother", "mountain",
    "music", "number", "ocean", "orange", "paper", "pencil", "people", "picture", "purple", "question",
    "rabbit", "river", "school", "seven", "shadow", "silver", "sister", "snake", "spider", "station",
    "storm", "street", "summer", "table", "teacher", "thirty", "thunder", "tiger", "tomato", "train",
    "turtle", "water", "weather", "window", "winter", "woman", "yellow", "zebra", "zero", "yesterday",
]
assert len(WORDS) == len(set(WORDS)) == 100

ACCENTS = ["en-gb", "en-us", "en-gb-scotland", "en-gb-x-gbclan", "en-gb-x-rp", "en-gb-x-gbcwmd", "en-029"]
VARIANT_DIR = "/usr/lib/x86_64-linux-gnu/espeak-ng-data/voices/!v"
FLITE_TRAIN = ["kal", "kal16", "awb", "slt"]
FLITE_TEST = ["rms"]
FESTIVAL_TRAIN = ["kal_diphone"]


def espeak_variants():
    names = sorted(n for n in os.listdir(VARIANT_DIR) if os.path.isfile(os.path.join(VARIANT_DIR, n)))
    return names


def split_variants(names):
    """Every 5th variant (sorted order) is a held-out test voice; whisper voices are dropped."""
    names = [n for n in names if "whisper" not in n.lower()]
    test = [n for i, n in enumerate(names) if i % 5 == 2]
    train = [n for n in names if n not in test]
    return train, test


def read_wav_bytes(data):
    sr, x = wavfile.read(io.BytesIO(data))
    x = x.astype(np.float64)
    if x.ndim > 1:
        x = x.mean(axis=1)
    return sr, x / 32768.0


def synth(job):
    """One word by one voice -> float64 samples at its native rate."""
    kind = job["kind"]
    word = job["word"]
    if kind == "espeak":
        data = subprocess.run(
            ["espeak-ng", "-v", f"{job['accent']}+{job['variant']}", "-p", str(job["pitch"]), "-s", str(job["speed"]),
             "--stdout", word], check=True, capture_output=True).stdout
        return read_wav_bytes(data)
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "o.wav")
        if kind == "flite":
            subprocess.run(["flite", "-voice", job["voice"], "-t", word, "-o", out,
                            "--setf", f"duration_stretch={job['stretch']:.3f}",
                            "--setf", f"int_f0_target_mean={job['f0']:.1f}"], check=True, capture_output=True)
        else:
            subprocess.run(["text2wave", "-eval", f"(voice_{job['voice']})", "-o", out],
                           input=word.encode(), check=True, capture_output=True)
        with open(out, "rb") as f:
            return read_wav_bytes(f.read())


def trim(x, sr):
    """The spoken extent: first..last 10-ms frame whose RMS exceeds 3 % of the loudest frame's."""
    hop = max(1, sr // 100)
    frames = len(x) // hop
    e = np.sqrt(np.mean(x[: frames * hop].reshape(frames, hop) ** 2, axis=1))
    on = np.nonzero(e > 0.03 * e.max())[0]
    return x[on[0] * hop: (on[-1] + 1) * hop]


def render_word(job):
    """Synthesised, trimmed word at 20 kHz (pitch+speed factor applied), unit RMS."""
    sr, x = synth(job)
    x = trim(x - x.mean(), sr)
    n_out = int(round(len(x) * SR / sr / job["rate"]))
    y = resample(x, n_out)
    return y / np.sqrt(np.mean(y ** 2))


def centre(w):
    out = np.zeros(N)
    if len(w) >= N:
        s = (len(w) - N) // 2
        return w[s: s + N].copy(), (0, N)
    s = (N - len(w)) // 2
    out[s: s + len(w)] = w
    return out, (s, s + len(w))


def coloured_noise(rng, exponent):
    """Noise with power spectrum ~ 1/f^exponent (1: pink, 2: brown), unit RMS."""
    spec = rng.standard_normal(N // 2 + 1) + 1j * rng.standard_normal(N // 2 + 1)
    f = np.arange(N // 2 + 1, dtype=np.float64)
    f[0] = 1.0
    spec *= f ** (-exponent / 2)
    spec[0] = 0
    n = np.fft.irfft(spec, N)
    return n / np.sqrt(np.mean(n ** 2))


def babble(rng, words):
    out = np.zeros(N)
    for _ in range(rng.integers(4, 9)):
        w = words[rng.integers(len(words))]
        w = w[: N]
        s = rng.integers(0, N - len(w) + 1)
        out[s: s + len(w)] += w * rng.uniform(0.5, 1.0)
    return out / np.sqrt(np.mean(out ** 2))


def mix(rng, word, pool):
    clip, (a, b) = centre(word)
    noise_kind = "clean"
    snr = None
    if rng.uniform() >= 0.15:
        noise_kind = ["pink", "brown", "babble"][rng.integers(3)]
        noise = babble(rng, pool) if noise_kind == "babble" else coloured_noise(rng, 1 if noise_kind == "pink" else 2)
        snr = float(rng.uniform(-10, 10))
        p_word = np.mean(clip[a:b] ** 2)
        clip = clip + noise * np.sqrt(p_word / 10 ** (snr / 10))
    clip = clip - clip.mean()
    clip = np.clip(clip * (RMS / np.sqrt(np.mean(clip ** 2))), -1, 1)
    return clip, noise_kind, snr


def plan(split, rng, per_word, train_variants, test_variants):
    jobs = []
    for wi, word in enumerate(WORDS):
        for k in range(per_word):
            r = rng.uniform()
            if split == "test":
                kind = "espeak" if r < 0.75 else "flite"
            else:
                kind = "espeak" if r < 0.85 else ("flite" if r < 0.95 else "festival")
            job = {"word": word, "label": wi, "kind": kind, "rate": float(rng.uniform(0.9, 1.1))}
            if kind == "espeak":
                variants = test_variants if split == "test" else train_variants
                job.update(accent=ACCENTS[rng.integers(len(ACCENTS))], variant=variants[rng.integers(len(variants))],
                           pitch=int(rng.integers(25, 76)), speed=int(rng.integers(130, 221)))
                job["voiceName"] = f"espeak-ng {job['accent']}+{job['variant']}"
            elif kind == "flite":
                voices = FLITE_TEST if split == "test" else FLITE_TRAIN
                job.update(voice=voices[rng.integers(len(voices))], stretch=float(rng.uniform(0.85, 1.2)),
                           f0=float(rng.uniform(85, 180)))
                job["voiceName"] = f"flite {job['voice']}"
            else:
                job.update(voice=FESTIVAL_TRAIN[rng.integers(len(FESTIVAL_TRAIN))])
                job["voiceName"] = f"festival {job['voice']}"
            jobs.append(job)
    return jobs


def build_split(split, per_word, seed, train_variants, test_variants, out_dir, workers):
    rng = np.random.default_rng(seed)
    jobs = plan(split, rng, per_word, train_variants, test_variants)
    with Pool(workers) as p:
        words = p.map(render_word, jobs, chunksize=16)
    mix_rng = np.random.default_rng(seed + 1)
    xs = np.zeros((len(jobs), N), dtype=np.int16)
    meta = []
    for i, (job, w) in enumerate(zip(jobs, words)):
        clip, noise_kind, snr = mix(mix_rng, w, words)
        xs[i] = np.round(clip * 32767).astype(np.int16)
        meta.append({"word": job["word"], "voice": job["voiceName"], "noise": noise_kind, "snrDb": snr})
    ys = np.array([j["label"] for j in jobs], dtype=np.int16)
    np.savez(os.path.join(out_dir, f"{split}.npz"), x=xs, y=ys, voice=np.array([m["voice"] for m in meta]))
    with open(os.path.join(out_dir, f"{split}.json"), "w") as f:
        json.dump(meta, f)
    print(f"{split}: {len(jobs)} clips, {len(set(m['voice'] for m in meta))} voices", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="/tmp/cochcnn-words")
    ap.add_argument("--per-word", type=int, default=40)
    ap.add_argument("--test-per-word", type=int, default=4)
    ap.add_argument("--natural-per-word", type=int, default=3)
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    train_variants, test_variants = split_variants(espeak_variants())
    info = {"words": WORDS, "accents": ACCENTS, "espeakTrainVariants": train_variants,
            "espeakTestVariants": test_variants, "fliteTrain": FLITE_TRAIN, "fliteTest": FLITE_TEST,
            "festivalTrain": FESTIVAL_TRAIN, "seed": SEED}
    with open(os.path.join(a.out, "info.json"), "w") as f:
        json.dump(info, f, indent=1)
    build_split("test", a.test_per_word, SEED + 100, train_variants, test_variants, a.out, a.workers)
    build_split("natural", a.natural_per_word, SEED + 200, train_variants, test_variants, a.out, a.workers)
    build_split("train", a.per_word, SEED, train_variants, test_variants, a.out, a.workers)


if __name__ == "__main__":
    sys.exit(main())
