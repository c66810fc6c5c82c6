"""SB3 compatibility path: PPO / A2C / SAC from stable-baselines3 on the Gymnasium env (same panel, same
rules), with a flat MLP policy over the whole cross-section (fixed N: a baseline, not exportable to ONNX).

It keeps the run-directory contract of our PPO (`Trainer.run`): `run.json` (the same manifest, `algorithm`
naming the SB3 algorithm), `metrics.jsonl` (one row per validation, canonical keys), `last.zip` and `best.zip`
(SB3 zips, atomic writes; `best` by --best-metric), `tb/` (TensorBoard when installed) and a progress bar.
SB3 runs on the CPU here, so its env always gets CPU panel tensors, whatever --device the Trainer used.
"""

from __future__ import annotations

import math
import time
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import gymnasium as gym
import numpy as np
import torch
from stable_baselines3.common.callbacks import BaseCallback

from aurumq_rl.algos.run_dir import clear_run_artefacts
from aurumq_rl.algos.validation import validate_scores
from aurumq_rl.envs.gym_env import StockPickingEnv
from aurumq_rl.envs.market_sim import PanelTensors
from aurumq_rl.errors import DataError
from aurumq_rl.io import atomic_write_json, atomic_write_with, json_line

if TYPE_CHECKING:
    from stable_baselines3.common.base_class import BaseAlgorithm
    from stable_baselines3.common.vec_env import VecEnv

    from aurumq_rl.algos.trainer import Trainer

SB3_ALGORITHMS = {"sb3-ppo": "PPO", "a2c": "A2C", "sac": "SAC"}
SCORE_BOUND = 1e6  # PPO / A2C's score bound (`UnclippedScores`): far beyond any Gaussian action they sample
# SB3's train/* logger names → the names our PPO's metrics.jsonl rows use (others keep SB3's name)
SB3_NAMES = {"policy_gradient_loss": "policy_loss", "clip_fraction": "clip_frac"}
# besides: `entropy` (= −SB3's entropy_loss) and `reward_mean` (the mean step reward since the last row)


def make_model(algorithm: str, env: VecEnv, *, seed: int, n_steps: int, batch_size: int,
               learning_rate: float, n_epochs: int, target_kl: float | None = None,
               tensorboard_log: str | None = None, gamma: float = 0.9, gae_lambda: float = 0.9) -> BaseAlgorithm:
    """A fresh SB3 model on the CPU; `target_kl` reaches SB3's PPO only (A2C and SAC have no KL stop). `gamma`
    (and `gae_lambda` for PPO / A2C) are our PPO's, so the baseline optimises the same discounted return (SB3's
    own defaults, 0.99 / 0.95, weigh rewards ten times further ahead)."""
    import stable_baselines3 as sb3

    _check_algorithm(algorithm)
    cls = getattr(sb3, SB3_ALGORITHMS[algorithm])
    kw: dict = {"seed": seed, "device": "cpu", "learning_rate": learning_rate, "verbose": 0,
                "tensorboard_log": tensorboard_log, "gamma": gamma}
    if algorithm == "sb3-ppo":
        kw.update(n_steps=n_steps, batch_size=batch_size, n_epochs=n_epochs, target_kl=target_kl,
                  gae_lambda=gae_lambda)
    elif algorithm == "a2c":
        kw.update(n_steps=n_steps, gae_lambda=gae_lambda)
    else:
        kw.update(batch_size=batch_size, buffer_size=sac_buffer_size(int(np.prod(env.observation_space.shape))),
                  learning_starts=sac_learning_starts(batch_size))
    return cls("MlpPolicy", env, **kw)


def sac_learning_starts(batch_size: int) -> int:
    """Env steps SAC collects before its first update."""
    return min(1000, 10 * batch_size)


def sac_buffer_size(obs_dim: int) -> int:
    """SAC's replay buffer in transitions: about 2e8 observation values, between 1000 and 10,000 transitions (the
    floor binds above 200,000 values per observation: a full market's 5000 × 362 holds 1.8e9 values)."""
    return max(1000, min(10_000, int(2e8 // obs_dim)))


BUFFER_WARN_BYTES = 4 * 2**30


def _warn_buffer_size(algorithm: str, env: VecEnv, n_steps: int, n_envs: int) -> None:
    """SB3's PPO and A2C keep every observation of a rollout (n_steps × n_envs flat N × F float32 vectors; our
    PPO keeps date indices), SAC its replay buffer's (`sac_buffer_size` transitions, each with its next
    observation): say so before a full market fills the memory (5000 × 361 factors at the defaults is about 30
    GiB for PPO / A2C, 13.5 GiB for SAC)."""
    obs_dim = int(np.prod(env.observation_space.shape))
    if algorithm == "sac":
        need = 2 * sac_buffer_size(obs_dim) * obs_dim * 4
        if need > BUFFER_WARN_BYTES:
            warnings.warn(f"--algorithm sac: SB3's replay buffer stores {sac_buffer_size(obs_dim):,} transitions × 2 "
                          f"observations (and next) × {obs_dim:,} values = {need / 2**30:.1f} GiB of float32; use "
                          "fewer --factors if this machine has less free memory", stacklevel=3)
        return
    need = n_steps * n_envs * obs_dim * 4
    if need > BUFFER_WARN_BYTES:
        warnings.warn(f"--algorithm {algorithm}: SB3's rollout buffer stores every observation, {n_steps} steps × "
                      f"{n_envs} envs × {obs_dim:,} values = {need / 2**30:.1f} "
                      "GiB of float32; lower --n-steps / --n-envs if this machine has less free memory",
                      stacklevel=3)


def _check_settings(algorithm: str, n_steps: int, n_envs: int, batch_size: int, seed: int) -> None:
    """What SB3 refuses with a traceback once the run directory is cleared, as a DataError naming the flag: a seed
    numpy's global generator cannot take (SB3 seeds it; our PPO takes any seed ≥ 0), and for SB3's PPO a rollout
    or a minibatch of one sample (it normalises the advantages over each, and asserts more than one)."""
    if not 0 <= seed < 2**32:
        raise DataError(f"--seed {seed}: SB3 seeds numpy's global generator, which takes 0 … {2**32 - 1}; pass a "
                        "smaller seed")
    if algorithm != "sb3-ppo":
        return
    if n_steps * n_envs < 2:
        raise DataError(f"--n-steps {n_steps} × --n-envs {n_envs}: SB3's PPO needs a rollout of at least 2 steps "
                        "(it normalises the advantages over it); raise --n-steps or --n-envs")
    if batch_size < 2:
        raise DataError(f"--batch-size {batch_size}: SB3's PPO needs minibatches of at least 2 samples (it "
                        "normalises the advantages over each); raise --batch-size")


def _check_algorithm(algorithm: str) -> None:
    if algorithm not in SB3_ALGORITHMS:
        raise DataError(f"--algorithm {algorithm}: SB3 algorithms are {', '.join(SB3_ALGORITHMS)}")


def cpu_tensors(trainer: Trainer) -> PanelTensors:
    """The Trainer's panel tensors if they are on the CPU, else a CPU copy (the Gymnasium env hands SB3 numpy
    observations, and SB3 runs on the CPU here)."""
    if trainer.data.device.type == "cpu":
        return trainer.data
    return PanelTensors(trainer.panel, trainer.cfg.env, "cpu")


def score_model(model: BaseAlgorithm, trainer: Trainer, env: StockPickingEnv) -> dict[str, float]:
    """val_rank_ic, val_ic and val_topk_return of the model's deterministic actions on the Trainer's validation
    dates (the same metrics and top-K rules as our PPO's validation); one function for every SB3 row."""
    idx, data, cfg = trainer.val_idx, env.data, trainer.cfg
    obs = np.stack([_obs(env, t) for t in idx])
    actions, _ = model.predict(obs, deterministic=True)
    valid = data.valid[torch.as_tensor(idx)].numpy()
    scores = np.where(valid, actions, np.nan).astype(np.float32)
    return validate_scores(scores, data, trainer.label, idx, cfg.env.top_k, trainer.round_trip,
                           trainer.panel.industry, cfg.env.industry_cap, cfg.env.sizing)


def sb3_budget(algorithm: str, total: int, n_steps: int, n_envs: int) -> tuple[int, str]:
    """(env-steps SB3 will run, the plan line the CLI prints). PPO and A2C collect whole rollouts of
    n_steps × n_envs, and SB3 would round --total-timesteps up to the next one: rounded down to whole rollouts
    (at least one) as our PPO rounds it to whole updates, so the two spend the same budget. SAC steps
    n_envs envs at a time."""
    if algorithm == "sac":
        steps = -(-total // n_envs) * n_envs
        return steps, f"  {steps} env-steps ({n_envs} envs at a time)"
    per = n_steps * n_envs
    steps = max(1, total // per) * per
    plan = f"  {steps // per} rollouts × {per} env-steps = {steps}"
    return steps, plan + (f" (--total-timesteps {total} rounded to whole rollouts)" if steps != total else "")


def train_sb3(trainer: Trainer, algorithm: str, progress: bool = True) -> dict:
    """Train with SB3 on the prepared panel (a `Trainer`, used for its data, windows, config and manifest),
    validating every --eval-every rollouts and at the end. Returns the last metrics row."""
    from stable_baselines3.common.vec_env import DummyVecEnv

    _check_algorithm(algorithm)  # before the run directory is cleared
    cfg = trainer.cfg
    starts = sac_learning_starts(cfg.ppo.batch_size)
    if algorithm == "sac" and cfg.ppo.total_timesteps <= starts:  # it would collect, never update, and save
        raise DataError(f"--total-timesteps {cfg.ppo.total_timesteps}: SAC fills its replay buffer with {starts} "
                        "steps (10 × --batch-size, at most 1000) before its first update, so this run would "
                        f"train nothing; give more than {starts}")
    _check_settings(algorithm, cfg.ppo.n_steps, cfg.ppo.n_envs, cfg.ppo.batch_size, cfg.ppo.seed)
    data = cpu_tensors(trainer)

    def make_env() -> gym.Env:
        env = StockPickingEnv(trainer.panel, cfg.env, t_range=trainer.train_range, data=data)
        return env if algorithm == "sac" else UnclippedScores(env)

    # --n-envs copies of the wrapper over one copy of the panel tensors (SB3 seeds copy i with seed + i)
    vec = DummyVecEnv([make_env] * cfg.ppo.n_envs)
    _warn_buffer_size(algorithm, vec, cfg.ppo.n_steps, cfg.ppo.n_envs)
    out = Path(cfg.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    clear_run_artefacts(out)
    manifest = {**trainer.manifest(), "algorithm": algorithm, "device": "cpu"}
    atomic_write_json(manifest, out / "run.json")
    tb = str(out / "tb") if _has_tensorboard() else None
    model = make_model(algorithm, vec, seed=cfg.ppo.seed, n_steps=cfg.ppo.n_steps, batch_size=cfg.ppo.batch_size,
                       learning_rate=cfg.ppo.learning_rate, n_epochs=cfg.ppo.n_epochs, target_kl=cfg.ppo.target_kl,
                       tensorboard_log=tb, gamma=cfg.ppo.gamma, gae_lambda=cfg.ppo.gae_lambda)
    from tqdm import tqdm

    period = cfg.eval_every * cfg.ppo.n_steps * cfg.ppo.n_envs  # --eval-every rollouts of our PPO's size
    steps, _ = sb3_budget(algorithm, cfg.ppo.total_timesteps, cfg.ppo.n_steps, cfg.ppo.n_envs)
    with (out / "metrics.jsonl").open("a", encoding="utf-8") as log, \
            tqdm(total=steps, disable=not progress, unit="step") as bar:
        callback = _Validate(trainer, vec.envs[0].unwrapped, out, log, bar, period, {"algorithm": algorithm})
        model.learn(total_timesteps=steps, callback=callback, tb_log_name=algorithm)
    return callback.metrics


class UnclippedScores(gym.Wrapper):
    """The env with a score space too wide to clip (SB3 refuses infinite bounds), for SB3's Gaussian policies
    (PPO, A2C). SB3 clips their actions to the space's bounds, in the rollout and in `predict`: with the env's
    [-1, 1] and the initial std of 1, a third of the scores were clipped to exactly ±1, the ~16% tied at +1
    outnumbered the K picks, and `select_top_k` breaks ties by index, so the picks were the lowest stock codes of
    the tie (300 stocks, K 20: the upper 40% of codes were never picked, never explored, never learned); a trained
    mean above 1 tied the greedy validation scores the same way. Scores only rank, so the bound only has to be out
    of reach (SAC keeps [-1, 1]: its tanh squashes inside it)."""

    def __init__(self, env: StockPickingEnv) -> None:
        super().__init__(env)
        self.action_space = gym.spaces.Box(-SCORE_BOUND, SCORE_BOUND, env.action_space.shape, np.float32)


class _Validate(BaseCallback):
    """Every `period` env steps (checked before each rollout, so after the last update) and at the end: score
    the validation window, append a metrics row, save last.zip and best.zip (by --best-metric), log to
    TensorBoard; and drive the progress bar."""

    def __init__(self, trainer: Trainer, env: StockPickingEnv, out: Path, log: TextIO, bar: Any, period: int,
                 extra: dict) -> None:
        super().__init__(verbose=0)
        self.trainer, self.env, self.out, self.log, self.bar = trainer, env, out, log, bar
        self.period, self.next_eval, self.extra = period, period, extra
        self.rollout_steps = trainer.cfg.ppo.n_steps * trainer.cfg.ppo.n_envs
        self.best, self.metrics = -math.inf, {}
        self.t0, self.shown = time.perf_counter(), 0
        self.reward_sum, self.reward_n = 0.0, 0  # the env steps' rewards since the last row (`reward_mean`)

    def _on_training_start(self) -> None:
        self.t0 = time.perf_counter()

    def _on_step(self) -> bool:
        self.bar.update(self.num_timesteps - self.shown)
        self.shown = self.num_timesteps
        rewards = self.locals.get("rewards")  # the vec env's step rewards, on- and off-policy alike
        if rewards is not None:
            self.reward_sum += float(np.sum(rewards))
            self.reward_n += int(np.size(rewards))
        return True

    def _on_rollout_start(self) -> None:
        if self.num_timesteps >= self.next_eval:
            self._validate()
            self.next_eval = (self.num_timesteps // self.period + 1) * self.period

    def _on_training_end(self) -> None:
        self._validate()

    def _validate(self) -> None:
        sps = self.num_timesteps / max(time.perf_counter() - self.t0, 1e-9)
        train = {SB3_NAMES.get(k[6:], k[6:]): float(v) for k, v in self.logger.name_to_value.items()
                 if k.startswith("train/")}
        if "entropy_loss" in train:  # SB3's PPO / A2C log minus the mean entropy; ours logs the entropy
            train["entropy"] = -train["entropy_loss"]
        # the training reward, as our PPO's rows carry it (SB3 logs none: its ep_rew_mean needs a Monitor wrapper)
        reward_mean = self.reward_sum / self.reward_n if self.reward_n else float("nan")
        self.reward_sum, self.reward_n = 0.0, 0
        # "update": as many of our PPO's updates as the env steps so far make (n_steps × n_envs each)
        row = {"update": self.num_timesteps // self.rollout_steps, "steps": self.num_timesteps,
               "env_steps_per_s": sps, **self.extra, "n_envs": self.training_env.num_envs,
               **train, "reward_mean": reward_mean, **score_model(self.model, self.trainer, self.env)}
        score = row[self.trainer.cfg.best_metric]
        if np.isfinite(score) and score > self.best:
            self.best = score
            atomic_write_with(self.out / "best.zip", lambda tmp: self.model.save(tmp))
        atomic_write_with(self.out / "last.zip", lambda tmp: self.model.save(tmp))
        self.log.write(json_line(row))
        self.log.flush()
        for k in ("val_rank_ic", "val_ic", "val_topk_return"):
            self.logger.record(f"val/{k}", row[k])
        self.logger.record("rollout/reward_mean", reward_mean)
        self.logger.dump(self.num_timesteps)
        self.bar.set_postfix(sps=f"{sps:.0f}", val=f"{score:.4f}")
        self.metrics = row


def _has_tensorboard() -> bool:
    try:
        from torch.utils.tensorboard import SummaryWriter  # noqa: F401
    except ImportError:
        return False
    return True


def _obs(env: StockPickingEnv, t: int) -> np.ndarray:
    return env._obs(torch.tensor([t]), torch.zeros(1, env.data.n_stocks))
