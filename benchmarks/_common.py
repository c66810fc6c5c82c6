"""Shared by the benchmarks: the peak resident set of the current process, and the runner of the `--child`
subprocesses that measure each case in a fresh process (so its peak RSS and imports are its own).

Import from a benchmark as `from _common import peak_rss, run_child` (`python benchmarks/X.py` puts
benchmarks/ on sys.path, for the script and for the `--child` subprocesses it runs as
`python benchmarks/X.py --child ...`).
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

GIB = 2**30


def run_child(script: str | Path, args: Sequence[str], timeout: float | None = None, check: bool = False) -> dict:
    """Run `python script --child *args` in a fresh process and return the JSON object its last stdout line
    holds. A failure (non-zero exit: the last line of its stderr; no JSON result) or a run past `timeout`
    seconds gives `{"error": why}`, for a benchmark to print in its table and go on; with `check`, it raises
    RuntimeError naming the child instead, for one whose summary needs every result."""
    try:
        out = subprocess.run([sys.executable, str(script), "--child", *args], capture_output=True, text=True,
                             timeout=timeout)
    except subprocess.TimeoutExpired:
        error = f"timed out after {timeout:.0f} s"
    else:
        if out.returncode != 0:
            error = (out.stderr.strip().splitlines() or [f"exit status {out.returncode}"])[-1]
        else:
            try:
                result = json.loads((out.stdout.strip().splitlines() or [""])[-1])
            except json.JSONDecodeError:
                result = None
            if isinstance(result, dict):
                return result
            error = "no JSON object on the last line of its output"
    if check:
        raise RuntimeError(f"{Path(script).name} --child {' '.join(args)}: {error}")
    return {"error": error}


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
