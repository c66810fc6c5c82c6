"""`aurumq-rl eval` helpers: --cost-bps accepts a zero (frictionless) cost, and a failure while writing the report
files leaves no output or temp directory behind."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest


def _eval_args(**kw: object) -> argparse.Namespace:
    base = {"cost_bps": "30,60,100", "top_k": 30, "forward_period": 5, "random_draws": 100, "seed": 0}
    return argparse.Namespace(**{**base, **kw})


def test_eval_accepts_a_zero_cost() -> None:
    """eval --cost-bps takes costs ≥ 0: 0 is the documented frictionless (gross) setting, not an error."""
    from aurumq_rl.cli.eval import settings_from_args

    assert settings_from_args(_eval_args(cost_bps="0,30")).cost_bps == (0.0, 30.0)


def test_eval_outputs_leave_nothing_behind_on_failure(tmp_path: Path) -> None:
    """A failure while writing the report files leaves no new -o directory and no temp directory."""
    from aurumq_rl.cli.eval import write_outputs

    with pytest.raises(TypeError):
        write_outputs(tmp_path / "out", {"eval.json": {"a": 1}, "chart.png": 12345})  # not bytes
    assert list(tmp_path.iterdir()) == []
