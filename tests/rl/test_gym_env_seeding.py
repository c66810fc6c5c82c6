"""The Gymnasium env's seeding: a reset without a seed on a fresh env draws its seed from entropy (Gymnasium's
contract for `reset(seed=None)`), so copies of the env reset without one start on independent dates; a seeded
reset stays reproducible."""

from __future__ import annotations

import numpy as np
import pytest

gym = pytest.importorskip("gymnasium")
pytest.importorskip("torch")

import aurumq_rl.envs  # noqa: E402,F401  (registers the env id)
from aurumq_rl.data.loader import load_panel  # noqa: E402
from aurumq_rl.data.synth import SynthConfig, generate  # noqa: E402
from aurumq_rl.envs import ENV_ID  # noqa: E402
from aurumq_rl.envs.market_sim import EnvConfig  # noqa: E402

CFG = EnvConfig(top_k=5, episode_length=5)


@pytest.fixture(scope="module")
def panel():
    df, _ = generate(SynthConfig(n_stocks=30, n_days=200, seed=4))
    return load_panel(df.lazy(), universe="all", factors="alpha_*")


def test_a_vector_env_reset_without_a_seed_starts_its_copies_on_independent_dates(panel) -> None:
    """8 copies in a Gymnasium vector env, reset without a seed: each copy's simulator was seeded 0, so all 8 began
    on the same date and stayed in lockstep (after every truncation each drew the same next start) — 8 envs that
    were one. With ~190 possible start dates, 8 independent draws all equal has probability ~1e-16."""
    venv = gym.make_vec(ENV_ID, num_envs=8, vectorization_mode="sync", panel=panel, config=CFG)
    _, info = venv.reset()
    assert len(set(info["t"].tolist())) > 1, info["t"]
    for _ in range(CFG.episode_length):  # through a truncation: the next starts differ too
        _, _, _, trunc, info = venv.step(np.zeros((8, len(panel.codes)), np.float32))
    assert trunc.all()
    nxt = [int(e.unwrapped.sim.t[0]) for e in venv.unwrapped.envs]
    assert len(set(nxt)) > 1, nxt


def test_a_seeded_reset_stays_reproducible(panel) -> None:
    """A seed still fixes the episode starts, whatever the env did before (an unseeded reset included)."""
    a = gym.make(ENV_ID, panel=panel, config=CFG).unwrapped
    b = gym.make(ENV_ID, panel=panel, config=CFG).unwrapped
    b.reset()
    starts = []
    for env in (a, b):
        _, info = env.reset(seed=5)
        seen = [info["t"]]
        for _ in range(3 * CFG.episode_length):
            _, _, _, trunc, _ = env.step(np.zeros(len(panel.codes), np.float32))
            if trunc:
                seen.append(env.reset()[1]["t"])
        starts.append(seen)
    assert starts[0] == starts[1]
