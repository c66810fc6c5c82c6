"""The Gymnasium wrapper: registered, passes the env checker, and agrees with the simulator it wraps."""

from __future__ import annotations

import numpy as np
import pytest

gym = pytest.importorskip("gymnasium")
torch = pytest.importorskip("torch")

import aurumq_rl.envs  # noqa: E402,F401  (registers the env id)
from aurumq_rl.data.loader import load_panel  # noqa: E402
from aurumq_rl.data.synth import SynthConfig, generate  # noqa: E402
from aurumq_rl.envs.market_sim import EnvConfig, MarketSim, PanelTensors  # noqa: E402


@pytest.fixture(scope="module")
def panel():
    df, _ = generate(SynthConfig(n_stocks=60, n_days=120, seed=4))
    return load_panel(df.lazy(), universe="all", factors="alpha_*")


def test_make_and_env_checker(panel) -> None:
    from gymnasium.utils.env_checker import check_env

    env = gym.make("aurumq/StockPicking-v0", panel=panel, config=EnvConfig(top_k=5, episode_length=10))
    check_env(env.unwrapped, skip_render_check=True)
    obs, _ = env.reset(seed=3)
    assert obs.shape == env.observation_space.shape and obs.dtype == np.float32


def test_wrapper_equals_simulator_over_several_episodes(panel) -> None:
    """The standard loop (reset after each truncation, as SB3's DummyVecEnv does) sees the same start dates and
    rewards as the simulator, which draws the next episode's start itself when one ends."""
    cfg = EnvConfig(top_k=5, episode_length=6, reward_mode="portfolio")
    env = gym.make("aurumq/StockPicking-v0", panel=panel, config=cfg).unwrapped
    _, info = env.reset(seed=7)
    sim = MarketSim(PanelTensors(panel, cfg), cfg, n_envs=1, seed=7)
    rng = np.random.default_rng(0)
    starts = []
    for _episode in range(4):
        assert info["t"] == int(sim.t[0])
        starts.append(info["t"])
        for step in range(6):
            a = rng.uniform(-1, 1, len(panel.codes)).astype(np.float32)
            _, r, term, trunc, _ = env.step(a)
            r2, trunc2, _ = sim.step(torch.as_tensor(a)[None])
            assert r == pytest.approx(float(r2[0]), abs=1e-7) and not term and trunc == trunc2 == (step == 5)
        _, info = env.reset()
    assert len(set(starts)) > 1


def test_step_info_names_the_observation_date_and_the_decision_date(panel) -> None:
    """Each step's info says which date the returned observation is of ("t", as reset's info) and which date
    the action was taken on ("decision_t"); at a truncation "t" is the final observation's date."""
    cfg = EnvConfig(top_k=5, episode_length=4)
    env = gym.make("aurumq/StockPicking-v0", panel=panel, config=cfg).unwrapped
    obs, info = env.reset(seed=11)
    t = info["t"]
    for _ in range(4):
        obs, _, _, trunc, info = env.step(np.zeros(len(panel.codes), np.float32))
        assert info["decision_t"] == t and info["t"] == t + 1
        expected = env._obs(torch.tensor([t + 1]), env.sim.w if not trunc else torch.zeros(1, len(panel.codes)))
        assert np.array_equal(obs[: panel.factors.shape[-1] * len(panel.codes)],
                              expected[: panel.factors.shape[-1] * len(panel.codes)])
        t = info["t"]
    assert trunc
