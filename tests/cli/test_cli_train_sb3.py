"""`aurumq-rl train --algorithm sb3-ppo|a2c|sac`: the SB3 path keeps the run-directory contract of our PPO
(run.json, metrics.jsonl rows with validation, best.zip/last.zip by --best-metric, tb/, progress bar), refuses
--resume and a meaningless --target-kl before any work, passes --target-kl to SB3's PPO (else SB3's own default,
none), and runs its env on CPU tensors whatever device the Trainer's tensors are on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("stable_baselines3")

from aurumq_rl.cli.main import main  # noqa: E402
from aurumq_rl.data.synth import preset, write_demo  # noqa: E402

FLAGS = ["--n-envs", "4", "--n-steps", "8", "--batch-size", "16", "--top-k", "10", "--episode-length", "16",
         "--threads", "1"]


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> str:
    return write_demo(str(tmp_path_factory.mktemp("d") / "m.parquet"), preset("small", seed=2))[0]


def _rows(out: Path) -> list[dict]:
    return [json.loads(x) for x in (out / "metrics.jsonl").read_text().splitlines()]


@pytest.mark.parametrize("algorithm", ["sb3-ppo", "a2c", "sac"])
def test_train_sb3_compatibility_path(data: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                      algorithm: str) -> None:
    """128 steps, validation every 2 rollouts of 4 × 8 steps: rows at 64 and 128 steps; the run directory as
    our PPO writes it; --target-kl reaches SB3's PPO; an SB3 run is refused by export, by its manifest."""
    import stable_baselines3 as sb3

    from aurumq_rl.algos.sb3 import SB3_ALGORITHMS

    out = tmp_path / algorithm
    kl = ["--target-kl", "0.0123"] if algorithm == "sb3-ppo" else []
    small = ["--batch-size", "8"] if algorithm == "sac" else []  # SAC's first update after 10 × batch steps
    assert main(["train", "--data", data, "--out-dir", str(out), "--algorithm", algorithm, "--total-timesteps",
                 "128", "--eval-every", "2", "--no-progress", *FLAGS, *kl, *small]) == 0
    assert "/128" not in capsys.readouterr().err  # --no-progress: no bar
    rows = _rows(out)
    assert [r["steps"] for r in rows] == [64, 128]
    for r in rows:
        assert r["algorithm"] == algorithm and r["n_envs"] == 4 and r["env_steps_per_s"] > 0
        assert {"val_rank_ic", "val_ic", "val_topk_return"} <= set(r)
    assert "actor_loss" in rows[-1] or algorithm != "sac"  # SAC updated (it trained nothing at batch 16)
    if algorithm == "sb3-ppo":  # SB3's train/* names, two of them renamed to ours (docs/RL.md)
        assert {"policy_loss", "clip_frac", "approx_kl", "value_loss"} <= set(rows[-1])
        assert not {"policy_gradient_loss", "clip_fraction"} & set(rows[-1])
    manifest = json.loads((out / "run.json").read_text())
    assert manifest["algorithm"] == algorithm and manifest["device"] == "cpu"
    assert len(manifest["data_sha256"]) == 64 and manifest["factor_names"][0] == "alpha_001"
    assert (out / "best.zip").is_file() and any((out / "tb").rglob("events.out.tfevents.*"))
    model = getattr(sb3, SB3_ALGORITHMS[algorithm]).load(out / "last.zip", device="cpu")
    assert model.num_timesteps == 128
    if algorithm == "sb3-ppo":
        assert model.target_kl == 0.0123 and manifest["config"]["ppo"]["target_kl"] == 0.0123
    assert main(["export", str(out), "-o", str(tmp_path / "bundle")]) == 2
    assert f"SB3 baseline run (--algorithm {algorithm}" in capsys.readouterr().err


def test_sb3_ppo_keeps_sb3s_own_target_kl_unless_given(data: str, tmp_path: Path) -> None:
    """Without --target-kl, SB3's PPO trains with SB3's own default (no KL stop), not our PPO's 0.05, and run.json
    records that; our PPO keeps 0.05 and A2C/SAC record none. (An explicit value: see the test above.)"""
    from stable_baselines3 import PPO

    from aurumq_rl.cli.train import FLAG_DEFAULTS, validate

    out = tmp_path / "run"
    assert main(["train", "--data", data, "--out-dir", str(out), "--algorithm", "sb3-ppo", "--total-timesteps", "32",
                 "--no-progress", *FLAGS]) == 0
    assert json.loads((out / "run.json").read_text())["config"]["ppo"]["target_kl"] is None
    assert PPO.load(out / "last.zip", device="cpu").target_kl is None
    for algorithm, want in (("ppo", 0.05), ("a2c", None), ("sac", None)):
        assert validate({**FLAG_DEFAULTS, "algorithm": algorithm, "explicit": set()})["target_kl"] == want
    assert validate({**FLAG_DEFAULTS, "algorithm": "sb3-ppo", "target_kl": 0.05,
                     "explicit": {"target_kl"}})["target_kl"] == 0.05  # the project's value, when asked for


def test_sb3_best_zip_holds_the_best_validated_model(data: str, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """best.zip is the model of the row with the highest --best-metric (re-scored the same way, same step);
    last.zip the last row's; the progress bar counts env steps."""
    from stable_baselines3 import A2C

    from aurumq_rl.algos.sb3 import score_model
    from aurumq_rl.algos.trainer import Trainer
    from aurumq_rl.cli.train import FLAG_DEFAULTS, build_config
    from aurumq_rl.envs.gym_env import StockPickingEnv

    out = tmp_path / "run"
    assert main(["train", "--data", data, "--out-dir", str(out), "--algorithm", "a2c", "--total-timesteps", "256",
                 "--eval-every", "1", "--best-metric", "val_topk_return", "--seed", "1", *FLAGS]) == 0
    assert "256/256" in capsys.readouterr().err  # the bar
    rows = _rows(out)
    assert [r["steps"] for r in rows] == list(range(32, 257, 32))
    best_row = max(rows, key=lambda r: r["val_topk_return"])
    assert best_row is not rows[-1]  # else this test could not tell best from last
    opts = {**FLAG_DEFAULTS, "data": data, "out_dir": str(out), "n_envs": 4, "top_k": 10, "episode_length": 16}
    trainer = Trainer(build_config(opts))
    env = StockPickingEnv(trainer.panel, trainer.cfg.env, t_range=trainer.train_range, data=trainer.data)
    for name, row in (("best.zip", best_row), ("last.zip", rows[-1])):
        model = A2C.load(out / name, device="cpu")
        assert model.num_timesteps == row["steps"]
        got = score_model(model, trainer, env)
        assert got == pytest.approx({k: row[k] for k in got}, rel=1e-6, abs=1e-12)


@pytest.mark.parametrize(("algorithm", "flags", "config", "named"), [
    ("a2c", ["--resume"], None, "--resume: the SB3 path (--algorithm a2c) cannot continue a run"),
    ("sb3-ppo", [], '{"resume": true}', "--resume: the SB3 path (--algorithm sb3-ppo)"),
    ("a2c", ["--target-kl", "0.05"], None, "--target-kl: --algorithm a2c has no KL early stop"),
    ("sac", [], '{"target_kl": 0.02}', "--target-kl: --algorithm sac has no KL early stop"),
])
def test_sb3_refuses_what_it_cannot_honour(data: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                           algorithm: str, flags: list[str], config: str | None, named: str) -> None:
    """--resume (it used to retrain from scratch over the run) and an explicit --target-kl for A2C/SAC (it was
    ignored; the default one is not an error): exit 2 naming the flag, before the run directory exists."""
    out = tmp_path / "run"
    extra = []
    if config is not None:
        (tmp_path / "c.json").write_text(config)
        extra = ["--config", str(tmp_path / "c.json")]
    assert main(["train", "--data", data, "--out-dir", str(out), "--algorithm", algorithm, "--total-timesteps", "32",
                 "--no-progress", *FLAGS, *extra, *flags]) == 2
    err = capsys.readouterr().err
    assert named in err and "Traceback" not in err, err
    assert not out.exists()


def test_sb3_env_gets_cpu_tensors_whatever_the_trainer_device(data: str, tmp_path: Path) -> None:
    """The Trainer's tensors on another device (`meta` here, standing in for CUDA: neither converts to numpy)
    still train and validate: the SB3 env gets a CPU copy (it crashed in `.numpy()` on CUDA)."""
    from aurumq_rl.algos.sb3 import train_sb3
    from aurumq_rl.algos.trainer import Trainer
    from aurumq_rl.cli.train import FLAG_DEFAULTS, build_config
    from aurumq_rl.envs.market_sim import PanelTensors

    opts = {**FLAG_DEFAULTS, "data": data, "out_dir": str(tmp_path / "run"), "n_envs": 2, "n_steps": 8,
            "top_k": 10, "episode_length": 16, "total_timesteps": 32, "algorithm": "a2c"}
    trainer = Trainer(build_config(opts))
    trainer.data = PanelTensors(trainer.panel, trainer.cfg.env, "meta")
    metrics = train_sb3(trainer, "a2c", progress=False)
    assert metrics["steps"] == 32 and metrics["val_rank_ic"] == metrics["val_rank_ic"]  # scored, not NaN


def test_a_fresh_run_leaves_no_checkpoint_of_an_earlier_run_of_either_path(data: str, tmp_path: Path) -> None:
    """An SB3 run into a PPO run's directory removes best.pt/last.pt (export would otherwise find a PPO
    checkpoint beside an SB3 manifest), and a PPO run removes the SB3 zips; each keeps only its own."""
    out = tmp_path / "run"
    out.mkdir()
    for name in ("best.pt", "last.pt", "sb3_model.zip"):
        (out / name).write_bytes(b"stale")
    assert main(["train", "--data", data, "--out-dir", str(out), "--algorithm", "a2c", "--total-timesteps", "64",
                 "--no-progress", *FLAGS]) == 0
    assert sorted(p.name for p in out.glob("*.*")) == ["best.zip", "last.zip", "metrics.jsonl", "run.json"]
    assert main(["train", "--data", data, "--out-dir", str(out), "--total-timesteps", "64", "--no-progress",
                 "--no-export", *FLAGS]) == 0
    assert sorted(p.name for p in out.glob("*.*")) == ["best.pt", "last.pt", "metrics.jsonl", "run.json"]


def test_sb3_warns_about_the_flags_its_algorithm_ignores(data: str, tmp_path: Path) -> None:
    """Set explicitly, --encoder-hidden and --batch-size mean nothing to A2C (SB3's MlpPolicy, no minibatches):
    a warning names both; a flag left at its default, and one A2C uses (--n-steps), are not named."""
    with pytest.warns(UserWarning, match=r"^--encoder-hidden, --batch-size: not used by --algorithm a2c") as rec:
        assert main(["train", "--data", data, "--out-dir", str(tmp_path / "run"), "--algorithm", "a2c",
                     "--total-timesteps", "32", "--no-progress", "--encoder-hidden", "64,32", *FLAGS]) == 0
    named = [str(w.message) for w in rec if "not used by" in str(w.message)]
    assert len(named) == 1 and "--n-steps" not in named[0] and "--n-epochs" not in named[0]


@pytest.mark.parametrize(("algorithm", "named"), [
    # SB3's own MlpPolicy, its critic trained at --learning-rate; its PPO uses minibatches and epochs
    ("sb3-ppo", "--encoder-hidden, --value-learning-rate"),
    ("a2c", "--encoder-hidden, --batch-size, --n-epochs, --value-learning-rate"),  # one full-rollout step per update
    ("sac", "--encoder-hidden, --n-epochs, --value-learning-rate"),  # off-policy: --batch-size samples the buffer
])
def test_each_sb3_algorithm_names_exactly_the_set_flags_it_ignores(algorithm: str, named: str) -> None:
    """Every tuning flag set explicitly: the warning names the ones the algorithm has no use for, in flag order;
    the same flags with --algorithm ppo warn about nothing."""
    import warnings

    from aurumq_rl.cli.train import FLAG_DEFAULTS, validate

    explicit = {"encoder_hidden", "batch_size", "n_epochs", "n_steps", "learning_rate", "value_learning_rate",
                "n_envs"}
    with pytest.warns(UserWarning, match=r"not used by") as rec:
        validate({**FLAG_DEFAULTS, "algorithm": algorithm, "explicit": explicit})
    assert [str(w.message) for w in rec] == [f"{named}: not used by --algorithm {algorithm} (SB3's own MlpPolicy "
                                             "and settings)"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        validate({**FLAG_DEFAULTS, "algorithm": "ppo", "explicit": explicit})


@pytest.mark.parametrize("algorithm", ["a2c", "ppo"])
def test_a_fresh_run_starts_a_new_metrics_log(data: str, tmp_path: Path, algorithm: str) -> None:
    """An earlier run's metrics.jsonl rows are gone after a fresh run of either path: its rows only, their steps
    from its own first validation on."""
    out = tmp_path / "run"
    out.mkdir()
    (out / "metrics.jsonl").write_text(json.dumps({"steps": 999, "algorithm": "stale"}) + "\n")
    assert main(["train", "--data", data, "--out-dir", str(out), "--algorithm", algorithm, "--total-timesteps", "64",
                 "--eval-every", "1", "--no-progress", "--no-export", *FLAGS]) == 0
    rows = _rows(out)
    assert rows and all(r["steps"] <= 64 and r.get("algorithm", algorithm) == algorithm for r in rows), rows


def test_sb3_best_zip_keeps_the_first_of_equal_scores(data: str, tmp_path: Path) -> None:
    """best.zip changes only on a strictly better --best-metric, as best.pt does: a learning rate of 1e-30 leaves
    the model, hence every validation score, unchanged, so best.zip stays the first validated model."""
    from stable_baselines3 import A2C

    out = tmp_path / "run"
    assert main(["train", "--data", data, "--out-dir", str(out), "--algorithm", "a2c", "--total-timesteps", "96",
                 "--eval-every", "1", "--learning-rate", "1e-30", "--no-progress", *FLAGS]) == 0
    rows = _rows(out)
    assert [r["steps"] for r in rows] == [32, 64, 96] and len({r["val_rank_ic"] for r in rows}) == 1
    assert A2C.load(out / "best.zip", device="cpu").num_timesteps == 32
    assert A2C.load(out / "last.zip", device="cpu").num_timesteps == 96


def test_sb3_runs_on_the_cpu_whatever_device_is_asked(data: str, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """SB3 trains on the CPU, so an explicit --device is a flag it ignores (a warning) and the Trainer's tensors
    are built on the CPU too: `--device cuda` trains on a machine without CUDA, where our PPO refuses it."""
    import torch

    with pytest.warns(UserWarning, match=r"--device: not used by --algorithm a2c"):
        assert main(["train", "--data", data, "--out-dir", str(tmp_path / "a2c"), "--algorithm", "a2c",
                     "--total-timesteps", "32", "--no-progress", "--device", "cuda", *FLAGS]) == 0
    assert json.loads((tmp_path / "a2c" / "run.json").read_text())["device"] == "cpu"
    if not torch.cuda.is_available():  # CI: our PPO, which would use the device, refuses it
        assert main(["train", "--data", data, "--out-dir", str(tmp_path / "ppo"), "--total-timesteps", "32",
                     "--no-progress", "--device", "cuda", *FLAGS]) == 2
        assert "--device cuda: CUDA is not available" in capsys.readouterr().err


def test_train_sb3_refuses_an_unknown_algorithm_before_touching_the_run(data: str, tmp_path: Path) -> None:
    """`train_sb3(trainer, "dqn")` names the algorithm and the choices, and leaves an earlier run in the
    directory as it was (it used to clear its checkpoints and write a run.json naming dqn first)."""
    from aurumq_rl.algos.sb3 import train_sb3
    from aurumq_rl.algos.trainer import Trainer
    from aurumq_rl.cli.train import FLAG_DEFAULTS, build_config
    from aurumq_rl.errors import DataError

    out = tmp_path / "run"
    out.mkdir()
    (out / "best.pt").write_bytes(b"earlier run")
    opts = {**FLAG_DEFAULTS, "data": data, "out_dir": str(out), "n_envs": 2, "n_steps": 8, "top_k": 10,
            "episode_length": 16, "total_timesteps": 32, "algorithm": "a2c"}
    trainer = Trainer(build_config(opts))
    with pytest.raises(DataError, match=r"--algorithm dqn: SB3 algorithms are sb3-ppo, a2c, sac"):
        train_sb3(trainer, "dqn", progress=False)
    assert sorted(p.name for p in out.iterdir()) == ["best.pt"]
    assert (out / "best.pt").read_bytes() == b"earlier run"


def test_sb3_trains_without_tensorboard_and_writes_no_tb(data: str, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """TensorBoard is optional: with `torch.utils.tensorboard` unimportable the run completes, logs its
    metrics and writes no tb/."""
    import sys

    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", None)
    out = tmp_path / "run"
    assert main(["train", "--data", data, "--out-dir", str(out), "--algorithm", "a2c", "--total-timesteps", "64",
                 "--no-progress", *FLAGS]) == 0
    assert [r["steps"] for r in _rows(out)][-1] == 64
    assert not (out / "tb").exists()


def test_sac_with_too_few_steps_to_update_is_refused(data: str, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """SAC collects 10 × --batch-size steps (at most 1000) before its first update: a budget within that trained
    nothing and still wrote a run, exit 0. It is refused before the run directory is touched."""
    out = tmp_path / "sac"
    assert main(["train", "--data", data, "--out-dir", str(out), "--algorithm", "sac", "--total-timesteps", "128",
                 "--no-progress", *FLAGS]) == 2
    assert "--total-timesteps 128: SAC fills its replay buffer with 160 steps" in capsys.readouterr().err
    assert not (out / "run.json").exists()


@pytest.mark.parametrize("algorithm", ["sb3-ppo", "a2c", "sac"])
def test_sb3_baseline_optimises_our_discounted_return(data: str, tmp_path: Path, algorithm: str) -> None:
    """The SB3 baseline kept SB3's gamma 0.99 (and GAE lambda 0.95) against our PPO's 0.9 / 0.9: it optimised
    another objective than the PPO it is compared with. The saved model carries ours."""
    import stable_baselines3 as sb3

    from aurumq_rl.algos.ppo import PPOConfig
    from aurumq_rl.algos.sb3 import SB3_ALGORITHMS

    out = tmp_path / algorithm
    small = ["--batch-size", "8"] if algorithm == "sac" else []
    assert main(["train", "--data", data, "--out-dir", str(out), "--algorithm", algorithm, "--total-timesteps",
                 "128", "--no-progress", *FLAGS, *small]) == 0
    model = getattr(sb3, SB3_ALGORITHMS[algorithm]).load(out / "last.zip", device="cpu")
    assert model.gamma == PPOConfig().gamma == 0.9
    if algorithm != "sac":
        assert model.gae_lambda == PPOConfig().gae_lambda


def test_sb3_rounds_the_budget_down_to_whole_rollouts_as_our_ppo_does(data: str, tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """--total-timesteps 100 with rollouts of 4 × 8 = 32 steps: our PPO runs 3 updates (96 steps) and SB3 ran
    4 rollouts (128: it rounds up), so a side-by-side comparison gave SB3 a third more steps. Both run 96, and
    the plan says so before training."""
    from stable_baselines3 import A2C

    out = tmp_path / "run"
    assert main(["train", "--data", data, "--out-dir", str(out), "--algorithm", "a2c", "--total-timesteps", "100",
                 "--no-progress", *FLAGS]) == 0
    assert "3 rollouts × 32 env-steps = 96 (--total-timesteps 100 rounded to whole rollouts)" in capsys.readouterr().out
    assert A2C.load(out / "last.zip", device="cpu").num_timesteps == 96
    assert _rows(out)[-1]["steps"] == 96
