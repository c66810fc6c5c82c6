"""`export` blames the data, not the golden date, when the data is at fault: a relative training-data path that
run.json recorded and that is not found from the directory export runs in, a --data path that does not exist,
or data lacking one of the model's factors. "pass --golden-date with a trading date of the data" was the advice
in all three cases, and no date could help."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import polars as pl
import pytest

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

from aurumq_rl.cli.main import main  # noqa: E402


def _copy_with_relative_data(run_dir: Path, dest: Path) -> Path:
    """The run directory copied to `dest`, its run.json recording --data as typed relative to another directory."""
    shutil.copytree(run_dir, dest)
    manifest = json.loads((dest / "run.json").read_text())
    manifest["config"]["data"] = Path(manifest["config"]["data"]).name  # e.g. `train --data m.parquet`
    (dest / "run.json").write_text(json.dumps(manifest))
    return dest


def test_export_names_a_recorded_relative_data_path_not_found_here(run: tuple[str, Path], tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    copy = _copy_with_relative_data(run[1], tmp_path / "run")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    rc = main(["export", str(copy), "-o", str(tmp_path / "b")])
    err = capsys.readouterr().err
    assert rc == 2
    assert "run.json records the training data as 'm.parquet'" in err and "pass --data" in err
    assert "--golden-date" not in err
    assert not (tmp_path / "b").exists()
    # the advice works: the same export with --data succeeds
    assert main(["export", str(copy), "-o", str(tmp_path / "b"), "--data", run[0]]) == 0


def test_export_names_a_data_flag_that_does_not_exist(run: tuple[str, Path], tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope.parquet"
    rc = main(["export", str(run[1]), "-o", str(tmp_path / "b"), "--data", str(missing)])
    err = capsys.readouterr().err
    assert rc == 2
    assert f"--data {missing}" in err and "--golden-date" not in err
    assert not (tmp_path / "b").exists()


def test_export_names_a_missing_model_factor_without_blaming_the_date(run: tuple[str, Path], tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    names = json.loads((run[1] / "run.json").read_text())["factor_names"]
    thinned = tmp_path / "thin.parquet"
    pl.read_parquet(run[0]).drop(names[1]).write_parquet(thinned)
    rc = main(["export", str(run[1]), "-o", str(tmp_path / "b"), "--data", str(thinned)])
    err = capsys.readouterr().err
    assert rc == 2
    assert re.search(rf"missing from {re.escape(str(thinned))}: {names[1]}\b", err)
    assert "--golden-date" not in err
    assert not (tmp_path / "b").exists()


@pytest.mark.parametrize(("change", "named"), [
    (lambda df: df.drop("vol"), "vol"),  # a required column missing
    (lambda df: df.with_columns(pl.col("alpha_001").cast(pl.String)), "alpha_001"),  # a non-numeric factor
    (lambda df: pl.concat([df, df.head(1)]), "duplicate"),  # a repeated (ts_code, trade_date) row
])
def test_export_blames_the_data_not_the_golden_date_for_a_data_fault(run: tuple[str, Path], tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str],
                                                                     change: object, named: str) -> None:
    """Data that no date could load (a required column missing, a factor column of text, a duplicate key) was
    reported as "golden date D (…): <the data's fault>; pass --golden-date with a trading date of the data"."""
    bad = tmp_path / "bad.parquet"
    change(pl.read_parquet(run[0])).write_parquet(bad)  # type: ignore[operator]
    rc = main(["export", str(run[1]), "-o", str(tmp_path / "b"), "--data", str(bad)])
    err = capsys.readouterr().err
    assert rc == 2
    assert named in err and "--golden-date" not in err, err
    assert not (tmp_path / "b").exists()
