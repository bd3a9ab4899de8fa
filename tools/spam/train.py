"""Trains the multi-exit BERT-like encoder on the SpamAssassin SOURCE domain (train split), selects the epoch by
the source held-out split, and saves tools/spam/out/checkpoint.pt + history.json. The target stream is only
touched by export.py, for reporting.

    OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 tools/spam/train.py [--layers 6 --hidden 128 --heads 2 --epochs 6]

Inputs: tools/spam/data/{source-train,source-heldout}.jsonl (npx tsx tools/spam/extract.ts) and
weights/spam-bert/vocab.txt (tools/spam/tokenize_data.py).
"""
import argparse
import json
import os
import random
import subprocess
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import tokenization as tk  # noqa: E402
sys.path.insert(0, os.path.join(HERE, "..", "resnet"))
import blas  # noqa: E402  (tools/resnet/blas.py, shared)
from model import MlmHead, MultiExitBert  # noqa: E402

ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
DATA = os.path.join(HERE, "data")
OUT = os.path.join(HERE, "out")
WEIGHTS = os.path.join(ROOT, "weights", "spam-bert")


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def resnet_running():
    try:
        return subprocess.run(["pgrep", "-f", "tools/resnet"], capture_output=True).returncode == 0
    except OSError:
        return False


def set_threads(fixed):
    n = fixed if fixed else (1 if resnet_running() else 2)
    if torch.get_num_threads() != n:
        torch.set_num_threads(n)
    return n


def pad_batch(seqs, max_len):
    n = max(len(s) for s in seqs)
    ids = torch.zeros((len(seqs), n), dtype=torch.long)
    mask = torch.zeros((len(seqs), n), dtype=torch.long)
    for i, s in enumerate(seqs):
        ids[i, : len(s)] = torch.tensor(s)
        mask[i, : len(s)] = 1
    return ids, mask


def make_config(args, vocab_size):
    return {
        "vocab_size": vocab_size,
        "hidden_size": args.hidden,
        "num_hidden_layers": args.layers,
        "num_attention_heads": args.heads,
        "intermediate_size": args.intermediate or 4 * args.hidden,
        "hidden_act": "gelu",
        "hidden_dropout_prob": args.dropout,
        "attention_probs_dropout_prob": args.dropout,
        "max_position_embeddings": tk.MAX_LENGTH,
        "type_vocab_size": 2,
        "layer_norm_eps": 1e-12,
        "initializer_range": 0.02,
        "pad_token_id": tk.PAD,
        "num_labels": 2,
    }


def init_word_embeddings(model, args):
    """--init-embeddings: overwrite the found rows after the model's own initialisation (which is unchanged, so the
    rest of the run draws what recipe A draws); --freeze-init-embeddings zeroes those rows' gradient."""
    table = np.load(args.init_embeddings)
    vectors, found = torch.from_numpy(table["vectors"]), torch.from_numpy(table["found"])
    weight = model.bert.embeddings.word_embeddings.weight
    if vectors.shape[0] != weight.shape[0]:
        raise SystemExit(f"train.py: {args.init_embeddings}: {vectors.shape[0]} rows, expected the vocabulary's "
                         f"{weight.shape[0]}; re-run tools/spam/glove.py")
    gen = torch.Generator().manual_seed(args.seed)
    projection, _ = torch.linalg.qr(torch.randn(weight.shape[1], vectors.shape[1], generator=gen))  # [H, 100]
    rows = vectors[found] @ projection.T
    rows *= args.init_norm / rows.norm(dim=1).mean()
    with torch.no_grad():
        weight[found] = rows
    if args.freeze_init_embeddings:
        keep = (~found).to(weight.dtype).unsqueeze(1)
        weight.register_hook(lambda grad: grad * keep)
    print(f"word embeddings: {int(found.sum())} rows from {args.init_embeddings}, mean norm {args.init_norm}"
          f"{', frozen' if args.freeze_init_embeddings else ''}", flush=True)


@torch.no_grad()
def evaluate(model, seqs, labels, batch=64):
    model.eval()
    L = model.cfg["num_hidden_layers"]
    logits = [[] for _ in range(L)]
    for i in range(0, len(seqs), batch):
        ids, mask = pad_batch(seqs[i : i + batch], tk.MAX_LENGTH)
        for k, lg in enumerate(model(ids, mask)):
            logits[k].append(lg)
    y = torch.tensor(labels)
    res = []
    for k in range(L):
        lg = torch.cat(logits[k])
        res.append({"acc": (lg.argmax(1) == y).float().mean().item(), "loss": F.cross_entropy(lg, y).item()})
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--layers", type=int, default=6)
    ap.add_argument("--hidden", type=int, default=128)
    ap.add_argument("--heads", type=int, default=2)
    ap.add_argument("--intermediate", type=int, default=0, help="feed-forward size (0: 4 * hidden)")
    ap.add_argument("--dropout", type=float, default=0.1)
    ap.add_argument("--exit-weighting", choices=["uniform", "linear"], default="uniform",
                    help="weights of the exits' losses: uniform 1/L, or linear k / sum(k) (favours deeper exits)")
    ap.add_argument("--label-smoothing", type=float, default=0.0)
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=5e-4)
    ap.add_argument("--weight-decay", type=float, default=0.01)
    ap.add_argument("--warmup", type=float, default=0.1, help="fraction of steps")
    ap.add_argument("--window-prob", type=float, default=0.5,
                    help="probability that a training sample is a random 126-token window of the email instead of its start")
    ap.add_argument("--token-drop", type=float, default=0.1,
                    help="without --mlm-weight: probability of replacing a content token by [MASK]")
    ap.add_argument("--mlm-weight", type=float, default=0.0,
                    help="weight of an auxiliary masked-LM loss on the last layer (0: off); the classification "
                         "loss then sees the same BERT-masked input (--mask-prob, 80/10/10)")
    ap.add_argument("--mask-prob", type=float, default=0.15)
    ap.add_argument("--average-from", type=int, default=0,
                    help="if > 0: keep the uniform average of the weights after every optimizer step from the start of "
                         "this epoch to the end (a Polyak / SWA tail average); the average is evaluated each epoch and "
                         "saved at the end, with no epoch selection (the training trajectory itself is unchanged)")
    ap.add_argument("--init-embeddings", default=None,
                    help="an .npz from tools/spam/glove.py: the word-embedding rows it marks 'found' start from its "
                         "vectors through a fixed random orthonormal projection (own generator, seeded with --seed), "
                         "scaled to mean row norm --init-norm")
    ap.add_argument("--init-norm", type=float, default=1.0)
    ap.add_argument("--freeze-init-embeddings", action="store_true",
                    help="with --init-embeddings: those rows get no gradient (AdamW's decoupled weight decay still "
                         "shrinks them, by ~0.1%% over a 6-epoch run)")
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--threads", type=int, default=0, help="0: 1 while tools/resnet runs, else 2")
    ap.add_argument("--max-steps", type=int, default=0, help="stop after this many steps (timing runs)")
    ap.add_argument("--out", default=OUT)
    args = ap.parse_args()
    if args.freeze_init_embeddings and not args.init_embeddings:
        ap.error("--freeze-init-embeddings needs --init-embeddings")
    if not args.init_norm > 0:
        ap.error(f"--init-norm must be > 0: got {args.init_norm}")
    if not 0 <= args.average_from <= args.epochs:
        ap.error(f"--average-from must be 0 (off) or an epoch in 1..{args.epochs}: got {args.average_from}")

    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    set_threads(args.threads)
    os.makedirs(args.out, exist_ok=True)

    vocab = tk.read_vocab(os.path.join(WEIGHTS, "vocab.txt"))
    wp = tk.WordPiece(vocab)
    t0 = time.time()
    train = read_jsonl(os.path.join(DATA, "source-train.jsonl"))
    held = read_jsonl(os.path.join(DATA, "source-heldout.jsonl"))
    train_content = [wp.encode_content(r["text"]) for r in train]
    train_y = [r["label"] for r in train]
    held_seqs = [wp.encode(r["text"]) for r in held]
    held_y = [r["label"] for r in held]
    print(f"tokenized {len(train)} train + {len(held)} held-out in {time.time() - t0:.1f} s", flush=True)

    cfg = make_config(args, len(vocab))
    model = MultiExitBert(cfg)
    if args.init_embeddings:
        init_word_embeddings(model, args)
    nparams = sum(p.numel() for p in model.parameters())
    print(f"model: {args.layers} layers, hidden {args.hidden}, {args.heads} heads, {nparams} parameters", flush=True)
    lib = blas.loaded_blas()
    print(f"BLAS: {lib} ({blas.blas_kind(lib)})", flush=True)

    L = args.layers
    # class-balanced weights from the training labels (source is 5:1 ham:spam)
    counts = np.bincount(train_y, minlength=2)
    class_w = torch.tensor(len(train_y) / (2.0 * counts), dtype=torch.float32)
    exit_w = torch.ones(L) / L if args.exit_weighting == "uniform" else torch.arange(1, L + 1, dtype=torch.float32) / (L * (L + 1) / 2)

    mlm = MlmHead(cfg, model.bert.embeddings.word_embeddings) if args.mlm_weight > 0 else None
    named = list(model.named_parameters())
    if mlm is not None:
        named += [(f"mlm.{n}", p) for n, p in mlm.named_parameters() if not n.startswith("word_embeddings")]
    decay, no_decay = [], []
    for n, p in named:
        (no_decay if (p.ndim == 1 or "LayerNorm" in n) else decay).append(p)
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": args.weight_decay},
                             {"params": no_decay, "weight_decay": 0.0}], lr=args.lr)
    steps_per_epoch = (len(train) + args.batch - 1) // args.batch
    total = steps_per_epoch * args.epochs
    warm = max(1, int(args.warmup * total))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: (s + 1) / warm if s < warm else max(0.0, (total - s) / max(1, total - warm)))

    rng = random.Random(args.seed)
    C = tk.MAX_LENGTH - 2
    history = []
    best = None
    step = 0
    average, n_averaged = None, 0  # --average-from: running mean of the float weights
    t_train = time.time()
    for epoch in range(1, args.epochs + 1):
        threads = set_threads(args.threads)
        model.train()
        order = list(range(len(train)))
        rng.shuffle(order)
        te = time.time()
        tot_loss = 0.0
        for b in range(0, len(order), args.batch):
            seqs = []
            targets = []
            for i in order[b : b + args.batch]:
                c = train_content[i]
                start = 0
                if len(c) > C and rng.random() < args.window_prob:
                    start = rng.randint(0, len(c) - C)
                w = c[start : start + C]
                tgt = [-100] * len(w)
                if mlm is not None:
                    w = list(w)
                    for j in range(len(w)):
                        if rng.random() < args.mask_prob:
                            tgt[j] = w[j]
                            r = rng.random()
                            if r < 0.8:
                                w[j] = tk.MASK
                            elif r < 0.9:
                                w[j] = rng.randrange(len(tk.SPECIALS), len(vocab))
                elif args.token_drop > 0:
                    w = [tk.MASK if rng.random() < args.token_drop else t for t in w]
                seqs.append([tk.CLS] + w + [tk.SEP])
                targets.append([-100] + tgt + [-100])
            ids, mask = pad_batch(seqs, tk.MAX_LENGTH)
            y = torch.tensor([train_y[i] for i in order[b : b + args.batch]])
            if mlm is not None:
                outs, hidden = model(ids, mask, return_hidden=True)
                t = torch.full(ids.shape, -100, dtype=torch.long)
                for r_, tg in enumerate(targets):
                    t[r_, : len(tg)] = torch.tensor(tg)
                sel = t != -100
                mlm_loss = F.cross_entropy(mlm(hidden[sel]), t[sel]) if sel.any() else hidden.sum() * 0
            else:
                outs = model(ids, mask)
            loss = sum(exit_w[k] * F.cross_entropy(outs[k], y, weight=class_w, label_smoothing=args.label_smoothing) for k in range(L))
            if mlm is not None:
                loss = loss + args.mlm_weight * mlm_loss
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_([p for _, p in named], 1.0)
            opt.step()
            sched.step()
            if args.average_from and epoch >= args.average_from:
                n_averaged += 1
                with torch.no_grad():
                    if average is None:
                        average = {k: v.detach().clone() for k, v in model.state_dict().items()}
                    else:
                        for k, v in model.state_dict().items():
                            if v.is_floating_point():
                                average[k] += (v - average[k]) / n_averaged
            tot_loss += loss.item()
            step += 1
            if step % 20 == 0:
                extra = f" (mlm {mlm_loss.item():.3f})" if mlm is not None else ""
                print(f"  epoch {epoch} step {step}/{total} loss {loss.item():.4f}{extra} "
                      f"({(time.time() - te) / ((b // args.batch) + 1):.2f} s/step, {threads} threads)", flush=True)
            if args.max_steps and step >= args.max_steps:
                print(f"timing run: {step} steps in {time.time() - t_train:.1f} s "
                      f"= {(time.time() - t_train) / step:.2f} s/step, {steps_per_epoch} steps/epoch")
                return
        ev = evaluate(model, held_seqs, held_y)
        rec = {"epoch": epoch, "train_loss": tot_loss / steps_per_epoch, "seconds": time.time() - te, "threads": threads,
               "heldout": ev}
        if average is not None:
            with torch.random.fork_rng(devices=[]):  # building a model draws initial weights: keep the run's RNG stream
                averaged = MultiExitBert(cfg)
            averaged.load_state_dict(average)
            rec["heldout_averaged"] = evaluate(averaged, held_seqs, held_y)
            rec["steps_averaged"] = n_averaged
            print(f"epoch {epoch}: averaged weights ({n_averaged} steps), held-out acc per exit "
                  f"{' '.join('%.4f' % e['acc'] for e in rec['heldout_averaged'])}", flush=True)
        history.append(rec)
        final = ev[-1]
        mean_acc = sum(e["acc"] for e in ev) / L
        print(f"epoch {epoch}: train loss {rec['train_loss']:.4f}, held-out acc per exit "
              f"{' '.join('%.4f' % e['acc'] for e in ev)}, final loss {final['loss']:.4f}, {rec['seconds']:.0f} s",
              flush=True)
        if args.average_from:
            continue  # the average of the whole tail is saved after the last epoch
        # selection by the source held-out split only: final-exit accuracy, then mean exit accuracy, then final loss
        key = (round(final["acc"], 6), round(mean_acc, 6), -final["loss"])
        if best is None or key > best[0]:
            best = (key, epoch)
            torch.save({"config": cfg, "state_dict": model.state_dict(), "epoch": epoch, "args": vars(args)},
                       os.path.join(args.out, "checkpoint.pt"))
    if args.average_from:
        best = (None, args.epochs)
        torch.save({"config": cfg, "state_dict": average, "epoch": args.epochs, "args": vars(args),
                    "averaged_steps": n_averaged}, os.path.join(args.out, "checkpoint.pt"))
    wall = time.time() - t_train
    with open(os.path.join(args.out, "history.json"), "w") as f:
        json.dump({"args": vars(args), "parameters": nparams, "blas": lib, "best_epoch": best[1], "train_seconds": wall,
                   "history": history}, f, indent=1)
    chosen = f"averaged weights of {n_averaged} steps" if args.average_from else f"best epoch {best[1]} (by source held-out)"
    print(f"{chosen}; training wall time {wall:.0f} s", flush=True)


if __name__ == "__main__":
    main()
