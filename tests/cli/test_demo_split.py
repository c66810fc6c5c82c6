"""The demo's date split: the market's trading dates divided 60/20/20 into train, validation and test windows, each
earlier window ending an embargo before the next, as `sl train` splits them (RL and SL get the same windows)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import polars as pl

from aurumq_rl.cli.demo import FORWARD_PERIOD, split_dates


def _market(tmp_path: Path, n: int) -> tuple[str, list[str]]:
    days = [str(date(2024, 1, 1) + timedelta(days=i)) for i in range(n)]
    path = tmp_path / "m.parquet"
    pl.DataFrame({"trade_date": pl.Series(days).str.to_date(), "ts_code": ["600000.SH"] * n}).write_parquet(path)
    return str(path), days


def test_demo_splits_dates_60_20_20(tmp_path: Path) -> None:
    """100 dates: training starts the data, validation starts at the 60% mark, the test window at the 80% mark and
    runs to the end."""
    path, days = _market(tmp_path, 100)
    w = split_dates(path)
    assert (w["train_start"], w["val_start"], w["test_start"], w["test_end"]) == (days[0], days[60], days[80],
                                                                                  days[99])


def test_demo_validation_labels_end_before_the_test_window(tmp_path: Path) -> None:
    """The fp-day label of a decision at t reads closes up to t + 1 + fp (T+1 entry). The split handed the last
    validation date as the day before the test window (train embargoes only its training window, from validation),
    so the RL checkpoint was chosen on labels reading the test window's first 6 returns, while `sl train`, given the
    same flags, pulled its validation end back 8 dates: 'the same windows' were not the same."""
    path, days = _market(tmp_path, 100)
    w = split_dates(path)
    idx = {d: i for i, d in enumerate(days)}
    assert idx[w["val_end"]] + 1 + FORWARD_PERIOD < idx[w["test_start"]]
    assert idx[w["train_end"]] + 1 + FORWARD_PERIOD < idx[w["val_start"]]
    assert idx[w["train_start"]] <= idx[w["train_end"]] < idx[w["val_start"]] <= idx[w["val_end"]]


def test_demo_windows_are_the_ones_sl_train_uses(tmp_path: Path) -> None:
    """`sl train` given the demo's windows keeps them as they are (no further pull-back): RL and SL train, validate
    and test on identical dates."""
    import numpy as np

    from aurumq_rl.sl.dataset import resolve_split
    from aurumq_rl.sl.labels import label_horizon

    path, days = _market(tmp_path, 100)
    w = split_dates(path)
    dates = np.array(days, dtype="datetime64[D]")
    split = resolve_split(dates, label_horizon("forward_return", FORWARD_PERIOD), **w)
    assert split.as_dates(dates) == {"train": [w["train_start"], w["train_end"]],
                                     "val": [w["val_start"], w["val_end"]],
                                     "test": [w["test_start"], w["test_end"]]}
