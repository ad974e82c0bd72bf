"""Writes a FashionAlexNet as a TF.js LayersModel (Keras-style `model.json` + `weights.bin`),
without the tensorflowjs converter (none exists offline).

Layouts: torch Conv2d weight [out, in, kh, kw] -> Keras kernel [kh, kw, in, out]; torch Linear
[out, in] -> Dense kernel [in, out]. Flatten: torch flattens conv4's pooled output in
(C, H, W) order, Keras/tfjs in (H, W, C) order, so fc0's input rows are permuted to match.
Each ReLU is its own Activation layer named after the paper's stage (relu0, ..., fc1_relu), so
the stage -> layer map is the identity and the fake ReLU can be swapped in at any stage.
"""
import json

import numpy as np

from net import CONVS, FCS, FLAT_SHAPE_CHW

INPUT_SHAPE = [28, 28, 1]


def _layer(class_name, config):
    return {"class_name": class_name, "config": {"trainable": True, "dtype": "float32", **config}}


def _conv(name, filters, k, first):
    cfg = {
        "name": name, "filters": filters, "kernel_size": [k, k], "strides": [1, 1],
        "padding": "same", "data_format": "channels_last", "dilation_rate": [1, 1],
        "activation": "linear", "use_bias": True,
        "kernel_initializer": {"class_name": "Zeros", "config": {}},
        "bias_initializer": {"class_name": "Zeros", "config": {}},
        "kernel_regularizer": None, "bias_regularizer": None, "activity_regularizer": None,
        "kernel_constraint": None, "bias_constraint": None,
    }
    if first:
        cfg["batch_input_shape"] = [None, *INPUT_SHAPE]
    return _layer("Conv2D", cfg)


def _dense(name, units):
    return _layer("Dense", {
        "name": name, "units": units, "activation": "linear", "use_bias": True,
        "kernel_initializer": {"class_name": "Zeros", "config": {}},
        "bias_initializer": {"class_name": "Zeros", "config": {}},
        "kernel_regularizer": None, "bias_regularizer": None, "activity_regularizer": None,
        "kernel_constraint": None, "bias_constraint": None,
    })


def _relu(name):
    return _layer("Activation", {"name": name, "activation": "relu"})


def _pool(name):
    return _layer("MaxPooling2D", {"name": name, "pool_size": [2, 2], "strides": [2, 2],
                                   "padding": "valid", "data_format": "channels_last"})


def layers_and_weights(model):
    """Keras layer configs and (name, float32 array) weights in tfjs layouts."""
    layers, weights = [], []
    sd = {k: v.detach().cpu().numpy().astype(np.float32) for k, v in model.state_dict().items()}
    for i, (name, _, cout, k, pool) in enumerate(CONVS):
        layers.append(_conv(name, cout, k, first=(i == 0)))
        weights.append((f"{name}/kernel", sd[f"{name}.weight"].transpose(2, 3, 1, 0)))
        weights.append((f"{name}/bias", sd[f"{name}.bias"]))
        layers.append(_relu(f"relu{i}"))
        if pool:
            layers.append(_pool(f"pool{i}"))
    layers.append(_layer("Flatten", {"name": "flatten", "data_format": "channels_last"}))
    c, h, w = FLAT_SHAPE_CHW
    for j, (name, _, fout, relu) in enumerate(FCS):
        layers.append(_dense(name, fout))
        kernel = sd[f"{name}.weight"]  # [out, in]
        if j == 0:
            # torch input index c*h*w order -> tfjs (h, w, c) order.
            kernel = kernel.reshape(fout, c, h, w).transpose(2, 3, 1, 0).reshape(h * w * c, fout)
        else:
            kernel = kernel.T
        weights.append((f"{name}/kernel", np.ascontiguousarray(kernel)))
        weights.append((f"{name}/bias", sd[f"{name}.bias"]))
        if relu:
            layers.append(_relu(f"{name}_relu"))
    return layers, weights


def write_layers_model(model, model_name, json_path, bin_path, bin_name="weights.bin"):
    layers, weights = layers_and_weights(model)
    topology = {
        "class_name": "Sequential",
        "config": {"name": model_name, "layers": layers},
        "keras_version": "2.11.0",
        "backend": "tensorflow",
    }
    specs = [{"name": n, "shape": list(a.shape), "dtype": "float32"} for n, a in weights]
    with open(bin_path, "wb") as f:
        for _, a in weights:
            f.write(np.ascontiguousarray(a, dtype="<f4").tobytes())
    doc = {
        "format": "layers-model",
        "generatedBy": "scripts/models/fmnist_alexnet/export_tfjs.py (PyTorch " + _torch_version() + ")",
        "convertedBy": None,
        "modelTopology": topology,
        "weightsManifest": [{"paths": [bin_name], "weights": specs}],
    }
    with open(json_path, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")


def _torch_version():
    import torch
    return torch.__version__
