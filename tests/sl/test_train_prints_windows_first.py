"""`sl train` prints its windows before the fits (docs/SL.md: "the windows are printed before training"), as
`train` does: it printed them only with the results, so a run of minutes (or one stopped) showed nothing of the
windows and embargo it was fitting on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import aurumq_rl.sl.pipeline as pipeline
from aurumq_rl.cli.main import main
from aurumq_rl.errors import DataError
from tests.sl.test_cli_sl import FAST


def _windows_line(run: dict) -> str:
    w = run["windows"]
    return (f"sl train: train {w['train'][0]}…{w['train'][1]}  val {w['val'][0]}…{w['val'][1]}  "
            f"test {w['test'][0]}…{w['test'][1]}  (embargo {run['embargo']} dates)")


def test_sl_train_prints_the_windows_it_fits_on_before_the_results(market: str, tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sl", "train", "--data", market, "--seeds", "1", "--out-dir", str(tmp_path / "run"), *FAST]) == 0
    lines = capsys.readouterr().out.splitlines()
    run = json.loads((tmp_path / "run" / "sl_run.json").read_text())
    shown = lines.index(_windows_line(run))  # the windows sl_run.json records, embargo included
    done = next(i for i, line in enumerate(lines) if line.startswith("sl train: label="))
    assert shown < done


def test_sl_train_windows_are_on_screen_when_the_fit_stops(market: str, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    def stopped(*_a: object, **_k: object) -> None:
        raise DataError("fit stopped")

    monkeypatch.setattr(pipeline, "train_split", stopped)
    assert main(["sl", "train", "--data", market, "--seeds", "1", "--out-dir", str(tmp_path / "run"), *FAST]) == 2
    out, err = capsys.readouterr()
    assert "fit stopped" in err
    assert "sl train: train " in out and "(embargo 7 dates)" in out  # fp 5: label horizon 6, embargo 7
