"""Settings SB3 refuses with a traceback: `--algorithm sb3-ppo` with a minibatch or a rollout of a single sample
(SB3's PPO asserts against both: it normalises advantages over them), and any SB3 algorithm with a --seed of 2**32
or more (SB3 seeds numpy's global generator; our PPO takes the seed). The CLI raised SB3's AssertionError /
ValueError as a traceback after clearing the run directory (an earlier run's checkpoints gone, a run.json naming a
run that never trained); now a DataError naming the flag, exit 2, with the directory untouched."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("stable_baselines3")

from aurumq_rl.cli.main import main  # noqa: E402

BASE = ["--top-k", "10", "--episode-length", "16", "--threads", "1", "--no-progress", "--total-timesteps", "16"]
PPO = ["--algorithm", "sb3-ppo"]


@pytest.mark.parametrize(("flags", "named"), [
    (PPO + ["--n-envs", "2", "--n-steps", "8", "--batch-size", "1"], "--batch-size 1: SB3's PPO needs minibatches "
                                                                     "of at least 2"),
    (PPO + ["--n-envs", "1", "--n-steps", "1", "--batch-size", "8"], "--n-steps 1 × --n-envs 1: SB3's PPO needs a "
                                                                     "rollout of at least 2 steps"),
    (["--algorithm", "a2c", "--n-envs", "2", "--n-steps", "8", "--seed", str(2**32)],
     f"--seed {2**32}: SB3 seeds numpy's global generator, which takes 0 … {2**32 - 1}"),
])
def test_settings_sb3_cannot_take_are_refused_before_the_run_is_touched(
        data: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], flags: list[str], named: str) -> None:
    out = tmp_path / "run"
    out.mkdir()
    (out / "best.pt").write_bytes(b"an earlier run")
    assert main(["train", "--data", data, "--out-dir", str(out), *BASE, *flags]) == 2
    err = capsys.readouterr().err
    assert named in err and "Traceback" not in err, err
    assert sorted(p.name for p in out.iterdir()) == ["best.pt"]
    assert (out / "best.pt").read_bytes() == b"an earlier run"


def test_the_limits_sb3_accepts_still_train(data: str, tmp_path: Path) -> None:
    """The smallest settings SB3's PPO accepts (a rollout of 2, minibatches of 2) and the largest seed still train."""
    out = tmp_path / "run"
    assert main(["train", "--data", data, "--out-dir", str(out), *BASE, *PPO, "--n-envs", "1", "--n-steps", "2",
                 "--batch-size", "2", "--seed", str(2**32 - 1)]) == 0
    assert (out / "last.zip").is_file()
