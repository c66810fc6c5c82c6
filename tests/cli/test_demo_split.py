"""The demo's date split: the market's trading dates divided 60/20/20 into train, validation and test windows, no date
shared or skipped."""

from __future__ import annotations

from pathlib import Path

import polars as pl


def test_demo_splits_dates_60_20_20(tmp_path: Path) -> None:
    """10 trading dates: train the first 6, validate the next 2, test the last 2, no date shared or skipped."""
    from aurumq_rl.cli.demo import split_dates

    days = [f"2024-01-{d:02d}" for d in (2, 3, 4, 5, 8, 9, 10, 11, 12, 15)]
    path = tmp_path / "m.parquet"
    pl.DataFrame({"trade_date": pl.Series(days).str.to_date(), "ts_code": ["600000.SH"] * 10}).write_parquet(path)
    assert split_dates(str(path)) == {
        "train_start": days[0],
        "train_end": days[5],
        "val_start": days[6],
        "val_end": days[7],
        "test_start": days[8],
        "test_end": days[9],
    }
