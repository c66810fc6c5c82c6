"""Shared by the benchmarks: the peak resident set of the current process.

Import it from a benchmark as `from _common import peak_rss` (`python benchmarks/X.py` puts benchmarks/ on
sys.path, for the script and for the `--child` subprocesses it runs as `python benchmarks/X.py --child ...`).
"""

from __future__ import annotations

import resource
from pathlib import Path

GIB = 2**30


def peak_rss() -> int:
    """Peak resident set of this process in bytes: VmHWM of /proc/self/status (Linux).

    Not ru_maxrss where VmHWM exists: a child's ru_maxrss keeps the high-water mark of the memory map its exec
    replaced, i.e. of the parent that spawned it, so a small child of a large parent reports the parent's peak.
    Elsewhere, ru_maxrss (KiB on Linux)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
