"""`data check` reports what the data leaves out: dates inside a stock's span with no row (an unreported
suspension), per board, and dates with far fewer stocks than the dates before them (an incomplete last day)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import numpy as np
import polars as pl
import pytest

from aurumq_rl.data.check import check_data, format_report


def _market(n_dates: int, codes: list[str]) -> pl.DataFrame:
    days = [date(2024, 1, 1) + timedelta(days=i) for i in range(n_dates)]
    return pl.DataFrame([{"ts_code": c, "trade_date": d, "close": 10.0, "pct_chg": 0.0, "vol": 1.0,
                          "alpha_001": float(i + j)} for i, d in enumerate(days) for j, c in enumerate(codes)])


def test_absent_rows_inside_spans_are_counted_per_board() -> None:
    codes = [f"60000{i}.SH" for i in range(5)] + ["300001.SZ", "300002.SZ"]
    df = _market(30, codes)
    day = df["trade_date"].unique().sort()
    # 600000.SH misses days 10-12 (3 absent rows); 300001.SZ starts on day 5 (a later listing: not absent)
    df = df.filter(~((pl.col("ts_code") == "600000.SH") & pl.col("trade_date").is_in(day[10:13].to_list())))
    df = df.filter(~((pl.col("ts_code") == "300001.SZ") & (pl.col("trade_date") < day[5])))
    rep = check_data(df.lazy())
    boards = {b["board"]: b for b in rep["boards"]}
    assert boards["main"]["absent_rows"] == 3 and boards["main"]["absent_share"] == 3 / 150
    assert boards["chinext"]["absent_rows"] == 0
    assert rep["thin_dates"] == []
    assert "absent" in format_report(rep)


def test_an_incomplete_last_date_is_reported() -> None:
    codes = [f"60000{i}.SH" for i in range(10)]
    df = _market(30, codes)
    last = df["trade_date"].max()
    df = df.filter((pl.col("trade_date") != last) | pl.col("ts_code").is_in(codes[:4]))  # 4 of 10 stocks
    rep = check_data(df.lazy())
    assert rep["thin_dates"] == [{"date": str(last), "stocks": 4, "median_before": 10.0}]
    assert "the LAST date is incomplete" in format_report(rep)


def test_a_market_that_grows_is_no_thin_date() -> None:
    """Stocks listing one after another (5 → 14 over 100 dates): each date is near its neighbours."""
    codes = [f"6000{i:02d}.SH" for i in range(14)]
    df = _market(100, codes)
    first = {c: (i - 4) * 11 if i > 4 else 0 for i, c in enumerate(codes)}
    day0 = df["trade_date"].min()
    df = df.filter(pl.col("trade_date") >= pl.lit(day0) + pl.duration(days=pl.col("ts_code").replace_strict(first)))
    assert check_data(df.lazy())["thin_dates"] == []


def _with(df: pl.DataFrame, **cols: pl.Expr) -> pl.DataFrame:
    """`df` with `cols` replaced on the rows of 600001.SH on the 3rd to 5th dates."""
    hit = (pl.col("ts_code") == "600001.SH") & pl.col("trade_date").is_between(date(2024, 1, 3), date(2024, 1, 5))
    return df.with_columns(**{c: pl.when(hit).then(e).otherwise(pl.col(c)) for c, e in cols.items()})


@pytest.mark.parametrize(
    ("cols", "level", "message"),
    [
        ({"close": pl.lit(-10.0)}, "error",
         r"column close has 3 missing, non-positive or non-finite value\(s\) on traded rows \(vol > 0\), e\.g\. "
         r"\(600001\.SH, 2024-01-03: -10\.0\).*use unadjusted or back-adjusted prices"),
        ({"close": pl.lit(0.0)}, "error",
         r"column close has 3 missing, non-positive.*\(600001\.SH, 2024-01-03: 0\.0\)"),
        ({"close": pl.lit(float("nan"))}, "error", r"column close has 3 missing, non-positive or non-finite.*None\)"),
        ({"close": pl.lit(0.0), "vol": pl.lit(0.0)}, "warning",
         r"column close has 3 missing, non-positive or non-finite value\(s\) on suspended rows.*write the last close"),
        ({"vol": pl.lit(-5.0)}, "error",
         r"column vol has 3 negative or missing value\(s\), e\.g\. \(600001\.SH, 2024-01-03: -5\.0\).*read as "
         r"a suspension"),
        ({"pct_chg": pl.lit(float("nan"))}, "warning",
         r"column pct_chg has 3 missing \(null, NaN or inf\) value\(s\) on traded rows.*treated as a 0 return "
         r"that day"),
        ({"pct_chg": pl.lit(float("inf"))}, "warning",
         r"column pct_chg has 3 missing \(null, NaN or inf\) value\(s\).*None\)"),
    ],
)
def test_impossible_values_are_reported(cols: dict, level: str, message: str) -> None:
    """A non-positive/NaN close, a negative vol or a NaN pct_chg is named with counts and examples, not
    passed without a word; the pct_chg summary stays finite."""
    clean = _market(10, [f"60000{i}.SH" for i in range(4)])
    assert check_data(clean.lazy())["problems"] == []
    rep = check_data(_with(clean, **cols).lazy())
    assert [(p["level"], p["rows"]) for p in rep["problems"]] == [(level, 3)]
    assert re.search(message, rep["problems"][0]["message"])
    assert f"{level}: {rep['problems'][0]['message']}" in format_report(rep)
    assert np.isfinite(rep["pct_chg_scale"]["abs_p99"])


def test_integer_zero_one_factor_columns_are_reported_as_raw_flags() -> None:
    """`data check` names an integer factor column holding only 0 and 1 (the loader warns with the same text);
    an integer count and a float 0/1 column are not flagged."""
    clean = _market(10, [f"60000{i}.SH" for i in range(4)])
    ones = (pl.col("trade_date") == pl.col("trade_date").max()).cast(pl.Int8)
    rep = check_data(clean.with_columns(ones.alias("tech_evt_raw"), (ones * 2).alias("zt_count"),
                                        ones.cast(pl.Float64).alias("tech_state")).lazy())
    assert rep["raw_flag_columns"] == ["tech_evt_raw"]
    assert ("warning: factor column(s) tech_evt_raw are integers holding only 0 and 1, like a raw event flag; "
            "if a column marks events, encode it with aurumq_rl.data.events.exp_decay") in format_report(rep)
    assert check_data(clean.lazy())["raw_flag_columns"] == []


@pytest.mark.parametrize("col", ["pre_close", "open", "high", "low", "adj_factor"])
def test_a_non_positive_optional_price_on_traded_rows_is_named(col: str) -> None:
    """A zero or negative pre_close (open, high, low, adj_factor) on a traded row is a warning naming the
    column, the rows and what reads it; the same value on a suspended row, or a null, is not (except a null
    adj_factor on a traded row, which returns='adj_close' cannot read)."""
    clean = _market(10, [f"60000{i}.SH" for i in range(4)]).with_columns(pl.lit(10.0).alias(col))
    assert check_data(clean.lazy())["problems"] == []
    rep = check_data(_with(clean, **{col: pl.lit(0.0)}).lazy())
    assert [(p["level"], p["column"], p["rows"]) for p in rep["problems"]] == [("warning", col, 3)]
    assert re.search(rf"column {col} has 3 non-positive value\(s\) on traded rows, e\.g\. \(600001\.SH, "
                     rf"2024-01-03: 0\.0\).*{col} must be positive: ", rep["problems"][0]["message"])
    quiet = _with(clean, **{col: pl.lit(-1.0), "vol": pl.lit(0.0)})
    assert check_data(_with(quiet, close=pl.lit(10.0)).lazy())["problems"] == []
    nulls = check_data(_with(clean, **{col: pl.lit(None, pl.Float64)}).lazy())["problems"]
    if col == "adj_factor":  # returns='adj_close' needs it on every traded row
        assert [(p["level"], p["column"], p["rows"]) for p in nulls] == [("warning", col, 3)]
        assert "missing value(s) on traded rows" in nulls[0]["message"]
    else:
        assert nulls == []


def test_data_without_is_st_or_name_reports_st_unknown_not_a_zero_share() -> None:
    """Without is_st and name nothing can be told ST: `data check` says so (the _non_st universes then keep ST
    stocks) instead of an "ST share 0.00%" that reads as a market without risk warnings."""
    df = _market(10, ["600000.SH", "600001.SH"])
    rep = check_data(df.lazy())
    assert rep["st_share"] == 0.0
    text = format_report(rep)
    assert "ST unknown (no is_st or name column" in text and "ST share" not in text
    st = pl.when(pl.col("ts_code") == "600001.SH").then(pl.lit("ST foo")).otherwise(pl.lit("foo"))
    named = df.with_columns(name=st)
    text = format_report(check_data(named.lazy()))
    assert "ST share 50.00%" in text and "ST unknown" not in text


def test_load_panel_warns_a_non_st_universe_that_cannot_tell_st() -> None:
    """The same gap at load time: a `_non_st` universe over data without is_st or name keeps ST stocks, said
    once by `load_panel`; the universe `all` (no ST rule) and data with a name column load without it."""
    import warnings

    from aurumq_rl.data.loader import load_panel

    df = _market(10, ["600000.SH", "600001.SH"])
    with pytest.warns(UserWarning, match=r"no is_st or name column.*'main_board_non_st' keeps risk-warning"):
        load_panel(df, universe="main_board_non_st")
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        load_panel(df, universe="all")
        load_panel(df.with_columns(name=pl.lit("foo")), universe="all_non_st")
    assert not [w for w in seen if "no is_st or name" in str(w.message)]


def test_a_missing_pct_chg_on_a_suspended_row_is_no_problem() -> None:
    """A suspension's 0 return is right: `data check` does not report a null pct_chg on a vol = 0 row, and
    the loader, which warns through the same check, does not either."""
    clean = _market(10, [f"60000{i}.SH" for i in range(4)])
    rep = check_data(_with(clean, pct_chg=pl.lit(None, pl.Float64), vol=pl.lit(0.0)).lazy())
    assert rep["problems"] == []
