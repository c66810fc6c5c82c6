"""benchmarks/inference.py builds a run directory by hand (run.json + best.pt): it must stay a run that this
version exports and infers from, or the benchmark stops with a DataError (it did when run.json gained the
z-score transform record)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("onnxruntime")

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"


def test_the_benchmarks_hand_built_run_exports_and_infers(tmp_path: Path) -> None:
    sys.path.insert(0, str(BENCH))  # the benchmark imports its `_common` by name
    try:
        spec = importlib.util.spec_from_file_location("_bench_inference", BENCH / "inference.py")
        assert spec is not None and spec.loader is not None
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        out = mod.infer_wall(40, 12, 4)
    finally:
        sys.path.remove(str(BENCH))
    assert out["wall_s_median"] > 0 and out["peak_rss_gib"] > 0
