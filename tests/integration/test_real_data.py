"""The foundation on real A-share bars (shared/data/real): CSI 300 sample, 2019-01 … 2023-03."""

from __future__ import annotations

import warnings
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from aurumq_rl.data.loader import load_panel
from aurumq_rl.market.status import annotate
from tests.integration.real import real_frame


@pytest.fixture(scope="module")
def real(shared: Path) -> pl.DataFrame:
    """Real bars + 2023 names/industries/list dates + CSI 300 membership + two simple factor columns."""
    return real_frame(shared)


def test_real_panel_loads_with_rules(real: pl.DataFrame) -> None:
    p = load_panel(real.lazy(), universe="hs300")
    assert p.meta["limit_method"] == "auto"  # by price on the rows on the cent grid (after the last ex-date)
    assert p.factors.shape[0] > 1000 and 200 < p.factors.shape[1] <= 276
    assert p.in_universe.sum(1).max() <= 276 and p.in_universe.mean() > 0.5
    fwd = p.forward_returns(5)
    ok = np.isfinite(fwd) & p.in_universe
    assert ok.mean() > 0.5 and np.abs(fwd[ok]).max() < 3
    assert 0.002 < p.is_limit_up[p.present].mean() < 0.05


def test_chinext_limit_switch_on_real_bars(real: pl.DataFrame) -> None:
    cal = real["trade_date"].unique().sort()
    ann = annotate(real.lazy(), real.columns, cal, "pct").collect()
    gem = ann.filter(pl.col("board") == "chinext")
    before = gem.filter(pl.col("trade_date") < date(2020, 8, 24))
    after = gem.filter(pl.col("trade_date") >= date(2020, 8, 24))
    seasoned = pl.col("has_limit") & (pl.col("listing_day") > 1)
    assert before.filter(seasoned)["limit_up_pct"].unique().to_list() == [0.1]
    assert before.filter(pl.col("listing_day") == 1)["limit_up_pct"].unique().to_list() == [0.44]
    assert set(after.filter(pl.col("has_limit"))["limit_up_pct"].unique().to_list()) == {0.2}
    # a real +20% close after the switch is a limit-up; the same move never counts before it
    hits = after.filter(pl.col("is_limit_up"))
    assert hits.height > 0 and hits["pct_chg"].min() > 0.195
    # IPO days inside the sample (list_date known): STAR debuts are unlimited; a main-board debut before
    # 2023-04-10 is capped at +44% and closing there is a limit-up
    ipo_day = ann.filter(pl.col("listing_day") == 1)
    star = ipo_day.filter(pl.col("board") == "star")
    assert star.height > 0 and not star["has_limit"].any() and not star["is_limit_up"].any()
    cgn = ipo_day.filter(pl.col("ts_code") == "003816.SZ").row(0, named=True)
    assert cgn["limit_up_pct"] == 0.44 and cgn["is_limit_up"]


def test_limit_hits_on_real_bars_close_at_the_extreme(real: pl.DataFrame) -> None:
    """Adjusted bars: every limit-up close is the day's high (limit-down: the low), and the relisting day of
    000792.SZ (2021-08-10, +306%, no limit applied) is no limit hit."""
    cal = real["trade_date"].unique().sort()
    ann = annotate(real.lazy(), real.columns, cal, "pct").collect()
    assert ann.filter(pl.col("is_limit_up") & (pl.col("close") < pl.col("high"))).height == 0
    assert ann.filter(pl.col("is_limit_down") & (pl.col("close") > pl.col("low"))).height == 0
    relist = ann.filter((pl.col("ts_code") == "000792.SZ") & (pl.col("trade_date") == date(2021, 8, 10)))
    assert relist["pct_chg"].item() > 3 and not relist["is_limit_up"].item()


def test_vwap_on_adjusted_real_bars_stays_in_the_day_range(real: pl.DataFrame) -> None:
    """amount / vol is the unadjusted price, off the forward-adjusted OHLC scale (it fell inside [low, high] on
    43% of rows); the engine takes it only where the prices are real (on the cent grid, inside the range) and
    the typical price elsewhere: every vwap lies inside the day's range."""
    from aurumq_rl.factors.engine_io import derive_inputs

    raw_vwap = real["amount"] * 1000 / (real["vol"] * 100)
    inside = ((raw_vwap >= real["low"] - 1e-6) & (raw_vwap <= real["high"] + 1e-6)).mean()
    assert inside < 0.6  # the data's two scales: the reason for the proxy
    with pytest.warns(UserWarning, match="typical price"):
        out, derived = derive_inputs(real.select("ts_code", "trade_date", "open", "high", "low", "close", "vol",
                                                 "amount", "pct_chg"))
    assert "vwap" in derived
    assert out.filter((pl.col("vwap") < pl.col("low") - 0.01) | (pl.col("vwap") > pl.col("high") + 0.01)).height == 0
    grid = (out["close"] * 100 - (out["close"] * 100).round()).abs() < 1e-6
    used_amount = (out["vwap"] - raw_vwap).abs() < 1e-9
    assert 0.05 < (grid & used_amount).mean() and not (used_amount & ~grid & (raw_vwap != out["vwap"])).any()


def test_appending_days_never_changes_past_factors_or_limit_flags(real: pl.DataFrame) -> None:
    """Look-ahead on real bars: forward-adjusted prices sit on the cent grid only after a stock's last ex-date,
    so over 2022-12 .. 2023-03 the on-grid share crosses 99% when the last month is added. The vwap derivation
    and the limit method used to follow that file-level share, and cutting the file at 2023-02-15 changed 37
    factors at earlier dates. Both are decided row by row now: the cut and the full file agree on every past
    value of the vwap factors and on every limit flag."""
    from aurumq_rl.factors.engine import compute_factors

    bars = real.filter(pl.col("trade_date") >= date(2022, 12, 1)).select(
        "ts_code", "trade_date", "open", "high", "low", "close", "vol", "amount", "pct_chg", "list_date")
    cut_day = date(2023, 2, 15)
    only = "tech_vwap_bias,alpha_041,alpha_011,gtja_013,zt_count30"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the typical price on the adjusted rows
        full, _ = compute_factors(bars, only=only, progress=False)
        cut, _ = compute_factors(bars.filter(pl.col("trade_date") <= cut_day), only=only, progress=False)
    cols = only.split(",")
    past = full.filter(pl.col("trade_date") <= cut_day).select("ts_code", "trade_date", *cols)
    assert past.height == cut.height > 10_000
    joined = past.join(cut.select("ts_code", "trade_date", *cols), on=["ts_code", "trade_date"], suffix="_cut")
    for c in cols:
        a, b = joined[c].to_numpy(), joined[f"{c}_cut"].to_numpy()
        assert np.array_equal(np.isnan(a), np.isnan(b)), c
        np.testing.assert_allclose(a[~np.isnan(a)], b[~np.isnan(b)], rtol=1e-9, atol=1e-12, err_msg=c)
    cal = bars["trade_date"].unique().sort()
    flags = [annotate(f.lazy(), f.columns, cal.filter(cal <= cut_day) if f is not bars else cal, "auto")
             .filter(pl.col("trade_date") <= cut_day).sort("ts_code", "trade_date")
             .select("is_limit_up", "is_limit_down").collect()
             for f in (bars, bars.filter(pl.col("trade_date") <= cut_day))]
    assert flags[0].equals(flags[1]) and flags[0]["is_limit_up"].sum() > 10
