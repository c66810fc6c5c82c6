"""Helpers of the training tests: tiny training flags and `TrainConfig`s (4 envs × 8 steps per update, top 5, episodes
of 8 decisions, one thread) and the rows of a run's metrics.jsonl. Import it after `pytest.importorskip("torch")`:
the configs need torch."""

from __future__ import annotations

import json
from pathlib import Path

from aurumq_rl.algos.ppo import PPOConfig
from aurumq_rl.algos.trainer import TrainConfig
from aurumq_rl.envs.market_sim import EnvConfig

# 4 envs × 8 steps = 32 env-steps per update
TINY = (
    "--n-envs 4 --n-steps 8 --batch-size 16 --top-k 5 --episode-length 8 --no-progress --no-export --threads 1".split()
)


def _steps(updates: int) -> list[str]:
    return ["--total-timesteps", str(32 * updates)]


def _rows(out: Path) -> list[dict]:
    return [json.loads(x) for x in (out / "metrics.jsonl").read_text().splitlines()]


def assert_same_run(a: Path, b: Path) -> None:
    """Run `b` (interrupted, then resumed) logged each update once and equals the uninterrupted run `a` metric for
    metric (but its speed) and weight for weight."""
    import torch

    def strip(rows: list[dict]) -> list[dict]:
        return [{k: v for k, v in r.items() if k != "env_steps_per_s"} for r in rows]

    assert [r["update"] for r in _rows(b)] == [r["update"] for r in _rows(a)]
    assert strip(_rows(b)) == strip(_rows(a))
    wa = torch.load(a / "last.pt", weights_only=False)["policy"]
    wb = torch.load(b / "last.pt", weights_only=False)["policy"]
    for k in wa:
        assert torch.equal(wa[k], wb[k]), k


def _cfg(data: str, out: Path, updates: int, seed: int = 0, env: EnvConfig | None = None, **kw: object) -> TrainConfig:
    """A tiny TrainConfig: 4 envs × 8 steps per update, top 5, episodes of 8 decisions, one thread."""
    ppo = PPOConfig(total_timesteps=32 * updates, n_envs=4, n_steps=8, batch_size=16, seed=seed)
    env = env or EnvConfig(top_k=5, episode_length=8)
    return TrainConfig(data=data, out_dir=str(out), env=env, ppo=ppo, threads=1, **kw)  # type: ignore[arg-type]
