"""Builds the WordPiece vocabulary from the SOURCE TRAINING emails only and writes the tokenizer files, then
encodes every split (and the odd texts) to tools/spam/data/<split>.ids.jsonl for training and for the
tokenizers.js equality check (tools/spam/check_tokenizer.ts).

    /usr/bin/python3 tools/spam/tokenize_data.py [--vocab-size 8000] [--out weights/spam-bert]
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tokenization as tk  # noqa: E402
from odd_texts import ODD_TEXTS  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vocab-size", type=int, default=8000)
    ap.add_argument("--out", default=os.path.join(HERE, "..", "..", "weights", "spam-bert"))
    args = ap.parse_args()
    t0 = time.time()
    train = read_jsonl(os.path.join(DATA, "source-train.jsonl"))
    vocab = tk.train_wordpiece([r["text"] for r in train], args.vocab_size)
    print(f"vocab: {len(vocab)} tokens in {time.time() - t0:.1f} s", flush=True)
    tk.write_tokenizer_files(vocab, args.out)
    wp = tk.WordPiece(vocab)
    for split in ("source-train", "source-heldout", "target"):
        rows = read_jsonl(os.path.join(DATA, f"{split}.jsonl"))
        unk = tot = trunc = 0
        with open(os.path.join(DATA, f"{split}.ids.jsonl"), "w", encoding="utf-8") as f:
            for r in rows:
                content = wp.encode_content(r["text"])
                ids = [tk.CLS] + content[: tk.MAX_LENGTH - 2] + [tk.SEP]
                trunc += len(content) > tk.MAX_LENGTH - 2
                unk += sum(1 for i in ids if i == tk.UNK)
                tot += len(ids)
                f.write(json.dumps({"id": r["id"], "label": r["label"], "ids": ids}) + "\n")
        print(f"{split}: {len(rows)} texts, {tot / len(rows):.1f} ids/text, {100 * unk / tot:.2f}% [UNK], "
              f"{100 * trunc / len(rows):.1f}% truncated", flush=True)
    with open(os.path.join(DATA, "odd.ids.jsonl"), "w", encoding="utf-8") as f:
        for i, t in enumerate(ODD_TEXTS):
            f.write(json.dumps({"id": f"odd/{i:02d}", "text": t, "ids": wp.encode(t)}) + "\n")
    write_fixtures(wp, os.path.join(args.out, "tokenizer-fixtures.jsonl"))
    print(f"done in {time.time() - t0:.1f} s")


def shortest_equivalent_prefix(wp, text):
    """A prefix of `text` whose training-time ids equal those of the whole text (keeps the fixtures small)."""
    full = wp.encode(text)
    n = 256
    while n < len(text):
        if wp.encode(text[:n]) == full:
            lo, hi = n // 2, n  # shrink further; the chosen prefix is always verified equal
            while hi - lo > 16:
                mid = (lo + hi) // 2
                if wp.encode(text[:mid]) == full:
                    hi = mid
                else:
                    lo = mid
            return text[:hi]
        n *= 2
    return text


def write_fixtures(wp, path):
    """>= 1,000 {text, ids}: 300 source held-out + 700 target emails (cut to a prefix with the same ids) + odd texts."""
    held = read_jsonl(os.path.join(DATA, "source-heldout.jsonl"))[::2][:300]
    target = read_jsonl(os.path.join(DATA, "target.jsonl"))[::4][:700]
    n = 0
    with open(path, "w", encoding="utf-8") as f:
        for r in held + target:
            text = shortest_equivalent_prefix(wp, r["text"])
            f.write(json.dumps({"id": r["id"], "text": text, "ids": wp.encode(text)}, ensure_ascii=False) + "\n")
            n += 1
        for i, t in enumerate(ODD_TEXTS):
            f.write(json.dumps({"id": f"odd/{i:02d}", "text": t, "ids": wp.encode(t)}, ensure_ascii=False) + "\n")
            n += 1
    print(f"{path}: {n} fixtures, {os.path.getsize(path) / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
