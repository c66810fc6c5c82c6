"""SAC's replay buffer (`algos.sb3.sac_buffer_size` transitions, each stored with its next observation) was exempt
from the >4 GiB memory warning as "capped by observation size", but the cap has a floor of 1000 transitions: on a
full market (5000 stocks × 362 values) that is 2 × 1000 × 1.81e6 float32 = 13.5 GiB, allocated without a word. It
is named like PPO / A2C's rollout buffer; a small market's buffer is not."""

from __future__ import annotations

import types
import warnings

import numpy as np
import pytest

pytest.importorskip("stable_baselines3")
gym = pytest.importorskip("gymnasium")

from aurumq_rl.algos.sb3 import BUFFER_WARN_BYTES, _warn_buffer_size  # noqa: E402


def _env(shape: tuple[int, ...]) -> types.SimpleNamespace:
    return types.SimpleNamespace(observation_space=types.SimpleNamespace(shape=shape))


def test_sac_replay_buffer_beyond_4_gib_is_warned_with_its_size() -> None:
    obs = 5000 * 362
    need = 2 * 1000 * obs * 4  # the floor of 1000 transitions (2e8 // 1.81e6 = 110 would be the cap)
    assert need > BUFFER_WARN_BYTES
    with pytest.warns(UserWarning, match=rf"--algorithm sac: SB3's replay buffer stores 1,000 transitions × 2 "
                                         rf"observations \(and next\) × 1,810,000 values = {need / 2**30:.1f} GiB"):
        _warn_buffer_size("sac", _env((5000, 362)), 32, 128)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _warn_buffer_size("sac", _env((300 * 35 + 300,)), 32, 128)  # 10,000 × 10,800 × 2 × 4 B = 0.8 GiB


def test_the_warned_size_is_what_sb3_allocates() -> None:
    """The bytes named are those of SB3's own ReplayBuffer for that many transitions (observations and next
    observations), checked on a small observation."""
    from stable_baselines3.common.buffers import ReplayBuffer

    from aurumq_rl.algos.sb3 import sac_buffer_size

    obs = 50_000
    size = sac_buffer_size(obs)
    space = gym.spaces.Box(-np.inf, np.inf, (obs,), np.float32)
    buf = ReplayBuffer(size, space, gym.spaces.Box(-1, 1, (10,), np.float32), device="cpu", n_envs=4)
    assert buf.observations.nbytes + buf.next_observations.nbytes == 2 * size * obs * 4
