"""Interrupting and resuming training: Ctrl-C exits 130 with the finished updates already in metrics.jsonl and last.pt
at the last finished update; --resume restores the optimiser, the counters and every random state, so the resumed
run equals an uninterrupted one; --resume without a checkpoint is a clear error; and a fresh run into the same
directory starts a new metrics log. Training runs are tiny (4 envs × 8 steps per update)."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

import aurumq_rl.algos.trainer as trainer_mod  # noqa: E402
from aurumq_rl.cli.main import main  # noqa: E402
from tests.cli.helpers import TINY, _rows, _steps, assert_same_run  # noqa: E402


def test_ctrl_c_then_resume_continues_exactly_like_an_uninterrupted_run(
    data: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Ctrl-C during update 3 of 5: exit 130; metrics.jsonl already holds the two finished updates (flushed line
    by line, readable while training runs); last.pt is the end of update 2. --resume restores the optimiser,
    the update / env-step counters and every random state (PPO's, the simulator's episodes and positions,
    torch's), so the resumed run equals an uninterrupted one metric for metric and weight for weight, and the
    log holds each update exactly once."""
    a, b = tmp_path / "a", tmp_path / "b"
    common = [*_steps(5), *TINY, "--eval-every", "1", "--seed", "3"]
    assert main(["train", "--data", data, "--out-dir", str(a), *common]) == 0

    real = trainer_mod.Trainer.validation_metrics
    seen: list[int] = []

    def interrupting(self: trainer_mod.Trainer, *args: object, **kw: object) -> dict:
        seen.append(len((b / "metrics.jsonl").read_text().splitlines()))
        if len(seen) == 3:
            raise KeyboardInterrupt
        return real(self, *args, **kw)  # type: ignore[arg-type]

    argv = ["train", "--data", data, "--out-dir", str(b), *common]
    monkeypatch.setattr(trainer_mod.Trainer, "validation_metrics", interrupting)
    assert main(argv) == 130
    assert capsys.readouterr().err.endswith("interrupted\n")
    assert seen == [0, 1, 2]  # rows on disk when updates 1, 2, 3 were validated
    monkeypatch.undo()
    assert torch.load(b / "last.pt", weights_only=False)["updates"] == 2
    with warnings.catch_warnings(record=True) as got:  # the same budget: the schedule goes on, nothing to warn of
        warnings.simplefilter("always")
        assert main([*argv, "--resume"]) == 0
    assert not [w for w in got if "--total-timesteps" in str(w.message)]

    assert [r["update"] for r in _rows(b)] == [1, 2, 3, 4, 5]
    assert [r["steps"] for r in _rows(b)] == [32, 64, 96, 128, 160]
    assert_same_run(a, b)


def test_resume_without_a_checkpoint_is_an_error_naming_it(
    data: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--resume on a directory with no last.pt: exit 2, one line naming the missing file; nothing trained."""
    out = tmp_path / "run"
    assert main(["train", "--data", data, "--out-dir", str(out), *_steps(1), *TINY, "--resume"]) == 2
    err = capsys.readouterr().err
    assert f"error: --resume: no checkpoint at {out / 'last.pt'}" in err and "Traceback" not in err
    assert not (out / "metrics.jsonl").exists()


def test_a_fresh_run_starts_a_new_metrics_log(data: str, tmp_path: Path) -> None:
    """Training again into the same directory without --resume replaces metrics.jsonl (one line per update of
    this run), it does not append to the old log."""
    out = tmp_path / "run"
    argv = ["train", "--data", data, "--out-dir", str(out), *TINY]
    assert main([*argv, *_steps(2)]) == 0
    assert main([*argv, *_steps(1)]) == 0
    assert [r["update"] for r in _rows(out)] == [1]


def test_a_fresh_run_removes_an_earlier_runs_bundle(data: str, tmp_path: Path) -> None:
    """A fresh run with --no-export into a directory holding an earlier run's bundle/ removes it: `infer --bundle
    RUN` and `eval --scores RUN` read RUN/bundle, which would otherwise score the earlier model beside the new
    run.json (another factor list here). It also removes tb/'s earlier event files (TensorBoard would draw both
    runs' curves as one), and nothing else there. --resume keeps it: the bundle is of the same run."""
    out = tmp_path / "run"
    (out / "bundle").mkdir(parents=True)
    (out / "bundle" / "metadata.json").write_text("{}")
    (out / "tb" / "ppo_1").mkdir(parents=True)
    stale = out / "tb" / "ppo_1" / "events.out.tfevents.1.earlier"  # an earlier run's TensorBoard curves
    stale.write_bytes(b"")
    (out / "tb" / "notes.txt").write_text("mine")
    argv = ["train", "--data", data, "--out-dir", str(out), *TINY, *_steps(1)]
    assert main([*argv, "--resume"]) == 2  # no last.pt: refused before anything is touched
    assert (out / "bundle" / "metadata.json").is_file() and stale.is_file()
    assert main(argv) == 0
    assert not (out / "bundle").exists()
    assert not stale.exists() and (out / "tb" / "notes.txt").read_text() == "mine"  # only event files go
    (out / "bundle").mkdir()
    assert main([*argv[:-1], "64", "--resume"]) == 0
    assert (out / "bundle").is_dir()
    (out / "bundle" / "notes.txt").write_text("mine")  # a folder that is no bundle (no metadata.json) stays
    assert main(argv) == 0
    assert (out / "bundle" / "notes.txt").read_text() == "mine"


def test_extending_a_one_update_run_warns_of_the_rate_jump(data: str, tmp_path: Path) -> None:
    """A finished run of N = 1 update extended to N' = 2: update 1 ran at the full rate (1 - 0/1), update 2 runs
    at 1 - 1/2 of it, and the warning gives both."""
    out = tmp_path / "run"
    argv = ["train", "--data", data, "--out-dir", str(out), *TINY]
    assert main([*argv, *_steps(1)]) == 0
    says = (r"--total-timesteps 32 raised to 64: the learning rates now anneal to 0 over 2 updates instead of 1, "
            r"so update 2 runs at 50% of --learning-rate \(update 1 ran at 100%\)")
    with pytest.warns(UserWarning, match=says):
        assert main([*argv, *_steps(2), "--resume"]) == 0
    assert [r["learning_rate"] for r in _rows(out)] == pytest.approx([1e-3, 1e-3 / 2])


def test_a_resumed_run_json_keeps_the_code_of_the_earlier_sessions(data: str, tmp_path: Path) -> None:
    """run.json is rewritten by a resume with this session's version, commit and packages; the earlier
    sessions' are kept under `earlier_sessions` with the update each ran until, so a run trained by two
    versions of the code says so (it named only the last)."""
    import json

    out = tmp_path / "r"
    argv = ["train", "--data", data, "--out-dir", str(out), *TINY, "--eval-every", "1", "--seed", "3"]
    assert main([*argv, *_steps(2)]) == 0
    first = json.loads((out / "run.json").read_text())
    assert "earlier_sessions" not in first
    first["git_commit"], first["versions"]["torch"] = "0" * 40, "0.0-older"  # as if an older checkout trained it
    (out / "run.json").write_text(json.dumps(first))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the raised budget's learning-rate warning
        assert main([*argv, *_steps(3), "--resume"]) == 0
    man = json.loads((out / "run.json").read_text())
    assert man["git_commit"] != "0" * 40 and man["versions"]["torch"] == torch.__version__
    assert man["earlier_sessions"] == [{"aurumq_rl_version": first["aurumq_rl_version"], "git_commit": "0" * 40,
                                        "versions": first["versions"], "until_update": 2}]


def test_resuming_a_finished_run_says_there_is_nothing_left(data: str, tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    """--resume of a run that did all its updates trains nothing: it says so and how to train on (it printed
    "trained in 0s" and an empty metrics line)."""
    out = tmp_path / "r"
    argv = ["train", "--data", data, "--out-dir", str(out), *TINY, "--eval-every", "1", "--seed", "3", *_steps(2),
            "--no-export"]
    assert main(argv) == 0
    capsys.readouterr()
    assert main([*argv, "--resume"]) == 0
    text = capsys.readouterr().out
    assert f"nothing left to train: {out} holds all 2 updates; raise --total-timesteps" in text
    assert "trained in" not in text
    assert [r["update"] for r in _rows(out)] == [1, 2]
