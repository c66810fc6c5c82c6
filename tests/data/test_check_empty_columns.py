"""`data check` names a factor column that holds no value at all (every row null, NaN or inf; the Null type of
`pl.lit(None)` / a pandas column of None too). It listed such a column only among "constant columns", which
reads as "one value everywhere", while the loader warns that it carries nothing: the check meant to catch it
did not say so."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl

from aurumq_rl.data.check import check_data, format_report


def _frame() -> pl.DataFrame:
    codes = [f"6000{i:02d}.SH" for i in range(8)]
    days = [date(2024, 1, 1) + timedelta(days=k) for k in range(12)]
    rows = [(c, d) for d in days for c in codes]
    n = len(rows)
    return pl.DataFrame(rows, schema=["ts_code", "trade_date"], orient="row").with_columns(
        close=10.0, pct_chg=pl.lit(0.01), vol=1.0,
        alpha_001=pl.Series(np.random.default_rng(0).normal(size=n)),
        alpha_002=pl.lit(None, dtype=pl.Float32),  # all null
        alpha_003=pl.lit(float("nan")),  # all NaN
        hm_001=pl.lit(None),  # Null type
        mkt_001=pl.lit(1.5))  # one value everywhere: constant, not empty


def test_data_check_names_the_columns_without_any_value() -> None:
    rep = check_data(_frame().lazy())
    assert rep["empty_columns"] == ["alpha_002", "alpha_003", "hm_001"]
    assert set(rep["empty_columns"]) < set(rep["constant_columns"]) and "mkt_001" in rep["constant_columns"]
    text = format_report(rep)
    assert "3 factor column(s) hold no value at all" in text
    line = next(x for x in text.splitlines() if "hold no value at all" in x)
    assert all(c in line for c in ("alpha_002", "alpha_003", "hm_001")) and "mkt_001" not in line


def test_data_check_says_nothing_of_empty_columns_when_every_column_has_a_value() -> None:
    rep = check_data(_frame().drop("alpha_002", "alpha_003", "hm_001").lazy())
    assert rep["empty_columns"] == []
    assert "hold no value at all" not in format_report(rep)
