"""Inputs the loader must read right: returns='adj_close' across a missing or 0 adjusted close, an all-null factor
column stored with the Null type (hm_ before its start date), and a factor named twice in `factors=`."""

from __future__ import annotations

import warnings
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from aurumq_rl.data.loader import load_panel
from aurumq_rl.errors import DataError


def _days(n: int) -> list[date]:
    return [date(2024, 1, 1) + timedelta(days=k) for k in range(n)]


# ---------------------------------------------------------------- finding 1: returns="adj_close"
@pytest.mark.parametrize("case", ["null_close_on_suspended_row", "null_adj_factor_on_traded_row",
                                  "zero_close_on_suspended_row"])
def test_adj_close_returns_keep_the_move_across_a_missing_adjusted_close(case: str) -> None:
    """The stock goes 10 -> (day 1: unknown / suspended) -> 12 -> 12. Compounded daily returns must give the
    +20% move (as returns='pct_chg' does), not lose it (null) or turn every later return into NaN (0 close)."""
    close = [10.0, 10.0, 12.0, 12.0]
    adj = [1.0, 1.0, 1.0, 1.0]
    vol = [1.0, 1.0, 1.0, 1.0]
    if case == "null_close_on_suspended_row":
        close[1], vol[1] = None, 0.0
    elif case == "null_adj_factor_on_traded_row":
        adj[1] = None
    else:
        close[1], vol[1] = 0.0, 0.0
    df = pl.DataFrame({"ts_code": "600001.SH", "trade_date": _days(4), "close": close, "adj_factor": adj,
                       "pct_chg": [0.0, 0.0, 0.2, 0.0], "vol": vol, "alpha_001": 1.0})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = load_panel(df.lazy(), universe="all", returns="adj_close")
        growth = np.exp(p.log_price()[:, 0])
    assert np.isfinite(growth).all(), f"price index {growth}"
    assert growth[-1] == pytest.approx(1.2), f"daily returns {p.pct_chg[:, 0]} lose the +20% move"


# ---------------------------------------------------------------- finding 2: an all-null (Null-typed) factor
def test_all_null_factor_column_of_null_dtype_loads_as_missing(tmp_path: Path) -> None:
    """An hm_ column that is null for the whole file (DOMAIN: hm_ is null before 2023-08-16) is written with the
    Null type by polars (pl.lit(None)) and by pandas (a column of None). It carries nothing, like an all-null
    Float64 column, which loads filled and flagged with a warning; the Null-typed one fails the whole load."""
    codes = [f"6000{i:02d}.SH" for i in range(12)]
    rows = [(c, d) for d in _days(4) for c in codes]
    df = pl.DataFrame(rows, schema=["ts_code", "trade_date"], orient="row").with_columns(
        close=10.0, pct_chg=pl.lit(0.01), vol=1.0,
        alpha_001=pl.Series(np.random.default_rng(0).normal(size=len(rows))), hm_001=pl.lit(None))
    path = tmp_path / "m.parquet"
    df.write_parquet(path)
    assert pl.read_parquet_schema(path)["hm_001"] == pl.Null
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = load_panel(path, universe="all")  # DataError: "factor column hm_001 has type Null"
    f = p.factor_names.index("hm_001")
    assert p.factor_missing[..., f].all() and (p.factors[..., f] == 0).all()


# ---------------------------------------------------------------- finding 3: a repeated factor name
def test_repeated_factor_name_is_named_as_such_not_blamed_on_the_file(tmp_path: Path) -> None:
    codes = [f"6000{i:02d}.SH" for i in range(3)]
    rows = [(c, d) for d in _days(3) for c in codes]
    df = pl.DataFrame(rows, schema=["ts_code", "trade_date"], orient="row").with_columns(
        close=10.0, pct_chg=pl.lit(0.01), vol=1.0, alpha_001=1.0)
    path = tmp_path / "m.parquet"
    df.write_parquet(path)
    with pytest.raises(DataError) as exc:
        load_panel(path, universe="all", factors=["alpha_001", "alpha_001"])
    msg = str(exc.value)
    assert "rewrite or replace" not in msg, msg  # the file is fine; the argument repeats a name
    assert "alpha_001" in msg and ("twice" in msg or "more than once" in msg or "repeat" in msg), msg
