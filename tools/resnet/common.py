"""Shared pieces for train.py and export.py: data, preprocessing, distortions, the network.

Everything here mirrors what config.json describes, because the TypeScript engine rebuilds
the network from config.json + model.safetensors and never runs this code.
"""
import gzip
import math
import os
import struct

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

DATA_DIR = os.environ.get("FMNIST_DIR", "/usr/share/datasets/fashion-mnist")
CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
           "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
NORM_EPS = 1e-5   # per-image standardization eps (added to the biased variance)
BN_EPS = 1e-5

# ---------------------------------------------------------------- architecture
STEM = {"in": 1, "out": 16, "kernel": 3, "stride": 1, "padding": 1}
# (in, out, stride) of the 12 BasicBlocks: 4 x 16 ch @28x28, 4 x 32 ch @14x14, 4 x 64 ch @7x7.
BLOCKS = ([(16, 16, 1)] * 4 + [(16, 32, 2)] + [(32, 32, 1)] * 3
          + [(32, 64, 2)] + [(64, 64, 1)] * 3)
# Exit heads (pool, hidden) after each block. Pools divide the spatial size evenly
# (28/4 = 7, 14/2 = 7, 7/1 = 7), so PyTorch's adaptive pooling is a plain non-overlapping average.
EXITS = [(4, 64)] * 4 + [(2, 64)] * 4 + [(1, 64)] * 3 + [(1, 0)]


def block_specs():
    return [{"in": i, "out": o, "stride": s, "downsample": (s != 1 or i != o)} for i, o, s in BLOCKS]


def exit_specs():
    return [{"after_block": k + 1, "pool": p, "hidden": h, "classes": 10} for k, (p, h) in enumerate(EXITS)]


class ConvBN(nn.Module):
    def __init__(self, cin, cout, k, stride, pad):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, k, stride, pad, bias=False)
        self.bn = nn.BatchNorm2d(cout, eps=BN_EPS)

    def forward(self, x):
        return self.bn(self.conv(x))


class BasicBlock(nn.Module):
    """ResNet v1 block: relu(bn2(conv2(relu(bn1(conv1 x)))) + shortcut(x))."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout, eps=BN_EPS)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout, eps=BN_EPS)
        self.downsample = ConvBN(cin, cout, 1, stride, 0) if (stride != 1 or cin != cout) else None

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        s = x if self.downsample is None else self.downsample(x)
        return F.relu(y + s)


class ExitHead(nn.Module):
    """AdaptiveAvgPool(p) -> flatten -> [Linear(C*p*p, h) -> ReLU ->] Linear(., 10)."""

    def __init__(self, channels, pool, hidden, classes=10):
        super().__init__()
        self.pool = pool
        feats = channels * pool * pool
        if hidden > 0:
            self.fc1 = nn.Linear(feats, hidden)
            self.fc2 = nn.Linear(hidden, classes)
        else:
            self.fc = nn.Linear(feats, classes)
        self.hidden = hidden

    def forward(self, x):
        x = F.adaptive_avg_pool2d(x, self.pool).flatten(1)
        if self.hidden > 0:
            return self.fc2(F.relu(self.fc1(x)))
        return self.fc(x)


class MultiExitResNet(nn.Module):
    """Input: standardized [N,1,28,28]. Output: list of 12 logit tensors, exit 1..12."""

    def __init__(self):
        super().__init__()
        self.stem = ConvBN(1, 16, 3, 1, 1)
        self.blocks = nn.ModuleList([BasicBlock(i, o, s) for i, o, s in BLOCKS])
        self.exits = nn.ModuleList([ExitHead(BLOCKS[k][1], p, h) for k, (p, h) in enumerate(EXITS)])

    def forward(self, x):
        x = F.relu(self.stem(x))
        outs = []
        for block, head in zip(self.blocks, self.exits):
            x = block(x)
            outs.append(head(x))
        return outs


def export_state(model):
    """state_dict as float32 numpy arrays, without num_batches_tracked."""
    return {k: v.detach().cpu().numpy().astype(np.float32)
            for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")}


def load_state(model, tensors):
    sd = {k: torch.from_numpy(v) for k, v in tensors.items()}
    missing, unexpected = model.load_state_dict(sd, strict=False)
    missing = [m for m in missing if not m.endswith("num_batches_tracked")]
    if missing or unexpected:
        raise ValueError(f"state mismatch: missing={missing} unexpected={unexpected}")


# ---------------------------------------------------------------- data
def read_idx(path):
    """Read a gzipped IDX file (uint8 images 0x803 or labels 0x801) into a numpy array."""
    with gzip.open(path, "rb") as f:
        buf = f.read()
    magic, = struct.unpack(">I", buf[:4])
    ndim = magic & 0xFF
    dims = struct.unpack(">" + "I" * ndim, buf[4:4 + 4 * ndim])
    return np.frombuffer(buf, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def write_idx(path, arr):
    """Write uint8 array as gzipped IDX (magic 0x00000800 | ndim); mtime=0 keeps bytes reproducible."""
    arr = np.ascontiguousarray(arr, dtype=np.uint8)
    head = struct.pack(">I", 0x800 | arr.ndim) + struct.pack(">" + "I" * arr.ndim, *arr.shape)
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as f:
        f.write(head + arr.tobytes())


def load_split(split):
    """split 'train' or 't10k' -> (float32 tensor [N,1,28,28] in [0,1], int64 labels)."""
    x = read_idx(os.path.join(DATA_DIR, f"{split}-images-idx3-ubyte.gz"))
    y = read_idx(os.path.join(DATA_DIR, f"{split}-labels-idx1-ubyte.gz"))
    xt = torch.from_numpy(x.astype(np.float32) / np.float32(255.0)).unsqueeze(1)
    return xt, torch.from_numpy(y.astype(np.int64))


def standardize(x, eps=NORM_EPS):
    """Per-image standardization over the 784 pixels, biased variance."""
    m = x.mean(dim=(1, 2, 3), keepdim=True)
    v = ((x - m) ** 2).mean(dim=(1, 2, 3), keepdim=True)
    return (x - m) / torch.sqrt(v + eps)


# ---------------------------------------------------------------- deployment distortions
# Exact definitions shared with the TypeScript stream builder. x in [0,1], result clipped to [0,1].
SEVERITIES = {
    "gaussian-noise": [0.05, 0.1, 0.15, 0.2, 0.3],   # sigma of additive N(0, sigma^2)
    "gaussian-blur": [0.5, 0.75, 1.0, 1.25, 1.5],    # sigma of separable Gaussian kernel
    "contrast": [0.7, 0.5, 0.3, 0.2, 0.1],           # f in m + f (x - m)
    "brightness": [0.1, 0.2, 0.3, 0.4, 0.5],         # b in x + b
}


def gaussian_kernel(sigma):
    """Normalized 1-D Gaussian, radius ceil(3 sigma); computed in float64, returned float32."""
    r = int(math.ceil(3 * sigma))
    t = np.arange(-r, r + 1, dtype=np.float64)
    w = np.exp(-(t * t) / (2 * sigma * sigma))
    return (w / w.sum()).astype(np.float32)


def blur(x, sigma):
    """Separable Gaussian blur, replicate padding (edge pixels clamped): rows first, then columns."""
    k = torch.from_numpy(gaussian_kernel(sigma))
    r = (k.numel() - 1) // 2
    x = F.conv2d(F.pad(x, (r, r, 0, 0), mode="replicate"), k.view(1, 1, 1, -1))
    x = F.conv2d(F.pad(x, (0, 0, r, r), mode="replicate"), k.view(1, 1, -1, 1))
    return x


def distort(x, name, severity, seed=0):
    """Apply deployment distortion `name` at severity 1..5 to x [N,1,28,28] in [0,1]."""
    p = SEVERITIES[name][severity - 1]
    if name == "gaussian-noise":
        g = torch.Generator().manual_seed(seed)
        y = x + p * torch.randn(x.shape, generator=g, dtype=torch.float32)
    elif name == "gaussian-blur":
        y = blur(x, p)
    elif name == "contrast":
        m = x.mean(dim=(1, 2, 3), keepdim=True)
        y = m + p * (x - m)
    elif name == "brightness":
        y = x + p
    else:
        raise ValueError(name)
    return y.clamp(0.0, 1.0)


# ---------------------------------------------------------------- training augmentation
# Robustness ranges are kept strictly below severity 1 of every deployment distortion, so no
# shipped severity (whatever is chosen) is ever seen in training.
AUG = {
    "crop_pad": 2, "hflip": 0.5,
    "noise": {"p": 0.3, "sigma_max": 0.045},              # < 0.05 (noise s1)
    "blur": {"p": 0.2, "sigma_min": 0.2, "sigma_max": 0.45},  # < 0.5 (blur s1)
    "contrast": {"p": 0.3, "f_min": 0.75},                # f in [0.75, 1], > 0.7 (contrast s1)
    "brightness": {"p": 0.3, "b_max": 0.09},              # b in [-0.09, 0.09], < 0.1 (brightness s1)
}


def _per_sample_blur(x, sigmas):
    """Blur each image with its own sigma (0 = identity) using a grouped conv, replicate padding."""
    n = x.shape[0]
    r = int(math.ceil(3 * AUG["blur"]["sigma_max"]))
    t = torch.arange(-r, r + 1, dtype=torch.float32)
    kern = torch.zeros(n, 2 * r + 1)
    for i, s in enumerate(sigmas.tolist()):
        if s <= 0:
            kern[i, r] = 1.0
            continue
        ri = int(math.ceil(3 * s))  # same radius rule as the deployment blur
        w = torch.exp(-(t * t) / (2 * s * s)) * (t.abs() <= ri)
        kern[i] = w / w.sum()
    xg = x.view(1, n, 28, 28)
    xg = F.conv2d(F.pad(xg, (r, r, 0, 0), mode="replicate"), kern.view(n, 1, 1, -1), groups=n)
    xg = F.conv2d(F.pad(xg, (0, 0, r, r), mode="replicate"), kern.view(n, 1, -1, 1), groups=n)
    return xg.view(n, 1, 28, 28)


def augment(x, g):
    """Random crop (zero pad 2) + h-flip + mild photometric noise/blur/contrast/brightness; clip."""
    n = x.shape[0]
    pad = AUG["crop_pad"]
    xp = F.pad(x, (pad, pad, pad, pad))
    off = torch.randint(0, 2 * pad + 1, (n, 2), generator=g).tolist()
    x = torch.stack([xp[i, :, dy:dy + 28, dx:dx + 28] for i, (dy, dx) in enumerate(off)])
    flip = torch.rand(n, generator=g) < AUG["hflip"]
    x = torch.where(flip.view(n, 1, 1, 1), x.flip(3), x)

    a = AUG["blur"]
    bs = torch.where(torch.rand(n, generator=g) < a["p"],
                     a["sigma_min"] + (a["sigma_max"] - a["sigma_min"]) * torch.rand(n, generator=g),
                     torch.zeros(n))
    if (bs > 0).any():
        x = _per_sample_blur(x, bs)
    a = AUG["contrast"]
    f = torch.where(torch.rand(n, generator=g) < a["p"],
                    a["f_min"] + (1 - a["f_min"]) * torch.rand(n, generator=g), torch.ones(n)).view(n, 1, 1, 1)
    m = x.mean(dim=(1, 2, 3), keepdim=True)
    x = m + f * (x - m)
    a = AUG["brightness"]
    b = torch.where(torch.rand(n, generator=g) < a["p"],
                    a["b_max"] * (2 * torch.rand(n, generator=g) - 1), torch.zeros(n)).view(n, 1, 1, 1)
    x = x + b
    a = AUG["noise"]
    s = torch.where(torch.rand(n, generator=g) < a["p"],
                    a["sigma_max"] * torch.rand(n, generator=g), torch.zeros(n)).view(n, 1, 1, 1)
    x = x + s * torch.randn(x.shape, generator=g)
    return x.clamp(0.0, 1.0)
