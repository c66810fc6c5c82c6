"""benchmarks/_common.py: the peak-RSS reading every benchmark reports, and the `--child` runner they share."""

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


CHILD = """import json, sys, time
kind = sys.argv[2]
if kind == "ok":
    print("a progress line")
    print(json.dumps({"args": sys.argv[2:]}))
elif kind == "fail":
    print("an earlier line", file=sys.stderr)
    sys.exit("the last words")
elif kind == "sleep":
    time.sleep(60)
elif kind == "list":
    print(json.dumps([1, 2]))
else:
    print("done, but no result")
"""


def test_run_child_returns_the_result_or_says_why_not(tmp_path: Path) -> None:
    """`python script --child ...` in a fresh process: the JSON object of its last stdout line; a failure is
    `{"error": its stderr's last line}`, as is a run past the timeout or one that prints no result; `check`
    raises instead, naming the child."""
    run_child = _common().run_child
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    assert run_child(script, ["ok", "x"]) == {"args": ["ok", "x"]}
    assert run_child(script, ["fail"]) == {"error": "the last words"}
    assert run_child(script, ["sleep"], timeout=1) == {"error": "timed out after 1 s"}
    assert run_child(script, ["quiet"]) == {"error": "no JSON object on the last line of its output"}
    assert run_child(script, ["list"]) == {"error": "no JSON object on the last line of its output"}  # JSON, no object
    with pytest.raises(RuntimeError, match=r"^child.py --child fail: the last words$"):
        run_child(script, ["fail"], check=True)


@pytest.mark.parametrize("name", ["factors.py", "load_panel.py", "rl_throughput.py"])
def test_the_benchmarks_share_one_child_runner(name: str) -> None:
    """The three benchmarks that measure in `--child` subprocesses use `_common.run_child` (each once had its
    own copy) and start no subprocess themselves."""
    text = (BENCH / name).read_text()
    assert "run_child" in text.split("from _common import", 1)[1].splitlines()[0]
    assert "import subprocess" not in text and "def run_child" not in text
