"""benchmarks/_common.py: the peak-RSS reading every benchmark reports."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"


def _common() -> ModuleType:
    """The benchmarks' `_common`, loaded from its file (benchmarks/ is not a package)."""
    spec = importlib.util.spec_from_file_location("_bench_common", BENCH / "_common.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.skipif(not Path("/proc/self/status").is_file(), reason="VmHWM is read from Linux's /proc")
def test_a_subprocess_reports_its_own_peak_not_its_parents() -> None:
    """A small child of a large parent reports its own peak. ru_maxrss reports the parent's (the high-water
    mark of the memory map its exec replaced): `benchmarks/inference.py` read 0.63 GiB for an `infer` process
    that peaks at 0.18 GiB."""
    big = np.ones(400 * 2**20 // 8)  # 400 MiB, every page touched
    assert _common().peak_rss() >= 400 * 2**20  # the parent's own peak, in bytes
    code = f"import sys; sys.path.insert(0, {str(BENCH)!r}); from _common import peak_rss; print(peak_rss())"
    child = int(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
    assert 0 < child < 100 * 2**20, child
    assert float(big[-1]) == 1.0  # the parent's pages stay alive until the child has run


@pytest.mark.skipif(not Path("/proc/self/status").is_file(), reason="VmHWM is read from Linux's /proc")
def test_the_peak_outlives_the_memory_it_counted() -> None:
    """The peak, not the current resident set: a benchmark reads it after its work has freed its arrays."""
    code = (f"import sys, numpy as np; sys.path.insert(0, {str(BENCH)!r}); from _common import peak_rss\n"
            "big = np.ones(300 * 2**20 // 8); del big\n"  # 300 MiB touched, then returned to the OS (munmap)
            "print(peak_rss())")
    peak = int(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
    assert peak >= 300 * 2**20, peak
