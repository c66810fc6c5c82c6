"""The Gymnasium wrapper's observation: the date's factors (stock-major), the universe mask and the holdings, and at
truncation the final observation rather than the next episode's start. Every expected value is derived by hand
from the rules in the module docstrings, on tiny panels."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("torch")

from aurumq_rl.envs.market_sim import EnvConfig  # noqa: E402
from aurumq_rl.market.costs import CostModel  # noqa: E402
from tests.rl.helpers import _panel  # noqa: E402


def test_gym_observation_is_the_dates_factors_mask_and_holdings_and_final_obs_at_truncation() -> None:
    """Factor f of stock i at date t is 100·t + 10·i + f; stock 2 is outside the universe on even dates.
    Holding-aware (portfolio) observation: factors [N·F] stock-major, mask [N], weights [N]."""
    from aurumq_rl.envs.gym_env import StockPickingEnv

    t_n, n, f = 12, 3, 2
    tt, ii, ff = np.meshgrid(np.arange(t_n), np.arange(n), np.arange(f), indexing="ij")
    uni = np.ones((t_n, n), bool)
    uni[::2, 2] = False
    panel = _panel(np.zeros((t_n, n)), in_universe=uni, factors=(100 * tt + 10 * ii + ff).astype(np.float32))
    cfg = EnvConfig(top_k=1, forward_period=1, reward_mode="portfolio", episode_length=2, cost=CostModel(0.0),
                    industry_cap=None)
    env = StockPickingEnv(panel, cfg)

    def want(t: int, w: list[float]) -> np.ndarray:
        facs = [100 * t + 10 * i + j for i in range(n) for j in range(f)]
        return np.array(facs + [1.0, 1.0, float(t % 2 == 1)] + w, np.float32)

    obs, info = env.reset(seed=3)
    t = info["t"]
    np.testing.assert_array_equal(obs, want(t, [0.0, 0.0, 0.0]))
    hold = np.array([1.0, -1.0, -1.0], np.float32)  # stock 0 (always valid, returns 0: its weight stays 1)
    obs, _, term, trunc, _ = env.step(hold)
    assert not term and not trunc
    np.testing.assert_array_equal(obs, want(t + 1, [1.0, 0.0, 0.0]))
    obs, _, term, trunc, _ = env.step(hold)
    assert trunc and not term
    np.testing.assert_array_equal(obs, want(t + 2, [1.0, 0.0, 0.0]))  # the final observation, not the next start
