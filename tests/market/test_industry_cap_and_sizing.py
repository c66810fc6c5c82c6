"""Top-K selection and sizing: the industry cap is the floor of its share of K, at least one (30% by default, so
three of ten and one of three from an industry), and Strategy D weighs the chosen stocks by their positive scores,
falling back to equal weights when none is positive."""

from __future__ import annotations

import numpy as np
import pytest

from aurumq_rl.market.selection import industry_cap, position_weights, select_top_k


@pytest.mark.parametrize(("k", "frac", "cap"), [(10, None, 3), (30, None, 9), (3, None, 1), (1, None, 1),
                                                (90, 0.7, 63), (50, 0.58, 29)])
def test_industry_cap_is_floor_of_the_share_at_least_one(k: int, frac: float | None, cap: int) -> None:
    # default share 30%: floor(3) = 3, floor(9) = 9, floor(0.9) = 0 → 1; floor(0.7·90) = 63, floor(0.58·50) = 29
    assert (industry_cap(k) if frac is None else industry_cap(k, frac)) == cap


def test_default_cap_keeps_three_of_ten_from_one_industry() -> None:
    scores = np.arange(12.0, 0.0, -1.0)  # stock 0 best
    industry = np.array([0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7])
    got = select_top_k(scores, np.ones(12, bool), 10, industry)
    np.testing.assert_array_equal(np.flatnonzero(got), [0, 1, 2, 5, 6, 7, 8, 9, 10, 11])
    got3 = select_top_k(scores, np.ones(12, bool), 3, industry)  # K = 3: still one name per industry
    np.testing.assert_array_equal(np.flatnonzero(got3), [0, 5, 6])


def test_strategy_d_weights_positive_scores_only_else_equal() -> None:
    chosen = np.array([True, True, True, False])
    w = position_weights(np.array([2.0, -1.0, 1.0, 5.0]), chosen, "strategy_d")
    np.testing.assert_allclose(w, [2 / 3, 0.0, 1 / 3, 0.0], atol=1e-12)
    w = position_weights(np.array([-1.0, -2.0, 0.0, 3.0]), chosen, "strategy_d")  # nothing positive chosen
    np.testing.assert_allclose(w, [1 / 3, 1 / 3, 1 / 3, 0.0], atol=1e-12)


def test_position_weights_names_an_unknown_sizing() -> None:
    with pytest.raises(ValueError, match="sizing='score'"):
        position_weights(np.array([1.0, 2.0]), np.array([True, True]), "score")
