"""A missing `vol` (read as a suspension) or a missing `pct_chg` on a traded row (read as a 0 return) is said by the
loader whether it is stored as NaN or as null. pandas writes every NaN as null (`DataFrame.to_parquet`,
`polars.from_pandas`), so the NaN-only warning never reached a pandas user: a traded stock's move silently became
0 and a traded day silently a suspension, while `data check` calls the same file's missing vol an error."""

from __future__ import annotations

import warnings
from datetime import date

import polars as pl
import pytest

from aurumq_rl.data.loader import load_panel
from tests.data.frames import tiny_market


def _frame() -> pl.DataFrame:
    return tiny_market(6, 4)


def _row(code: str, day: date) -> pl.Expr:
    return (pl.col("ts_code") == code) & (pl.col("trade_date") == day)


@pytest.mark.parametrize("missing", [None, float("nan")], ids=["null", "nan"])
def test_missing_pct_chg_on_a_traded_row_is_named(missing: float | None) -> None:
    df = _frame().with_columns(pct_chg=pl.when(_row("600001.SH", date(2024, 1, 3))).then(pl.lit(missing))
                               .otherwise(pl.col("pct_chg")))
    with pytest.warns(UserWarning, match=r"column pct_chg has 1 missing .*600001\.SH, 2024-01-03.*0 return"):
        p = load_panel(df, universe="all", normalize="raw")
    assert p.pct_chg[2, 1] == 0.0  # the documented reading, now said


@pytest.mark.parametrize("missing", [None, float("nan")], ids=["null", "nan"])
def test_missing_vol_is_named_as_read_as_a_suspension(missing: float | None) -> None:
    df = _frame().with_columns(vol=pl.when(_row("600002.SH", date(2024, 1, 2))).then(pl.lit(missing))
                               .otherwise(pl.col("vol")))
    with pytest.warns(UserWarning, match=r"column vol has 1 negative or missing .*600002\.SH, 2024-01-02"):
        p = load_panel(df, universe="all", normalize="raw")
    assert not p.in_universe[1, 2]


def test_null_pct_chg_on_a_suspended_row_is_not_reported() -> None:
    """vol = 0 with no pct_chg is a plain suspension: its 0 return is right, nothing to say."""
    df = _frame().with_columns(
        pct_chg=pl.when(_row("600003.SH", date(2024, 1, 3))).then(None).otherwise(pl.col("pct_chg")),
        vol=pl.when(_row("600003.SH", date(2024, 1, 3))).then(0.0).otherwise(pl.col("vol")))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        load_panel(df, universe="all", normalize="raw")
    assert not [w for w in caught if "pct_chg" in str(w.message) or "column vol" in str(w.message)]


@pytest.mark.parametrize("bad", [None, 0.0, -3.2], ids=["null", "zero", "negative"])
def test_a_bad_close_on_a_traded_row_is_named_by_the_loader(bad: float | None) -> None:
    """A missing or non-positive close on a traded row misleads price-based limit detection (and returns=
    'adj_close' reads that day as a 0 return): `data check` calls it an error, a NaN close drew a warning,
    but a null, 0 or negative one (forward-adjusted prices turn negative) loaded without a word."""
    df = _frame().with_columns(close=pl.when(_row("600001.SH", date(2024, 1, 3))).then(pl.lit(bad))
                               .otherwise(pl.col("close")))
    with pytest.warns(UserWarning, match=r"column close has 1 missing, non-positive .*600001\.SH, 2024-01-03"):
        load_panel(df, universe="all", normalize="raw")


def test_a_missing_adj_factor_is_named_when_returns_read_it() -> None:
    """returns='adj_close' reads no return on a traded row without an adj_factor (the next row takes the move)."""
    df = _frame().with_columns(adj_factor=pl.when(_row("600004.SH", date(2024, 1, 2))).then(None).otherwise(1.0))
    with pytest.warns(UserWarning, match=r"column adj_factor has 1 missing value\(s\) on traded rows.*600004\.SH"):
        load_panel(df, universe="all", normalize="raw", returns="adj_close")
