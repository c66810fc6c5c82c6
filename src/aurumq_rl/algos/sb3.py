"""SB3 compatibility path: PPO / A2C / SAC from stable-baselines3 on the Gymnasium env (same panel, same
rules), with a flat MLP policy over the whole cross-section (fixed N: a baseline, not exportable to ONNX)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from aurumq_rl.algos.validation import validate_scores
from aurumq_rl.envs.gym_env import StockPickingEnv
from aurumq_rl.errors import DataError

if TYPE_CHECKING:
    from stable_baselines3.common.vec_env import VecEnv

SB3_ALGORITHMS = {"sb3-ppo": "PPO", "a2c": "A2C", "sac": "SAC"}


def make_model(algorithm: str, env: VecEnv, *, seed: int, n_steps: int, batch_size: int,
               learning_rate: float, n_epochs: int):  # noqa: ANN201
    import stable_baselines3 as sb3

    if algorithm not in SB3_ALGORITHMS:
        raise DataError(f"--algorithm {algorithm}: SB3 algorithms are {', '.join(SB3_ALGORITHMS)}")
    cls = getattr(sb3, SB3_ALGORITHMS[algorithm])
    kw: dict = {"seed": seed, "device": "cpu", "learning_rate": learning_rate, "verbose": 0}
    if algorithm == "sb3-ppo":
        kw.update(n_steps=n_steps, batch_size=batch_size, n_epochs=n_epochs)
    elif algorithm == "a2c":
        kw.update(n_steps=n_steps)
    else:
        obs_dim = int(np.prod(env.observation_space.shape))
        kw.update(batch_size=batch_size, buffer_size=max(1000, min(10_000, int(2e8 // obs_dim))),
                  learning_starts=min(1000, 10 * batch_size))
    return cls("MlpPolicy", env, **kw)


def train_sb3(trainer_prep, algorithm: str) -> dict:  # noqa: ANN001
    """Train with SB3 on the prepared panel (a `Trainer`, used for its data, windows and config)."""
    from stable_baselines3.common.vec_env import DummyVecEnv

    cfg = trainer_prep.cfg
    # --n-envs copies of the wrapper over one copy of the panel tensors (SB3 seeds copy i with seed + i)
    vec = DummyVecEnv([lambda: StockPickingEnv(trainer_prep.panel, cfg.env, t_range=trainer_prep.train_range,
                                               data=trainer_prep.data)] * cfg.ppo.n_envs)
    env = vec.envs[0]  # builds the validation observations
    model = make_model(algorithm, vec, seed=cfg.ppo.seed, n_steps=cfg.ppo.n_steps, batch_size=cfg.ppo.batch_size,
                       learning_rate=cfg.ppo.learning_rate, n_epochs=cfg.ppo.n_epochs)
    t0 = time.perf_counter()
    model.learn(total_timesteps=cfg.ppo.total_timesteps)
    sps = cfg.ppo.total_timesteps / max(time.perf_counter() - t0, 1e-9)
    data, idx = trainer_prep.data, trainer_prep.val_idx
    obs = np.stack([_obs(env, t) for t in idx])
    actions, _ = model.predict(obs, deterministic=True)
    valid = data.valid[idx].numpy()
    scores = np.where(valid, actions, np.nan).astype(np.float32)
    metrics = {"steps": cfg.ppo.total_timesteps, "env_steps_per_s": sps, "algorithm": algorithm, "n_envs": vec.num_envs,
               **validate_scores(scores, data, trainer_prep.label, idx, cfg.env.top_k, trainer_prep.round_trip,
                                 trainer_prep.panel.industry, cfg.env.industry_cap)}
    out = Path(cfg.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    model.save(str(out / "sb3_model.zip"))
    with (out / "metrics.jsonl").open("w", encoding="utf-8") as f:
        f.write(json.dumps(metrics) + "\n")
    return metrics


def _obs(env: StockPickingEnv, t: int) -> np.ndarray:
    import torch

    return env._obs(torch.tensor([t]), torch.zeros(1, env.data.n_stocks))
