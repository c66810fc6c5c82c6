"""A top K above the panel's stock count: the env picks every valid stock (fewer than K picks), and the
Plackett–Luce sampler must do the same — [B, K] picks padded with -1 — instead of failing in `topk`."""

from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from aurumq_rl.policies import plackett_luce as pl  # noqa: E402
from tests.rl.helpers import _panel  # noqa: E402


def test_sample_pads_with_minus_one_when_k_exceeds_the_stock_count() -> None:
    logits = torch.tensor([[0.3, -1.0, 2.0]])
    valid = torch.tensor([[True, False, True]])
    picks = pl.sample(logits, valid, 5, generator=torch.Generator().manual_seed(0))
    assert picks.shape == (1, 5)
    assert sorted(int(i) for i in picks[0, :2]) == [0, 2] and picks[0, 2:].tolist() == [-1, -1, -1]
    lp, _ = pl.pick_log_probs(logits, valid, picks)
    # two valid stocks, both picked: the ordered pair's probability is softmax of the first, then 1
    first = int(picks[0, 0])
    p_first = math.exp(float(logits[0, first])) / (math.exp(0.3) + math.exp(2.0))
    assert float(lp.sum()) == pytest.approx(math.log(p_first), rel=1e-5)


def test_ppo_runs_with_top_k_above_the_stock_count() -> None:
    from aurumq_rl.algos.ppo import PPO, PPOConfig
    from aurumq_rl.envs.market_sim import EnvConfig, MarketSim, PanelTensors
    from aurumq_rl.policies.deep_sets import DeepSetsPolicy

    rng = np.random.default_rng(0)
    panel = _panel(rng.normal(0, 0.02, (20, 4)), factors=rng.standard_normal((20, 4, 2)))
    cfg = EnvConfig(top_k=6, episode_length=3, forward_period=1, industry_cap=None)
    data = PanelTensors(panel, cfg)
    ppo = PPO(DeepSetsPolicy(2, (8, 4)), data, MarketSim(data, cfg, 2),
              PPOConfig(n_envs=2, n_steps=3, batch_size=4, n_epochs=1))
    buf = ppo.collect()
    assert buf["picks"].shape == (3, 2, 6)
    assert ((buf["picks"] >= 0).sum(-1) == 4).all()  # every stock picked, the rest -1
    assert math.isfinite(ppo.update(buf)["policy_loss"])
