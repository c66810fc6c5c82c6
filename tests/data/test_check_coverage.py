"""`data check` reports what the data leaves out: dates inside a stock's span with no row (an unreported
suspension), per board, and dates with far fewer stocks than the dates before them (an incomplete last day)."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

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
