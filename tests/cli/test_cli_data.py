"""`aurumq-rl synth` and `aurumq-rl data check` end to end."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import polars as pl
import pytest

from aurumq_rl.cli.main import main


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "demo.parquet"
    assert main(["synth", "--preset", "small", "--seed", "1", "-o", str(out)]) == 0
    return out


def test_synth_writes_panel_and_index_atomically(demo: Path) -> None:
    assert demo.is_file() and demo.with_name("demo_index.parquet").is_file()
    assert not list(demo.parent.glob(".*.tmp"))
    assert pl.read_parquet(demo).height > 50_000


def test_data_check_report(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["data", "check", str(demo)]) == 0
    out = capsys.readouterr().out
    for needle in ("rows", "stocks", "main", "chinext", "star", "limit-up", "alpha_", "hk_",
                   "market-wide columns (passed through un-normalised): mkt_ret5, mkt_vol20"):
        assert needle in out
    assert main(["data", "check", str(demo), "--json"]) == 0
    rep = json.loads(capsys.readouterr().out)
    assert rep["stocks"] == 300 and rep["pct_chg_scale"]["unit"] == "decimal"


def test_data_check_bad_input_exits_nonzero_without_traceback(demo: Path, tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "pct.parquet"
    pl.read_parquet(demo).with_columns(pl.col("pct_chg") * 100).write_parquet(bad)
    assert main(["data", "check", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "pct.parquet" in err and "divide by 100" in err and "Traceback" not in err


def test_data_check_glob_that_matches_nothing_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """It printed polars internals ("expanded paths were empty (path expansion input: ...")."""
    pattern = str(tmp_path / "nomatch*.parquet")
    assert main(["data", "check", pattern]) == 2
    err = capsys.readouterr().err
    assert err == f"error: {pattern}: no file matches this glob; check the pattern and the directory it names\n"


def test_console_script_installed() -> None:
    exe = shutil.which("aurumq-rl")
    assert exe is not None, "the aurumq-rl console script is not on PATH; pip install -e ."
    res = subprocess.run([exe, "data", "check", "/nonexistent.parquet"], capture_output=True, text=True)
    assert res.returncode == 2 and "data file not found: /nonexistent.parquet" in res.stderr
    assert "Traceback" not in res.stderr


def test_data_check_value_errors_exit_2_after_the_report(demo: Path, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    """Impossible values (a negative vol here) print the whole report with the problem, then exit 2; a
    warning alone (NaN pct_chg) exits 0."""
    df = pl.read_parquet(demo)
    every = pl.int_range(pl.len()) % 97 == 0
    bad, nan = tmp_path / "vol.parquet", tmp_path / "nan.parquet"
    df.with_columns(pl.when(every).then(-5.0).otherwise(pl.col("vol")).alias("vol")).write_parquet(bad)
    df.with_columns(pl.when(every).then(float("nan")).otherwise(pl.col("pct_chg")).alias("pct_chg")).write_parquet(nan)
    assert main(["data", "check", str(bad)]) == 2
    out, err = capsys.readouterr()
    assert "error: column vol has" in out and "limit-up" in out
    assert "1 value error(s) listed above" in err and "Traceback" not in err
    assert main(["data", "check", str(nan)]) == 0
    assert "warning: column pct_chg has" in capsys.readouterr().out
