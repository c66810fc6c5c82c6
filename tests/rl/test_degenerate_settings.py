"""Settings the API accepted that train on nonsense without a word: a one-day risk window (no spread: sharpe is 1000 ×
the day's return), a gradient clip of 0 (every step is 0: the policy never moves), negative decision-date indices (they
wrap around the panel: a decision near its end earns a day from its start) and eval_every 0 (a ZeroDivisionError after
the first whole update). Each is now refused up front, naming the setting."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from aurumq_rl.algos.ppo import PPOConfig  # noqa: E402
from aurumq_rl.envs.market_sim import EnvConfig, MarketSim, PanelTensors  # noqa: E402
from aurumq_rl.errors import DataError  # noqa: E402
from aurumq_rl.market.costs import CostModel  # noqa: E402
from tests.rl.helpers import _panel, _scores, _sim  # noqa: E402


@pytest.mark.parametrize("mode", ["sharpe", "sortino", "mean_variance"])
def test_a_one_day_risk_window_is_refused(mode: str) -> None:
    """W = 1: the window holds today's return only, so its deviation from the window's mean is 0. sharpe then paid
    r / 1e-3 on every step after the first (0.01 → 10.0), sortino 1000 × every gain, mean_variance exactly the
    portfolio reward."""
    with pytest.raises(ValueError, match="risk_window=1: must be an integer ≥ 2"):
        EnvConfig(reward_mode=mode, risk_window=1)


def test_a_two_day_window_has_a_spread() -> None:
    """W = 2, always holding stock 0 (absolute, no costs): the second step's window holds the book's own returns
    0.03 and 0.01 (mean 0.02, std 0.01), so sharpe = 0.01 / (0.01 + 1e-3), not 0.01 / 1e-3 = 10."""
    ret = np.random.default_rng(0).normal(0.0, 0.02, (10, 2))
    ret[2:4, 0] = [0.03, 0.01]
    sim = _sim(_panel(ret), "sharpe", length=2, window=2)
    sim.step(_scores(1, 0))
    assert float(sim.step(_scores(1, 0))[0][0]) == pytest.approx(0.01 / 0.011, rel=1e-4)


def test_a_zero_gradient_clip_is_refused() -> None:
    """clip_grad_norm_(max_norm=0) scales every gradient to 0, so Adam's steps are 0 and the policy keeps its
    initial weights through the whole run (and is exported as trained)."""
    with pytest.raises(ValueError, match=r"PPOConfig: max_grad_norm=0\.0"):
        PPOConfig(max_grad_norm=0.0)
    assert PPOConfig(max_grad_norm=1e-4).max_grad_norm == 1e-4


def _env_panel() -> tuple:
    ret = np.zeros((20, 3))
    ret[:, 0] = np.arange(20) / 100  # stock 0 earns d % on day d
    cfg = EnvConfig(top_k=1, forward_period=1, reward_mode="portfolio", episode_length=3, cost=CostModel(0.0),
                    industry_cap=None, relative=False)
    return _panel(ret), cfg


@pytest.mark.parametrize("t_range", [(-5, -1), (-5, 12), (3, -1)])
def test_negative_decision_dates_are_refused(t_range: tuple[int, int]) -> None:
    """t_range = (−5, −1) was taken as is: starts in −5 … −3, and a decision at −2 read day t+2 = 0, the panel's
    first date (reward 0.00 for stock 0, which earns 0.18 on the day after date −2 = 18)."""
    panel, cfg = _env_panel()
    data = PanelTensors(panel, cfg)
    with pytest.raises(ValueError, match=r"t_range=\(-?\d+, -?\d+\): decision date indices count from the panel"):
        MarketSim(data, cfg, n_envs=1, t_range=t_range)
    from aurumq_rl.envs.gym_env import StockPickingEnv

    with pytest.raises(ValueError, match="negative indices are not taken from the end"):
        StockPickingEnv(panel, cfg, t_range=t_range, data=data)


def test_nonnegative_decision_dates_still_read_their_own_days() -> None:
    """A decision at t earns stock 0's return of day t + 2 (t/100 + 0.02) within t_range = (14, 16)."""
    panel, cfg = _env_panel()
    sim = MarketSim(PanelTensors(panel, cfg), cfg, n_envs=1, t_range=(14, 16))
    assert int(sim.t[0]) == 14
    for t in (14, 15, 16):
        assert float(sim.step(_scores(1, 0, 0))[0][0]) == pytest.approx((t + 2) / 100, abs=1e-6)


def test_trainer_refuses_eval_every_below_one(tmp_path) -> None:  # noqa: ANN001
    """`updates % eval_every` divided by zero only after the first whole rollout and update; the SB3 path's period
    of 0 did the same at its first rollout. Refused before any data is read."""
    from aurumq_rl.algos.trainer import TrainConfig, Trainer

    for bad in (0, -1):
        with pytest.raises(DataError, match=f"eval_every={bad}: must be an integer ≥ 1"):
            Trainer(TrainConfig(data=str(tmp_path / "absent.parquet"), out_dir=str(tmp_path / "run"), eval_every=bad))
