"""The SB3 path: exploration of PPO/A2C reaches every stock (no index-ordered ties from
clipped actions), and its metrics rows carry the canonical keys of our PPO's."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("stable_baselines3")
torch = pytest.importorskip("torch")

from aurumq_rl.cli.main import main  # noqa: E402
from aurumq_rl.data.synth import preset, write_demo  # noqa: E402

FLAGS = ["--n-envs", "2", "--n-steps", "8", "--batch-size", "16", "--top-k", "20", "--episode-length", "16",
         "--threads", "1", "--no-progress"]


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> str:
    return write_demo(str(tmp_path_factory.mktemp("d") / "m.parquet"), preset("small", seed=2))[0]


@pytest.mark.parametrize("algorithm", ["sb3-ppo", "a2c"])
def test_sb3_gaussian_exploration_reaches_the_high_codes(data: str, tmp_path: Path, algorithm: str) -> None:
    """The model's own sampling (the same clipping SB3 applies in its rollout) must not order the picks by stock
    code: with actions clipped to [-1, 1] at std 1, ~16% of 300 stocks tie at +1 and the K = 20 picks were the
    lowest codes among them, so the upper 40% of codes (every 600xxx.SH stock here) were never picked."""
    import stable_baselines3 as sb3

    from aurumq_rl.algos.sb3 import SB3_ALGORITHMS
    from aurumq_rl.algos.trainer import Trainer
    from aurumq_rl.cli.train import FLAG_DEFAULTS, build_config
    from aurumq_rl.envs.gym_env import StockPickingEnv

    out = tmp_path / algorithm
    assert main(["train", "--data", data, "--out-dir", str(out), "--algorithm", algorithm, "--total-timesteps",
                 "16", *FLAGS]) == 0
    model = getattr(sb3, SB3_ALGORITHMS[algorithm]).load(out / "last.zip", device="cpu")
    opts = {**FLAG_DEFAULTS, "data": data, "out_dir": str(tmp_path / "x"), "top_k": 20, "episode_length": 16,
            "algorithm": algorithm}
    trainer = Trainer(build_config(opts))
    env = StockPickingEnv(trainer.panel, trainer.cfg.env, t_range=trainer.train_range, data=trainer.data)
    obs, _ = env.reset(seed=0)
    picks = np.zeros(env.data.n_stocks)
    seen = np.zeros(env.data.n_stocks)
    for _ in range(60):
        action, _ = model.predict(obs[None], deterministic=False)
        picks += env.sim.select(torch.as_tensor(action)).numpy()[0]
        seen += env.sim.valid_mask().numpy()[0]
        obs, _, _, truncated, _ = env.step(action[0])
        if truncated:
            obs, _ = env.reset()
    rate = picks / np.maximum(seen, 1)
    cut = int(0.4 * len(rate))
    low, high = rate[:cut].mean(), rate[-cut:].mean()
    assert high > 0.5 * low, f"pick rate of the lowest 40% of codes {low:.3f}, of the highest 40% {high:.3f}"


@pytest.mark.parametrize("algorithm", ["sb3-ppo", "sac"])
def test_sb3_rows_carry_the_training_reward_and_entropy_as_ours(data: str, tmp_path: Path, algorithm: str) -> None:
    """Our PPO's rows carry `reward_mean` (the training reward) and `entropy`; an SB3 row had neither (SB3 logs
    its episode reward only through a Monitor wrapper, and minus the entropy as entropy_loss), so nothing showed
    whether an SB3 run improved its training reward. reward_mean: the mean step reward since the last row."""
    from aurumq_rl.algos.sb3 import train_sb3
    from aurumq_rl.algos.trainer import Trainer
    from aurumq_rl.cli.train import FLAG_DEFAULTS, build_config

    out = tmp_path / algorithm
    batch = 4 if algorithm == "sac" else 16  # SAC's first update comes after 10 × --batch-size steps
    assert main(["train", "--data", data, "--out-dir", str(out), "--algorithm", algorithm, "--total-timesteps",
                 "64", "--eval-every", "2", *FLAGS, "--batch-size", str(batch)]) == 0
    rows = [json.loads(x) for x in (out / "metrics.jsonl").read_text().splitlines()]
    assert [r["steps"] for r in rows] == [32, 64]
    assert [r["update"] for r in rows] == [2, 4]  # as many of our PPO's updates (2 envs × 8 steps each)
    for r in rows:
        assert np.isfinite(r["reward_mean"])
    if algorithm == "sb3-ppo":
        assert rows[-1]["entropy"] == pytest.approx(-rows[-1]["entropy_loss"]) and rows[-1]["entropy"] > 0

    # the rewards the envs returned over the whole run average to the rows' means (equal steps per row)
    import stable_baselines3.common.vec_env as ve
    got: list[float] = []
    step = ve.DummyVecEnv.step_wait

    def spy(self):  # noqa: ANN001, ANN202
        res = step(self)
        got.extend(np.asarray(res[1]).tolist())
        return res

    opts = {**FLAG_DEFAULTS, "data": data, "out_dir": str(tmp_path / "again"), "n_envs": 2, "n_steps": 8,
            "batch_size": batch, "top_k": 20, "episode_length": 16, "total_timesteps": 64, "eval_every": 2,
            "algorithm": algorithm}
    ve.DummyVecEnv.step_wait = spy
    try:
        train_sb3(Trainer(build_config(opts)), algorithm, progress=False)
    finally:
        ve.DummyVecEnv.step_wait = step
    again = [json.loads(x) for x in (tmp_path / "again" / "metrics.jsonl").read_text().splitlines()]
    assert len(got) == 64
    assert [r["reward_mean"] for r in again] == pytest.approx([np.mean(got[:32]), np.mean(got[32:])], rel=1e-5)


def test_infer_and_eval_name_an_sb3_run_as_such(data: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An SB3 run directory (run.json, metrics.jsonl, best.zip; no bundle) given to infer or eval: the error says it
    is an SB3 baseline run that cannot be scored, not 'not a model … a run directory holding bundle/' (which sends
    the user to look for a missing export); train itself says no bundle was written."""
    out = tmp_path / "a2c"
    assert main(["train", "--data", data, "--out-dir", str(out), "--algorithm", "a2c", "--total-timesteps", "16",
                 *FLAGS]) == 0
    assert "no bundle: an SB3 baseline run (--algorithm a2c)" in capsys.readouterr().out
    assert main(["infer", "--bundle", str(out), "--data", data]) == 2
    assert "an SB3 baseline run (--algorithm a2c" in capsys.readouterr().err
    assert main(["eval", "--scores", str(out), "--data", data, "-o", str(tmp_path / "ev")]) == 2
    assert "an SB3 baseline run (--algorithm a2c" in capsys.readouterr().err


def test_a_rollout_buffer_beyond_4_gib_is_warned() -> None:
    """SB3's PPO / A2C store every observation of a rollout: on a full market at the defaults (128 envs × 32
    steps × 5000 stocks × 361 factors) that is about 30 GiB, which ran the machine out of memory without a word.
    Above 4 GiB it is named with the size and the flags that shrink it; small runs are not (SAC's replay buffer:
    tests/cli/test_sac_replay_buffer_warning.py)."""
    import types
    import warnings

    from aurumq_rl.algos.sb3 import _warn_buffer_size

    full = types.SimpleNamespace(observation_space=types.SimpleNamespace(shape=(5000, 362)))
    with pytest.warns(UserWarning, match=r"--algorithm sb3-ppo: SB3's rollout buffer stores every observation, 32 "
                                         r"steps × 128 envs × 1,810,000 values = 27\.6 GiB"):
        _warn_buffer_size("sb3-ppo", full, 32, 128)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _warn_buffer_size("sac", types.SimpleNamespace(observation_space=types.SimpleNamespace(shape=(300, 34))),
                          32, 128)
        _warn_buffer_size("a2c", types.SimpleNamespace(observation_space=types.SimpleNamespace(shape=(300, 34))),
                          32, 128)
