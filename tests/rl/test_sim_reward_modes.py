"""Reward modes of the simulator: main_wave pays each pick its own main-wave hold; sharpe, sortino and mean_variance
scale or penalise by the trailing risk window, which restarts with each episode, for sharpe and sortino full of a
prior variance (that of a random K-stock book, from data up to the decision date) that the book's own returns
replace one day at a time. Every expected value is derived by hand from the rules in the module docstrings, on tiny
panels."""

from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from aurumq_rl.envs.market_sim import RISK_EPS, EnvConfig, MarketSim, PanelTensors, risk_prior_var  # noqa: E402
from aurumq_rl.market.costs import CostModel  # noqa: E402
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


# Stock 0's daily returns; stock 1 is flat. Date d's market is a/2 and its cross-sectional variance a²/4, so
# with K = 1 and absolute rewards the prior's term of date d is a²/4 + (a/2)² = a²/2.
RET0 = [0.04, -0.02, 0.02, -0.01, 0.03, -0.02]
Q = [a * a / 2 for a in RET0]


def _risk_run(mode: str, length: int = 4, window: int = 3) -> tuple[MarketSim, list[float]]:
    """Always hold stock 0 (absolute, no costs): step i decides at i and earns day i+2's return of stock 0."""
    ret = np.zeros((10, 2))
    ret[: len(RET0), 0] = RET0
    sim = _sim(_panel(ret), mode, length=length, window=window)
    return sim, [float(sim.step(_scores(1, 0))[0][0]) for _ in range(length)]


def _std(x: list[float]) -> float:
    m = sum(x) / len(x)
    return math.sqrt(sum((v - m) ** 2 for v in x) / len(x))


def test_sharpe_scales_by_the_window_std_with_the_prior_in_the_days_not_yet_earned() -> None:
    """Window 3 over the book's returns 0.02, −0.01, 0.03, −0.02. Step 0 (t = 0): one own return, no deviation,
    and 2 days of the prior σ0(0)² = Q0 (the only date so far). Step 1 (t = 1): deviations of (0.02, −0.01) from
    their mean, 0.015² each, and 1 day of σ0(1)² = (Q0 + Q1) / 2. Steps 2 and 3: the window holds own returns
    only (step 3 the last three)."""
    _, rs = _risk_run("sharpe")
    want = [0.02 / (math.sqrt(2 * Q[0] / 3) + RISK_EPS),
            -0.01 / (math.sqrt((2 * 0.015**2 + (Q[0] + Q[1]) / 2) / 3) + RISK_EPS),
            0.03 / (_std([0.02, -0.01, 0.03]) + RISK_EPS), -0.02 / (_std([-0.01, 0.03, -0.02]) + RISK_EPS)]
    assert rs == pytest.approx(want, rel=1e-4)


def test_sortino_scales_by_the_window_downside_deviation_with_half_the_prior() -> None:
    """Downside = RMS of min(r, 0) over the window, a day not yet earned holding σ0² / 2: step 1 over
    (0.02 → 0, −0.01) and half of σ0(1)²; step 3 over (−0.01, 0.03, −0.02) alone."""
    _, rs = _risk_run("sortino")
    assert rs[1] == pytest.approx(-0.01 / (math.sqrt((0.01**2 + (Q[0] + Q[1]) / 4) / 3) + RISK_EPS), rel=1e-4)
    assert rs[3] == pytest.approx(-0.02 / (math.sqrt((0.01**2 + 0.02**2) / 3) + RISK_EPS), rel=1e-4)


def test_mean_variance_penalises_the_squared_deviation_from_the_window_mean() -> None:
    """λ = 10; step 4: window mean of (−0.01, 0.03, −0.02) is 0 → −0.02 − 10·0.02² = −0.024; step 2: mean
    0.005 → −0.01 − 10·0.015² = −0.01225."""
    _, rs = _risk_run("mean_variance")
    assert rs[3] == pytest.approx(-0.024, rel=1e-4) and rs[1] == pytest.approx(-0.01225, rel=1e-4)


def test_risk_window_restarts_with_each_episode() -> None:
    """After the time limit the window holds the prior again: the first step of an episode sees its own return
    and 2 days of σ0(t)², whatever the last episode earned (here 0.02 then −0.01)."""
    sim, _ = _risk_run("sharpe", length=2)
    assert sim.steps == 0  # truncated, and reset
    sim.t = torch.tensor([2])
    r, _, _ = sim.step(_scores(1, 0))  # buy stock 0 at the close of 3: earns day 4, 0.03
    prior = sum(Q[:3]) / 3  # σ0(2)²: dates 0..2
    assert float(r[0]) == pytest.approx(0.03 / (math.sqrt(2 * prior / 3) + RISK_EPS), rel=1e-4)


@pytest.mark.parametrize("mode", ["sharpe", "sortino"])
def test_an_episodes_first_steps_are_on_the_scale_of_the_later_ones(mode: str) -> None:
    """Random books on a random market: with an empty window the first step divided by RISK_EPS alone (1000 × the
    day's return, about 10 times the later steps' size); the prior puts steps 0-2 on the later steps' scale."""
    rng = np.random.default_rng(0)
    n_envs, length = 128, 30
    cfg = EnvConfig(top_k=5, forward_period=1, reward_mode=mode, episode_length=length, cost=CostModel(),
                    industry_cap=None, risk_window=10)
    sim = MarketSim(PanelTensors(_panel(rng.normal(0, 0.02, (120, 40))), cfg), cfg, n_envs=n_envs, seed=0)
    gen = torch.Generator().manual_seed(0)
    size = [float(sim.step(torch.randn(n_envs, 40, generator=gen))[0].abs().mean()) for _ in range(length)]
    later = float(np.median(size[15:]))
    assert all(0.5 < s / later < 2 for s in size[:3]), (size[:3], later)


def test_risk_prior_reads_no_date_after_t() -> None:
    """σ0(t)² is the mean over the window's dates d ≤ t of cs_var_d / K (+ market_d² when absolute): changing the
    returns after t leaves σ0 up to t alone; changing date t moves σ0(t). Relative drops the market term."""
    rng = np.random.default_rng(3)
    ret = rng.normal(0.001, 0.02, (30, 12))
    valid = rng.random((30, 12)) > 0.2
    t, k, w = 14, 3, 5
    base = risk_prior_var(ret, valid, k, w, relative=False)
    later = ret.copy()
    later[t + 1:] = rng.normal(0.05, 0.1, (30 - t - 1, 12))
    np.testing.assert_array_equal(risk_prior_var(later, valid, k, w, relative=False)[: t + 1], base[: t + 1])
    moved = ret.copy()
    moved[t] *= 3
    assert risk_prior_var(moved, valid, k, w, relative=False)[t] != base[t]
    d = slice(t - w + 1, t + 1)
    x = np.where(valid[d], ret[d], np.nan)
    market, cs_var = np.nanmean(x, 1), np.nanvar(x, 1)
    assert base[t] == pytest.approx(np.mean(cs_var / k + market**2), rel=1e-12)
    assert risk_prior_var(ret, valid, k, w, relative=True)[t] == pytest.approx(np.mean(cs_var / k), rel=1e-12)
