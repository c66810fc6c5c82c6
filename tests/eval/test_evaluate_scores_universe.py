"""`evaluate_scores` ranks and picks within the universe only: stocks outside it, however high their scores, neither
enter the rank IC nor the top-K return. Expected values are computed by hand."""

from __future__ import annotations

import numpy as np
import pytest

from aurumq_rl.eval.report import evaluate_scores
from tests.eval.helpers import make_panel


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
