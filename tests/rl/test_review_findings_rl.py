"""Per-pick credit on the reward's scale in every mode, the holding-aware value blind to NaN padding, and
EnvConfig refusing settings that would train on nonsense."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from aurumq_rl.envs.market_sim import EnvConfig  # noqa: E402
from aurumq_rl.policies.deep_sets import DeepSetsPolicy  # noqa: E402
from tests.rl.helpers import _panel, _scores, _sim  # noqa: E402


@pytest.mark.parametrize("mode", ["portfolio", "sharpe", "sortino"])
def test_pick_contributions_are_on_the_scale_of_the_reward(mode: str) -> None:
    """PPO's pick credit adds K x (contrib_i - mean contrib) to the step advantage, so the contributions must be
    each position's share of the *reward* (as for forward_return and portfolio: with no costs and absolute
    rewards they sum to it). For sharpe / sortino the reward is divided by the window's (downside) std, but
    contrib stays in raw-return units: the credit comes out ~1/std (here ~150x) too
    small next to the step advantage (1/(std + 1e-3)), i.e. pick credit is silently switched off in those modes."""
    ret = np.random.default_rng(0).normal(0.0, 0.02, (8, 3))  # a non-zero prior variance from day 0
    ret[2] = [-0.03, 0.01, 0.0]  # day t+2 of the decision at t = 0: the book loses
    sim = _sim(_panel(ret), mode, k=2, window=5)
    r, _, info = sim.step(_scores(2, 1, 0))
    assert float(r[0]) != 0.0
    assert float(info["contrib"][0].sum()) == pytest.approx(float(r[0]), rel=1e-4)


def test_holding_aware_value_ignores_nan_padding() -> None:
    """`encode` uses `where`, not a product, because 'a padded row may hold NaN (0 * NaN is NaN)'. The
    holding-aware critic then multiplies every row's embedding by its weight, padded rows included, so a
    NaN-padded batch (mask False, no holdings) gets a NaN value; the scores of the real stocks are unaffected."""
    torch.manual_seed(0)
    pol = DeepSetsPolicy(5, (16, 8), holding_aware=True).eval()
    x = torch.randn(1, 7, 5)
    mask = torch.ones(1, 7, dtype=torch.bool)
    s, v = pol(x, mask)
    xp = torch.cat([x, torch.full((1, 2, 5), float("nan"))], 1)
    mp = torch.cat([mask, torch.zeros(1, 2, dtype=torch.bool)], 1)
    s2, v2 = pol(xp, mp)
    torch.testing.assert_close(s2[:, :7], s)  # scores: fine
    torch.testing.assert_close(v2, v)  # value: NaN


@pytest.mark.parametrize(("kw", "message"), [
    ({"risk_window": 0}, "risk_window=0: must be an integer ≥ 2"),
    ({"sizing": "strategy-d"}, "sizing='strategy-d': choose one of equal, strategy_d"),
    ({"risk_aversion": float("nan")}, "risk_aversion=nan: must be a finite number ≥ 0"),
    ({"industry_cap": 30.0}, r"industry_cap=30.0: must lie in \(0, 1\]"),
])
def test_env_config_refuses_settings_that_train_on_nonsense(kw: dict, message: str) -> None:
    """risk_window=0 silently makes the sharpe std 0 (reward = 1000 x the day's return, the very scale the
    prior was added to avoid); a misspelt sizing only fails at the first env step deep inside training; a NaN
    risk aversion trains on NaN rewards. EnvConfig checks top_k / forward_period / episode_length only."""
    with pytest.raises(ValueError, match=message):
        EnvConfig(**kw)
