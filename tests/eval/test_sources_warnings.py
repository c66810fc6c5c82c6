"""The eval panel loader silences only the market-wide pass-through notice (raw values are used anyway); every
other loader warning reaches the user, e.g. that stocks without a listing date are taken for new listings."""

from __future__ import annotations

import warnings
from pathlib import Path

import polars as pl

from aurumq_rl.eval.sources import classify_source, data_columns_and_calendar, load_eval_panel
from tests.eval.helpers import demo_market


def test_eval_panel_shows_the_listing_fallback_warning(tmp_path: Path) -> None:
    df = pl.read_parquet(demo_market()).drop("list_date")
    first = df["ts_code"].min()
    late = df.filter((pl.col("ts_code") != first) | (pl.col("trade_date") > df["trade_date"].min()))
    data = tmp_path / "no_list_date.parquet"
    late.with_columns(pl.lit(0.5).alias("mkt_level")).write_parquet(data)  # a market-wide column too
    columns, cal = data_columns_and_calendar(data)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        load_eval_panel(data, [classify_source("mkt_level", columns)], calendar=cal, universe="main_board_non_st",
                        start=str(cal[100]), end=str(cal[150]), forward_period=5)
    messages = [str(w.message) for w in caught]
    assert any("treated as new listings" in m and first in m for m in messages), messages
    assert not any("market-wide" in m for m in messages), messages

