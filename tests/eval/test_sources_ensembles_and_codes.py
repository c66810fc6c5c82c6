"""Ensembles over sources that score different stocks combine only the cells all of them score, and a score file
whose codes are in another format is refused naming ts_code and an example."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from aurumq_rl.eval.windows import ensemble_scores
from tests.eval.helpers import demo_market


@pytest.mark.parametrize("method", ["rank_mean", "z_mean", "z_median"])
def test_ensemble_does_not_promote_a_stock_only_one_source_scored(method: str) -> None:
    """Three sources, one date. Stocks 1 and 2 are scored near the top by all three; stock 3 is scored by source
    A only (B and C left it out: other universe, factor null outside Stock Connect, ...). Skipping the missing
    values gives stock 3 source A's extreme value alone, while the agreed-upon stocks are averaged towards the
    middle, so the ensemble's #1 pick is the stock two of three sources never scored."""
    a = np.array([[0.1, 0.9, 0.8, 1.0]])
    b = np.array([[0.1, 0.9, 0.8, np.nan]])
    c = np.array([[0.1, 0.8, 0.9, np.nan]])
    out = ensemble_scores([a, b, c], np.ones((1, 4), bool), method)
    # either leave a stock not every source scored out, or give the missing sources a neutral value
    # (rank 0.5 / z 0), which ranks it below stocks 1 and 2 here
    assert np.isnan(out[0, 3]) and np.isfinite(out[0, :3]).all(), out


def test_scores_file_with_codes_without_exchange_suffix_is_named_as_a_code_format_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A scores Parquet whose ts_code is '600000' (no .SH/.SZ/.BJ suffix; the same with '600000.sh' or codes
    stored as integers) matches no stock: today every row is reported as 'for stocks outside the panel (never
    in universe ...)' and the run stops with 'check --start/--end/--universe' -- nothing names ts_code or its
    format, although the data loader validates the same column with a clear message."""
    from aurumq_rl.cli.main import main

    data = demo_market()
    df = pl.read_parquet(data, columns=["ts_code", "trade_date", "alpha_001"])
    s = (df.filter(pl.col("trade_date").is_between(pl.date(2021, 1, 4), pl.date(2021, 3, 31)))
         .rename({"alpha_001": "score"}).with_columns(pl.col("ts_code").str.slice(0, 6)))
    path = tmp_path / "s.parquet"
    s.write_parquet(path)
    rc = main(["eval", "--scores", str(path), "--data", data, "--start", "2021-01-04", "--end", "2021-03-31",
               "--random-draws", "2", "-o", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert rc == 2
    example = s["ts_code"].sort()[0]
    assert "ts_code" in err and example in err, err  # names the column and an offending code
