"""DeeBERT's second stage on a frozen checkpoint: attach exit heads ("off-ramps": pooler dense + tanh +
classifier on [CLS], as the final exit) after chosen layers of a BERT sequence classifier and train only them;
the backbone and its final classifier stay frozen (Xin et al., DeeBERT, ACL 2020, two-stage fine-tuning).
Shown on the shipped spam-bert's backbone (tools/spam/to_hf.py writes it as a plain HF folder first).

    /usr/bin/python3 tools/spam/to_hf.py
    OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 tools/spam/deebert.py --checkpoint tools/spam/out/spam-bert-hf \
        --exits 2,4 --out weights/spam-deebert

Training data: source-train (tools/spam/data, extract.ts); the epoch of each head is chosen on source-heldout
(accuracy, then cross-entropy); the target stream is read for REPORTING only. The backbone is frozen, so the
[CLS] state after each exit layer is computed once per email and the heads train on those vectors (seconds).
Output: the checkpoint's tensors as they were + exits.J.{pooler.dense,classifier}.{weight,bias}; a config.json
with a "splitee" block listing the exits (after_layer; the final exit is bert.pooler.dense + classifier);
golden.safetensors (spam-bert's golden inputs, PyTorch logits of every exit); the tokenizer files.
"""
import argparse
import datetime
import json
import os
import shutil
import sys

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tools", "resnet"))
sys.path.insert(0, HERE)  # first: tools/resnet has an export.py too
import tokenization as tk  # noqa: E402
from model import Bert, Exit, extended_mask  # noqa: E402
from export import DATA, padded, read_jsonl  # noqa: E402
import safetensors_io  # noqa: E402

TOKENIZER_FILES = ("vocab.txt", "tokenizer.json", "tokenizer_config.json")


def load_checkpoint(folder):
    with open(os.path.join(folder, "config.json")) as f:
        config = json.load(f)
    with open(os.path.join(folder, "model.safetensors"), "rb") as f:
        tensors, _ = safetensors_io.decode(f.read())
    cfg = dict(config, num_labels=config.get("num_labels", 2))
    bert = Bert(cfg)
    state = {k[len("bert."):]: torch.from_numpy(v.copy()) for k, v in tensors.items() if k.startswith("bert.") and not k.startswith("bert.pooler.")}
    state.pop("embeddings.position_ids", None)
    bert.load_state_dict(state)
    final = Exit(cfg)
    final.load_state_dict({
        "pooler.dense.weight": torch.from_numpy(tensors["bert.pooler.dense.weight"].copy()),
        "pooler.dense.bias": torch.from_numpy(tensors["bert.pooler.dense.bias"].copy()),
        "classifier.weight": torch.from_numpy(tensors["classifier.weight"].copy()),
        "classifier.bias": torch.from_numpy(tensors["classifier.bias"].copy()),
    })
    bert.eval()
    final.eval()
    return config, cfg, tensors, bert, final


@torch.no_grad()
def cls_states(bert, seqs, layers, batch=64):
    """{layer: [N, H] float32 [CLS] states after that layer (1-based)} and the last layer's states."""
    out = {l: [] for l in layers}
    for i in range(0, len(seqs), batch):
        chunk = seqs[i : i + batch]
        ids, mask = padded(chunk, max(len(s) for s in chunk))
        ids, mask = torch.from_numpy(ids).long(), torch.from_numpy(mask).long()
        ext = extended_mask(mask)
        x = bert.embeddings(ids)
        for j, layer in enumerate(bert.encoder.layer):
            x = layer(x, ext)
            if j + 1 in out:
                out[j + 1].append(x[:, :1].clone())
    return {l: torch.cat(v) for l, v in out.items()}


def train_head(cfg, x_train, y_train, x_held, y_held, args, seed):
    """One off-ramp trained on frozen [CLS] states; the epoch chosen on source-heldout."""
    torch.manual_seed(seed)
    head = Exit(cfg)
    for m in head.modules():
        if isinstance(m, torch.nn.Linear):
            torch.nn.init.normal_(m.weight, 0.0, cfg["initializer_range"])
            torch.nn.init.zeros_(m.bias)
    counts = torch.bincount(y_train, minlength=cfg["num_labels"]).float()
    weight = counts.sum() / (len(counts) * counts)
    opt = torch.optim.AdamW(head.parameters(), lr=args.lr, weight_decay=0.01)
    g = torch.Generator().manual_seed(seed)
    best, best_key, history = None, None, []
    for epoch in range(1, args.epochs + 1):
        head.train()
        perm = torch.randperm(len(y_train), generator=g)
        for i in range(0, len(perm), args.batch):
            idx = perm[i : i + args.batch]
            loss = F.cross_entropy(head(x_train[idx]), y_train[idx], weight=weight)
            opt.zero_grad()
            loss.backward()
            opt.step()
        head.eval()
        with torch.no_grad():
            logits = head(x_held)
            correct = int((logits.argmax(-1) == y_held).sum())
            ce = float(F.cross_entropy(logits, y_held))
        history.append({"epoch": epoch, "heldout_correct": correct, "heldout_ce": ce})
        key = (correct, -ce)
        if best_key is None or key > best_key:
            best_key, best = key, {k: v.detach().clone() for k, v in head.state_dict().items()}
    head.load_state_dict(best)
    head.eval()
    return head, history


@torch.no_grad()
def accuracy(head, x, y):
    return float((head(x).argmax(-1) == y).float().mean())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkpoint", default=os.path.join(HERE, "out", "spam-bert-hf"))
    ap.add_argument("--exits", default="2,4", help="layers (1-based) after which to attach off-ramps")
    ap.add_argument("--out", default=os.path.join(ROOT, "weights", "spam-deebert"))
    ap.add_argument("--id", default="spam-deebert")
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--golden", default=os.path.join(ROOT, "weights", "spam-bert", "golden.safetensors"))
    args = ap.parse_args()
    torch.set_num_threads(1)
    config, cfg, tensors, bert, final = load_checkpoint(args.checkpoint)
    L = config["num_hidden_layers"]
    exits = sorted({int(s) for s in args.exits.split(",")})
    if not exits or exits[0] < 1 or exits[-1] >= L:
        raise SystemExit(f"--exits: layers must lie in [1, {L - 1}] (the final exit already reads layer {L}), got {args.exits}")
    wp = tk.WordPiece(tk.read_vocab(os.path.join(args.checkpoint, "vocab.txt")))
    splits = {}
    for name in ("source-train", "source-heldout", "target"):
        rows = read_jsonl(os.path.join(DATA, f"{name}.jsonl"))
        seqs = [wp.encode(r["text"]) for r in rows]
        splits[name] = (cls_states(bert, seqs, exits + [L]), torch.tensor([r["label"] for r in rows]))
        print(f"{name}: {len(seqs)} emails encoded", flush=True)
    heads, report = [], []
    for j, layer in enumerate(exits):
        (xt, yt), (xh, yh), (xg, yg) = ((splits[s][0][layer], splits[s][1]) for s in ("source-train", "source-heldout", "target"))
        head, history = train_head(cfg, xt, yt, xh, yh, args, args.seed + j)
        heads.append(head)
        report.append({"after_layer": layer, "accuracy_source_heldout": accuracy(head, xh, yh), "accuracy_target": accuracy(head, xg, yg),
                       "best_epoch": max(history, key=lambda h: (h["heldout_correct"], -h["heldout_ce"]))["epoch"]})
        print(f"exit after layer {layer}: {report[-1]}", flush=True)
    xh, yh = splits["source-heldout"][0][L], splits["source-heldout"][1]
    xg, yg = splits["target"][0][L], splits["target"][1]
    report.append({"after_layer": L, "accuracy_source_heldout": accuracy(final, xh, yh), "accuracy_target": accuracy(final, xg, yg), "best_epoch": None})
    write(args, config, tensors, bert, final, heads, exits, report)


def write(args, config, tensors, bert, final, heads, exits, report):
    L = config["num_hidden_layers"]
    out = dict(tensors)
    for j, head in enumerate(heads):
        for k, v in head.state_dict().items():
            out[f"exits.{j}.{k}"] = v.numpy().astype(np.float32)
    spec = [{"index": j + 1, "after_layer": l, "pooler": f"exits.{j}.pooler.dense", "classifier": f"exits.{j}.classifier"} for j, l in enumerate(exits)]
    spec.append({"index": len(exits) + 1, "after_layer": L, "pooler": "bert.pooler.dense", "classifier": "classifier"})
    for s, r in zip(spec, report):
        s.update({k: v for k, v in r.items() if k != "after_layer"})
    labels = config.get("id2label", {"0": "ham", "1": "spam"})
    cfg = dict(config)
    cfg["splitee"] = {
        "format": "splitee-model/1", "id": args.id, "architecture": "bert-multi-exit", "num_classes": config.get("num_labels", 2),
        "classes": [labels[str(i)] for i in range(config.get("num_labels", 2))], "max_length": tk.MAX_LENGTH, "exits": spec,
        "recipe": {"script": "tools/spam/deebert.py", "stage": "DeeBERT stage 2: off-ramps trained on the frozen backbone and final classifier",
                   "checkpoint": os.path.relpath(args.checkpoint, ROOT), "epochs": args.epochs, "batch_size": args.batch, "lr": args.lr,
                   "optimizer": "AdamW (weight decay 0.01)", "loss": "class-balanced cross-entropy", "selection": "source-heldout accuracy, then CE",
                   "seed": args.seed, "framework": f"torch {torch.__version__}", "date": datetime.date.today().isoformat()},
    }
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
        f.write("\n")
    safetensors_io.save(os.path.join(args.out, "model.safetensors"), out)
    for name in TOKENIZER_FILES:
        shutil.copyfile(os.path.join(args.checkpoint, name), os.path.join(args.out, name))
    write_golden(args, bert, final, heads, exits)
    print(f"wrote {args.out}")


@torch.no_grad()
def write_golden(args, bert, final, heads, exits):
    with open(args.golden, "rb") as f:
        gold, _ = safetensors_io.decode(f.read())
    ids, mask = torch.from_numpy(gold["input_ids"].astype(np.int64)), torch.from_numpy(gold["attention_mask"].astype(np.int64))
    ext = extended_mask(mask)
    x = bert.embeddings(ids)
    logits = {}
    for j, layer in enumerate(bert.encoder.layer):
        x = layer(x, ext)
        if j + 1 in exits:
            logits[f"exit_{exits.index(j + 1) + 1}.logits"] = heads[exits.index(j + 1)](x).numpy()
    logits[f"exit_{len(exits) + 1}.logits"] = final(x).numpy()
    safetensors_io.save(os.path.join(args.out, "golden.safetensors"), {"input_ids": gold["input_ids"], "attention_mask": gold["attention_mask"], **logits},
                        {"model_id": args.id, "note": "PyTorch eval-mode float32 logits on spam-bert's padded golden inputs; token_type_ids all 0"})


if __name__ == "__main__":
    main()
