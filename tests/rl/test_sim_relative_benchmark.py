"""The relative reward's benchmark and the per-pick contributions: the benchmark is the decision date's universe
only, a portfolio reward benchmarks only its invested part (cash earns 0), and each position's contribution is its
weight times its label's excess over the universe mean. Every expected value is derived by hand from the rules in
the module docstrings, on tiny panels."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("torch")

from tests.rl.helpers import _panel, _scores, _sim  # noqa: E402


def test_relative_benchmark_is_the_decision_dates_universe_only() -> None:
    """Stock 2 is outside the universe at decision 0: its +50% label is no part of the benchmark.
    Reward = 0.02 − mean(0.02, 0.00) = 0.01."""
    ret = np.zeros((6, 3))
    ret[2] = [0.02, 0.0, 0.5]
    uni = np.ones((6, 3), bool)
    uni[0, 2] = False
    sim = _sim(_panel(ret, in_universe=uni), "forward_return", relative=True)
    r, _, _ = sim.step(_scores(1, 0, 0))
    assert float(r[0]) == pytest.approx(0.01)


def test_relative_portfolio_reward_benchmarks_only_the_invested_part() -> None:
    """K = 2, stock 0 cannot be bought at the fill: half the book stays in cash (cash earns 0, so it is
    not benchmarked). Day-2 returns (0.05, 0.03, −0.02): book 0.5·0.03 = 0.015, universe mean 0.02 on the
    invested half 0.5 → reward 0.015 − 0.01 = 0.005."""
    ret = np.zeros((6, 3))
    ret[2] = [0.05, 0.03, -0.02]
    cb = np.ones((6, 3), bool)
    cb[1, 0] = False
    sim = _sim(_panel(ret, can_buy=cb), "portfolio", k=2, relative=True)
    r, _, info = sim.step(_scores(2, 1, 0))
    assert sim.w[0].tolist() == pytest.approx([0.0, 0.5, 0.0])
    assert float(info["portfolio_return"][0]) == pytest.approx(0.015)
    assert float(r[0]) == pytest.approx(0.005)


def test_contributions_are_each_positions_share_of_the_decisions_label() -> None:
    """forward_return fp = 1, K = 2 of 3, relative: contrib_i = w_i · (label_i − universe mean) with the
    label of decision 0 = day 2's return (0.04, 0.01, −0.02; mean 0.01); the day after (day 3) is a decoy.
    Their sum is the gross reward (no costs here)."""
    ret = np.zeros((6, 3))
    ret[2] = [0.04, 0.01, -0.02]
    ret[3] = [-0.3, 0.3, 0.0]
    sim = _sim(_panel(ret), "forward_return", k=2, relative=True)
    r, _, info = sim.step(_scores(2, 1, 0))
    assert info["contrib"][0].tolist() == pytest.approx([0.5 * 0.03, 0.0, 0.0], abs=1e-7)
    assert float(r[0]) == pytest.approx(0.015)
