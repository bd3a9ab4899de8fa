"""Writes the shipped spam-bert as a plain Hugging Face BertForSequenceClassification folder: its backbone
and its final exit, spelled as HF saves such a model (bert.embeddings.*, bert.encoder.*, bert.pooler.dense,
classifier, and the bert.embeddings.position_ids buffer), with a config.json that has no "splitee" block.
It is the frozen checkpoint tools/spam/deebert.py starts from (the way one starts from a fine-tuned HF model),
and what `loadModel` must accept as it is (issue 11 item 7).

    /usr/bin/python3 tools/spam/to_hf.py [--src weights/spam-bert] [--out tools/spam/out/spam-bert-hf]
"""
import argparse
import json
import os
import shutil
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tools", "resnet"))
import safetensors_io  # noqa: E402

TOKENIZER_FILES = ("vocab.txt", "tokenizer.json", "tokenizer_config.json")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--src", default=os.path.join(ROOT, "weights", "spam-bert"))
    ap.add_argument("--out", default=os.path.join(HERE, "out", "spam-bert-hf"))
    args = ap.parse_args()
    with open(os.path.join(args.src, "config.json")) as f:
        config = json.load(f)
    last = config["num_hidden_layers"] - 1
    with open(os.path.join(args.src, "model.safetensors"), "rb") as f:
        tensors, _ = safetensors_io.decode(f.read())
    out = {}
    for name, t in tensors.items():
        if name.startswith(f"exits.{last}.pooler.dense."):
            out["bert.pooler.dense." + name.rsplit(".", 1)[1]] = t
        elif name.startswith(f"exits.{last}.classifier."):
            out["classifier." + name.rsplit(".", 1)[1]] = t
        elif not name.startswith("exits."):
            out[name] = t
    out["bert.embeddings.position_ids"] = np.arange(config["max_position_embeddings"], dtype=np.int64)[None, :]
    hf = {k: v for k, v in config.items() if k != "splitee"}
    hf["architectures"] = ["BertForSequenceClassification"]
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "config.json"), "w") as f:
        json.dump(hf, f, indent=2)
        f.write("\n")
    safetensors_io.save(os.path.join(args.out, "model.safetensors"), out)
    for name in TOKENIZER_FILES:
        shutil.copyfile(os.path.join(args.src, name), os.path.join(args.out, name))
    print(f"{args.out}: {len(out)} tensors (the final exit of {args.src} as bert.pooler.dense + classifier)")


if __name__ == "__main__":
    main()
