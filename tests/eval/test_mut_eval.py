"""Evaluation rules that hand-made mutation testing found unguarded: the drawdown compounds the
non-overlapping series only, `evaluate_scores` ranks and picks within the universe, and the backtest's
turnover counts both sides."""

from __future__ import annotations

import numpy as np
import pytest

from aurumq_rl.eval.backtest import simulate
from aurumq_rl.eval.metrics import series_stats
from aurumq_rl.eval.report import evaluate_scores
from aurumq_rl.market.costs import CostModel
from tests.eval.helpers import make_panel


def test_drawdown_compounds_only_the_non_overlapping_returns() -> None:
    # fp = 2: the non-overlapping dates are 0, 2, 4 → .10, .05, -.10; equity 1 → 1.1 → 1.155 → 1.0395, so the
    # drawdown is 1 − 1.0395/1.155 = .10 (the overlapping .10, -.20 … would double-count days: 1 − .88/1.1 = .20)
    st = series_stats(np.array([0.10, -0.20, 0.05, 0.30, -0.10]), 2)
    assert st["max_drawdown"] == pytest.approx(0.10, abs=1e-12)
    assert st["total_return_nonoverlap"] == pytest.approx(1.1 * 1.05 * 0.9 - 1, abs=1e-12)


def test_evaluate_scores_ranks_and_picks_within_the_universe() -> None:
    """Stocks 0-9 (in the universe) earn 0.1 %·(j+1) a day and are scored j; stocks 10-11 (never in the
    universe) lose 1 % a day and carry the highest scores. Inside the universe the ranking is perfect."""
    t_n, n_n, fp = 16, 12, 2
    daily = np.r_[0.001 * np.arange(1, 11), -0.01, -0.01]
    uni = np.ones((t_n, n_n), bool)
    uni[:, 10:] = False
    p = make_panel(np.tile(daily, (t_n, 1)), in_universe=uni)
    scores = np.tile(np.r_[np.arange(10.0), 100.0, 100.0], (t_n, 1))
    out = evaluate_scores(p, scores, top_k=3, forward_period=fp, random_draws=2, holds=("fp",), industry_cap=None)
    n_dates = t_n - 2 - fp + 1  # decision dates 0 … T−2−fp
    assert out["rank_ic"]["mean"] == pytest.approx(1.0, abs=1e-12) and out["rank_ic"]["n_days"] == n_dates
    # the top 3 of the universe are stocks 7, 8, 9: an fp-day return of 1.008², 1.009², 1.010² − 1
    top3 = np.mean([(1 + d) ** fp - 1 for d in (0.008, 0.009, 0.010)])
    assert out["topk"]["equal"]["mean"] == pytest.approx(top3, abs=1e-12)


def test_backtest_turnover_counts_buys_and_sells() -> None:
    p = make_panel(np.zeros((5, 2)))  # flat prices: weights never drift
    scores = np.array([[2.0, 1.0], [1.0, 2.0], [2.0, 1.0], [1.0, 2.0], [1.0, 2.0]])
    res = simulate(p, scores, top_k=1, hold="daily", cost=CostModel(30), industry_cap=None)
    # fills at the closes of days 1, 2, 3 (0, then 1, then 0), liquidation at day 4: buy 1; sell 1 + buy 1 (twice);
    # sell 1. Costs at 30 bps in 2024: 10 bps a buy, 15 bps a sell.
    np.testing.assert_allclose(res.turnover, [1.0, 2.0, 2.0, 1.0], atol=1e-15)
    np.testing.assert_allclose(res.cost, [0.001, 0.0025, 0.0025, 0.0015], atol=1e-15)
    assert res.summary()["turnover_per_rebalance"] == pytest.approx(6.0 / 3)  # 3 daily periods after day 1
