"""An --index whose dates are a day early (a Beijing midnight stored as a naive UTC timestamp: 16:00 the day
before) was read silently: every stock row then joined the NEXT trading day's benchmark bar (Monday's row got
Tuesday's close, a one-day look-ahead in every bench_* factor), and Fridays found no bar at all. The panel
loader refuses such dates (`check_shifted_dates`); the index loader now does too."""

from __future__ import annotations

import polars as pl
import pytest

from aurumq_rl.data.synth import generate, preset
from aurumq_rl.errors import DataError
from aurumq_rl.factors.engine import compute_factors
from aurumq_rl.factors.engine_io import load_index


@pytest.fixture(scope="module")
def index() -> pl.DataFrame:
    return generate(preset("small"))[1]


def _shifted(index: pl.DataFrame) -> pl.DataFrame:
    # what pandas writes for Beijing-midnight timestamps converted to UTC and stripped of their zone
    return index.with_columns(pl.col("trade_date").cast(pl.Datetime("us")) - pl.duration(hours=8))


def test_index_dates_a_day_early_are_refused(index: pl.DataFrame) -> None:
    with pytest.raises(DataError, match=r"--index .*trade_date puts \d+ date\(s\) on a Sunday"):
        load_index(_shifted(index))


def test_compute_refuses_a_shifted_index_before_any_work(index: pl.DataFrame) -> None:
    panel = generate(preset("small"))[0].head(2000)
    with pytest.raises(DataError, match="one day early"):
        compute_factors(panel, only="gtja_149", index=_shifted(index), progress=False)


def test_index_with_its_own_dates_and_timestamps_in_its_zone_still_load(index: pl.DataFrame) -> None:
    plain = load_index(index)
    zoned = index.with_columns(pl.col("trade_date").cast(pl.Datetime("us")).dt.replace_time_zone("Asia/Shanghai")
                               .dt.convert_time_zone("UTC"))
    assert load_index(zoned)["trade_date"].equals(plain["trade_date"])
    assert plain["trade_date"].equals(index["trade_date"])
