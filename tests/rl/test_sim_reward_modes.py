"""Reward modes of the simulator: main_wave pays each pick its own main-wave hold; sharpe, sortino and mean_variance
scale or penalise by the trailing risk window, which restarts with each episode. Every expected value is derived
by hand from the rules in the module docstrings, on tiny panels."""

from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from aurumq_rl.envs.market_sim import RISK_EPS, MarketSim  # noqa: E402
from tests.rl.helpers import _panel, _scores, _sim  # noqa: E402


def test_main_wave_reward_is_each_picks_own_main_wave_hold() -> None:
    """Decision 10, entry at the close of 11, K = 2 equal weights, absolute, no costs.
    Stock 0 rises 1% a day: MA5 never falls below MA10, so it is held the full 5 days (exit at 16):
    1.01^5 − 1. Stock 1 rises 1% a day to day 10, then drops 40% on day 11: MA5 (p7..p11 ≈ 0.983) < MA10
    (p2..p11 ≈ 1.022) at u = 11, so it is sold at the close of 12 and earns day 12's +2% only."""
    ret = np.zeros((18, 3))
    ret[1:, 0] = 0.01
    ret[1:11, 1] = 0.01
    ret[11, 1] = -0.40
    ret[12, 1] = 0.02
    sim = _sim(_panel(ret), "main_wave", k=2, length=1, t0=10)
    r, _, _ = sim.step(_scores(2, 1, 0))
    assert float(r[0]) == pytest.approx(0.5 * (1.01**5 - 1) + 0.5 * 0.02, rel=1e-5)


def _risk_run(mode: str, length: int = 4, window: int = 3) -> tuple[MarketSim, list[float]]:
    """Always hold stock 0 (absolute, no costs): step i's net return is day i+1's return of stock 0."""
    ret = np.zeros((10, 2))
    ret[2:6, 0] = [0.02, -0.01, 0.03, -0.02]
    sim = _sim(_panel(ret), mode, length=length, window=window)
    return sim, [float(sim.step(_scores(1, 0))[0][0]) for _ in range(length)]


def _std(x: list[float]) -> float:
    m = sum(x) / len(x)
    return math.sqrt(sum((v - m) ** 2 for v in x) / len(x))


def test_sharpe_scales_by_the_trailing_window_std() -> None:
    """Window 3 over returns 0.02, −0.01, 0.03, −0.02: step 4 sees only the last three."""
    _, rs = _risk_run("sharpe")
    want = [0.02 / RISK_EPS, -0.01 / (_std([0.02, -0.01]) + RISK_EPS),
            0.03 / (_std([0.02, -0.01, 0.03]) + RISK_EPS), -0.02 / (_std([-0.01, 0.03, -0.02]) + RISK_EPS)]
    assert rs == pytest.approx(want, rel=1e-4)


def test_sortino_scales_by_the_trailing_downside_deviation() -> None:
    """Downside = RMS of min(r, 0) over the window: step 4 over (−0.01, 0.03, −0.02)."""
    _, rs = _risk_run("sortino")
    down = math.sqrt((0.01**2 + 0.02**2) / 3)
    assert rs[3] == pytest.approx(-0.02 / (down + RISK_EPS), rel=1e-4)
    assert rs[1] == pytest.approx(-0.01 / (math.sqrt(0.01**2 / 2) + RISK_EPS), rel=1e-4)


def test_mean_variance_penalises_the_squared_deviation_from_the_window_mean() -> None:
    """λ = 10; step 4: window mean of (−0.01, 0.03, −0.02) is 0 → −0.02 − 10·0.02² = −0.024; step 2: mean
    0.005 → −0.01 − 10·0.015² = −0.01225."""
    _, rs = _risk_run("mean_variance")
    assert rs[3] == pytest.approx(-0.024, rel=1e-4) and rs[1] == pytest.approx(-0.01225, rel=1e-4)


def test_risk_window_restarts_with_each_episode() -> None:
    """After the time limit the window is empty again: an episode's first step has no history (std 0), so
    its Sharpe reward is r / RISK_EPS whatever the last episode earned (here 0.02 then −0.01)."""
    sim, _ = _risk_run("sharpe", length=2)
    assert sim.steps == 0  # truncated, and reset
    sim.t = torch.tensor([2])
    r, _, _ = sim.step(_scores(1, 0))  # buy stock 0 at the close of 3: earns day 4, 0.03, alone in its window
    assert float(r[0]) == pytest.approx(0.03 / RISK_EPS, rel=1e-4)
