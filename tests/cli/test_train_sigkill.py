"""A training process killed outright (SIGKILL: the OOM killer, a preempted job) at the worst moments, around the
checkpoint write: --resume then continues from last.pt and ends exactly like an uninterrupted run, metrics.jsonl
holding each update once, and TensorBoard showing each step once. The kill is real (the child process sends
itself SIGKILL at a chosen point), not an exception."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from aurumq_rl.cli.main import main  # noqa: E402
from tests.cli.helpers import TINY, _rows, _steps, assert_same_run  # noqa: E402

# runs `aurumq-rl ARGV…` and SIGKILLs itself at update $KILL_AT: just before or just after last.pt is renamed in place
CHILD = """
import os, signal, sys
import aurumq_rl.algos.trainer as T
from aurumq_rl.cli.main import main
when, at = os.environ["KILL_WHEN"], int(os.environ["KILL_AT"])
real = T.Trainer._save
def _save(self, name):
    hit = name == "last.pt" and self.ppo.updates == at
    if hit and when == "before":
        os.kill(os.getpid(), signal.SIGKILL)
    real(self, name)
    if hit and when == "after":
        os.kill(os.getpid(), signal.SIGKILL)
T.Trainer._save = _save
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize("when", ["before", "after"])
def test_sigkill_around_the_checkpoint_then_resume_equals_an_uninterrupted_run(
    data: str, tmp_path: Path, when: str
) -> None:
    """SIGKILL at update 3 of 5, just before or just after last.pt is written: --resume gives the uninterrupted
    run's metrics.jsonl (updates 1…5, each once, identical rows) and weights."""
    a, b = tmp_path / "a", tmp_path / "b"
    common = [*_steps(5), *TINY, "--eval-every", "1", "--seed", "3", "--no-export"]
    assert main(["train", "--data", data, "--out-dir", str(a), *common]) == 0
    argv = ["train", "--data", data, "--out-dir", str(b), *common]
    env = {**os.environ, "KILL_WHEN": when, "KILL_AT": "3",
           "PYTHONPATH": os.pathsep.join([str(Path(__file__).parents[2] / "src"), os.environ.get("PYTHONPATH", "")])}
    child = subprocess.run([sys.executable, "-c", CHILD, *argv], env=env, capture_output=True, text=True)
    assert child.returncode == -signal.SIGKILL, child.stderr
    assert main([*argv, "--resume"]) == 0
    assert [r["update"] for r in _rows(b)] == [1, 2, 3, 4, 5]
    assert_same_run(a, b)


def test_resume_drops_a_row_cut_short_by_a_kill(data: str, tmp_path: Path) -> None:
    """A metrics.jsonl holding a row past the checkpoint and a last line a kill cut short: --resume keeps the rows up
    to last.pt's update and writes the rest once, so every line parses and no update repeats."""
    a, b = tmp_path / "a", tmp_path / "b"
    common = [*_steps(4), *TINY, "--eval-every", "1", "--seed", "1", "--no-export"]
    assert main(["train", "--data", data, "--out-dir", str(a), *common]) == 0
    argv = ["train", "--data", data, "--out-dir", str(b), *common]
    env = {**os.environ, "KILL_WHEN": "after", "KILL_AT": "2",
           "PYTHONPATH": os.pathsep.join([str(Path(__file__).parents[2] / "src"), os.environ.get("PYTHONPATH", "")])}
    child = subprocess.run([sys.executable, "-c", CHILD, *argv], env=env, capture_output=True, text=True)
    assert child.returncode == -signal.SIGKILL, child.stderr
    assert torch.load(b / "last.pt", weights_only=False)["updates"] == 2
    log = b / "metrics.jsonl"
    good = (a / "metrics.jsonl").read_text().splitlines(keepends=True)
    log.write_text("".join(good[:3]) + good[3][:25])  # rows 1-2, row 3 (past last.pt), then a line cut short
    assert main([*argv, "--resume"]) == 0
    assert [r["update"] for r in _rows(b)] == [1, 2, 3, 4]
    assert_same_run(a, b)


@pytest.mark.parametrize("when", ["before", "after"])
def test_tensorboard_shows_each_step_once_after_a_sigkill_and_resume(data: str, tmp_path: Path, when: str) -> None:
    """The killed run's event file and the resumed run's together: every update's scalar once (TensorBoard's
    purge_step hides what the killed run logged past its checkpoint)."""
    ea_mod = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")
    b = tmp_path / "b"
    argv = ["train", "--data", data, "--out-dir", str(b), *_steps(5), *TINY, "--eval-every", "1", "--seed", "3",
            "--no-export"]
    env = {**os.environ, "KILL_WHEN": when, "KILL_AT": "3",
           "PYTHONPATH": os.pathsep.join([str(Path(__file__).parents[2] / "src"), os.environ.get("PYTHONPATH", "")])}
    # make the writer flush every event, so the killed run's events past the checkpoint reach the file
    child_code = CHILD.replace("sys.exit(main", "import torch.utils.tensorboard as tb\n"
                               "_W = tb.SummaryWriter\n"
                               "tb.SummaryWriter = lambda *a, **k: _W(*a, **{**k, 'max_queue': 1})\n"
                               "sys.exit(main")
    child = subprocess.run([sys.executable, "-c", child_code, *argv], env=env, capture_output=True, text=True)
    assert child.returncode == -signal.SIGKILL, child.stderr
    time.sleep(1.1)  # TensorBoard reads the event files in name order, whose first key is the creation second
    assert main([*argv, "--resume"]) == 0
    acc = ea_mod.EventAccumulator(str(b / "tb"))
    acc.Reload()
    assert sorted(int(e.value) for e in acc.Scalars("update")) == [1, 2, 3, 4, 5]
