"""Which BLAS library this process loaded, for the training logs (provenance of shipped weights).

Debian's python3-torch links the generic `libblas.so.3`, which the alternatives system points at the reference
BLAS (package libblas3) or, once `libopenblas0-pthread` is installed, at OpenBLAS. The two round differently
(torch's Linear layers go through it), so the same seed and thread count give different weights under each:
measured here, 60 steps of tools/resnet/train.py gave sha256 75a1838b... with the reference BLAS and d9a097ec...
with OpenBLAS. The reference BLAS can be forced per process with
`LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/blas`.
"""
import re


def loaded_blas():
    """The real path of the libblas the process has mapped (reads /proc/self/maps; Linux), or 'unknown'."""
    try:
        with open("/proc/self/maps") as f:
            paths = sorted({m.group(0) for m in re.finditer(r"/\S*libblas\.so[.\d]*", f.read())})
    except OSError:
        return "unknown"
    return ", ".join(paths) if paths else "unknown"


def blas_kind(path):
    """'reference' | 'openblas' | 'unknown' from loaded_blas()'s answer."""
    if "openblas" in path:
        return "openblas"
    if "/blas/" in path:
        return "reference"
    return "unknown"
