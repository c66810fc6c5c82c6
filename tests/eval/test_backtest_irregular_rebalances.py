"""The backtest's turnover per rebalance divides by the rebalances that took place. A date without scores moves the
next decision later (a source scored weekly through a holiday week, or every other week; `nonoverlap_index`), so
the days of the run are no longer (rebalances) × P: dividing by ceil(days / P) − 1 counted rebalances that never
happened and understated the turnover (4/3 instead of 2 here; on real CSI 300 data a Friday-scored source showed
1.63 for 1.75)."""

from __future__ import annotations

import numpy as np
import pytest

from aurumq_rl.eval.backtest import simulate
from aurumq_rl.market.costs import CostModel
from tests.eval.helpers import make_panel


def test_turnover_per_rebalance_counts_the_rebalances_that_happened() -> None:
    t_n = 23
    p = make_panel(np.zeros((t_n, 2)))  # flat prices: weights never drift
    scores = np.full((t_n, 2), np.nan)
    scores[0], scores[5], scores[15] = [2.0, 1.0], [1.0, 2.0], [2.0, 1.0]  # no scores on dates 6..14
    res = simulate(p, scores, top_k=1, hold="fp", forward_period=5, cost=CostModel(30), industry_cap=None)
    # fills at the closes of days 1, 6 and 16 (stock 0, 1, 0), liquidation at day 21: buy 1; sell 1 + buy 1 twice;
    # sell 1
    assert res.turnover.sum() == pytest.approx(6.0) and res.turnover[0] == 1.0 and res.turnover[-1] == 1.0
    assert res.summary()["turnover_per_rebalance"] == pytest.approx(4.0 / 2)  # the 2 rebalances after the first
    assert res.n_fills == 3


def test_regular_rebalances_are_unchanged() -> None:
    p = make_panel(np.zeros((12, 2)))
    scores = np.array([[2.0, 1.0], [1.0, 2.0]] * 6)
    res = simulate(p, scores, top_k=1, hold="fp", forward_period=2, cost=CostModel(30), industry_cap=None)
    # decisions 0, 2, 4, 6, 8 (picks 0 every time: dates of even index score stock 0 highest): one build, no trade
    assert res.summary()["turnover_per_rebalance"] == 0.0
