"""Trading dates that are one day early are refused. A Beijing midnight stored as a UTC timestamp without its time
zone (what `tz_convert(None)` in pandas, or a database's naive UTC column, writes) is 16:00 the day before: read
as its own date, every Monday became a Sunday and every Friday a Thursday, silently, so the limit regimes, listing
days, --start/--end and joins with scores or an index were all a day off. The same instants with their zone load
on the right days."""

from __future__ import annotations

import warnings
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from aurumq_rl.data.check import check_data
from aurumq_rl.data.loader import load_panel
from aurumq_rl.errors import DataError


def _weekday_frame(n_days: int = 15) -> pl.DataFrame:
    days = [d for d in (date(2021, 1, 4) + timedelta(days=k) for k in range(n_days * 2)) if d.weekday() < 5][:n_days]
    codes = [f"6000{i:02d}.SH" for i in range(5)]
    rows = [(c, d) for d in days for c in codes]
    rng = np.random.default_rng(0)
    return pl.DataFrame(rows, schema=["ts_code", "trade_date"], orient="row").with_columns(
        close=10.0, pct_chg=pl.lit(0.01), vol=1.0, alpha_001=pl.Series(rng.normal(size=len(rows))))


def _utc_instants(df: pl.DataFrame) -> pl.DataFrame:
    return df.with_columns(pl.col("trade_date").cast(pl.Datetime("us")).dt.replace_time_zone("Asia/Shanghai")
                           .dt.convert_time_zone("UTC"))


@pytest.mark.parametrize("read", [load_panel, check_data], ids=["load_panel", "check_data"])
def test_naive_utc_timestamps_of_beijing_midnights_are_refused(tmp_path: Path, read: object) -> None:
    path = tmp_path / "naive_utc.parquet"
    _utc_instants(_weekday_frame()).with_columns(pl.col("trade_date").dt.replace_time_zone(None)).write_parquet(path)
    with pytest.raises(DataError, match=r"trade_date puts 3 date\(s\) on a Sunday \(e\.g\. 2021-01-03\).*UTC"):
        read(str(path))  # type: ignore[operator]


def test_the_same_instants_with_their_zone_load_on_the_trading_days(tmp_path: Path) -> None:
    path = tmp_path / "utc.parquet"
    _utc_instants(_weekday_frame()).write_parquet(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = load_panel(str(path), universe="all", normalize="raw")
    assert str(p.dates[0]) == "2021-01-04"
    assert not (p.dates.astype("datetime64[D]").view("int64") % 7 == 3).any()  # no Sunday (1970-01-04 was one)


def test_calendar_days_with_fridays_still_load() -> None:
    """Test frames on consecutive calendar days hold Sundays and Fridays: not a shift."""
    days = [date(2021, 1, 3) + timedelta(days=k) for k in range(15)]
    df = pl.DataFrame([("600000.SH", d) for d in days] + [("600001.SH", d) for d in days],
                      schema=["ts_code", "trade_date"], orient="row").with_columns(
        close=10.0, pct_chg=pl.lit(0.01), vol=1.0, alpha_001=pl.int_range(pl.len()).cast(pl.Float64))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert len(load_panel(df, universe="all", normalize="raw").dates) == 15
