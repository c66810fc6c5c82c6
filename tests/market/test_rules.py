"""Board table, the date-aware limit table, limit prices and limit detection."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl
import pytest

from aurumq_rl.market.boards import board_expr
from aurumq_rl.market.limits import (
    limit_pct_exprs,
    on_tick_grid,
    real_price_share,
    round_half_up_cents,
)
from aurumq_rl.market.status import annotate


@pytest.mark.parametrize(
    ("code", "board"),
    [("600000.SH", "main"), ("601398.SH", "main"), ("603288.SH", "main"), ("605499.SH", "main"),
     ("000001.SZ", "main"), ("001979.SZ", "main"), ("002594.SZ", "main"), ("003816.SZ", "main"),
     ("300750.SZ", "chinext"), ("301269.SZ", "chinext"), ("302132.SZ", "chinext"), ("688981.SH", "star"),
     ("689009.SH", "star"),
     ("430047.BJ", "bse"), ("830799.BJ", "bse"), ("872925.BJ", "bse"), ("889999.BJ", "bse"),
     ("920001.BJ", "bse"), ("900901.SH", "b_share"), ("200002.SZ", "b_share"),
     ("000300.SH", None), ("300750.SH", None), ("600000.SZ", None)],
)
def test_board_from_code(code: str, board: str | None) -> None:
    assert pl.DataFrame({"ts_code": [code]}).select(board_expr())["board"].item() == board


def _limits(board: str, day: date, st: bool = False, listing_day: int = 1000) -> tuple:
    up, down, has = limit_pct_exprs(listed_on=None)  # the row's date stands in for the listing date
    row = pl.DataFrame({"board": [board], "is_st": [st], "trade_date": [day], "listing_day": [listing_day]})
    return row.select(up, down, has).row(0)


@pytest.mark.parametrize(
    ("board", "day", "st", "listing_day", "expected"),
    [
        ("main", date(2024, 1, 2), False, 1000, (0.10, 0.10, True)),
        ("main", date(2024, 1, 2), True, 1000, (0.05, 0.05, True)),
        ("main", date(2025, 7, 4), True, 1000, (0.05, 0.05, True)),   # last day before the change
        ("main", date(2025, 7, 7), True, 1000, (0.10, 0.10, True)),   # effective date of the change
        ("chinext", date(2020, 8, 21), False, 1000, (0.10, 0.10, True)),
        ("chinext", date(2020, 8, 24), False, 1000, (0.20, 0.20, True)),
        ("chinext", date(2020, 8, 21), True, 1000, (0.10, 0.10, True)),  # ChiNext ST: same as normal
        ("chinext", date(2020, 8, 24), True, 1000, (0.20, 0.20, True)),  # ST keeps ±20%
        ("star", date(2021, 3, 1), False, 1000, (0.20, 0.20, True)),
        ("star", date(2021, 3, 1), True, 1000, (0.20, 0.20, True)),
        ("bse", date(2022, 3, 1), False, 1000, (0.30, 0.30, True)),
        ("bse", date(2022, 3, 1), True, 1000, (0.30, 0.30, True)),
        # new listings
        ("star", date(2021, 3, 1), False, 5, (None, None, False)),
        ("star", date(2021, 3, 1), False, 6, (0.20, 0.20, True)),
        ("chinext", date(2021, 3, 1), False, 5, (None, None, False)),
        ("chinext", date(2020, 8, 21), False, 1, (0.44, 0.36, True)),
        ("chinext", date(2020, 8, 21), False, 2, (0.10, 0.10, True)),
        ("main", date(2023, 4, 7), False, 1, (0.44, 0.36, True)),
        ("main", date(2023, 4, 7), False, 2, (0.10, 0.10, True)),
        ("main", date(2023, 4, 10), False, 1, (None, None, False)),
        ("main", date(2023, 4, 10), False, 5, (None, None, False)),
        ("main", date(2023, 4, 10), False, 6, (0.10, 0.10, True)),
        ("bse", date(2022, 3, 1), False, 1, (None, None, False)),
        ("bse", date(2022, 3, 1), False, 2, (0.30, 0.30, True)),
    ],
)
def test_limit_table(board: str, day: date, st: bool, listing_day: int, expected: tuple) -> None:
    got = _limits(board, day, st, listing_day)
    assert tuple(round(v, 9) if isinstance(v, float) else v for v in got) == expected


@pytest.mark.parametrize(("x", "cents"), [(11.055, 11.06), (11.054, 11.05), (2.345, 2.35), (10.0, 10.0),
                                          (3.3 * 1.1, 3.63), (6.35 * 1.05, 6.67)])
def test_round_half_up(x: float, cents: float) -> None:
    assert pl.select(round_half_up_cents(pl.lit(x))).item() == pytest.approx(cents, abs=1e-9)


def _frame(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(rows).with_columns(pl.col("trade_date").cast(pl.Date))


def _annotate(df: pl.DataFrame, method: str) -> pl.DataFrame:
    cal = df["trade_date"].unique().sort()
    return annotate(df.lazy(), df.columns, cal, method).sort("ts_code", "trade_date").collect()


def test_price_based_limit_detection_uses_rounded_limit_price() -> None:
    # pre_close 6.35, limit-up price round(6.985) = 6.99 (half-up), limit-down round(5.715) = 5.72
    rows = [
        {"ts_code": "600001.SH", "trade_date": date(2024, 1, 2), "pre_close": 6.35, "close": 6.99,
         "pct_chg": 6.99 / 6.35 - 1, "vol": 10.0},
        {"ts_code": "600002.SH", "trade_date": date(2024, 1, 2), "pre_close": 6.35, "close": 6.98,
         "pct_chg": 6.98 / 6.35 - 1, "vol": 10.0},
        {"ts_code": "600003.SH", "trade_date": date(2024, 1, 2), "pre_close": 6.35, "close": 5.72,
         "pct_chg": 5.72 / 6.35 - 1, "vol": 10.0},
    ]
    out = _annotate(_frame(rows), "price")
    assert out["is_limit_up"].to_list() == [True, False, False]
    assert out["is_limit_down"].to_list() == [False, False, True]
    assert out["can_buy_raw"].to_list() == [False, True, True]
    assert out["can_sell"].to_list() == [True, True, False]


def test_st_limit_by_name_and_flag_and_date() -> None:
    rows = [  # main-board ST at +5% is limit-up before 2025-07-07, not after
        {"ts_code": "600001.SH", "trade_date": date(2025, 7, 4), "close": 10.5, "pct_chg": 0.05, "vol": 1.0,
         "name": "*ST 甲", "pre_close": 10.0},
        {"ts_code": "600001.SH", "trade_date": date(2025, 7, 7), "close": 11.025, "pct_chg": 0.05,
         "vol": 1.0, "name": "*ST 甲", "pre_close": 10.5},
        {"ts_code": "600002.SH", "trade_date": date(2025, 7, 4), "close": 10.5, "pct_chg": 0.05, "vol": 1.0,
         "name": "乙", "pre_close": 10.0},
    ]
    out = _annotate(_frame(rows), "price")
    assert out["is_st"].to_list() == [True, True, False]
    assert out["limit_up_pct"].to_list() == pytest.approx([0.05, 0.10, 0.10])
    assert out["is_limit_up"].to_list() == [True, False, False]


def test_is_st_column_wins_over_name() -> None:
    rows = [{"ts_code": "600001.SH", "trade_date": date(2024, 1, 2), "close": 10.0, "pct_chg": 0.0,
             "vol": 1.0, "name": "ST 甲", "is_st": False}]
    assert _annotate(_frame(rows), "pct")["is_st"].to_list() == [False]


def test_pct_based_detection_tolerance() -> None:
    rows = [{"ts_code": f"60000{i}.SH", "trade_date": date(2024, 1, 2), "close": c, "pct_chg": p, "vol": 1.0}
            for i, (c, p) in enumerate([(3.0, 0.0990), (3.0, 0.0960), (3.0, -0.0995), (30.0, 0.0999)])]
    out = _annotate(_frame(rows), "pct")
    assert out["is_limit_up"].to_list() == [True, False, False, True]
    assert out["is_limit_down"].to_list() == [False, False, True, False]


def test_pct_based_detection_needs_the_close_at_the_high_or_low() -> None:
    """Adjusted (qfq) bars: a +9.99% close a few hundredths of a percent below the day's high was one cent off the
    limit in real prices (adjustment scales the day's prices alike), so it is no limit-up; likewise a -9.99% close
    above the day's low is no limit-down. A close at the high (low) stays a hit; a null high decides nothing."""
    base = {"trade_date": date(2024, 1, 2), "vol": 1.0, "open": 20.0}
    rows = [
        {**base, "ts_code": "600001.SH", "close": 21.9978, "high": 22.0045, "low": 20.0, "pct_chg": 0.09989},
        {**base, "ts_code": "600002.SH", "close": 22.0045, "high": 22.0045, "low": 20.0, "pct_chg": 0.10002},
        {**base, "ts_code": "600003.SH", "close": 18.0021, "high": 20.0, "low": 17.9952, "pct_chg": -0.09989},
        {**base, "ts_code": "600004.SH", "close": 17.9952, "high": 20.0, "low": 17.9952, "pct_chg": -0.10002},
        {**base, "ts_code": "600005.SH", "close": 21.9978, "high": None, "low": None, "pct_chg": 0.09989},
    ]
    out = _annotate(_frame(rows), "pct")
    assert out["is_limit_up"].to_list() == [False, True, False, False, True]
    assert out["is_limit_down"].to_list() == [False, False, False, True, False]
    assert out["can_buy_raw"].to_list() == [True, False, True, True, False]


@pytest.mark.parametrize("method", ["price", "pct"])
def test_a_move_beyond_the_limit_is_no_limit_hit(method: str) -> None:
    """A +306% day (a relisting: no limit applied) or a -25% day on the main board is past the limit, so the stock
    was not locked at it; the cent rounding of a low-priced limit (4.75 → 5.23, +10.105%) still is a hit."""
    base = {"trade_date": date(2024, 1, 2), "vol": 1.0}
    rows = [
        {**base, "ts_code": "600001.SH", "pre_close": 8.84, "close": 35.90, "pct_chg": 35.90 / 8.84 - 1},
        {**base, "ts_code": "600002.SH", "pre_close": 10.00, "close": 7.50, "pct_chg": -0.25},
        {**base, "ts_code": "600003.SH", "pre_close": 4.75, "close": 5.23, "pct_chg": 5.23 / 4.75 - 1},
        {**base, "ts_code": "600004.SH", "pre_close": 4.75, "close": 4.28, "pct_chg": 4.28 / 4.75 - 1},
    ]
    out = _annotate(_frame(rows), method)
    assert out["is_limit_up"].to_list() == [False, False, True, False]
    assert out["is_limit_down"].to_list() == [False, False, False, True]


def test_one_price_day_blocks_both_directions_and_suspension() -> None:
    rows = [
        {"ts_code": "600001.SH", "trade_date": date(2024, 1, 2), "open": 11.0, "high": 11.0, "low": 11.0,
         "close": 11.0, "pre_close": 10.0, "pct_chg": 0.1, "vol": 5.0},
        {"ts_code": "600002.SH", "trade_date": date(2024, 1, 2), "open": 10.0, "high": 10.0, "low": 10.0,
         "close": 10.0, "pre_close": 10.0, "pct_chg": 0.0, "vol": 0.0},
    ]
    out = _annotate(_frame(rows), "price")
    assert out["is_one_price"].to_list() == [True, False]
    assert out["suspended"].to_list() == [False, True]
    assert out["can_sell"].to_list() == [False, False]
    assert out["can_buy_raw"].to_list() == [False, False]


def test_new_listing_from_first_bar_and_protection() -> None:
    days = [date(2024, 1, d) for d in (2, 3, 4, 5, 8)]
    rows = [{"ts_code": "600001.SH", "trade_date": d, "close": 10.0, "pct_chg": 0.0, "vol": 1.0} for d in days]
    rows += [{"ts_code": "688001.SH", "trade_date": d, "close": 10.0, "pct_chg": 0.3, "vol": 1.0}
             for d in days[2:]]
    out = _annotate(_frame(rows), "pct")
    star = out.filter(pl.col("ts_code") == "688001.SH")
    assert star["listing_day"].to_list() == [1, 2, 3]
    assert star["has_limit"].to_list() == [False, False, False]
    assert not star["is_limit_up"].any()
    assert not star["can_buy_raw"].any()  # protection: listed < 60 days
    seasoned = out.filter(pl.col("ts_code") == "600001.SH")
    assert seasoned["listing_day"].min() > 1000 and seasoned["can_buy_raw"].all()


def test_listing_day_from_list_date_counts_trading_days() -> None:
    days = [date(2024, 1, d) for d in (2, 3, 4, 5, 8)]
    rows = [{"ts_code": "600001.SH", "trade_date": d, "close": 10.0, "pct_chg": 0.0, "vol": 1.0,
             "list_date": date(2024, 1, 4)} for d in days[2:]]
    rows += [{"ts_code": "600002.SH", "trade_date": d, "close": 10.0, "pct_chg": 0.0, "vol": 1.0,
              "list_date": date(2010, 1, 4)} for d in days]
    out = _annotate(_frame(rows), "pct")
    assert out.filter(pl.col("ts_code") == "600001.SH")["listing_day"].to_list() == [1, 2, 3]


def test_new_listing_keeps_the_regime_it_listed_under() -> None:
    """An IPO listed two days before the 2023-04-10 reform keeps the old regime (+44%/-36% day 1, then ±10%)
    on its days 3-5, which fall after the reform; one listed on the reform date has no limit for 5 days."""
    cal = [date(2023, 4, d) for d in (3, 4, 6, 7, 10, 11, 12, 13, 14, 17)]  # 04-05 is a holiday
    rows = [{"ts_code": code, "trade_date": d, "close": 10.0, "pct_chg": 0.0, "vol": 1.0}
            for code, first in (("600000.SH", 0), ("603001.SH", 2), ("603002.SH", 4)) for d in cal[first:]]
    out = _annotate(_frame(rows), "pct")
    old = out.filter(pl.col("ts_code") == "603001.SH")
    assert old["listed_on"].unique().to_list() == [date(2023, 4, 6)]
    assert old["limit_up_pct"].to_list() == pytest.approx([0.44, 0.10, 0.10, 0.10, 0.10, 0.10, 0.10, 0.10])
    new = out.filter(pl.col("ts_code") == "603002.SH")
    assert new["limit_up_pct"].to_list()[:5] == [None] * 5 and new["limit_up_pct"][5] == pytest.approx(0.10)


def test_auto_limit_method_decides_row_by_row() -> None:
    """auto checks a row by price when its close is on the 0.01 grid (a real price) and by pct_chg otherwise,
    row by row: forward-adjusted data is real only after a stock's last ex-date, and a file-level choice let
    rows appended later flip the method (and the flags) of past rows. An adjusted pre_close does not make a
    price real: the close must sit on the grid."""
    assert pl.DataFrame({"close": [10.01, 9.5, 3.3301, None]}).select(on_tick_grid())["close"].to_list() == [
        True, True, False, False]
    # the report's share: close and previous close on the grid (3.33 at +1% comes from 3.2970…: adjusted)
    shares = pl.DataFrame({"close": [10.01, 9.5, 3.3301, 3.33, None], "pct_chg": [0.001, 0.0, 0.0, 0.01, 0.0]})
    assert real_price_share(shares) == 0.5
    base = {"trade_date": date(2024, 1, 2), "vol": 1.0}
    rows = [  # real 246.00 → 270.58, two cents below the 270.60 limit: pct_chg is within the 0.01% floor
        {**base, "ts_code": "600001.SH", "close": 270.58, "pct_chg": 270.58 / 246 - 1},
        # adjusted (off the grid), +9.96% from about 5.00: within half a cent, so pct says limit-up
        {**base, "ts_code": "600002.SH", "close": 5.4978, "pct_chg": 0.0996},
        {**base, "ts_code": "600003.SH", "close": 11.0, "pct_chg": 0.1}]  # real 10.00 → 11.00
    frame = _frame(rows)
    assert _annotate(frame, "auto")["is_limit_up"].to_list() == [False, True, True]
    assert _annotate(frame, "pct")["is_limit_up"].to_list() == [True, True, True]
    assert _annotate(frame.filter(pl.col("ts_code") != "600002.SH"), "auto")["is_limit_up"].to_list() == [
        False, True]  # the adjusted row's presence changes nothing for the others
    with pytest.raises(ValueError, match="limit_method='exact'"):
        _annotate(frame, "exact")


def test_auto_judges_an_adjusted_row_whose_close_lands_on_the_grid_by_pct() -> None:
    """Forward-adjusted prices land on the cent grid by chance (about 1 row in 100). On the real CSI 300 sample
    600025.SH closed 2021-09-28 at the limit (+9.9724%, close = high = 7.64 from an adjusted 6.9472): auto read
    the close as a real price, rounded the derived previous close to 6.95 and wanted 7.65, so the sealed day
    was no limit-up and a backtest could buy it. A price is real only when the previous close is on the grid
    too (within the rounding of pct_chg); the same row with a real previous close stays price-checked."""
    base = {"trade_date": date(2021, 9, 28), "vol": 1.0}
    rows = [{**base, "ts_code": "600025.SH", "high": 7.64, "close": 7.64, "pct_chg": 0.099724},
            {**base, "ts_code": "000425.SZ", "high": 5.54, "close": 5.54, "pct_chg": 0.100757},  # from 5.0329
            {**base, "ts_code": "601021.SH", "high": 53.4, "close": 53.4, "pct_chg": 0.099897}]  # real 48.55:
    frame = _frame(rows)  # the limit is 53.41, so 53.40 is no limit-up (pct alone would say it is)
    assert _annotate(frame, "auto")["is_limit_up"].to_list() == [True, True, False]
    assert _annotate(frame.with_columns(pre_close=pl.Series([6.9472, 5.0329, 48.55])), "auto")[
        "is_limit_up"].to_list() == [True, True, False]


def test_list_date_before_the_data_counts_weekdays_before_it() -> None:
    days = [date(2024, 1, 2), date(2024, 1, 3)]
    rows = [{"ts_code": "600001.SH", "trade_date": d, "close": 10.0, "pct_chg": 0.0, "vol": 1.0,
             "list_date": date(2023, 12, 25)} for d in days]
    out = _annotate(_frame(rows), "pct")
    # Mon 12-25 … Fri 12-29, Mon 01-01: 6 weekdays before 01-02, so 01-02 is listing day 7
    assert out["listing_day"].to_list() == [7, 8]


def test_stamp_duty_covers_every_date_and_small_budgets_fail_loudly() -> None:
    from aurumq_rl.market.costs import CostModel

    days = np.array(["2005-06-01", "2008-09-18", "2015-06-01", "2023-08-25", "2023-08-28"], dtype="datetime64[D]")
    buy, sell = CostModel(30.0).rates(days)
    round_trip_bps = (buy + sell) * 1e4
    # 30 bps before the 2023-08-28 cut, whatever the year (no date falls outside the stamp-duty table)
    np.testing.assert_allclose(round_trip_bps, [30, 30, 30, 30, 25])
    np.testing.assert_allclose((sell - buy) * 1e4, [10, 10, 10, 10, 5])  # the duty, on sells only
    with pytest.raises(ValueError, match=r"round_trip_bps=10 .*--cost-bps.*at least 15"):
        CostModel(10.0)
    assert CostModel(0.0).rates(days)[1].sum() == 0.0  # 0 = frictionless
