"""Gaps found by mutation testing of the RL core: episode starts and the label window, costs by fill date,
the relative benchmark, reward modes (main_wave, risk windows), per-pick contributions, the Gymnasium
observation, and PPO's advantage normalisation, clipping, KL early stop, gradient clipping and minibatches.

Every expected value below is derived by hand from the rules in the module docstrings, on tiny panels.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from aurumq_rl.data.panel import Panel  # noqa: E402
from aurumq_rl.envs.market_sim import RISK_EPS, EnvConfig, MarketSim, PanelTensors  # noqa: E402
from aurumq_rl.market.costs import CostModel  # noqa: E402


def _panel(ret: np.ndarray, *, start: str = "2024-01-02", can_buy: np.ndarray | None = None,
           in_universe: np.ndarray | None = None, factors: np.ndarray | None = None) -> Panel:
    ret = np.asarray(ret, dtype=np.float64)
    t, n = ret.shape
    ones, zeros = np.ones((t, n), bool), np.zeros((t, n), bool)
    f = np.zeros((t, n, 1), np.float32) if factors is None else factors.astype(np.float32)
    return Panel(
        dates=np.datetime64(start, "D") + np.arange(t), codes=np.array([f"{600000 + i:06d}.SH" for i in range(n)]),
        factor_names=[f"alpha_{i:03d}" for i in range(f.shape[2])], factors=f,
        factor_missing_bits=np.zeros((t, n, (f.shape[2] + 7) // 8), np.uint8), pct_chg=ret, present=ones,
        tradeable=ones, can_buy=ones if can_buy is None else can_buy, can_sell=ones,
        in_universe=ones if in_universe is None else in_universe, is_limit_up=zeros, is_limit_down=zeros,
        board=np.array(["main"] * n))


def _sim(panel: Panel, mode: str, *, k: int = 1, fp: int = 1, cost: float = 0.0, length: int = 3,
         relative: bool = False, window: int = 20, t0: int = 0) -> MarketSim:
    cfg = EnvConfig(top_k=k, forward_period=fp, reward_mode=mode, episode_length=length,
                    cost=CostModel(round_trip_bps=cost), relative=relative, industry_cap=None, risk_window=window)
    sim = MarketSim(PanelTensors(panel, cfg), cfg, n_envs=1)
    sim.t = torch.tensor([t0])
    return sim


def _scores(*s: float) -> torch.Tensor:
    return torch.tensor([s], dtype=torch.float32)


# ------------------------------------------------------------------ episode starts and the label window
def test_label_window_fits_and_episode_starts_cover_exactly_the_allowed_range() -> None:
    """12 dates, fp = 2: the label of decision t enters at the close of t+1 and exits at the close of t+3,
    so t + 3 ≤ 11 → the last decision is 8 (main_wave holds up to 5 days: 11 − 1 − 5 = 5). A requested
    range past it is clamped; an episode of 3 decisions from s uses s..s+2 ≤ 8, so from t_lo = 2 the starts
    are exactly 2..6, each drawn."""
    panel = _panel(np.zeros((12, 3)))
    cfg = EnvConfig(top_k=1, forward_period=2, episode_length=3, cost=CostModel(0.0), industry_cap=None)
    data = PanelTensors(panel, cfg)
    assert data.last_decision == 8
    assert PanelTensors(panel, EnvConfig(forward_period=2, reward_mode="main_wave")).last_decision == 5
    sim = MarketSim(data, cfg, n_envs=2000, seed=1, t_range=(2, 50))
    assert (sim.t_lo, sim.t_hi) == (2, 8)
    seen = set(sim.t.tolist())
    for _ in range(3):  # every step of the episode stays inside 2..8
        assert int(sim.t.min()) >= 2 and int(sim.t.max()) <= 8
        sim.step(torch.zeros(2000, 3))
    seen |= set(sim.t.tolist())  # the truncation drew fresh starts
    assert seen == {2, 3, 4, 5, 6}


# ------------------------------------------------------------------ costs
def test_stamp_duty_is_the_fill_dates_across_the_2023_08_28_cut() -> None:
    """Dates 2023-08-26, -27, -28 …: switching at the decision of 08-27 fills (and sells) on 08-28, after the
    cut. 30 bps round trip: commission 2.5 + slippage (30 − 2·2.5 − 10)/2 = 7.5 bps per side; stamp duty
    5 bps on sells from 2023-08-28 (10 before). Buy 10 bps; sell 15 bps on the fill date (20 the day before)."""
    sim = _sim(_panel(np.zeros((8, 2)), start="2023-08-26"), "portfolio", cost=30.0, length=4)
    r1, _, i1 = sim.step(_scores(1, 0))  # buy stock 0 on 08-27
    assert float(i1["cost"][0]) == pytest.approx(10e-4) and float(r1[0]) == pytest.approx(-10e-4)
    r2, _, i2 = sim.step(_scores(0, 1))  # sell 0, buy 1 on 08-28
    assert float(i2["cost"][0]) == pytest.approx(10e-4 + 15e-4)
    assert float(r2[0]) == pytest.approx(-25e-4)


def test_forward_return_reward_is_net_of_costs() -> None:
    """forward_return, fp = 1, K = 1, absolute: the label of decision 0 is day 2's return (entry at the close
    of day 1); the fill buys the whole book at 10 bps: reward = 0.02 − 0.001."""
    ret = np.zeros((6, 2))
    ret[2] = [0.02, -0.01]
    sim = _sim(_panel(ret), "forward_return", cost=30.0)
    r, _, info = sim.step(_scores(1, 0))
    assert float(info["cost"][0]) == pytest.approx(0.001)
    assert float(r[0]) == pytest.approx(0.02 - 0.001)


# ------------------------------------------------------------------ the relative benchmark
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


# ------------------------------------------------------------------ reward modes
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


# ------------------------------------------------------------------ the Gymnasium wrapper
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


# ------------------------------------------------------------------ PPO
def _ppo(**kw: object):  # noqa: ANN202
    from aurumq_rl.algos.ppo import PPO, PPOConfig
    from aurumq_rl.policies.deep_sets import DeepSetsPolicy

    rng = np.random.default_rng(0)
    t_n, n, f = 30, 12, 3
    panel = _panel(rng.normal(0, 0.02, (t_n, n)), factors=rng.standard_normal((t_n, n, f)))
    cfg = EnvConfig(top_k=3, episode_length=4, forward_period=2, industry_cap=None)
    data = PanelTensors(panel, cfg)
    torch.manual_seed(0)
    pcfg = PPOConfig(**{"n_envs": 4, "n_steps": 4, "batch_size": 10**6, "n_epochs": 1, "anneal_lr": False, **kw})
    return PPO(DeepSetsPolicy(f, (16, 8)), data, MarketSim(data, cfg, pcfg.n_envs, seed=0), pcfg)


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
