"""`Panel.can_buy` is the fill mask (tradeable, not limit-up, listed long enough), separate from the universe."""

from __future__ import annotations

import warnings
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from aurumq_rl.data.loader import load_panel
from aurumq_rl.market.status import MarketConfig


def test_can_buy_holds_the_new_listing_protection_whatever_the_universe(tmp_path: Path) -> None:
    cal = pl.date_range(pl.date(2024, 1, 1), pl.date(2024, 6, 30), "1d", eager=True)
    days = cal.filter(cal.dt.weekday() <= 5)[:80]
    rows = [{"ts_code": code, "trade_date": d, "close": 10.0, "pct_chg": 0.0, "vol": 1000.0,
             "alpha_001": float(i + first)}
            for code, first in (("600000.SH", 0), ("600001.SH", 10)) for i, d in enumerate(days) if i >= first]
    path = tmp_path / "bars.parquet"
    pl.DataFrame(rows).write_parquet(path)
    min_days = MarketConfig().min_listed_days
    # a universe without the listing rule, which leaves out every stock on day 5
    with pytest.warns(UserWarning, match=r"1 stock\(s\) whose first bar .*600001\.SH.*add a list_date"):
        p = load_panel(path, universe=lambda columns: pl.col("trade_date") != days[5])
    new = list(p.codes).index("600001.SH")
    listed = np.arange(len(p.dates)) - 10 + 1  # 600001.SH's listing day (its first bar is day 10)
    assert p.in_universe[10:, new].all()
    np.testing.assert_array_equal(p.can_buy[10:, new], listed[10:] > min_days)
    assert p.can_buy[:, 1 - new].all() and not p.in_universe[5].any()  # out of the universe, still fillable
    # the default universe keeps new listings out of the decision as well
    with pytest.warns(UserWarning, match="list_date"):
        q = load_panel(path)
    # with list_date the listing day comes from it: no warning
    pl.read_parquet(path).with_columns(list_date=pl.when(pl.col("ts_code") == "600001.SH").then(days[10])
                                       .otherwise(pl.date(2010, 1, 4))).write_parquet(path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.filterwarnings("ignore", message=".*no is_st or name column")  # the data has neither
        r = load_panel(path)
    np.testing.assert_array_equal(r.in_universe, q.in_universe)
    np.testing.assert_array_equal(q.in_universe[10:, new], listed[10:] > min_days)


@pytest.mark.parametrize("universe", ["all", "hs300", "zz500", "all_non_st", "main_board_non_st"])
def test_no_named_universe_holds_a_stock_its_next_day_fill_refuses_for_its_age(universe: str,
                                                                                 tmp_path: Path) -> None:
    """A decision at t fills at t+1: a stock whose listing age forbids that fill (known at t) is no candidate
    in any named universe, so the env, eval and infer never pick a stock bound to turn into cash."""
    cal = pl.date_range(pl.date(2024, 1, 1), pl.date(2024, 8, 30), "1d", eager=True)
    days = cal.filter(cal.dt.weekday() <= 5)[:100]
    rows = [{"ts_code": code, "trade_date": d, "close": 10.0, "pct_chg": 0.0, "vol": 1000.0, "alpha_001": 1.0,
             "is_hs300": True, "is_zz500": True, "list_date": days[first] if first else date(2010, 1, 4)}
            for code, first in (("600000.SH", 0), ("600001.SH", 10)) for i, d in enumerate(days) if i >= first]
    path = tmp_path / "bars.parquet"
    pl.DataFrame(rows).write_parquet(path)
    p = load_panel(path, universe=universe)
    new = list(p.codes).index("600001.SH")
    assert p.in_universe[:-1, 1 - new].all()
    assert p.in_universe[:-1, new].any()  # it does join once seasoned
    assert not (p.in_universe[:-1] & ~p.can_buy[1:]).any()


def test_a_custom_market_config_reaches_the_masks(tmp_path: Path) -> None:
    """`load_panel(market=MarketConfig(...))` is the extension point for other rules: a shorter new-listing
    protection and a prepended limit rule (a hypothetical ±2% main board) change can_buy, the universe and the
    limit flags; the defaults do not."""
    from aurumq_rl.market.boards import MAIN
    from aurumq_rl.market.limits import LIMIT_RULES, LimitRule

    cal = pl.date_range(pl.date(2024, 1, 1), pl.date(2024, 8, 30), "1d", eager=True)
    days = cal.filter(cal.dt.weekday() <= 5)[:100]
    rows = [{"ts_code": code, "trade_date": d, "close": 10.0 * (1.02 if i == 50 else 1.0),
             "pct_chg": 0.02 if i == 50 else (-0.02 / 1.02 if i == 51 else 0.0), "vol": 1000.0, "alpha_001": 1.0,
             "list_date": days[first] if first else date(2010, 1, 4)}
            for code, first in (("600000.SH", 0), ("600001.SH", 10)) for i, d in enumerate(days) if i >= first]
    path = tmp_path / "bars.parquet"
    pl.DataFrame(rows).write_parquet(path)
    base = load_panel(path, universe="all")
    custom = MarketConfig(min_listed_days=20, rules=(LimitRule(MAIN, 0.02, 0.02, note="test: ±2%"), *LIMIT_RULES))
    p = load_panel(path, universe="all", market=custom)
    new = list(p.codes).index("600001.SH")
    listed = np.arange(len(p.dates)) - 10 + 1
    np.testing.assert_array_equal(p.can_buy[10:, new] | p.is_limit_up[10:, new], listed[10:] > 20)
    np.testing.assert_array_equal(base.can_buy[10:, new], listed[10:] > 60)
    assert p.in_universe[30:, new].all() and not p.in_universe[:30, new].any()  # listing day 21 at t = 30
    assert p.is_limit_up[50].all() and not p.can_buy[50].any() and p.is_limit_down[51].all()
    assert not base.is_limit_up.any() and not base.is_limit_down.any()


@pytest.mark.parametrize("universe", ["all", "main_board_non_st"])
def test_the_universe_uses_the_market_configs_listing_protection(universe: str, tmp_path: Path) -> None:
    """`MarketConfig.min_listed_days` sets the universe's new-listing rule as it sets can_buy's: with 5 days, a
    stock listed on day 10 (listing day 1) joins on day 15 (listing day 6 > 5), not after the default 60."""
    cal = pl.date_range(pl.date(2024, 1, 1), pl.date(2024, 3, 30), "1d", eager=True)
    days = cal.filter(cal.dt.weekday() <= 5)[:30]
    rows = [{"ts_code": code, "trade_date": d, "close": 10.0, "pct_chg": 0.0, "vol": 1000.0, "alpha_001": 1.0,
             "list_date": days[first] if first else date(2010, 1, 4)}
            for code, first in (("600000.SH", 0), ("600001.SH", 10)) for i, d in enumerate(days) if i >= first]
    path = tmp_path / "bars.parquet"
    pl.DataFrame(rows).write_parquet(path)
    p = load_panel(path, universe=universe, market=MarketConfig(min_listed_days=5))
    new = list(p.codes).index("600001.SH")
    expected = np.arange(30) >= 15
    np.testing.assert_array_equal(p.in_universe[:, new], expected)
    np.testing.assert_array_equal(p.can_buy[:, new], expected)
