"""Classical baselines on the same emails as the model: tf-idf + logistic regression and Bernoulli naive Bayes,
trained on tools/spam/data/source-train.jsonl, reported on source-heldout and target.

No scikit-learn on this machine, so this re-implements sklearn's defaults with numpy + torch:
  TfidfVectorizer(): lowercase, token_pattern (?u)\\b\\w\\w+\\b, raw counts, smooth idf = ln((1+n)/(1+df)) + 1, l2 rows;
  LogisticRegression(C=1.0) [and class_weight="balanced", as the model's loss is]: L2 penalty 0.5||w||^2 + C * sum(logloss), unpenalised intercept, L-BFGS to convergence;
  BernoulliNB(alpha=1.0) on binary word presence (vocabulary of the training split).

    /usr/bin/python3 tools/spam/baseline.py    -> prints a table and writes tools/spam/out/baseline.json
"""
import json
import math
import os
import re
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")
TOKEN = re.compile(r"(?u)\b\w\w+\b")


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def counts(texts, vocab, grow):
    rows, cols, vals = [], [], []
    for r, t in enumerate(texts):
        c = {}
        for w in TOKEN.findall(t.lower()):
            j = vocab.get(w)
            if j is None:
                if not grow:
                    continue
                j = vocab[w] = len(vocab)
            c[j] = c.get(j, 0) + 1
        for j, v in c.items():
            rows.append(r)
            cols.append(j)
            vals.append(v)
    return np.array(rows), np.array(cols), np.array(vals, dtype=np.float64)


def tfidf(rows, cols, vals, n_rows, idf):
    v = vals * idf[cols]
    norm = np.sqrt(np.bincount(rows, weights=v * v, minlength=n_rows))
    v = v / np.maximum(norm[rows], 1e-12)
    return rows, cols, v


def sparse(rows, cols, vals, n_rows, n_cols):
    idx = torch.tensor(np.stack([rows, cols]), dtype=torch.long)
    return torch.sparse_coo_tensor(idx, torch.tensor(vals), (n_rows, n_cols)).coalesce()


def fit_lr(X, y, C=1.0, balanced=False):
    n, d = X.shape
    cw = len(y) / (2.0 * np.bincount(y, minlength=2)) if balanced else np.ones(2)
    sw = torch.tensor(cw[y], dtype=torch.float64)
    w = torch.zeros(d, dtype=torch.float64, requires_grad=True)
    b = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    yt = torch.tensor(y, dtype=torch.float64)
    opt = torch.optim.LBFGS([w, b], lr=1, max_iter=500, tolerance_grad=1e-8, tolerance_change=1e-12,
                            history_size=20, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        z = torch.sparse.mm(X, w.unsqueeze(1)).squeeze(1) + b
        loss = 0.5 * (w * w).sum() + C * torch.nn.functional.binary_cross_entropy_with_logits(z, yt, weight=sw, reduction="sum")
        loss.backward()
        return loss

    for _ in range(5):
        opt.step(closure)
    return w.detach(), b.detach()


def predict_lr(X, w, b):
    return (torch.sparse.mm(X, w.unsqueeze(1)).squeeze(1) + b > 0).long().numpy()


def report(name, pred, y):
    y = np.asarray(y)
    acc = float((pred == y).mean())
    ham = float((pred[y == 0] == 0).mean())
    rec = float((pred[y == 1] == 1).mean())
    prec = float((y[pred == 1] == 1).mean()) if (pred == 1).any() else float("nan")
    return {"name": name, "accuracy": acc, "ham_accuracy": ham, "spam_recall": rec, "spam_precision": prec}


def main():
    train = read_jsonl(os.path.join(DATA, "source-train.jsonl"))
    splits = {"source-heldout": read_jsonl(os.path.join(DATA, "source-heldout.jsonl")),
              "target": read_jsonl(os.path.join(DATA, "target.jsonl"))}
    vocab = {}
    tr, tc, tv = counts([r["text"] for r in train], vocab, True)
    n, d = len(train), len(vocab)
    df = np.bincount(tc, minlength=d)
    idf = np.log((1 + n) / (1 + df)) + 1
    ytr = np.array([r["label"] for r in train])
    Xtr = sparse(*tfidf(tr, tc, tv, n, idf), n, d)
    w, b = fit_lr(Xtr, ytr)
    wb, bb = fit_lr(Xtr, ytr, balanced=True)
    # Bernoulli NB
    pres = np.zeros((2, d))
    for cls in (0, 1):
        m = ytr[tr] == cls
        pres[cls] = np.bincount(tc[m], minlength=d)
    nc = np.bincount(ytr, minlength=2).astype(np.float64)
    p = (pres + 1.0) / (nc[:, None] + 2.0)
    logp, log1p = np.log(p), np.log(1 - p)
    prior = np.log(nc / nc.sum())
    results = {"train": {"emails": n, "features": d}}
    for split, rows in splits.items():
        y = [r["label"] for r in rows]
        r_, c_, v_ = counts([r["text"] for r in rows], vocab, False)
        X = sparse(*tfidf(r_, c_, v_, len(rows), idf), len(rows), d)
        lr = report("tfidf-logreg", predict_lr(X, w, b), y)
        lrb = report("tfidf-logreg-balanced", predict_lr(X, wb, bb), y)
        B = np.zeros((len(rows), d), dtype=bool)
        B[r_, c_] = True
        score = prior + log1p.sum(1) + B.astype(np.float64) @ (logp - log1p).T
        nb = report("bernoulli-nb", score.argmax(1), y)
        results[split] = [lr, lrb, nb]
        for res in (lr, lrb, nb):
            print(f"{split:15s} {res['name']:22s} acc {100 * res['accuracy']:.1f}%  ham {100 * res['ham_accuracy']:.1f}%  "
                  f"spam recall {100 * res['spam_recall']:.1f}%  spam precision {100 * res['spam_precision']:.1f}%")
    os.makedirs(os.path.join(HERE, "out"), exist_ok=True)
    with open(os.path.join(HERE, "out", "baseline.json"), "w") as f:
        json.dump(results, f, indent=1)


if __name__ == "__main__":
    torch.set_num_threads(1)
    main()
