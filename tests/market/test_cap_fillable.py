"""The industry cap can leave fewer than K picks: `cap_fillable` counts them per date as `select_top_k` makes
them, and train / eval warn (`check_top_k`) when the universe's stocks fall in too few industries to fill K,
since those dates hold fewer names at more weight each (it passed silently; only infer warned)."""

from __future__ import annotations

import numpy as np
import pytest

from aurumq_rl.market.selection import UNKNOWN_INDUSTRY, cap_fillable, select_top_k
from aurumq_rl.market.universe import check_top_k


@pytest.mark.parametrize("k", [1, 3, 5, 10, 20])
@pytest.mark.parametrize("n_industries", [1, 2, 4, 31])
def test_cap_fillable_counts_the_picks_select_top_k_makes(k: int, n_industries: int) -> None:
    rng = np.random.default_rng(k * 100 + n_industries)
    valid = rng.random((40, 30)) < 0.7
    industry = rng.integers(0, n_industries, (40, 30))
    industry[rng.random((40, 30)) < 0.1] = UNKNOWN_INDUSTRY
    picks = select_top_k(rng.normal(size=(40, 30)), valid, k, industry, 0.3).sum(1)
    np.testing.assert_array_equal(cap_fillable(valid, industry, k, 0.3), picks)


def test_check_top_k_warns_when_the_cap_leaves_fewer_than_k_picks() -> None:
    dates = np.arange(np.datetime64("2024-01-02"), np.datetime64("2024-01-12"))
    valid = np.ones((10, 20), bool)
    two = np.tile(np.arange(20) % 2, (10, 1))  # two industries: K = 10 allows 3 each, 6 picks
    with pytest.warns(UserWarning, match=r"--top-k 10: the industry cap \(3 per industry, 30% of K\) leaves fewer "
                                         r"than 10 picks on 10 of 10 date\(s\) \(as few as 6"):
        check_top_k(valid, 10, "all", dates, two, 0.3)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_top_k(valid, 10, "all", dates, np.tile(np.arange(20) % 4, (10, 1)), 0.3)  # 4 × 3 ≥ 10
        check_top_k(valid, 10, "all", dates, two, None)  # no cap
        check_top_k(valid, 10, "all", dates, None, 0.3)  # no industries
        thin = valid.copy()
        thin[5:, 5:] = False  # 5 stocks on half the dates: fewer than K there, but not the cap's doing
        check_top_k(thin, 10, "all", dates, np.tile(np.arange(20) % 4, (10, 1)), 0.3)
