#!/usr/bin/env python3
"""Exports the trained word net and the committed clips of `cochcnn9-words`.

Writes into models/cochcnn9-words/ (no tensorflowjs converter exists offline, so the Keras-style
TF.js LayersModel is written by hand, like scripts/models/fmnist_alexnet/export_tfjs.py):
  model.json + weights.bin  the net after the cochleagram, batch norm folded into the convs;
                            torch Conv2d [out, in, kh, kw] -> Keras [kh, kw, in, out]; fc's input
                            rows permuted from torch's (C, H, W) flatten order to tfjs's (H, W, C)
  natural.mulaw             202 clips of the `natural` split (training voices, training
                            distribution), 8-bit mu-law (src/models/cochcnn/mulaw.ts)
  heldout.mulaw             100 held-out-voice clips of the `test` split, one per word
  references/*.wav          3 noisy natural clips as 16-bit WAV (bundled metamer references)
  export.json               what build.ts needs: labels, voices, accuracies
and test/fixtures/cochcnn9-words/torch-logits.json: torch logits of the first held-out clips and
torch predictions of all 100 (decoded and normalised exactly as the TypeScript side does) for the
tfjs-vs-torch and accuracy tests.

Run: /usr/bin/python3 scripts/models/cochcnn_words/export_tfjs.py
"""
import json
import os

import numpy as np
import torch
from scipy.io import wavfile

from coch_torch import TorchCochleagram
from make_dataset import WORDS
from net import CONVS, FC, FLAT_SHAPE_CHW, N_CLASSES, CochCNN, folded_conv

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
MODEL_DIR = os.path.join(ROOT, "models", "cochcnn9-words")
FIXTURES = os.path.join(ROOT, "test", "fixtures", "cochcnn9-words")
DATA = "/tmp/cochcnn-words"
MU = 255
N_NATURAL = 202
N_FIXTURE = 6
INPUT_SHAPE = [211, 390, 1]


def mulaw_encode(x):
    y = np.sign(x) * np.log1p(MU * np.abs(np.clip(x, -1, 1))) / np.log1p(MU)
    return np.floor((y + 1) / 2 * 255 + 0.5).astype(np.uint8)


def mulaw_decode(b):
    y = b.astype(np.float64) / 255 * 2 - 1
    return (np.sign(y) * ((1 + MU) ** np.abs(y) - 1) / MU).astype(np.float32)


def normalise(x):
    """src/models/spectemp/natural-audio.ts normaliseClip: float64 sums, float32 out."""
    x = x.astype(np.float32).astype(np.float64)
    x = x - x.mean()
    ss = np.mean(x ** 2)
    g = 0.1 / np.sqrt(ss) if ss > 0 else 0.0
    return np.clip(x * g, -1, 1).astype(np.float32)


def _layer(cls, config):
    return {"class_name": cls, "config": {"trainable": True, "dtype": "float32", **config}}


def _inits():
    return {
        "kernel_initializer": {"class_name": "Zeros", "config": {}},
        "bias_initializer": {"class_name": "Zeros", "config": {}},
        "kernel_regularizer": None, "bias_regularizer": None, "activity_regularizer": None,
        "kernel_constraint": None, "bias_constraint": None,
    }


def keras_layers_and_weights(model):
    layers, weights = [], []
    for i, (name, _, cout, k, stride, pad, pool) in enumerate(CONVS):
        cfg = {"name": name, "filters": cout, "kernel_size": [k, k], "strides": [stride, stride], "padding": pad,
               "data_format": "channels_last", "dilation_rate": [1, 1], "activation": "linear", "use_bias": True,
               **_inits()}
        if i == 0:
            cfg["batch_input_shape"] = [None, *INPUT_SHAPE]
        layers.append(_layer("Conv2D", cfg))
        w, b = folded_conv(model, name)
        weights.append((f"{name}/kernel", w.numpy().transpose(2, 3, 1, 0)))
        weights.append((f"{name}/bias", b.numpy()))
        layers.append(_layer("Activation", {"name": f"relu{i}", "activation": "relu"}))
        if pool:
            layers.append(_layer("MaxPooling2D", {"name": f"pool{i}", "pool_size": [2, 2], "strides": [2, 2],
                                                  "padding": "valid", "data_format": "channels_last"}))
    layers.append(_layer("AveragePooling2D", {"name": "avgpool", "pool_size": [2, 2], "strides": [2, 2],
                                              "padding": "valid", "data_format": "channels_last"}))
    layers.append(_layer("Flatten", {"name": "flatten", "data_format": "channels_last"}))
    c, h, w = FLAT_SHAPE_CHW
    sd = {k: v.detach().numpy() for k, v in model.state_dict().items()}
    layers.append(_layer("Dense", {"name": "fc", "units": FC, "activation": "linear", "use_bias": True, **_inits()}))
    weights.append(("fc/kernel", sd["fc.weight"].reshape(FC, c, h, w).transpose(2, 3, 1, 0).reshape(h * w * c, FC)))
    weights.append(("fc/bias", sd["fc.bias"]))
    layers.append(_layer("Activation", {"name": "relufc", "activation": "relu"}))
    layers.append(_layer("Dense", {"name": "final", "units": N_CLASSES, "activation": "linear", "use_bias": True,
                                   **_inits()}))
    weights.append(("final/kernel", sd["final.weight"].T))
    weights.append(("final/bias", sd["final.bias"]))
    return layers, weights


def write_model(model):
    layers, weights = keras_layers_and_weights(model)
    topology = {"class_name": "Sequential", "config": {"name": "cochcnn9_words", "layers": layers},
                "keras_version": "2.11.0", "backend": "tensorflow"}
    with open(os.path.join(MODEL_DIR, "weights.bin"), "wb") as f:
        for _, a in weights:
            f.write(np.ascontiguousarray(a, dtype="<f4").tobytes())
    doc = {"format": "layers-model",
           "generatedBy": f"scripts/models/cochcnn_words/export_tfjs.py (PyTorch {torch.__version__})",
           "convertedBy": None, "modelTopology": topology,
           "weightsManifest": [{"paths": ["weights.bin"],
                                "weights": [{"name": n, "shape": list(a.shape), "dtype": "float32"} for n, a in weights]}]}
    with open(os.path.join(MODEL_DIR, "model.json"), "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")


def main():
    torch.set_num_threads(2)
    os.makedirs(os.path.join(MODEL_DIR, "references"), exist_ok=True)
    os.makedirs(FIXTURES, exist_ok=True)
    model = CochCNN()
    model.load_state_dict(torch.load(os.path.join(DATA, "model.pt")))
    model.eval()
    write_model(model)
    coch = TorchCochleagram()

    natural = np.load(os.path.join(DATA, "natural.npz"))
    nat_meta = json.load(open(os.path.join(DATA, "natural.json")))
    nat_x = natural["x"].astype(np.float32) / 32767
    mulaw_encode(nat_x[:N_NATURAL]).tofile(os.path.join(MODEL_DIR, "natural.mulaw"))

    # References: three clips of the natural split outside the null pool, noisy at >= 5 dB SNR
    # (like most training clips; a clean clip's silent frames sit at the compression floor, many
    # tied values that Spearman's rho matches only slowly), distinct words, that the net classifies
    # correctly (a metamer keeps the reference's class).
    refs, seen = [], set()
    for i in range(N_NATURAL, len(nat_x)):
        m = nat_meta[i]
        if m["noise"] != "clean" and m["snrDb"] >= 5 and m["word"] not in seen and len(refs) < 3:
            with torch.no_grad():
                guess = int(model(coch(torch.tensor(normalise(nat_x[i])[None]))).argmax(1))
            if WORDS[guess] != m["word"]:
                continue
            seen.add(m["word"])
            path = f"references/{m['word']}.wav"
            wavfile.write(os.path.join(MODEL_DIR, path), 20000, np.round(np.clip(nat_x[i], -1, 1) * 32767).astype(np.int16))
            refs.append({"path": path, "label": m["word"], "voice": m["voice"], "noise": m["noise"], "snrDb": m["snrDb"]})

    # Held-out: one test clip per word (the first of each word in file order).
    test = np.load(os.path.join(DATA, "test.npz"))
    test_meta = json.load(open(os.path.join(DATA, "test.json")))
    pick = [int(np.nonzero(test["y"] == w)[0][0]) for w in range(N_CLASSES)]
    held = mulaw_encode(test["x"][pick].astype(np.float32) / 32767)
    held.tofile(os.path.join(MODEL_DIR, "heldout.mulaw"))
    decoded = np.stack([normalise(mulaw_decode(c)) for c in held])
    with torch.no_grad():
        logits = torch.cat([model(coch(torch.tensor(decoded[s: s + 10]))) for s in range(0, len(decoded), 10)])
    labels = [int(test["y"][i]) for i in pick]
    held_acc = float((logits.argmax(1).numpy() == np.array(labels)).mean())
    print(f"committed held-out set (100 clips, mu-law decoded): torch accuracy {held_acc:.3f}", flush=True)
    with open(os.path.join(FIXTURES, "torch-logits.json"), "w") as f:
        json.dump({"generator": "scripts/models/cochcnn_words/export_tfjs.py (torch cochleagram, float32)",
                   "clips": list(range(N_FIXTURE)), "logits": logits[:N_FIXTURE].tolist(),
                   "predictions": logits.argmax(1).tolist()}, f)
        f.write("\n")

    # Held-out-voice accuracy by SNR band (test split, cached cochleagrams of cache_cochleagrams.py).
    from train import load_chunks
    xte, yte, idx = load_chunks(DATA, "test")
    with torch.no_grad():
        pred = torch.cat([model(xte[s: s + 100].float()) for s in range(0, len(xte), 100)]).argmax(1).numpy()
    ok = pred == yte.numpy()
    snr = np.array([test_meta[i]["snrDb"] if test_meta[i]["snrDb"] is not None else np.inf for i in idx])
    by_snr = []
    for lo, hi in [(-10, -5), (-5, 0), (0, 5), (5, 10.001), (np.inf, np.inf)]:
        sel = (snr == np.inf) if lo == np.inf else (snr >= lo) & (snr < hi)
        by_snr.append({"band": "clean" if lo == np.inf else f"{lo}..{min(hi, 10):g} dB", "clips": int(sel.sum()),
                       "accuracy": float(ok[sel].mean()) if sel.any() else None})

    training = json.load(open(os.path.join(DATA, "training.json")))
    info = json.load(open(os.path.join(DATA, "info.json")))
    export = {
        "classes": WORDS, "info": info, "training": training, "references": refs, "accuracyBySnr": by_snr,
        "natural": {"count": N_NATURAL, "voices": sorted({nat_meta[i]["voice"] for i in range(N_NATURAL)})},
        "heldout": {"count": len(pick), "labels": labels, "voices": [test_meta[i]["voice"] for i in pick],
                    "noise": [test_meta[i]["noise"] for i in pick], "snrDb": [test_meta[i]["snrDb"] for i in pick],
                    "torchAccuracy": held_acc},
    }
    with open(os.path.join(MODEL_DIR, "export.json"), "w") as f:
        json.dump(export, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
