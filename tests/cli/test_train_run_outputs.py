"""What a training run writes besides checkpoints: run.json (seed, data sha256, git commit, universe, normalisation,
universe size) written atomically so a failed write keeps the old manifest, TensorBoard scalars at the same env-
steps as metrics.jsonl, and --no-export / --no-progress honoured."""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

import pytest

pytest.importorskip("torch")

import aurumq_rl.algos.trainer as trainer_mod  # noqa: E402
from aurumq_rl.cli.main import main  # noqa: E402
from tests.cli.helpers import TINY, _rows, _steps  # noqa: E402


def test_a_failed_manifest_write_keeps_the_old_run_json(
    data: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """run.json is written atomically: a write that fails half-way (disk full) is one error line naming the
    file, exit 2, and the previous manifest stays whole."""
    out = tmp_path / "run"
    argv = ["train", "--data", data, "--out-dir", str(out), *_steps(1), *TINY]
    assert main(argv) == 0
    before = (out / "run.json").read_text()
    real = Path.write_text

    def half(self: Path, text: str, *a: object, **kw: object) -> int:
        real(self, text[:10], *a, **kw)  # type: ignore[arg-type]
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "write_text", half)
    assert main(argv) == 2
    monkeypatch.undo()
    assert f"cannot write {out / 'run.json'} (No space left on device)" in capsys.readouterr().err
    assert (out / "run.json").read_text() == before


def test_run_manifest_tensorboard_and_output_switches(
    data: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """run.json records the seed, the data's sha256, the git commit of the checkout, the universe asked for,
    the normalisation and the universe size; tb/ holds every metrics.jsonl key at the same env-step; and
    --no-export / --no-progress mean no bundle and no progress bar."""
    out = tmp_path / "run"
    flags = "--seed 7 --universe all_non_st --eval-every 1".split()
    assert main(["train", "--data", data, "--out-dir", str(out), *_steps(2), *TINY, *flags]) == 0
    assert "upd" not in capsys.readouterr().err  # no tqdm bar
    assert not (out / "bundle").exists()
    run = json.loads((out / "run.json").read_text())
    assert run["seed"] == 7 and run["config"]["ppo"]["seed"] == 7
    assert run["data_sha256"] == hashlib.sha256(Path(data).read_bytes()).hexdigest()
    src = Path(trainer_mod.__file__).parent
    git = subprocess.run(["git", "rev-parse", "HEAD"], cwd=src, capture_output=True, text=True, check=False)
    assert run["git_commit"] == (git.stdout.strip() or None if git.returncode == 0 else None)
    assert run["config"]["universe"] == "all_non_st"
    assert run["normalize"] == "zscore"  # the documented default
    assert 0 < run["universe_size"] <= run["n_stocks"]

    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(str(out / "tb"))
    acc.Reload()
    rows = _rows(out)
    for key in ("val_rank_ic", "val_topk_return", "policy_loss", "update"):
        assert [e.step for e in acc.Scalars(key)] == [r["steps"] for r in rows], key
    assert [e.value for e in acc.Scalars("update")] == [1.0, 2.0]


def test_git_commit_is_none_where_git_is_not_installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """run.json's git_commit: None (not an error) when no `git` is on PATH."""
    from aurumq_rl.provenance import git_commit

    monkeypatch.setenv("PATH", str(tmp_path))
    assert git_commit() is None


def test_the_progress_bar_keeps_the_last_validation_between_validations(
    data: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The bar's val= showed nan on every update between validations (the row had no metric); it keeps the
    last validation's --best-metric, as metrics.jsonl holds it."""
    out = tmp_path / "run"
    tiny = [a for a in TINY if a != "--no-progress"]
    assert main(["train", "--data", data, "--out-dir", str(out), *_steps(5), "--eval-every", "2", *tiny]) == 0
    err = capsys.readouterr().err
    shown = [x.split("val=")[1].rstrip("]").split()[0] for x in err.replace("\r", "\n").splitlines() if "val=" in x]
    # updates 2 and 4 validate (and 5, the last): from the first value shown on, none is nan
    first = next(i for i, x in enumerate(shown) if x != "nan")
    assert "nan" not in shown[first:] and shown[-1] == f"{_rows(out)[-1]['val_rank_ic']:.4f}", shown
