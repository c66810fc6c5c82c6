"""The training and validation windows: trading dates given as bounds are included, training ends an embargo of forward
period + 1 dates before validation, --train-end alone starts validation on the next trading date, and a one-date or
non-following validation window is an error."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

pytest.importorskip("torch")

from aurumq_rl.algos.trainer import Trainer  # noqa: E402
from aurumq_rl.errors import DataError  # noqa: E402
from tests.cli.helpers import _cfg  # noqa: E402


@pytest.fixture(scope="module")
def dates(data: str) -> list[str]:
    """The market's trading dates, YYYY-MM-DD."""
    col = pl.scan_parquet(data).select(pl.col("trade_date").unique().sort()).collect()["trade_date"]
    return [str(d) for d in col]


def test_windows_land_on_the_given_trading_dates(data: str, dates: list[str], tmp_path: Path) -> None:
    """Trading dates given as bounds are included: training starts on --train-start, validation runs from
    --val-start to --val-end inclusive; training ends an embargo of fp + 1 dates before validation (fp = 5)."""
    d = dates
    tr = Trainer(_cfg(data, tmp_path / "run", 1, train_start=d[20], train_end=d[250], val_start=d[260], val_end=d[320]))
    got = [str(x) for x in tr.panel.dates[[tr.train_range[0], tr.train_range[1], tr.val_idx[0], tr.val_idx[-1]]]]
    assert got == [d[20], d[250], d[260], d[320]]
    assert len(tr.val_idx) == 61
    tr = Trainer(_cfg(data, tmp_path / "run", 1, train_start=d[20], val_start=d[260], val_end=d[320]))
    assert str(tr.panel.dates[tr.train_range[1]]) == d[260 - 7]  # label of t: entry t+1, exit t+6 < val start


def test_train_end_alone_starts_validation_on_the_next_trading_date(
    data: str, dates: list[str], tmp_path: Path
) -> None:
    """With only --train-end, the validation window follows it directly (from the next trading date to the
    data's last date); the embargo comes out of the training side."""
    tr = Trainer(_cfg(data, tmp_path / "run", 1, train_end=dates[250]))
    assert str(tr.panel.dates[tr.val_idx[0]]) == dates[251] and str(tr.panel.dates[tr.val_idx[-1]]) == dates[-1]
    assert str(tr.panel.dates[tr.train_range[1]]) == dates[251 - 7]


def test_window_edge_cases_are_errors(data: str, dates: list[str], tmp_path: Path) -> None:
    """A one-date validation window is refused (fewer than 2 dates); --val-start on --train-end is not after it."""
    with pytest.raises(DataError, match="fewer than 2 dates"):
        Trainer(_cfg(data, tmp_path / "run", 1, train_end=dates[250], val_start=dates[300], val_end=dates[300]))
    with pytest.raises(DataError, match=f"--val-start {dates[250]} is not after --train-end {dates[250]}"):
        Trainer(_cfg(data, tmp_path / "run", 1, train_end=dates[250], val_start=dates[250]))
