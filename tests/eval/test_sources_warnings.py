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



def test_a_thin_date_inside_the_forward_windows_is_named(tmp_path: Path) -> None:
    """A date holding half the market (the real sample's last date, 2023-03-17, holds 133 of 276 stocks: a
    download made before the day was complete) counts every missing stock as suspended with a 0 return, so the
    forward returns and backtest of the decisions whose windows reach it are biased; `infer` and `data check`
    said so, eval did not. Now eval warns, naming the date; a thin date past the windows says nothing."""
    df = pl.read_parquet(demo_market())
    cal = df["trade_date"].unique().sort()
    codes = df["ts_code"].unique().sort()
    half = codes[: len(codes) // 2].implode()
    thin = cal[155]  # inside the 5-day windows of decisions up to cal[150]
    data = tmp_path / "thin.parquet"
    df.filter((pl.col("trade_date") != thin) | pl.col("ts_code").is_in(half)).write_parquet(data)
    columns, calendar = data_columns_and_calendar(data)
    spec = [classify_source("tech_ma20_ratio", columns)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        load_eval_panel(data, spec, calendar=calendar, universe="main_board_non_st", start=str(cal[100]),
                        end=str(cal[150]), forward_period=5)
    messages = [str(w.message) for w in caught]
    assert any(str(thin) in m and "incomplete" in m for m in messages), messages
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        load_eval_panel(data, spec, calendar=calendar, universe="main_board_non_st", start=str(cal[100]),
                        end=str(cal[130]), forward_period=5)
    assert not any("incomplete" in str(w.message) for w in caught)
