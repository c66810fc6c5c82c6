"""`sl stack` flag checks name the flag and value at fault, before any work. `--ridge nan` and `--ridge inf`
passed (`ridge < 0` is False for both), every ridge fit came out NaN, and the run failed with "fewer than
--min-fit-dates 60 out-of-sample dates …", blaming the data and another flag; a bad --step or --min-fit-dates
got one message listing every rule without saying which was broken."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from aurumq_rl.cli.main import main


@pytest.fixture(scope="module")
def two_scores(data: str, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    root = tmp_path_factory.mktemp("s")
    bars = pl.read_parquet(data)
    out = []
    for col in ("alpha_001", "alpha_002"):
        path = root / f"{col}.parquet"
        bars.select("ts_code", "trade_date", pl.col(col).cast(pl.Float64).alias("score")).drop_nulls().write_parquet(
            path)
        out.append(str(path))
    return out


@pytest.mark.parametrize(("flags", "said"), [
    (["--ridge", "nan"], "--ridge nan: give a finite L2 penalty ≥ 0"),
    (["--ridge", "inf"], "--ridge inf: give a finite L2 penalty ≥ 0"),
    (["--ridge", "-1"], "--ridge -1: give a finite L2 penalty ≥ 0"),
    (["--step", "0"], "--step 0: must be ≥ 1"),
    (["--min-fit-dates", "0"], "--min-fit-dates 0: must be ≥ 1"),
])
def test_sl_stack_names_the_bad_flag(flags: list[str], said: str, data: str, two_scores: list[str],
                                     tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["sl", "stack", *two_scores, "--data", data, "--out-dir", str(tmp_path / "stk"), *flags])
    err = capsys.readouterr().err
    assert rc == 2
    assert said in err, err
    assert not (tmp_path / "stk").exists()


def test_sl_stack_runs_with_a_finite_ridge(data: str, two_scores: list[str], tmp_path: Path) -> None:
    assert main(["sl", "stack", *two_scores, "--data", data, "--out-dir", str(tmp_path / "stk"),
                 "--ridge", "1e300"]) == 0
    assert (tmp_path / "stk" / "scores.parquet").is_file()
