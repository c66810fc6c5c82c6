"""Date batches whose dates hold only suspended rows (vol == 0): a panel that opens with halted bars (a dense
grid written with vol 0 before the stocks trade), or an input with no traded row at all. Such a batch has
nothing to compute: its rows come out with null factors, like every suspended row, and the traded rows get
the values of an unbatched run (the engine crashed with an IndexError in `_batch_rows`)."""

from __future__ import annotations

import warnings
from datetime import date

import numpy as np
import polars as pl

from aurumq_rl.factors.engine import compute_factors
from tests.factors.test_technical import weekdays

N = 60
HALTED = 25  # the first 25 dates of both stocks are vol == 0 rows


def _panel() -> pl.DataFrame:
    rng = np.random.default_rng(3)
    parts = []
    for code in ("600000.SH", "000001.SZ"):
        close = np.round(10 * np.cumprod(1 + rng.normal(0, 0.02, N)), 2)
        pre = np.concatenate([[close[0]], close[:-1]])
        vol = np.where(np.arange(N) < HALTED, 0.0, 1000.0)
        parts.append(pl.DataFrame({
            "ts_code": [code] * N, "trade_date": weekdays(date(2021, 1, 4), N),
            "open": close, "high": close * 1.01, "low": close * 0.99, "close": close, "vol": vol,
            "amount": vol * close / 10, "pct_chg": close / pre - 1, "pre_close": pre,
        }))
    return pl.concat(parts)


def _run(df: pl.DataFrame, batch_days: int | None) -> pl.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out, _ = compute_factors(df, families="tech,zt", batch_days=batch_days, progress=False)
    return out


def test_a_batch_of_suspended_rows_only_gives_null_factors_and_the_unbatched_values_elsewhere() -> None:
    df = _panel()
    whole = _run(df, None)
    batched = _run(df, 10)  # the first two batches (20 dates) hold suspended rows only
    assert batched.select("ts_code", "trade_date").equals(whole.select("ts_code", "trade_date"))
    assert batched.height == df.height
    halted = batched.filter(pl.col("trade_date") < df["trade_date"].unique().sort()[HALTED])
    assert halted.height == 2 * HALTED
    assert halted.drop("ts_code", "trade_date").null_count().row(0) == (2 * HALTED,) * (batched.width - 2)
    for c in whole.columns[2:]:
        a, b = whole[c].to_numpy(), batched[c].to_numpy()
        assert np.array_equal(np.isnan(a), np.isnan(b)), c
        assert np.allclose(a[~np.isnan(a)], b[~np.isnan(b)], rtol=1e-6), c
    assert whole["tech_amplitude"].drop_nulls().len() == 2 * (N - HALTED)  # the traded rows have values


def test_an_input_with_no_traded_row_gives_null_factors() -> None:
    df = _panel().with_columns(pl.lit(0.0).alias("vol"))
    for batch_days in (None, 10):
        out = _run(df, batch_days)
        assert out.height == df.height
        assert out.drop("ts_code", "trade_date").null_count().row(0) == (df.height,) * (out.width - 2)
