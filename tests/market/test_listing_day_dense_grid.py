"""Listing day without list_date on a dense (date × stock) grid: the days before a listing are rows of nulls
(as a pivot to a full date × stock matrix writes them). They are no bars, so the listing is the stock's first
row with a close, as when those rows are absent. Before, the null rows made a new listing look seasoned: its
IPO-day limit-up was not flagged (the zt_ factors missed it), no warning named it, and it could be bought on
its first days (new-listing protection off)."""

from __future__ import annotations

import warnings
from datetime import date

import polars as pl

from aurumq_rl.data.synth import weekday_calendar
from aurumq_rl.factors.engine import compute_factors
from aurumq_rl.market.status import annotate

N, LISTED = 80, 20  # 603999.SH lists on the 21st date; 600000.SH trades throughout
NEW, OLD = "603999.SH", "600000.SH"
# main board before 2023-04-10: IPO day +44% (10 → 14.40), then three +10% limit-ups
IPO = [14.40, 15.84, 17.42, 19.16]


def _grid() -> pl.DataFrame:
    cal = weekday_calendar(date(2021, 5, 3), N)
    rows = []
    for code in (NEW, OLD):
        for k, d in enumerate(cal):
            j = k - LISTED if code == NEW else -1
            if code == NEW and j < 0:
                rows.append({"ts_code": code, "trade_date": d})  # before the listing: a row of nulls
                continue
            c = IPO[min(j, len(IPO) - 1)] if code == NEW else 10.0
            p = (IPO[j - 1] if 0 < j <= len(IPO) else (10.0 if j == 0 else c)) if code == NEW else 10.0
            rows.append({"ts_code": code, "trade_date": d, "open": c, "high": c, "low": c, "close": c,
                         "vol": 100.0, "amount": 100.0 * c / 10, "pct_chg": round(c / p - 1, 6)})
    return pl.DataFrame(rows, schema={"ts_code": pl.String, "trade_date": pl.Date, "open": pl.Float64,
                                      "high": pl.Float64, "low": pl.Float64, "close": pl.Float64, "vol": pl.Float64,
                                      "amount": pl.Float64, "pct_chg": pl.Float64})


def _status(df: pl.DataFrame) -> pl.DataFrame:
    cal = df["trade_date"].unique().sort()
    return (annotate(df.lazy(), df.columns, cal, "auto").collect()
            .filter(pl.col("ts_code") == NEW, pl.col("close").is_not_null()).sort("trade_date"))


def test_null_rows_before_a_listing_do_not_make_it_seasoned() -> None:
    dense = _grid()
    sparse = dense.filter(pl.col("close").is_not_null())
    a, b = _status(sparse), _status(dense)
    assert a["listing_day"].head(3).to_list() == [1, 2, 3]
    assert b["listing_day"].to_list() == a["listing_day"].to_list()
    assert b["is_limit_up"].head(5).to_list() == [True, True, True, True, False]  # the +44% IPO day included
    assert not b["can_buy_raw"].head(60).any()  # new-listing protection (60 days)


def test_zt_factors_see_the_ipo_day_limit_up_on_a_dense_grid() -> None:
    dense = _grid()
    sparse = dense.filter(pl.col("close").is_not_null())
    got = {}
    for name, df in (("sparse", sparse), ("dense", dense)):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out, _ = compute_factors(df, only="zt_count30", progress=False)
        assert any("treated as new listings" in str(w.message) for w in caught), name  # no list_date: named
        got[name] = out.filter(pl.col("ts_code") == NEW, pl.col("zt_count30").is_not_null())["zt_count30"]
    assert got["dense"][0] == got["sparse"][0] == 4.0  # rows 1..30 of the listing: IPO day + three boards
    assert got["dense"].equals(got["sparse"])
