#!/usr/bin/env python3
"""Write the held-out clean images `splitee run --alpha auto` picks alpha on.

The shipped stream sample (stream/t2k-*) is the FIRST 2,000 Fashion-MNIST test images; the held-out
set is the LAST 1,000 (test indices 9000..9999): clean, labelled, in the training domain, and
disjoint from both the training set and the stream. Output (raw uint8 IDX, gzip with mtime 0, so the
bytes are reproducible; about 0.45 MB):

    weights/fmnist-resnet/heldout/h1k-images-idx3-ubyte.gz
    weights/fmnist-resnet/heldout/h1k-labels-idx1-ubyte.gz

Usage: python3 tools/resnet/heldout.py [--out DIR] [--first 9000] [--count 1000]
(data from $FMNIST_DIR, default /usr/share/datasets/fashion-mnist: Debian's dataset-fashion-mnist).
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import read_idx, write_idx  # noqa: E402  (the IDX reader/writer of the training code)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA_DIR = os.environ.get("FMNIST_DIR", "/usr/share/datasets/fashion-mnist")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(ROOT, "weights", "fmnist-resnet", "heldout"))
    ap.add_argument("--first", type=int, default=9000)
    ap.add_argument("--count", type=int, default=1000)
    a = ap.parse_args()
    x = read_idx(os.path.join(DATA_DIR, "t10k-images-idx3-ubyte.gz"))
    y = read_idx(os.path.join(DATA_DIR, "t10k-labels-idx1-ubyte.gz"))
    if a.first < 2000 or a.first + a.count > len(x):
        raise SystemExit(f"heldout: range [{a.first}, {a.first + a.count}) overlaps the stream [0, 2000) or runs past {len(x)}")
    os.makedirs(a.out, exist_ok=True)
    write_idx(os.path.join(a.out, "h1k-images-idx3-ubyte.gz"), x[a.first:a.first + a.count])
    write_idx(os.path.join(a.out, "h1k-labels-idx1-ubyte.gz"), y[a.first:a.first + a.count])
    print(f"heldout: test images {a.first}..{a.first + a.count - 1} -> {a.out}")


if __name__ == "__main__":
    main()
