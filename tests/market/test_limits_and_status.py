"""Price limits and the status annotation (`annotate`, `limit_pct_exprs`): a post-reform ChiNext IPO has no limit for
exactly 5 days, limit prices round half-up even where the float product falls just below the half cent, price-based
detection is exact to the cent, pct-based detection tolerates half a cent capped at 0.25%, or at 1% where the day's
high/low guard it (and survives Tushare's pct_chg rounding at that edge), a null `is_st` falls back to the name, and
the listing day comes from `days_since_ipo`. Expected values come from DOMAIN.md's rules."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from aurumq_rl.market.limits import limit_pct_exprs, round_half_up_cents
from aurumq_rl.market.status import annotate


def _limits(board: str, day: date, listing_day: int) -> tuple:
    up, down, has = limit_pct_exprs(listed_on=None)  # the row's date stands in for the listing date
    row = pl.DataFrame({"board": [board], "is_st": [False], "trade_date": [day], "listing_day": [listing_day]})
    return tuple(round(v, 9) if isinstance(v, float) else v for v in row.select(up, down, has).row(0))


def _annotate(rows: list[dict], method: str) -> pl.DataFrame:
    df = pl.DataFrame(rows).with_columns(pl.col("trade_date").cast(pl.Date))
    cal = df["trade_date"].unique().sort()
    return annotate(df.lazy(), df.columns, cal, method).sort("ts_code", "trade_date").collect()


@pytest.mark.parametrize(("listing_day", "expected"), [(5, (None, None, False)), (6, (0.20, 0.20, True))])
def test_chinext_ipo_after_the_reform_has_no_limit_for_exactly_5_days(listing_day: int, expected: tuple) -> None:
    assert _limits("chinext", date(2021, 3, 1), listing_day) == expected


def test_limit_price_rounds_half_up_where_the_float_product_falls_below_the_half_cent() -> None:
    # 1.15 × 1.10 = 1.265 and 1.15 × 0.90 = 1.035 exactly, half-up 1.27 and 1.04; in floats both products sit
    # a hair below the half cent
    assert pl.select(round_half_up_cents(pl.lit(1.15 * 1.1))).item() == pytest.approx(1.27, abs=1e-9)
    assert pl.select(round_half_up_cents(pl.lit(1.15 * 0.9))).item() == pytest.approx(1.04, abs=1e-9)


@pytest.mark.parametrize(
    ("pre_close", "close", "up", "down"),
    [
        (1.15, 1.27, True, False),  # limit-up price 1.27
        (1.15, 1.26, False, False),  # a cent below it
        (1.15, 1.04, False, True),  # limit-down price 1.04
        (1.15, 1.05, False, False),  # a cent above it
        (6.35, 5.72, False, True),  # 6.35 × 0.9 = 5.715 → 5.72
        (6.35, 5.73, False, False),
    ],
)
def test_price_based_detection_is_exact_to_the_cent(pre_close: float, close: float, up: bool, down: bool) -> None:
    rows = [{"ts_code": "600001.SH", "trade_date": date(2024, 1, 2), "pre_close": pre_close, "close": close,
             "pct_chg": close / pre_close - 1, "vol": 10.0}]
    out = _annotate(rows, "price")
    assert (out["is_limit_up"][0], out["is_limit_down"][0]) == (up, down)



def test_price_based_detection_without_pre_close_rounds_the_derived_one_to_the_cent() -> None:
    """No pre_close column: close / (1 + pct_chg) = 5.72 / 0.90079 = 6.34998 (pct_chg rounded) is read as the
    real 6.35, whose limit-down price 5.715 → 5.72 is the close; unrounded, 6.34998 × 0.9 → 5.71, no hit."""
    rows = [{"ts_code": "600001.SH", "trade_date": date(2024, 1, 2), "close": 5.72, "pct_chg": -0.09921,
             "vol": 10.0}]
    out = _annotate(rows, "price")
    assert (out["is_limit_up"][0], out["is_limit_down"][0]) == (False, True)

@pytest.mark.parametrize(
    ("close", "pct", "up", "down"),
    [
        # previous close 1.00: half a cent is 0.5%, capped at 0.25% → limit-up from +9.75%
        (1.097, 0.097, False, False),
        (1.0976, 0.0976, True, False),
        (0.903, -0.097, False, False),
        # previous close 5.00: half a cent is 0.1% → limit-up from +9.9%
        (5.491, 0.0982, False, False),
        (5.4955, 0.0991, True, False),
        (4.509, -0.0982, False, False),
        (4.5045, -0.0991, False, True),
    ],
)
def test_pct_based_tolerance_is_half_a_cent_capped_at_a_quarter_percent(close: float, pct: float, up: bool,
                                                                         down: bool) -> None:
    rows = [{"ts_code": "600001.SH", "trade_date": date(2024, 1, 2), "close": close, "pct_chg": pct, "vol": 1.0}]
    out = _annotate(rows, "pct")
    assert (out["is_limit_up"][0], out["is_limit_down"][0]) == (up, down)


@pytest.mark.parametrize(
    ("close", "pct", "ohlc", "up"),
    [
        (1.6765, 0.097401, True, True),  # the sealed limit-up: 1.54 → 1.69 is +9.74%, 0.26% short of +10%
        (1.6666, 0.090909, True, False),  # a cent below it (1.68), also at the day's high
        (1.6765, 0.097401, False, False),  # no high to guard it: the 0.25% cap stays
    ],
)
def test_pct_based_limit_up_of_a_stock_under_2_yuan(close: float, pct: float, ohlc: bool, up: bool) -> None:
    """Real case (600010.SH, 2021-03-01, forward-adjusted by 0.99201, so off the cent grid and checked by pct):
    real previous close 1.54, limit price 1.694 → 1.69, pct_chg +9.7401%, close = high. Half a cent of 1.54 is
    0.32%; capped at 0.25%, the limit-up read as buyable. Where the day's high guards the flag the cap is 1%."""
    row = {"ts_code": "600010.SH", "trade_date": date(2021, 3, 1), "close": close, "pct_chg": pct, "vol": 1.0}
    if ohlc:
        row |= {"open": 1.5178, "high": close, "low": 1.4881}
    for method in ("pct", "auto"):
        out = _annotate([row], method)
        assert out["is_limit_up"].to_list() == [up], method
        assert out["can_buy_raw"].to_list() == [not up], method


def test_pct_based_limit_down_survives_pct_chg_rounding_at_the_half_cent() -> None:
    """Real case (000625.SZ, 2022-06-29): 20.35 × 0.9 = 18.315 rounds half-up to a limit price of 18.32, a move of
    exactly −10% + half a cent, the tolerance's edge; Tushare's pct_chg −9.9754% is 3e-7 past it. A sealed
    limit-down must not read as sellable. One cent higher (18.33, −9.9263%) is no limit hit."""
    base = {"ts_code": "000625.SZ", "trade_date": date(2022, 6, 29), "vol": 1.0, "open": 18.5, "high": 18.6}
    out = _annotate([{**base, "close": 18.32, "low": 18.32, "pct_chg": -0.099754}], "pct")
    assert out["is_limit_down"].to_list() == [True]
    out = _annotate([{**base, "close": 18.33, "low": 18.33, "pct_chg": -0.099263}], "pct")
    assert out["is_limit_down"].to_list() == [False]


def test_null_is_st_falls_back_to_the_name() -> None:
    rows = [
        {"ts_code": "600001.SH", "trade_date": date(2024, 1, 2), "close": 10.5, "pct_chg": 0.05, "vol": 1.0,
         "name": "*ST 甲", "is_st": None},
        {"ts_code": "600002.SH", "trade_date": date(2024, 1, 2), "close": 10.5, "pct_chg": 0.05, "vol": 1.0,
         "name": "ST 乙", "is_st": False},
        {"ts_code": "600003.SH", "trade_date": date(2024, 1, 2), "close": 10.5, "pct_chg": 0.05, "vol": 1.0,
         "name": "丙", "is_st": True},
    ]
    out = _annotate(rows, "pct")
    assert out["is_st"].to_list() == [True, False, True]
    assert out["limit_up_pct"].to_list() == pytest.approx([0.05, 0.10, 0.05])  # main-board ST ±5% in 2024
    assert out["is_limit_up"].to_list() == [True, False, True]


@pytest.mark.parametrize(("listing", "listed_on"), [({"list_date": date(2030, 1, 2)}, date(2030, 1, 2)),
                                                    ({"days_since_ipo": -5}, None)],
                         ids=["list_date after the data", "negative days_since_ipo"])
def test_rows_before_a_listing_past_the_data_annotate(listing: dict, listed_on: date | None) -> None:
    """A row before its stock's listing, when listing day 1 lies past the data's last date, sent the listing
    date's look-up past the end of the calendar: a polars OutOfBoundsError (a traceback from `data check`,
    `train`, `factors compute`). Its listing date is now null, as for a listing before the data starts, unless
    `list_date` gives it."""
    days = [date(2024, 1, d) for d in (2, 3, 4)]
    rows = [{"ts_code": "600001.SH", "trade_date": d, "close": 10.0, "pct_chg": 0.0, "vol": 1.0, **listing}
            for d in days]
    out = _annotate(rows, "pct")
    assert out["listed_on"].to_list() == [listed_on] * 3
    assert (out["listing_day"] <= 0).all() and not out["can_buy_raw"].any()


@pytest.mark.parametrize(
    ("code", "listed", "days", "up"),
    [
        # main board, approval regime (day 1 +44%, then ±10%), days 3-5 fall after the 2023-04-10 reform
        ("603999.SH", date(2023, 4, 6), [date(2023, 4, d) for d in (10, 11, 12)], 0.10),
        # ChiNext listed before its reform (day 1 +44%, then ±10%): from 2020-08-24 every listed stock is ±20%
        ("300999.SZ", date(2020, 8, 20), [date(2020, 8, d) for d in (24, 25, 26)], 0.20),
    ],
    ids=["main board before 2023-04-10", "ChiNext before 2020-08-24"],
)
def test_listing_before_the_data_keeps_its_regime(code: str, listed: date, days: list, up: float) -> None:
    """Listing day 1 before the data's first date: the new-listing rules tested the row's date (after the
    reform: no limit for 5 days) instead of the listing date; `list_date` gives it. A 10% fall on day 4 of
    the main-board IPO is a limit-down it cannot be sold on."""
    closes, pcts = [11.0, 9.9, 8.91], [0.1, -0.1, -0.1]
    rows = [{"ts_code": code, "trade_date": d, "list_date": listed, "close": c, "pre_close": round(c / (1 + p), 2),
             "pct_chg": p, "vol": 1.0} for d, c, p in zip(days, closes, pcts, strict=True)]
    out = _annotate(rows, "auto")
    assert out["listing_day"].to_list() == [3, 4, 5]
    assert out["listed_on"].to_list() == [listed] * 3
    assert out["limit_up_pct"].to_list() == pytest.approx([up] * 3)
    if up == 0.10:
        assert out["is_limit_down"].to_list() == [False, True, True]
        assert out["can_sell"].to_list() == [True, False, False]


def test_listing_day_from_days_since_ipo() -> None:
    """days_since_ipo is 0 on the listing day (listing day 1): a STAR IPO has no limit on days_since_ipo
    0-4 and ±20% from 5."""
    days = [date(2024, 1, d) for d in (2, 3, 4, 5, 8, 9, 10)]
    rows = [{"ts_code": "688001.SH", "trade_date": d, "close": 10.0, "pct_chg": 0.0, "vol": 1.0,
             "days_since_ipo": i} for i, d in enumerate(days)]
    out = _annotate(rows, "pct")
    assert out["listing_day"].to_list() == [1, 2, 3, 4, 5, 6, 7]
    assert out["has_limit"].to_list() == [False] * 5 + [True] * 2
    assert out["limit_up_pct"].to_list()[5:] == pytest.approx([0.20, 0.20])
