"""`sl null-test` / `sl audit` / `sl score` check -o, and `sl train` checks --prune, before any slow work: the
data loader (or the training) is replaced by a tripwire, so a check that comes too late fails the test."""

from __future__ import annotations

from pathlib import Path

import pytest

import aurumq_rl.cli.sl_steps as sl_steps
import aurumq_rl.sl.pipeline as pipeline
from aurumq_rl.cli.main import main


def _tripwire(*args: object, **kw: object) -> None:
    raise AssertionError("the slow work started before the flags were checked")


def _fails(argv: list[str], capsys: pytest.CaptureFixture[str], *needles: str) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and all(n in err for n in needles), err


@pytest.mark.parametrize("command", ["null-test", "audit"])
def test_sl_report_output_is_checked_before_loading(command: str, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sl_steps, "load", _tripwire)
    data = tmp_path / "data.json"  # a .json input, so only the input check can refuse -o = --data
    data.write_bytes(b"precious")
    (tmp_path / "dir.json").mkdir()
    (tmp_path / "file.txt").write_text("keep")
    run = ["sl", command, "--data", str(data), "-o"]
    _fails([*run, str(data)], capsys, f"-o {data}: is the input file")
    _fails([*run, str(tmp_path / "r.parquet")], capsys, f"-o {tmp_path / 'r.parquet'}", "report as JSON",
           "give a .json path")
    _fails([*run, str(tmp_path / "dir.json")], capsys, f"cannot write {tmp_path / 'dir.json'} (Is a directory)")
    _fails([*run, str(tmp_path / "file.txt" / "r.json")], capsys, f"{tmp_path / 'file.txt'} is not a directory")
    assert data.read_bytes() == b"precious"
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["data.json", "dir.json", "file.txt"]


def test_sl_score_checks_writability_before_loading_the_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("aurumq_rl.sl.model_io.SLScorer", _tripwire)
    (tmp_path / "s.parquet").mkdir()
    _fails(["sl", "score", "--model", str(tmp_path), "--data", str(tmp_path / "d.parquet"), "-o",
            str(tmp_path / "s.parquet")], capsys, f"cannot write {tmp_path / 's.parquet'} (Is a directory)")


@pytest.mark.parametrize("value", ["0", "-0.5", "nan", "inf", "-inf"])
def test_sl_train_rejects_a_meaningless_prune_before_loading(value: str, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sl_steps, "load", _tripwire)
    _fails(["sl", "train", "--data", str(tmp_path / "d.parquet"), f"--prune={value}", "--out-dir",
            str(tmp_path / "run")], capsys, f"--prune {value}: ", "must be a number > 0")
    assert not (tmp_path / "run").exists()


def test_sl_train_prune_needs_lightgbm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sl_steps, "load", _tripwire)
    _fails(["sl", "train", "--data", str(tmp_path / "d.parquet"), "--model", "xgboost", "--prune", "0.5",
            "--out-dir", str(tmp_path / "run")], capsys, "--prune", "--model lightgbm")


@pytest.mark.parametrize(("model", "flag"), [("xgboost", "--num-leaves"), ("catboost", "--min-data-in-leaf")])
def test_lightgbm_only_settings_are_refused_with_another_booster(model: str, flag: str, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """XGBoost and CatBoost have no leaves-count or leaf-size setting here: the flags were silently ignored."""
    monkeypatch.setattr(sl_steps, "load", _tripwire)
    _fails(["sl", "train", "--data", str(tmp_path / "d.parquet"), "--model", model, flag, "63",
            "--out-dir", str(tmp_path / "run")], capsys, f"{flag} 63: a LightGBM setting", f"--model {model}")


def test_sl_train_rejects_a_prune_that_drops_every_column_before_training(market: str, tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch,
                                                                          capsys: pytest.CaptureFixture[str]
                                                                          ) -> None:
    """REL × mean importance above the largest possible importance (REL > the number of columns) drops all."""
    monkeypatch.setattr(pipeline, "train_split", _tripwire)
    _fails(["sl", "train", "--data", market, "--prune", "1000", "--out-dir", str(tmp_path / "run")], capsys,
           "--prune 1000: ", "feature columns", "0 < REL ≤ ")
    assert not (tmp_path / "run").exists()
