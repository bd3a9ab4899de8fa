"""Evaluate the trained 12-exit ResNet and write everything in weights/fmnist-resnet/ except
model.safetensors (written by train.py): config.json, golden.safetensors, model.onnx, stream/,
traces/, MODEL_CARD.md.

Usage (from the repo root, after train.py):
  OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 tools/resnet/export.py
"""
import argparse
import hashlib
import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
import model_card  # noqa: E402  (tools/resnet/model_card.py, shared)
import safetensors_io  # noqa: E402
from train import LOSS_WEIGHTS  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "weights", "fmnist-resnet")
LOG = os.path.join(os.path.dirname(os.path.abspath(__file__)), "out", "train_log.json")
NOISE_SEED = 1234          # test-set noise for severity s uses torch seed NOISE_SEED + s
GOLDEN_NOISE_SEED = 4321   # noise of the golden samples
THRESHOLDS = [0.8, 0.9, 0.95]
MIN_ACC = 0.80
NOTE_INVARIANCE = ("Why contrast and brightness reach s5: the per-image standardization removes any affine change of the pixel values, so contrast only acts through the eps of the standardization and float rounding (the model is essentially invariant to it) and brightness only through the clipping of bright pixels at 1. They are still shipped as streams, but a policy should see almost no drift from them; noise and blur are the distortions that move the exits' confidences.")
DIST_NAMES = list(common.SEVERITIES)


def sha256(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


# ---------------------------------------------------------------- inference helpers
def logits_all(model, x_raw, batch=500):
    """x_raw in [0,1] -> [12, N, 10] float32 logits (eval mode)."""
    outs = []
    with torch.no_grad():
        for i in range(0, len(x_raw), batch):
            outs.append(torch.stack(model(common.standardize(x_raw[i:i + batch]))))
    return torch.cat(outs, dim=1)


def conf_pred(logits):
    p = torch.softmax(logits, dim=-1)
    conf, pred = p.max(dim=-1)
    return conf, pred


def accuracies(logits, y):
    return [(logits[k].argmax(-1) == y).float().mean().item() for k in range(logits.shape[0])]


# ---------------------------------------------------------------- cost model
def cost_table():
    """FLOPs (2 x multiply-adds of conv/linear layers) per stage and per exit head, activation sizes.

    Stage 1 = stem + block 1; stage k = block k. BN (folded into the convs), ReLU, residual adds
    and pooling are not counted."""
    h = w = 28
    rows = []
    for k, (blk, ex) in enumerate(zip(common.block_specs(), common.exit_specs())):
        macs = 0
        if k == 0:
            macs += h * w * 16 * 1 * 9
        ho, wo = h // blk["stride"], w // blk["stride"]
        macs += ho * wo * blk["out"] * blk["in"] * 9 + ho * wo * blk["out"] * blk["out"] * 9
        if blk["downsample"]:
            macs += ho * wo * blk["out"] * blk["in"]
        h, w = ho, wo
        feats = blk["out"] * ex["pool"] ** 2
        head = feats * ex["hidden"] + ex["hidden"] * 10 if ex["hidden"] else feats * 10
        rows.append({"stage": k + 1, "stage_flops": 2 * macs, "exit_flops": 2 * head,
                     "activation_shape": [blk["out"], h, w], "activation_elems": blk["out"] * h * w})
    return rows


def param_counts(model):
    total = sum(p.numel() for p in model.parameters())
    heads = sum(p.numel() for p in model.exits.parameters())
    return {"total": total, "backbone": total - heads, "exit_heads": heads}


# ---------------------------------------------------------------- writers
def write_trace(path, logits, y):
    conf, pred = conf_pred(logits)
    conf, pred, y = conf.numpy(), pred.numpy(), y.numpy()
    cols = [f"exit_{k + 1}_{c}" for k in range(logits.shape[0]) for c in ("conf", "pred")]
    with open(path, "w") as f:
        f.write(",".join(cols + ["label"]) + "\n")
        for i in range(len(y)):
            f.write(",".join(f"{conf[k, i]:.6f},{pred[k, i]}" for k in range(logits.shape[0]))
                    + f",{y[i]}\n")


def write_onnx(model, path):
    class Wrap(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, x):
            return tuple(self.m(x))

    names = [f"exit_{k + 1}" for k in range(12)]
    axes = {"input": {0: "batch"}, **{n: {0: "batch"} for n in names}}
    torch.onnx.export(Wrap(model).eval(), torch.zeros(2, 1, 28, 28), path, opset_version=13,
                      input_names=["input"], output_names=names, dynamic_axes=axes,
                      do_constant_folding=True)
    import onnx
    onnx.checker.check_model(onnx.load(path))


def golden_samples(xte, yte, deploy):
    """16 clean test images (0..15) + 4 per distortion at its deployment severity (16.., 20.., ...)."""
    xs, ys, desc = [xte[:16]], [yte[:16]], ["test[0:16] clean"]
    for d, name in enumerate(DIST_NAMES):
        lo = 16 + 4 * d
        s = deploy[name]
        xs.append(common.distort(xte[lo:lo + 4], name, s, seed=GOLDEN_NOISE_SEED))
        ys.append(yte[lo:lo + 4])
        desc.append(f"test[{lo}:{lo + 4}] {name}:{s}")
    return torch.cat(xs), torch.cat(ys), desc


# ---------------------------------------------------------------- main
def main():
    global OUT, LOG
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", default=OUT, help="model folder (reads model.safetensors from it)")
    ap.add_argument("--log", default=LOG, help="train_log.json written by train.py")
    ap.add_argument("--limit", type=int, default=0, help="use only the first N test images (smoke test)")
    args = ap.parse_args()
    OUT, LOG = args.out, args.log
    torch.set_num_threads(args.threads)
    t0 = time.time()
    os.makedirs(os.path.join(OUT, "traces"), exist_ok=True)
    os.makedirs(os.path.join(OUT, "stream"), exist_ok=True)
    log = json.load(open(LOG))

    model = common.MultiExitResNet()
    tensors, _ = safetensors_io.load(os.path.join(OUT, "model.safetensors"))
    common.load_state(model, tensors)
    model.eval()
    xte, yte = common.load_split("t10k")
    if args.limit:
        xte, yte = xte[:args.limit], yte[:args.limit]

    # Clean test set: accuracy, confidence-threshold table, trace.
    clean = logits_all(model, xte)
    clean_acc = accuracies(clean, yte)
    conf, pred = conf_pred(clean)
    thr = []
    for k in range(12):
        row = {}
        for t in THRESHOLDS:
            m = conf[k] >= t
            share = m.float().mean().item()
            acc = (pred[k][m] == yte[m]).float().mean().item() if m.any() else float("nan")
            row[str(t)] = {"share": share, "accuracy": acc}
        thr.append(row)
    write_trace(os.path.join(OUT, "traces", "pytorch-clean-test.csv"), clean, yte)
    print("clean", [round(a * 100, 2) for a in clean_acc], flush=True)

    # Every distortion x severity, every exit.
    dist_acc = {}
    dist_logits = {}
    for name in DIST_NAMES:
        dist_acc[name] = []
        for s in range(1, 6):
            lg = logits_all(model, common.distort(xte, name, s, seed=NOISE_SEED + s))
            dist_acc[name].append(accuracies(lg, yte))
            dist_logits[(name, s)] = lg
            print(name, s, [round(a * 100, 1) for a in dist_acc[name][-1]], flush=True)

    # Deployment severity: hardest severity at which the final exit keeps >= 80%.
    deploy = {}
    for name in DIST_NAMES:
        ok = [s for s in range(1, 6) if dist_acc[name][s - 1][-1] >= MIN_ACC]
        if not ok:  # should not happen with the shipped tables; keep going so the report shows it
            print(f"WARNING {name}: final exit below {MIN_ACC} at every severity; using s1", flush=True)
        deploy[name] = max(ok) if ok else 1
    for name, s in deploy.items():
        write_trace(os.path.join(OUT, "traces", f"pytorch-{name}-s{s}-test.csv"),
                    dist_logits[(name, s)], yte)
    del dist_logits

    costs = cost_table()
    params = param_counts(model)
    config = build_config(log, clean_acc, dist_acc, deploy, costs, params)
    cfg_path = os.path.join(OUT, "config.json")
    with open(cfg_path, "w") as f:
        json.dump(config, f, indent=1)
        f.write("\n")

    # Golden parity file.
    gx, gy, gdesc = golden_samples(xte, yte, deploy)
    glog = logits_all(model, gx)
    gold = {"input_raw": gx.numpy(), "input": common.standardize(gx).numpy(),
            "labels": gy.numpy().astype(np.int32)}
    for k in range(12):
        gold[f"exit_{k + 1}.logits"] = glog[k].numpy()
    safetensors_io.save(os.path.join(OUT, "golden.safetensors"), gold, {
        "format": "splitee-golden/1", "model_id": "fmnist-resnet",
        "config_sha256": sha256(cfg_path),
        "model_sha256": sha256(os.path.join(OUT, "model.safetensors")),
        "samples": "; ".join(gdesc), "noise_seed": str(GOLDEN_NOISE_SEED),
        "note": "input = per-image standardized input_raw (eps 1e-5, biased variance); logits from PyTorch eval mode, float32"})

    # Stream sample: the first 2,000 test images, raw uint8 IDX.
    raw_x = common.read_idx(os.path.join(common.DATA_DIR, "t10k-images-idx3-ubyte.gz"))[:2000]
    raw_y = common.read_idx(os.path.join(common.DATA_DIR, "t10k-labels-idx1-ubyte.gz"))[:2000]
    common.write_idx(os.path.join(OUT, "stream", "t2k-images-idx3-ubyte.gz"), raw_x)
    common.write_idx(os.path.join(OUT, "stream", "t2k-labels-idx1-ubyte.gz"), raw_y)

    write_onnx(model, os.path.join(OUT, "model.onnx"))

    write_card(config, log, clean_acc, thr, dist_acc, deploy, costs, params)
    eval_dump = {"clean_acc": clean_acc, "thresholds": thr, "dist_acc": dist_acc, "deploy": deploy,
                 "export_seconds": time.time() - t0}
    with open(os.path.join(os.path.dirname(LOG), "eval.json"), "w") as f:
        json.dump(eval_dump, f, indent=1)
    print(f"export done in {time.time() - t0:.0f}s; deployment severities {deploy}", flush=True)


def build_config(log, clean_acc, dist_acc, deploy, costs, params):
    a = log["args"]
    return {
        "format": "splitee-model/1",
        "id": "fmnist-resnet",
        "architecture": "resnet-multi-exit",
        "num_classes": 10,
        "classes": common.CLASSES,
        "input": {"shape": [1, 28, 28], "dtype": "uint8", "scale": 1 / 255,
                  "normalize": {"kind": "per-image-standardize", "eps": common.NORM_EPS,
                                "variance": "biased, over all 784 pixels",
                                "formula": "x = (x - mean(x)) / sqrt(var(x) + eps), x = uint8 * scale"}},
        "bn_eps": common.BN_EPS,
        "stem": dict(common.STEM, relu=True),
        "blocks": common.block_specs(),
        "exits": common.exit_specs(),
        "distortions": {
            name: {"severities": common.SEVERITIES[name], "deployment": deploy[name],
                   "final_exit_accuracy": [round(r[-1], 4) for r in dist_acc[name]]}
            for name in DIST_NAMES},
        "training": {
            "seed": a["seed"], "epochs": a["epochs"], "batch": a["batch"],
            "loss": "sum_k w_k * cross_entropy(exit_k)", "loss_weights": LOSS_WEIGHTS,
            "optimizer": {"kind": "SGD", "momentum": 0.9, "nesterov": True, "weight_decay": a["wd"]},
            "lr_schedule": {"kind": "OneCycle (torch.optim.lr_scheduler.OneCycleLR)", "max_lr": a["lr"],
                            "pct_start": 0.2, "anneal": "cos", "div_factor": 10.0,
                            "final_div_factor": 100.0, "cycle_momentum": False},
            "augmentation": common.AUG, "threads": a["threads"],
            "train_seconds": round(log["train_seconds"], 1),
        },
        "source": {"dataset": "Fashion-MNIST (Debian dataset-fashion-mnist)", "script": "tools/resnet/train.py",
                   "export_script": "tools/resnet/export.py", "framework": f"torch {torch.__version__}"},
        "accuracy": {"measured_by": "pytorch", "split": "t10k (10,000 clean test images)",
                     "per_exit": [round(x, 4) for x in clean_acc]},
        "cost": {"convention": "FLOPs = 2 x multiply-adds of conv and linear layers (BN folded; ReLU, "
                               "residual add and pooling not counted). Stage 1 includes the stem.",
                 "stage_flops": [c["stage_flops"] for c in costs],
                 "exit_flops": [c["exit_flops"] for c in costs],
                 "activation_shapes": [c["activation_shape"] for c in costs]},
        "parameters": params,
        "onnx": {"file": "model.onnx", "opset": 13,
                 "input": "float32 [N,1,28,28], ALREADY per-image standardized",
                 "outputs": [f"exit_{k + 1}" for k in range(12)]},
    }


def pct(x):
    return "n/a" if x != x else f"{100 * x:.2f}"


def write_card(cfg, log, clean_acc, thr, dist_acc, deploy, costs, params):
    L = []
    a = log["args"]
    L += ["# fmnist-resnet — 12-exit ResNet on Fashion-MNIST", "",
          "Multi-exit ResNet (v1 BasicBlocks) for the splitee engine. Weights: `model.safetensors` "
          "(raw BN parameters, not folded; PyTorch names); architecture: `config.json`; parity data: "
          "`golden.safetensors`; benchmark-only ONNX: `model.onnx` (input already standardized).", "",
          "## Data", "",
          "Fashion-MNIST (Debian package `dataset-fashion-mnist`, `/usr/share/datasets/fashion-mnist`): "
          "60,000 training and 10,000 test 28x28 grey images, 10 classes "
          f"({', '.join(common.CLASSES)}). All accuracies below are on the 10,000-image test set, which "
          "was never used for training or model selection (the epoch count was fixed in advance).", "",
          "Input: uint8 -> x/255 -> per-image standardization `(x - mean) / sqrt(var + 1e-5)` (biased "
          "variance over the 784 pixels). This makes the network invariant to contrast and brightness "
          "changes up to clipping.", "",
          "## Architecture", "",
          "- stem: conv3x3 1->16 (stride 1, pad 1, no bias) + BN + ReLU",
          "- 12 BasicBlocks: 4 x 16 ch @28x28, 4 x 32 ch @14x14 (first stride 2), 4 x 64 ch @7x7 "
          "(first stride 2); shortcut on shape change: conv1x1 stride 2 + BN; BN eps 1e-5",
          "- exit k after block k: AdaptiveAvgPool(p) -> flatten -> Linear(C p^2, h) -> ReLU -> Linear(h, 10) "
          "(h = 0: a single Linear(C p^2, 10)). Every pool divides the spatial size evenly.",
          "",
          f"Parameters: {params['total']:,} total ({params['backbone']:,} backbone, "
          f"{params['exit_heads']:,} in the 12 exit heads).", "",
          "FLOPs convention: 2 x multiply-adds of conv and linear layers; BN is folded into the convs; "
          "ReLU, residual adds and pooling are not counted. Stage 1 includes the stem. "
          "\"Device cost to exit k\" = stages 1..k plus exit heads 1..k (every head on the path is evaluated).", "",
          "| stage | block (in->out, stride) | stage MFLOPs | exit head (pool, hidden) | head kFLOPs | "
          "device MFLOPs to exit k | activation after stage | f32 bytes |",
          "|---|---|---|---|---|---|---|---|"]
    cum = 0
    for c, b, e in zip(costs, cfg["blocks"], cfg["exits"]):
        cum += c["stage_flops"] + c["exit_flops"]
        sh = c["activation_shape"]
        L.append(f"| {c['stage']} | {b['in']}->{b['out']}, s{b['stride']} | {c['stage_flops'] / 1e6:.2f} | "
                 f"p={e['pool']}, h={e['hidden']} | {c['exit_flops'] / 1e3:.1f} | {cum / 1e6:.2f} | "
                 f"{sh[0]}x{sh[1]}x{sh[2]} = {c['activation_elems']:,} | {4 * c['activation_elems']:,} |")
    total_bb = sum(c["stage_flops"] for c in costs)
    L += ["", f"Backbone total: {total_bb / 1e6:.2f} MFLOPs; with all exit heads: {cum / 1e6:.2f} MFLOPs. "
          "Input: 1x28x28 = 784 elements (784 bytes as uint8).", ""]
    t = cfg["training"]
    L += ["## Training recipe", "",
          f"- `tools/resnet/train.py`, seed {a['seed']} (python, numpy, torch; separate torch generators for "
          f"data order and augmentation), torch {torch.__version__} CPU, {a['threads']} threads.",
          f"- {a['epochs']} epochs, batch {a['batch']}, SGD momentum 0.9 nesterov, weight decay {a['wd']}, "
          f"OneCycle LR (peak {a['lr']}, 20% warm-up from peak/10, cosine down to peak/1000, momentum not cycled).",
          f"- Loss: sum over exits of w_k * cross-entropy, w = 0.5 + 0.5 (k-1)/11 "
          f"({LOSS_WEIGHTS[0]} for exit 1 ... {LOSS_WEIGHTS[-1]} for exit 12).",
          "- Augmentation (in order): random crop with zero padding 2, horizontal flip p=0.5; then "
          "with p=0.2 blur sigma~U(0.2,0.45); with p=0.3 contrast f~U(0.75,1); with p=0.3 brightness "
          "b~U(-0.09,0.09); with p=0.3 Gaussian noise sigma~U(0,0.045); clip to [0,1]. Every robustness "
          "range stays strictly below severity 1 of the deployment distortion of the same kind, so no "
          "deployment severity is seen in training.",
          f"- Training wall time: {log['train_seconds'] / 60:.1f} min on 2 shared cores.", "",
          "## Clean test accuracy per exit (PyTorch, float32)", "",
          "| exit | accuracy % | " + " | ".join(f"share conf>={x} % | acc conf>={x} %" for x in THRESHOLDS) + " |",
          "|---|---|" + "---|---|" * len(THRESHOLDS)]
    for k in range(12):
        cells = " | ".join(f"{pct(thr[k][str(x)]['share'])} | {pct(thr[k][str(x)]['accuracy'])}" for x in THRESHOLDS)
        L.append(f"| {k + 1} | {pct(clean_acc[k])} | {cells} |")
    L += ["", "conf = max softmax probability of the exit; share = fraction of the 10,000 test images with "
          "conf >= threshold; acc = accuracy on that fraction.", "",
          "## Distortions", "",
          "Applied to x in [0,1] (after /255, before standardization), then clipped to [0,1]; no "
          "re-quantization. Same formulas as the TypeScript stream builder:", "",
          "- gaussian-noise:s: x + N(0, sigma_s^2) per pixel; sigma = " + str(common.SEVERITIES["gaussian-noise"]),
          "- gaussian-blur:s: separable Gaussian, sigma_s, radius ceil(3 sigma), weights normalized to 1, "
          "replicate padding, horizontal pass then vertical pass; sigma = " + str(common.SEVERITIES["gaussian-blur"]),
          "- contrast:s: m + f_s (x - m), m = per-image mean; f = " + str(common.SEVERITIES["contrast"]),
          "- brightness:s: x + b_s; b = " + str(common.SEVERITIES["brightness"]), "",
          f"Test-set noise uses torch.Generator seed {NOISE_SEED}+s over the whole [10000,1,28,28] tensor "
          "in one `torch.randn` call (PyTorch RNG; the TypeScript builder draws its own noise, so noise "
          "streams agree in distribution, not bit for bit).", "",
          f"### Final exit (exit 12) accuracy %, by severity (clean: {pct(clean_acc[-1])})", "",
          "| distortion | s1 | s2 | s3 | s4 | s5 | deployment |", "|---|---|---|---|---|---|---|"]
    for name in DIST_NAMES:
        L.append(f"| {name} | " + " | ".join(pct(r[-1]) for r in dist_acc[name]) + f" | s{deploy[name]} |")
    L += ["", "Deployment severity = the hardest severity at which the final exit keeps >= 80% accuracy "
          "on the test set:", ""]
    for name in DIST_NAMES:
        s = deploy[name]
        nxt = (f"; s{s + 1} gives {pct(dist_acc[name][s][-1])}%" if s < 5 else "; s5 is the hardest in the table")
        L.append(f"- {name}: s{s} ({common.SEVERITIES[name][s - 1]}), final exit {pct(dist_acc[name][s - 1][-1])}%{nxt}.")
    L += ["", NOTE_INVARIANCE, ""]
    for name in DIST_NAMES:
        L += [f"### {name}: accuracy % per exit and severity", "",
              "| exit | clean | s1 | s2 | s3 | s4 | s5 |", "|---|---|---|---|---|---|---|"]
        for k in range(12):
            L.append(f"| {k + 1} | {pct(clean_acc[k])} | " + " | ".join(pct(r[k]) for r in dist_acc[name]) + " |")
        L.append("")
    L += ["## Files", "",
          "- `config.json`, `model.safetensors` (float32, raw BN), `golden.safetensors` (32 inputs: test[0:16] clean, "
          "then 4 per distortion at its deployment severity; `input_raw`, `input`, `labels`, `exit_{k}.logits`)",
          "- `model.onnx` (opset 13, dynamic batch; input float32 [N,1,28,28] already standardized; "
          "outputs exit_1..exit_12; benchmark only)",
          "- `stream/t2k-*-ubyte.gz`: first 2,000 test images and labels, raw uint8 IDX",
          "- `traces/pytorch-clean-test.csv` and `traces/pytorch-<distortion>-s<sev>-test.csv`: per-sample "
          "per-exit confidence and prediction on the 10,000 test images (PyTorch)", "",
          "## Measured by the TypeScript engine", "",
          model_card.previous_ts_section(os.path.join(OUT, "MODEL_CARD.md"), "tools/resnet/README.md"), ""]
    with open(os.path.join(OUT, "MODEL_CARD.md"), "w") as f:
        f.write("\n".join(L))


if __name__ == "__main__":
    main()
