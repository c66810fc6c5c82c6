"""`eval --start` too close to the data's end for any forward window: the error said "move --end earlier", which
cannot help (the window starts too late; --end was not even given). It names the last decision date whose
windows fit, as the --start to use, and that advice works."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest

from aurumq_rl.cli.main import main


def test_eval_start_past_the_last_fitting_date_advises_an_earlier_start(data: str, tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    cal = pl.read_parquet(data, columns=["trade_date"])["trade_date"].unique().sort()
    args = ["eval", "--scores", "alpha_001", "--data", data, "--random-draws", "2", "--universe", "all",
            "-o", str(tmp_path / "ev")]
    rc = main([*args, "--start", str(cal[-3])])
    err = capsys.readouterr().err
    assert rc == 2
    assert "move --end earlier" not in err
    advised = re.search(r"move --start to (\d{4}-\d{2}-\d{2}) or earlier", err)
    assert advised, err
    assert not (tmp_path / "ev").exists()
    assert main([*args, "--start", advised.group(1)]) == 0  # the advice works: one decision date
    assert (tmp_path / "ev" / "eval.json").is_file()
