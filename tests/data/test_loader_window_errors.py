"""`load_panel`'s date window: a window outside the data, or a start after the end, is an error that says so and
names the data's range. It said "no row left in universe 'main_board_non_st' between 2030-01-01 and end; widen
the dates or choose another universe", sending the user to the universe (sl train / sl score / sl null-test and
the Python API reach the loader without a CLI date check of their own). An empty universe still says so."""

from __future__ import annotations

import warnings
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from aurumq_rl.cli.main import main
from aurumq_rl.data.loader import load_panel
from aurumq_rl.errors import DataError

DAYS = [date(2024, 1, 1) + timedelta(days=k) for k in (0, 1, 2, 3, 4, 7, 8, 9)]  # 6-7 Jan: a weekend


def _market(tmp_path: Path) -> str:
    codes = [f"6000{i:02d}.SH" for i in range(6)]
    rows = [(c, d) for d in DAYS for c in codes]
    df = pl.DataFrame(rows, schema=["ts_code", "trade_date"], orient="row").with_columns(
        close=10.0, pct_chg=pl.lit(0.01), vol=1.0,
        alpha_001=pl.Series(np.random.default_rng(0).normal(size=len(rows))))
    path = tmp_path / "m.parquet"
    df.write_parquet(path)
    return str(path)


def _load(path: str, **kw: object) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        load_panel(path, universe="all", **kw)


@pytest.mark.parametrize(("kw", "said"), [
    ({"start": "2030-01-01"}, r"no trading date between 2030-01-01 and end \(the data covers 2024-01-01 \.\. "
                              r"2024-01-10\); choose dates inside it"),
    ({"end": "2023-06-30"}, r"no trading date between start and 2023-06-30 \(the data covers 2024-01-01 \.\. "
                            r"2024-01-10\)"),
    ({"start": "2024-01-06", "end": "2024-01-07"}, r"no trading date between 2024-01-06 and 2024-01-07 \(the data "
                                                   r"covers 2024-01-01 \.\. 2024-01-10\): the data trades on "
                                                   r"2024-01-05 and next on 2024-01-08; widen the window"),
    ({"start": "2024-01-09", "end": "2024-01-02"}, r"start 2024-01-09 is after end 2024-01-02"),
])
def test_a_window_without_trading_dates_names_the_datas_range(tmp_path: Path, kw: dict, said: str) -> None:
    path = _market(tmp_path)
    with pytest.raises(DataError, match=said) as exc:
        _load(path, **kw)
    assert "universe" not in str(exc.value)


def test_an_empty_universe_inside_the_data_still_names_the_universe(tmp_path: Path) -> None:
    path = _market(tmp_path)
    pl.read_parquet(path).with_columns(is_st=True).write_parquet(path)
    with pytest.raises(DataError, match=r"no row left in universe 'all_non_st' between 2024-01-02 and 2024-01-04"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            load_panel(path, universe="all_non_st", start="2024-01-02", end="2024-01-04")


def test_sl_train_with_a_start_past_the_data_names_the_datas_range(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    path = _market(tmp_path)
    rc = main(["sl", "train", "--data", path, "--out-dir", str(tmp_path / "run"), "--universe", "all",
               "--train-start", "2030-01-01"])
    err = capsys.readouterr().err
    assert rc == 2
    assert "no trading date between 2030-01-01 and end (the data covers 2024-01-01 .. 2024-01-10)" in err
    assert not (tmp_path / "run").exists()


def test_a_datetime_start_and_end_keep_their_own_trading_date(tmp_path) -> None:  # noqa: ANN001
    """load_panel(start=datetime(2024, 1, 3, 15, 0)) compared the timestamp with the trading dates, so the 3rd
    (midnight) fell before it and was skipped; a datetime now stands for its date, as a date does."""
    from datetime import date, datetime

    from aurumq_rl.data.source import to_date

    assert to_date(datetime(2024, 1, 3, 15, 0), "--start") == date(2024, 1, 3)
    assert type(to_date(datetime(2024, 1, 3, 15, 0), "--start")) is date
