"""Train the 12-exit ResNet on Fashion-MNIST and write weights/fmnist-resnet/model.safetensors.

Usage (from the repo root):
  OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 tools/resnet/train.py --epochs 10
  OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 tools/resnet/train.py --max-steps 40 --out /tmp/t.safetensors  # timing
"""
import argparse
import hashlib
import json
import os
import random
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import blas  # noqa: E402
import common  # noqa: E402
import safetensors_io  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT_DIR = os.path.join(ROOT, "weights", "fmnist-resnet")

# Joint loss: mildly increasing weights, exit 1 = 0.5 ... exit 12 = 1.0 (sum 9). Early exits
# get a real say, but the final classifier dominates its own features.
LOSS_WEIGHTS = [round(0.5 + 0.5 * k / 11, 6) for k in range(12)]


def seed_everything(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def evaluate(model, x, y, batch=500):
    """Per-exit accuracy on standardized-on-the-fly inputs x in [0,1]."""
    model.eval()
    correct = torch.zeros(12)
    with torch.no_grad():
        for i in range(0, len(x), batch):
            outs = model(common.standardize(x[i:i + batch]))
            for k, o in enumerate(outs):
                correct[k] += (o.argmax(1) == y[i:i + batch]).sum()
    model.train()
    return (correct / len(x)).tolist()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=0.05, help="OneCycle peak LR")
    ap.add_argument("--wd", type=float, default=5e-4)
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--max-steps", type=int, default=0, help="stop early (timing/determinism checks)")
    ap.add_argument("--out", default=os.path.join(OUT_DIR, "model.safetensors"))
    ap.add_argument("--log-json", default=os.path.join(os.path.dirname(__file__), "out", "train_log.json"))
    ap.add_argument("--no-eval", action="store_true", help="skip per-epoch test evaluation")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    seed_everything(args.seed)
    xtr, ytr = common.load_split("train")
    xte, yte = common.load_split("t10k")

    model = common.MultiExitResNet()
    opt = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, nesterov=True,
                          weight_decay=args.wd)
    steps_per_epoch = (len(xtr) + args.batch - 1) // args.batch
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=args.lr, epochs=args.epochs, steps_per_epoch=steps_per_epoch,
        pct_start=0.2, anneal_strategy="cos", div_factor=10.0, final_div_factor=100.0,
        cycle_momentum=False)
    w = torch.tensor(LOSS_WEIGHTS)
    # Separate generators for data order and augmentation: the data order stays fixed even if
    # the augmentation code changes how many random numbers it draws.
    g_order = torch.Generator().manual_seed(args.seed)
    g_aug = torch.Generator().manual_seed(args.seed + 1)

    lib = blas.loaded_blas()
    print(f"BLAS: {lib} ({blas.blas_kind(lib)}); the shipped weights were trained with the reference BLAS", flush=True)
    log = {"args": vars(args), "loss_weights": LOSS_WEIGHTS, "blas": lib, "epochs": []}
    t0 = time.time()
    step = 0
    model.train()
    for epoch in range(args.epochs):
        perm = torch.randperm(len(xtr), generator=g_order)
        te = time.time()
        run_loss = 0.0
        for b in range(steps_per_epoch):
            idx = perm[b * args.batch:(b + 1) * args.batch]
            x = common.standardize(common.augment(xtr[idx], g_aug))
            outs = model(x)
            losses = torch.stack([F.cross_entropy(o, ytr[idx]) for o in outs])
            loss = (w * losses).sum()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            step += 1
            run_loss += loss.item()
            if step % 50 == 0:
                el = time.time() - te
                print(f"ep {epoch + 1} step {b + 1}/{steps_per_epoch} loss {run_loss / (b + 1):.4f} "
                      f"final-exit ce {losses[-1].item():.3f} {(b + 1) * args.batch / el:.0f} img/s "
                      f"lr {sched.get_last_lr()[0]:.4f}", flush=True)
            if args.max_steps and step >= args.max_steps:
                break
        ep = {"epoch": epoch + 1, "loss": run_loss / (b + 1), "seconds": time.time() - te}
        if not args.no_eval and not args.max_steps:
            ep["test_acc"] = evaluate(model, xte, yte)
            print("  test acc per exit:", " ".join(f"{a * 100:.2f}" for a in ep["test_acc"]), flush=True)
        print(f"epoch {epoch + 1} done in {ep['seconds']:.0f}s (total {time.time() - t0:.0f}s)", flush=True)
        log["epochs"].append(ep)
        if args.max_steps and step >= args.max_steps:
            break
    log["train_seconds"] = time.time() - t0

    tensors = common.export_state(model)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    safetensors_io.save(args.out, tensors, {"format": "splitee-model/1", "id": "fmnist-resnet"})
    digest = hashlib.sha256(open(args.out, "rb").read()).hexdigest()
    log["weights_sha256"] = digest
    os.makedirs(os.path.dirname(args.log_json), exist_ok=True)
    with open(args.log_json, "w") as f:
        json.dump(log, f, indent=1)
    print(f"wrote {args.out} sha256 {digest} train {log['train_seconds']:.0f}s", flush=True)


if __name__ == "__main__":
    main()
