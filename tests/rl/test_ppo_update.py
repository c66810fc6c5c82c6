"""PPO's update on a tiny panel: pick advantages normalised over real picks only (with and without pick credit), no
gradient from the clipped surrogate outside the trust region, the KL early stop, gradient clipping, minibatches of
whole dates using every sample once, the policy gradient raising the likelihood of positively advantaged picks,
the entropy bonus raising the entropy, and the value loss regressing the critic on the returns. Every expected
value is derived by hand from the rules in the module docstrings, on tiny panels."""

from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from aurumq_rl.envs.market_sim import EnvConfig, MarketSim, PanelTensors  # noqa: E402
from tests.rl.helpers import _panel  # noqa: E402


def _ppo(reward_mode: str = "forward_return", **kw: object):  # noqa: ANN202
    from aurumq_rl.algos.ppo import PPO, PPOConfig
    from aurumq_rl.policies.deep_sets import DeepSetsPolicy

    rng = np.random.default_rng(0)
    t_n, n, f = 30, 12, 3
    panel = _panel(rng.normal(0, 0.02, (t_n, n)), factors=rng.standard_normal((t_n, n, f)))
    cfg = EnvConfig(top_k=3, episode_length=4, forward_period=2, industry_cap=None, reward_mode=reward_mode)
    data = PanelTensors(panel, cfg)
    torch.manual_seed(0)
    pcfg = PPOConfig(**{"n_envs": 4, "n_steps": 4, "batch_size": 10**6, "n_epochs": 1, "anneal_lr": False, **kw})
    return PPO(DeepSetsPolicy(f, (16, 8), holding_aware=cfg.holding_aware), data,
               MarketSim(data, cfg, pcfg.n_envs, seed=0), pcfg)


def test_pick_advantages_normalised_over_real_picks_only() -> None:
    """Step advantages (1, 3), picks [[a, b], [c, −]]: the picks' values are 1, 1, 3 (mean 5/3, std 2√2/3)
    → −1/√2, −1/√2, √2. With pick credit (step advantages 0): contributions (0.03, 0.01) → credit
    2·(±0.01) = ±0.02, the lone pick 0 → normalised ±√(3/2), 0."""
    has = torch.tensor([[1.0, 1.0], [1.0, 0.0]])
    a = _ppo(pick_credit=False)._pick_advantages(torch.tensor([1.0, 3.0]), torch.zeros(2, 2), has)
    s = 1 / math.sqrt(2)
    assert [float(a[0, 0]), float(a[0, 1]), float(a[1, 0])] == pytest.approx([-s, -s, math.sqrt(2)], rel=1e-5)
    contrib = torch.tensor([[0.03, 0.01], [0.02, 0.0]])
    a = _ppo(pick_credit=True)._pick_advantages(torch.zeros(2), contrib, has)
    c = math.sqrt(1.5)
    assert [float(a[0, 0]), float(a[0, 1]), float(a[1, 0])] == pytest.approx([c, -c, 0.0], abs=1e-4)


def _fixed_buffer(ppo, logp_shift: float) -> dict:  # noqa: ANN001
    """A rollout with every advantage positive (reward 1, values 0) and the stored log-probs shifted by
    `logp_shift` from the current policy's (ratio exp(−shift) on every real pick)."""
    buf = ppo.collect()
    buf["reward"][:] = 1.0
    for key in ("value", "boot", "next_value"):
        buf[key][:] = 0.0
    buf["logp"] = buf["logp"] + logp_shift * (buf["picks"] >= 0)
    return buf


def test_clipped_objective_has_no_gradient_outside_the_trust_region() -> None:
    """Positive advantages and ratio e > 1 + 0.2 on every pick: the clipped surrogate is flat, so with no
    value or entropy term the policy does not move; with ratio e⁻¹ (< 1 − 0.2) or 1 it does."""
    kw = {"norm_adv": False, "pick_credit": False, "vf_coef": 0.0, "ent_coef": 0.0, "target_kl": None}
    moved = {}
    for shift in (-1.0, 1.0, 0.0):
        ppo = _ppo(**kw)
        buf = _fixed_buffer(ppo, shift)
        before = [p.detach().clone() for p in ppo.policy.parameters()]
        stats = ppo.update(buf)
        moved[shift] = any(not torch.equal(p, q) for p, q in zip(before, ppo.policy.parameters(), strict=True))
        if shift != 0.0:
            assert stats["clip_frac"] == pytest.approx(1.0)
    assert moved == {-1.0: False, 1.0: True, 0.0: True}


def test_kl_early_stop_ends_the_update_after_the_epoch_that_exceeds_target() -> None:
    """Stored log-probs 2 below the current ones: ratio e² on every pick, approx KL (r − 1) − log r =
    e² − 3 ≈ 4.39 > 0.05 → one epoch of 3; a target it cannot reach runs all 3."""
    ppo = _ppo(n_epochs=3, target_kl=0.05)
    stats = ppo.update(_fixed_buffer(ppo, -2.0))
    assert stats["epochs_run"] == 1 and stats["approx_kl"] == pytest.approx(math.exp(2) - 3, rel=1e-4)
    ppo = _ppo(n_epochs=3, target_kl=1e9)
    assert ppo.update(_fixed_buffer(ppo, -2.0))["epochs_run"] == 3


def test_gradients_are_clipped_to_max_grad_norm() -> None:
    """The step's gradients (left on the parameters) have global norm ≤ max_grad_norm."""
    ppo = _ppo(max_grad_norm=1e-4)
    ppo.update(_fixed_buffer(ppo, 0.0))  # reward 1 against values 0: a large value-loss gradient
    norm = torch.sqrt(sum((p.grad**2).sum() for p in ppo.policy.parameters() if p.grad is not None))
    assert 0 < float(norm) <= 1e-4 * (1 + 1e-4)


@pytest.mark.parametrize("batch_size", [5, 1000])
def test_minibatches_use_every_sample_once_in_whole_dates(batch_size: int) -> None:
    ppo = _ppo(batch_size=batch_size, chunk_rows=24)  # 12 stocks: 2 dates per chunk
    t = np.array([5, 3, 5, 7, 3, 9, 9, 9, 2, 5, 11, 4, 4])
    ids, dates = [], []
    for chunks in ppo._minibatches(t):
        mb_dates = set()
        for uniq, cid, local in chunks:
            assert len(uniq) <= 2
            np.testing.assert_array_equal(uniq[local].numpy(), t[cid.numpy()])
            ids += cid.tolist()
            mb_dates |= set(uniq.tolist())
        dates.append(mb_dates)
    assert sorted(ids) == list(range(len(t)))
    assert sum(len(d) for d in dates) == len(set(t.tolist()))  # each date in exactly one minibatch
    if batch_size >= len(t):
        assert len(dates) == 1


def _buffer_log_prob_and_entropy(ppo, buf: dict) -> tuple[float, float]:  # noqa: ANN001
    """Σ log-probability of the buffer's picks and Σ first-pick entropy, under the current policy."""
    from aurumq_rl.policies import plackett_luce as pl

    data, total_lp, total_ent = ppo.data, 0.0, 0.0
    with torch.no_grad():
        for s in range(buf["t"].shape[0]):
            t = buf["t"][s]
            logits, _ = ppo.policy(data.factors[t], data.valid[t])
            lp, ent = pl.pick_log_probs(logits, data.valid[t], buf["picks"][s])
            total_lp, total_ent = total_lp + float(lp.sum()), total_ent + float(ent.sum())
    return total_lp, total_ent


def test_policy_gradient_raises_the_probability_of_positively_advantaged_picks() -> None:
    """Every advantage positive (no normalisation): one PPO step makes the sampled picks more likely."""
    ppo = _ppo(norm_adv=False, pick_credit=False, vf_coef=0.0, ent_coef=0.0, target_kl=None)
    buf = _fixed_buffer(ppo, 0.0)
    before, _ = _buffer_log_prob_and_entropy(ppo, buf)
    ppo.update(buf)
    after, _ = _buffer_log_prob_and_entropy(ppo, buf)
    assert after > before


def test_entropy_bonus_raises_the_entropy() -> None:
    """With the surrogate flat (ratio e outside the clip, positive advantages) and no value term, the only
    gradient is the entropy bonus: the first-pick entropy of the visited dates goes up."""
    ppo = _ppo(norm_adv=False, pick_credit=False, vf_coef=0.0, ent_coef=1.0, target_kl=None)
    buf = _fixed_buffer(ppo, -1.0)
    _, before = _buffer_log_prob_and_entropy(ppo, buf)
    ppo.update(buf)
    _, after = _buffer_log_prob_and_entropy(ppo, buf)
    assert after > before


def test_value_loss_regresses_the_critic_on_the_returns() -> None:
    """One step per env, no truncation, next value 0, reward 1: advantage = 1 − V(s), return = 1. The
    reported value loss of the single minibatch (before its step) is 0.5 · mean((V(s) − 1)²)."""
    ppo = _ppo(n_steps=1)
    buf = ppo.collect()
    assert not bool(buf["truncated"].any())
    buf["reward"][:] = 1.0
    buf["next_value"][:] = 0.0
    v = buf["value"].clone()
    stats = ppo.update(buf)
    assert stats["value_loss"] == pytest.approx(float(0.5 * ((v - 1.0) ** 2).mean()), rel=1e-4)


def test_holding_aware_chunks_bound_the_stock_rows_by_samples() -> None:
    """With the holdings in the observation each sample has its own row of N scores, so `chunk_rows` must bound
    samples × N, not dates × N: 13 samples on 6 dates, 24 rows (2 samples of 12 stocks) per chunk. By dates, the
    chunk of dates 5 and 9 held 6 samples (72 rows, 3× the bound)."""
    ppo = _ppo("portfolio", chunk_rows=24)
    t = np.array([5, 3, 5, 7, 3, 9, 9, 9, 2, 5, 11, 4, 4])
    ids = []
    for chunks in ppo._minibatches(t):
        for uniq, cid, local in chunks:
            assert len(cid) <= 2
            np.testing.assert_array_equal(uniq[local].numpy(), t[cid.numpy()])
            ids += cid.tolist()
    assert sorted(ids) == list(range(len(t)))


def test_a_holding_aware_update_is_reproducible_on_several_cpu_threads() -> None:
    """With the holdings in the observation, each sample reads its date's encoding (`_evaluate`); the gradient
    that flows back to a date shared by several samples must be summed in a fixed order, or the same seed trains
    other weights from run to run on a multi-threaded CPU (torch's default; docs/RL.md: "On CPU, the same seed
    gives identical metrics"). The same rollout, evaluated five times on 4 threads, gives the same gradients."""
    from aurumq_rl.algos.ppo import PPO, PPOConfig
    from aurumq_rl.policies.deep_sets import DeepSetsPolicy

    threads = torch.get_num_threads()
    torch.set_num_threads(4)
    try:
        rng = np.random.default_rng(1)
        t_n, n, f = 24, 80, 4
        panel = _panel(rng.normal(0, 0.02, (t_n, n)), factors=rng.standard_normal((t_n, n, f)))
        cfg = EnvConfig(top_k=5, episode_length=4, forward_period=2, industry_cap=None, reward_mode="portfolio")
        data = PanelTensors(panel, cfg)
        torch.manual_seed(0)
        pcfg = PPOConfig(n_envs=64, n_steps=4, batch_size=10**6, n_epochs=1, anneal_lr=False)
        ppo = PPO(DeepSetsPolicy(f, (64, 32), holding_aware=True), data, MarketSim(data, cfg, 64, seed=0), pcfg)
        buf = ppo.collect()
        flat = {k: v.reshape(-1, *v.shape[2:]) for k, v in buf.items() if k != "next_value"}
        uniq, local = torch.unique(flat["t"], return_inverse=True)
        assert len(uniq) < len(flat["t"]) // 4  # many samples per date: their gradients meet on one encoding
        weight = torch.as_tensor(rng.standard_normal(flat["picks"].shape), dtype=torch.float32)
        grads = []
        for _ in range(5):
            ppo.policy.zero_grad(set_to_none=True)
            logp, _, value = ppo._evaluate(flat, uniq, torch.arange(len(flat["t"])), local)
            ((logp * weight).sum() + value.sum()).backward()
            grads.append([p.grad.clone() for p in ppo.policy.parameters()])
    finally:
        torch.set_num_threads(threads)
    for g in grads[1:]:
        assert all(torch.equal(a, b) for a, b in zip(grads[0], g, strict=True))
