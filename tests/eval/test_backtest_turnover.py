"""The backtest's turnover and costs: a switch from one pick to another counts both the sell and the buy, the final
liquidation counts its sells, and each side pays its own rate (buy 10 bps, sell 15 bps at a 30 bps round trip in
2024)."""

from __future__ import annotations

import numpy as np
import pytest

from aurumq_rl.eval.backtest import simulate
from aurumq_rl.market.costs import CostModel
from tests.eval.helpers import make_panel


def test_backtest_turnover_counts_buys_and_sells() -> None:
    p = make_panel(np.zeros((5, 2)))  # flat prices: weights never drift
    scores = np.array([[2.0, 1.0], [1.0, 2.0], [2.0, 1.0], [1.0, 2.0], [1.0, 2.0]])
    res = simulate(p, scores, top_k=1, hold="daily", cost=CostModel(30), industry_cap=None)
    # fills at the closes of days 1, 2, 3 (0, then 1, then 0), liquidation at day 4: buy 1; sell 1 + buy 1 (twice);
    # sell 1. Costs at 30 bps in 2024: 10 bps a buy, 15 bps a sell.
    np.testing.assert_allclose(res.turnover, [1.0, 2.0, 2.0, 1.0], atol=1e-15)
    np.testing.assert_allclose(res.cost, [0.001, 0.0025, 0.0025, 0.0015], atol=1e-15)
    assert res.summary()["turnover_per_rebalance"] == pytest.approx(4.0 / 2)  # the 2 rebalances after day 1


def test_turnover_per_rebalance_leaves_out_the_opening_build_and_the_closing_liquidation() -> None:
    """A book that holds the same name throughout trades only to open and to close the backtest: its turnover
    per rebalance is 0, not the (buy 1 + sell 1) / periods it showed, which looked like trading on short
    windows (2/3 here) and fell with the window's length. Costs still count both."""
    p = make_panel(np.zeros((5, 2)))
    scores = np.array([[2.0, 1.0]] * 5)
    res = simulate(p, scores, top_k=1, hold="daily", cost=CostModel(30), industry_cap=None)
    np.testing.assert_allclose(res.turnover, [1.0, 0.0, 0.0, 1.0], atol=1e-15)
    assert res.summary()["turnover_per_rebalance"] == 0.0
    assert res.summary()["total_cost"] == pytest.approx(0.001 + 0.0015)
