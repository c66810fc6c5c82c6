"""Keep freed host memory in the process between minibatches (glibc only).

A CPU update allocates and frees the same large activations every minibatch: at 32 dates × 1000 stocks × 128
hidden one tensor is 16 MB. glibc serves blocks that large with a fresh `mmap` and returns them on free (or
trims them off the heap top), so every minibatch faults in, and the kernel zeroes, the same pages again:
about 110,000 page faults per PPO update at N = 1000 (see docs/BENCHMARKS.md). Raising the mmap and trim
thresholds keeps those blocks in the heap for reuse; peak RSS does not grow, because the same sizes recur.
This is the setting PyTorch's CPU tuning guide gets from jemalloc/tcmalloc, without a new dependency.
"""

from __future__ import annotations

import ctypes
import ctypes.util

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameter numbers (malloc.h)
MMAP_THRESHOLD = 256 << 20  # blocks below 256 MiB come from the heap and stay there when freed
TRIM_THRESHOLD = 256 << 20  # free space at the heap top goes back to the OS only beyond 256 MiB


def retain_freed_memory() -> bool:
    """Set glibc's mmap and trim thresholds for this process (idempotent). Returns False, changing nothing,
    where the C library is not glibc (macOS, musl) or refuses a value."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError, TypeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
