"""Per-exit correct counts of several training runs on source-heldout and on the target stream, for the
development-runs tables of the model card (tools/spam/CARD_NOTES.md). The target is read for REPORTING; the
choice of the shipped run uses only the source-heldout columns (train.py's key, printed first).

    OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 tools/spam/evaluate.py tools/spam/out/e/a-s1 tools/spam/out/e/d2-s1 ...
    [--json out.json] [--ensemble]

--ensemble also reports the ensemble of all the given runs: per exit, the mean of their softmax probabilities.
Each argument is a run folder holding checkpoint.pt (+ history.json) as train.py --out writes it.
"""
import argparse
import json
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import tokenization as tk  # noqa: E402
from export import DATA, WEIGHTS, all_logits, read_jsonl  # noqa: E402
from model import MultiExitBert  # noqa: E402


def load_split(wp, split):
    rows = read_jsonl(os.path.join(DATA, f"{split}.jsonl"))
    return [wp.encode(r["text"]) for r in rows], np.array([r["label"] for r in rows])


def load_model(folder):
    ck = torch.load(os.path.join(folder, "checkpoint.pt"), map_location="cpu")
    model = MultiExitBert(ck["config"])
    model.load_state_dict(ck["state_dict"])
    model.eval()
    return model, ck


def log_softmax(x):
    x = x - x.max(-1, keepdims=True)
    return x - np.log(np.exp(x).sum(-1, keepdims=True))


def score(logits, y):
    """Per-exit correct counts and the final exit's mean cross-entropy of [L, N, 2] float64 logits."""
    correct = [int((logits[k].argmax(-1) == y).sum()) for k in range(logits.shape[0])]
    ce = float(-log_softmax(logits[-1])[np.arange(len(y)), y].mean())
    return {"n": int(len(y)), "correct_per_exit": correct, "final_ce": ce}


def evaluate_run(folder, splits, keep=None):
    model, ck = load_model(folder)
    res = {"run": folder, "epoch": ck["epoch"], "seed": ck["args"]["seed"]}
    for name, (seqs, y) in splits.items():
        logits = all_logits(model, seqs).astype(np.float64)
        if keep is not None:
            keep.setdefault(name, []).append(logits)
        res[name] = score(logits, y)
    return with_source_key(res)


def with_source_key(res):
    """res plus train.py's selection key on its source-heldout scores: final-exit accuracy, then mean exit
    accuracy, then final-exit CE (lower wins)."""
    h = res["source-heldout"]
    res["source_key"] = [h["correct_per_exit"][-1], sum(h["correct_per_exit"]), -h["final_ce"]]
    return res


def ensemble(kept, splits, runs):
    """The mean of the runs' per-exit softmax probabilities, scored like a run (log of the mean as logits)."""
    res = {"run": "ensemble of " + ", ".join(runs)}
    for name, (_, y) in splits.items():
        probs = np.mean([np.exp(log_softmax(lg)) for lg in kept[name]], axis=0)
        res[name] = score(np.log(probs), y)
    return with_source_key(res)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("runs", nargs="+")
    ap.add_argument("--json", default=None)
    ap.add_argument("--ensemble", action="store_true", help="also report the ensemble of all the runs")
    args = ap.parse_args()
    torch.set_num_threads(1)
    wp = tk.WordPiece(tk.read_vocab(os.path.join(WEIGHTS, "vocab.txt")))
    splits = {s: load_split(wp, s) for s in ("source-heldout", "target")}
    results = []
    kept = {} if args.ensemble else None
    for folder in args.runs:
        results.append(evaluate_run(folder, splits, kept))
        report(results[-1])
    if args.ensemble:
        results.append(ensemble(kept, splits, args.runs))
        report(results[-1])
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


def report(r):
    h, t = r["source-heldout"], r["target"]
    epoch = f"epoch {r['epoch']} | " if "epoch" in r else ""
    print(f"{r['run']}: {epoch}source key {r['source_key'][0]}/{h['n']}, {r['source_key'][1]}, "
          f"CE {h['final_ce']:.4f} | target per exit "
          + " ".join(f"{100 * c / t['n']:.2f}" for c in t["correct_per_exit"])
          + f" (final {t['correct_per_exit'][-1]}/{t['n']})", flush=True)


if __name__ == "__main__":
    main()
