"""`infer`, `eval` and `bundle validate` of a PPO run trained with `--no-export` (run.json and checkpoints, no
bundle/): they said "not a model — expected an RL bundle …", "directory holds neither scores.parquet nor a model"
and "incomplete bundle, missing policy.onnx, …", none naming the run or the export that makes its bundle."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("torch")

from aurumq_rl.cli.main import main  # noqa: E402
from tests.cli.helpers import TINY  # noqa: E402


def test_a_run_without_bundle_says_to_export_it(data: str, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    run = tmp_path / "run"
    assert main(["train", "--data", data, "--out-dir", str(run), "--total-timesteps", "32", *TINY]) == 0
    assert not (run / "bundle").exists()
    capsys.readouterr()
    for args in (["infer", "--bundle", str(run), "--data", data],
                 ["eval", "--scores", str(run), "--data", data, "-o", str(tmp_path / "ev")],
                 ["bundle", "validate", str(run)]):
        assert main(args) == 2
        err = capsys.readouterr().err
        assert "a training run without bundle/" in err and f"aurumq-rl export {run} -o {run / 'bundle'}" in err, err
