"""PPO building blocks: GAE against a plain loop; the Deep Sets policy's symmetry and padding invariance."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from aurumq_rl.algos.ppo import PPOConfig, compute_gae  # noqa: E402
from aurumq_rl.policies.deep_sets import DeepSetsPolicy, ScoreModule  # noqa: E402


def _gae_loop(r, v, trunc, boot, nv, gamma, lam):
    s_n, e_n = r.shape
    adv = torch.zeros_like(r)
    for e in range(e_n):
        last = 0.0
        for s in reversed(range(s_n)):
            nxt = float(nv[e]) if s == s_n - 1 else float(v[s + 1, e])
            if trunc[s, e]:
                nxt, last = float(boot[s, e]), 0.0
            delta = float(r[s, e]) + gamma * nxt - float(v[s, e])
            last = delta + gamma * lam * last
            adv[s, e] = last
    return adv


def test_gae_matches_plain_loop_with_truncations() -> None:
    g = torch.Generator().manual_seed(0)
    r, v = torch.randn(9, 4, generator=g), torch.randn(9, 4, generator=g)
    trunc = torch.rand(9, 4, generator=g) < 0.2
    boot, nv = torch.randn(9, 4, generator=g), torch.randn(4, generator=g)
    adv, ret = compute_gae(r, v, trunc, boot, nv, 0.9, 0.8)
    torch.testing.assert_close(adv, _gae_loop(r, v, trunc, boot, nv, 0.9, 0.8))
    torch.testing.assert_close(ret, adv + v)


@pytest.mark.parametrize("holding", [False, True])
def test_scores_equivariant_value_invariant_and_padding_masked(holding: bool) -> None:
    torch.manual_seed(0)
    pol = DeepSetsPolicy(5, (16, 8), holding_aware=holding).eval()
    x = torch.randn(2, 7, 5)
    mask = torch.ones(2, 7, dtype=torch.bool)
    w = torch.rand(2, 7) if holding else None
    s, v = pol(x, mask, w)
    perm = torch.randperm(7)
    s2, v2 = pol(x[:, perm], mask[:, perm], w[:, perm] if holding else None)
    torch.testing.assert_close(s2, s[:, perm])
    torch.testing.assert_close(v2, v)
    # pad with 3 junk stocks that are masked out: real stocks' scores and the value do not move
    xp = torch.cat([x, 100 * torch.randn(2, 3, 5)], 1)
    mp = torch.cat([mask, torch.zeros(2, 3, dtype=torch.bool)], 1)
    wp = torch.cat([w, torch.rand(2, 3) * 0], 1) if holding else None
    s3, v3 = pol(xp, mp, wp)
    torch.testing.assert_close(s3[:, :7], s)
    torch.testing.assert_close(v3, v)


def test_encode_runs_the_encoder_on_masked_in_stocks_only_with_the_dense_values() -> None:
    """On CPU `encode` gathers the masked-in stocks before the encoder (padding and stocks outside the
    universe cost nothing): the encoder sees exactly those rows, a NaN in a masked-out row reaches nothing, and
    embeddings and context equal the dense definition (encode all, zero the masked-out, masked mean and max)."""
    torch.manual_seed(2)
    pol = DeepSetsPolicy(5, (16, 8)).eval()
    x = torch.randn(3, 9, 5)
    mask = torch.rand(3, 9) < 0.6
    mask[2] = False  # a date with no valid stock: context 0
    seen: list[int] = []
    pol.encoder.register_forward_hook(lambda _m, inp, _out: seen.append(inp[0].reshape(-1, 5).shape[0]))
    x_nan = x.clone()
    x_nan[~mask] = float("nan")
    emb, ctx = pol.encode(x_nan, mask)
    assert seen == [int(mask.sum())]
    dense = torch.where(mask.unsqueeze(-1), pol.encoder(x), 0.0)
    mean = dense.sum(1) / mask.sum(1, keepdim=True).clamp(min=1)
    torch.testing.assert_close(emb, dense, rtol=0, atol=0)
    torch.testing.assert_close(ctx, torch.cat([mean, dense.amax(1)], -1))
    assert (ctx[2] == 0).all()
    all_in = torch.ones(3, 9, dtype=torch.bool)  # nothing to gather: the encoder sees the batch as it is
    torch.testing.assert_close(pol.encode(x, all_in)[0], pol.encoder(x), rtol=0, atol=0)


def test_the_dense_encode_of_accelerators_keeps_a_nan_in_a_masked_row_out_of_the_gradients() -> None:
    """On an accelerator (and in the exported graph) every row goes through the encoder and the masked-out
    ones are zeroed after. A NaN in a masked-out row was zeroed in the embeddings but reached the weights'
    gradients (0 · NaN in the sum over rows), so one such row made every parameter NaN after the step. The
    dense path now gives the packed path's embeddings and gradients."""
    torch.manual_seed(4)
    pol = DeepSetsPolicy(5, (16, 8))
    x = torch.randn(3, 9, 5)
    mask = torch.rand(3, 9) < 0.6
    x[~mask] = float("nan")
    grads = []
    for embed in (pol._embed_packed, pol._embed_dense):
        pol.zero_grad()
        emb = embed(x, mask)
        emb.pow(2).sum().backward()
        grads.append([p.grad.clone() for p in pol.encoder.parameters()])
        assert torch.isfinite(emb).all()
    for g_packed, g_dense in zip(*grads, strict=True):
        assert torch.isfinite(g_dense).all()
        torch.testing.assert_close(g_dense, g_packed, rtol=1e-5, atol=1e-6)


def test_score_module_any_n_masked_padding_and_deterministic() -> None:
    torch.manual_seed(1)
    m = ScoreModule(DeepSetsPolicy(4)).eval()
    for n in (1, 3, 50):
        x = torch.randn(1, n, 4)
        ones = torch.ones(1, n, dtype=torch.bool)
        assert m(x, ones).shape == (1, n)
        torch.testing.assert_close(m(x, ones), m(x, ones), rtol=0, atol=0)
    # a padded batch of two dates scores each date as if it were alone
    xb = torch.randn(2, 6, 4)
    mb = torch.tensor([[True] * 6, [True] * 4 + [False] * 2])
    out = m(xb, mb)
    torch.testing.assert_close(out[1, :4], m(xb[1:, :4], mb[1:, :4])[0])
    torch.testing.assert_close(out[0], m(xb[:1], mb[:1])[0])


def test_rollout_date_cache_equals_direct_forward() -> None:
    """The rollout encodes each visited date once (forward_return: the observation is the date alone); the
    stored values, bootstraps, next value and log-probabilities must equal a direct forward of each step's
    dates, across episode ends inside the rollout (episode_length 5, 12 steps)."""

    from aurumq_rl.algos.ppo import PPO, PPOConfig
    from aurumq_rl.envs.market_sim import EnvConfig, MarketSim, PanelTensors
    from aurumq_rl.policies import plackett_luce as pl

    torch.manual_seed(0)
    panel, f = _tiny_panel(), 4
    cfg = EnvConfig(top_k=3, episode_length=5, forward_period=2)
    data = PanelTensors(panel, cfg)
    ppo = PPO(DeepSetsPolicy(f), data, MarketSim(data, cfg, 4), PPOConfig(n_envs=4, n_steps=12))
    buf = ppo.collect()
    assert buf["truncated"].any(dim=1).sum() == 2  # two episode ends inside the rollout
    with torch.no_grad():
        for s in range(12):
            tt = buf["t"][s]
            logits, value = ppo.policy(data.factors[tt], data.valid[tt])
            torch.testing.assert_close(buf["value"][s], value, rtol=1e-5, atol=1e-6)
            kw = {"industry": data.industry[tt], "cap_frac": cfg.industry_cap, "n_industries": data.n_industries}
            logp, _ = pl.pick_log_probs(logits, data.valid[tt], buf["picks"][s], **kw)
            torch.testing.assert_close(buf["logp"][s], logp, rtol=1e-5, atol=1e-6)
            if buf["truncated"][s].all():
                final_t = tt + 1
                torch.testing.assert_close(buf["boot"][s], ppo.policy(data.factors[final_t], data.valid[final_t])[1],
                                           rtol=1e-5, atol=1e-6)
        nt = ppo.sim.t
        torch.testing.assert_close(buf["next_value"], ppo.policy(data.factors[nt], data.valid[nt])[1],
                                   rtol=1e-5, atol=1e-6)


def _tiny_panel(t: int = 40, n: int = 30, f: int = 4):  # noqa: ANN202
    import numpy as np

    from aurumq_rl.data.panel import Panel

    rng = np.random.default_rng(0)
    ones = np.ones((t, n), bool)
    return Panel(dates=np.arange(np.datetime64("2021-01-04"), np.datetime64("2021-01-04") + t),
                 codes=np.array([f"{600000 + i:06d}.SH" for i in range(n)]),
                 factor_names=[f"alpha_{i:03d}" for i in range(f)],
                 factors=rng.standard_normal((t, n, f)).astype(np.float32),
                 factor_missing_bits=np.zeros((t, n, (f + 7) // 8), np.uint8), pct_chg=rng.normal(0, 0.02, (t, n)),
                 present=ones, tradeable=ones, can_buy=ones, can_sell=ones, in_universe=rng.random((t, n)) < 0.8,
                 is_limit_up=~ones, is_limit_down=~ones, board=np.array(["main"] * n))


@pytest.mark.parametrize("reward_mode", ["forward_return", "portfolio"])
def test_update_in_date_chunks_takes_the_same_step(reward_mode: str) -> None:
    """A minibatch cut into chunks of one date each, gradients accumulated, takes the same optimiser step as
    one pass over all its dates: same parameters and same reported losses after an update."""
    from aurumq_rl.algos.ppo import PPO, PPOConfig
    from aurumq_rl.envs.market_sim import EnvConfig, MarketSim, PanelTensors

    panel = _tiny_panel()
    cfg = EnvConfig(top_k=3, episode_length=5, forward_period=2, reward_mode=reward_mode)
    data = PanelTensors(panel, cfg)
    runs = []
    for chunk_rows in (10**9, data.n_stocks):  # every date of a minibatch at once; one date per chunk
        torch.manual_seed(0)
        ppo = PPO(DeepSetsPolicy(4, holding_aware=cfg.holding_aware), data, MarketSim(data, cfg, 4),
                  PPOConfig(n_envs=4, n_steps=12, batch_size=16, n_epochs=2, target_kl=None, chunk_rows=chunk_rows))
        buf = ppo.collect()
        chunks = ppo._minibatches(buf["t"].reshape(-1).numpy())[0]
        before = [p.detach().clone() for p in ppo.policy.parameters()]
        stats = ppo.update(buf)
        after = [p.detach().clone() for p in ppo.policy.parameters()]
        assert any(not torch.equal(p, q) for p, q in zip(before, after, strict=True))  # the step moved them
        runs.append((len(chunks), stats, after))
    (one, stats_a, params_a), (many, stats_b, params_b) = runs
    assert one == 1 and many > 3
    for pa, pb in zip(params_a, params_b, strict=True):
        torch.testing.assert_close(pa, pb, rtol=1e-4, atol=1e-5)  # Adam amplifies noise on ~0 gradients
    assert stats_a == pytest.approx(stats_b, rel=1e-4, abs=1e-7)


def test_critic_has_its_own_learning_rate_and_both_anneal_linearly() -> None:
    """The optimiser holds two groups, the critic's parameters at `value_learning_rate` and every other
    parameter at `learning_rate`; the first Adam step moves each group by about its own rate (|m / √v| = 1 on
    step one). With `anneal_lr`, update u (0-based) of N uses rate × (1 - u / N) in both groups: for N = 4,
    1, 3/4, 1/2, 1/4 of each rate."""
    from aurumq_rl.algos.ppo import PPO, PPOConfig
    from aurumq_rl.envs.market_sim import EnvConfig, MarketSim, PanelTensors

    lr, vlr = 3e-3, 7e-4
    cfg = EnvConfig(top_k=3, episode_length=5, forward_period=2)
    data = PanelTensors(_tiny_panel(), cfg)
    torch.manual_seed(0)
    # 4 envs x 6 steps = 24 env-steps per update, 96 in all: N = 4 updates; one minibatch, one epoch
    ppo = PPO(DeepSetsPolicy(4), data, MarketSim(data, cfg, 4),
              PPOConfig(n_envs=4, n_steps=6, total_timesteps=96, batch_size=10**6, n_epochs=1, target_kl=None,
                        learning_rate=lr, value_learning_rate=vlr))
    assert ppo.n_updates == 4
    groups = ppo.opt.param_groups
    critic = {id(p) for p in ppo.policy.critic.parameters()}
    assert {id(p) for p in groups[1]["params"]} == critic
    assert {id(p) for p in groups[0]["params"]} == {id(p) for p in ppo.policy.parameters()} - critic
    assert (groups[0]["lr"], groups[1]["lr"]) == (lr, vlr)

    def moved(group: dict, before: list[torch.Tensor]) -> float:
        return max(float((p.detach() - b).abs().max()) for p, b in zip(group["params"], before, strict=True))

    for u in range(4):
        before = [[p.detach().clone() for p in g["params"]] for g in groups]
        stats = ppo.update(ppo.collect())
        frac = 1 - u / 4
        assert groups[0]["lr"] == pytest.approx(frac * lr, rel=1e-12)
        assert groups[1]["lr"] == pytest.approx(frac * vlr, rel=1e-12)
        assert (stats["learning_rate"], stats["value_learning_rate"]) == (groups[0]["lr"], groups[1]["lr"])
        if u == 0:  # Adam's first step: each parameter moves by (almost exactly) its group's rate
            assert moved(groups[0], before[0]) == pytest.approx(lr, rel=1e-2)
            assert moved(groups[1], before[1]) == pytest.approx(vlr, rel=1e-2)


@pytest.mark.parametrize("field, value", [
    ("total_timesteps", 0), ("n_envs", 0), ("n_steps", 0), ("batch_size", 0), ("chunk_rows", 0), ("n_epochs", 0),
    ("learning_rate", float("nan")), ("value_learning_rate", 0.0), ("value_learning_rate", -1e-3), ("gamma", 1.5),
    ("gae_lambda", -0.1), ("clip_coef", -0.2), ("max_grad_norm", float("inf")), ("target_kl", 0.0),
    ("target_kl", float("nan")),
])
def test_ppo_config_refuses_nonsense(field: str, value: float) -> None:
    with pytest.raises(ValueError, match=f"PPOConfig: {field}="):
        PPOConfig(**{field: value})


def test_ppo_config_accepts_its_edges() -> None:
    cfg = PPOConfig(gamma=0.0, gae_lambda=1.0, ent_coef=0.0, target_kl=None, n_envs=1, batch_size=1)
    assert (cfg.gamma, cfg.gae_lambda, cfg.target_kl) == (0.0, 1.0, None)
