"""`aurumq-rl bundle validate` of an SB3 run directory (`train --algorithm a2c|sac|sb3-ppo`: run.json, metrics.jsonl,
best.zip / last.zip, never a bundle): it said "incomplete bundle, missing policy.onnx, …; re-run `aurumq-rl export`",
an export that refuses SB3 runs. It names the SB3 baseline run, as export, infer and eval do."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("stable_baselines3")

from aurumq_rl.cli.main import main  # noqa: E402


def test_bundle_validate_names_an_sb3_run_as_such(data: str, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "a2c"
    assert main(["train", "--data", data, "--out-dir", str(out), "--algorithm", "a2c", "--total-timesteps", "16",
                 "--n-envs", "2", "--n-steps", "8", "--top-k", "10", "--episode-length", "16", "--threads", "1",
                 "--no-progress"]) == 0
    capsys.readouterr()
    assert main(["export", str(out), "-o", str(tmp_path / "bundle")]) == 2
    assert "SB3 baseline run (--algorithm a2c" in capsys.readouterr().err  # export refuses it
    assert main(["bundle", "validate", str(out)]) == 2
    err = capsys.readouterr().err
    assert "an SB3 baseline run (--algorithm a2c" in err, err
    assert "re-run `aurumq-rl export`" not in err and "Traceback" not in err, err
