"""`aurumq-rl eval` warns when the decision dates hold fewer than MIN_PERIODS independent fp-day periods. It counted
them as n_dates / fp, which holds for daily dates only: a source scored weekly (every 5th trading date) at fp 5
has one non-overlapping period per date, yet 30 such dates were reported as "only 6 independent 5-day periods"
(on real CSI 300 data: 57 Friday dates as 11 periods, with 53 non-overlapping ones behind the figures). The
count is now the non-overlapping dates, as the top-K series and the backtest take them."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from aurumq_rl.cli.main import main
from aurumq_rl.data.loader import load_panel
from tests.eval.helpers import demo_market

ARGS = ["--top-k", "10", "--random-draws", "3", "--cost-bps", "30", "--forward-period", "5"]


def _scores_every(step: int, first: int, count: int, path: Path) -> tuple[str, str]:
    """alpha_001 as a score on every `step`-th trading date from index `first`, `count` dates; (start, end)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        p = load_panel(demo_market(), factors=["alpha_001"], normalize="raw")
    rows = first + step * np.arange(count)
    s = p.factors[rows, :, 0].astype(np.float64)
    t, n = np.nonzero(p.in_universe[rows] & np.isfinite(s))
    pl.DataFrame({"ts_code": p.codes[n], "trade_date": p.dates[rows][t], "score": s[t, n]}).with_columns(
        pl.col("trade_date").cast(pl.Date)).write_parquet(path)
    return str(p.dates[rows[0]]), str(p.dates[rows[-1]])


def _period_warnings(args: list[str], capsys: pytest.CaptureFixture[str]) -> list[str]:
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        assert main(args) == 0
    capsys.readouterr()
    return [str(w.message) for w in seen if "independent" in str(w.message)]


def test_weekly_dates_are_independent_periods(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    start, end = _scores_every(5, 60, 30, tmp_path / "weekly.parquet")
    got = _period_warnings(["eval", "--scores", str(tmp_path / "weekly.parquet"), "--data", demo_market(), *ARGS,
                            "--start", start, "--end", end, "-o", str(tmp_path / "o")], capsys)
    assert got == []  # 30 weekly dates: 30 non-overlapping 5-day periods, not 30 / 5 = 6


def test_few_weekly_dates_are_warned_with_their_count(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    start, end = _scores_every(5, 60, 12, tmp_path / "weekly.parquet")
    got = _period_warnings(["eval", "--scores", str(tmp_path / "weekly.parquet"), "--data", demo_market(), *ARGS,
                            "--start", start, "--end", end, "-o", str(tmp_path / "o")], capsys)
    assert len(got) == 1 and re.match(r"12 decision dates hold only 12 independent 5-day periods", got[0]), got
