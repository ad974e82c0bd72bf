"""Fashion-MNIST from Debian's `dataset-fashion-mnist` package (idx files, gzip), and the
fixed, seeded split of the 10,000 test images into the subsets this project ships."""
import gzip
import os

import numpy as np

DATA_DIR = "/usr/share/datasets/fashion-mnist"
CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
           "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
SPLIT_SEED = 20231016
NATURAL_COUNT = 256   # null-distribution pool (natural.bin in each model directory)
HELDOUT_COUNT = 200   # committed held-out accuracy set (test/fixtures/fmnist)


def _read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def load(split):
    """uint8 images [N, 28, 28] and labels [N] of 'train' or 't10k'."""
    images = os.path.join(DATA_DIR, f"{split}-images-idx3-ubyte.gz")
    labels = os.path.join(DATA_DIR, f"{split}-labels-idx1-ubyte.gz")
    if not os.path.exists(images):
        raise SystemExit(f"{images} not found: apt-get install dataset-fashion-mnist")
    return _read_idx(images), _read_idx(labels)


def test_subsets(test_labels):
    """Disjoint test-set index lists: natural (null pool), held-out (accuracy fixture), and
    one reference per class (the first held-out image of each class)."""
    perm = np.random.RandomState(SPLIT_SEED).permutation(len(test_labels))
    natural = perm[:NATURAL_COUNT]
    heldout = perm[NATURAL_COUNT:NATURAL_COUNT + HELDOUT_COUNT]
    references = []
    for c in range(len(CLASSES)):
        references.append(int(next(i for i in heldout if test_labels[i] == c)))
    return natural, heldout, references
