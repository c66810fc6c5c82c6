"""The backtest's end and its trade figures: a sale blocked on the last day happens at the first close after it,
a position never sellable stays in the win/hit rates at its mark, and a cancelled deferral does not label an
on-time exit as deferred."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from aurumq_rl.eval.backtest import simulate
from aurumq_rl.market.costs import CostModel
from tests.eval.helpers import make_panel

FREE = CostModel(round_trip_bps=0)


def test_a_sale_blocked_on_the_last_day_is_deferred_into_the_bars_after_it() -> None:
    """EVAL.md: the backtest defers a limit-down/suspended sale to the next close it can sell at, and the eval
    panel keeps 60 trading days after the last hold for this. Stock 0 is held to the last day (index 5), is
    limit-down there and the day after, and first sellable at index 7: the book must exit there."""
    pct = np.zeros((10, 2))
    pct[5, 0], pct[6, 0], pct[7, 0] = -0.10, -0.10, -0.05
    limit_down = np.zeros((10, 2), bool)
    limit_down[5, 0] = limit_down[6, 0] = True
    p = make_panel(pct, limit_down=limit_down)
    res = simulate(p, np.tile([2.0, 1.0], (10, 1)), top_k=1, hold="fp", forward_period=2, cost=FREE,
                   industry_cap=None, end=2)  # decisions 0 and 2, last day 5
    row = res.trades.filter(pl.col("ts_code") == p.codes[0]).to_dicts()[0]
    assert row["exit_date"] == p.dates[7].astype(object)  # now: None (open_at_end, marked at index 5)
    assert res.summary()["total_return"] == pytest.approx(0.9 * 0.9 * 0.95 - 1)  # now: -0.10


def test_trade_statistics_count_a_position_that_never_became_sellable() -> None:
    """Two picks: stock 0 falls 30% and its bars stop (delisting: never sellable again), stock 1 gains. The
    book loses ~11%, but win rate / mean trade return are computed over closed rows only, so the crashed
    position (open_at_end, marked at its last close) vanishes from them: win rate 100%, mean trade +6.7%."""
    pct = np.zeros((12, 3))
    pct[2, 0] = -0.3
    pct[2:, 1], pct[2:, 2] = 0.01, 0.005
    tradeable = np.ones((12, 3), bool)
    tradeable[3:, 0] = False
    p = make_panel(pct, tradeable=tradeable, in_universe=tradeable.copy())
    res = simulate(p, np.tile([3.0, 2.0, 1.0], (12, 1)), top_k=2, hold="fp", forward_period=2, cost=FREE,
                   industry_cap=None)
    s = res.summary()
    assert s["total_return"] < -0.10
    net = res.trades.filter(pl.col("entry_date").is_not_null())["net_return"].to_numpy()
    assert s["win_rate"] == pytest.approx(float((net > 0).mean()))  # 2/3; now 1.0
    assert s["mean_trade_net_return"] == pytest.approx(float(net.mean()))  # ≈ −5.5%; now +6.7%


def test_a_cancelled_deferral_does_not_label_an_on_time_exit_as_deferred() -> None:
    """Stock 0 is dropped at decision 2 but limit-down at fills 3 and 4 (deferred), re-picked at decision 4
    (so the wanted exit is cancelled), then dropped at decision 6 and sold on time at 7. The row's exit
    did not come late, yet it is labelled limit_down_exit_deferred with defer_days 2."""
    pct = np.zeros((12, 2))
    pct[3, 0] = pct[4, 0] = -0.10
    limit_down = np.zeros((12, 2), bool)
    limit_down[3, 0] = limit_down[4, 0] = True
    p = make_panel(pct, limit_down=limit_down)
    scores = np.tile([2.0, 1.0], (12, 1))
    scores[2] = scores[6:] = [1.0, 2.0]
    res = simulate(p, scores, top_k=1, hold="fp", forward_period=2, cost=FREE, industry_cap=None, end=6)
    row = res.trades.filter((pl.col("ts_code") == p.codes[0]) & pl.col("entry_date").is_not_null()).to_dicts()[0]
    assert row["exit_date"] == p.dates[7].astype(object)  # sold at the fill of decision 6: on time
    assert row["reason"] is None  # now: "limit_down_exit_deferred"


def test_a_sale_after_the_last_day_pays_its_sell_cost_in_the_last_days_figures() -> None:
    """The same blocked position with 30 bps round trip: the tail sale's sell rate is charged (in units of the
    last day's NAV) to `cost` and the last day's return, so the equity still ends at 1 + total return."""
    pct = np.zeros((10, 2))
    pct[5, 0], pct[6, 0], pct[7, 0] = -0.10, -0.10, -0.05
    limit_down = np.zeros((10, 2), bool)
    limit_down[5, 0] = limit_down[6, 0] = True
    p = make_panel(pct, limit_down=limit_down)
    cost = CostModel(round_trip_bps=30)
    buy, sell = cost.rates(p.dates)
    res = simulate(p, np.tile([2.0, 1.0], (10, 1)), top_k=1, hold="fp", forward_period=2, cost=cost,
                   industry_cap=None, end=2)
    nav_l = (1 - buy[1]) * 0.9  # bought at 1, held through -10% on day 5 (L), sale blocked there
    nav_end = nav_l * 0.9 * 0.95 * (1 - sell[7])  # sold at the close of 7
    assert res.summary()["total_return"] == pytest.approx(nav_end - 1)
    assert res.equity[-1] == pytest.approx(1 + res.summary()["total_return"])
    assert res.cost[-1] == pytest.approx(0.9 * 0.95 * sell[7])  # the tail sale in L's NAV units
