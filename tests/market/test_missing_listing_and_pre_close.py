"""Listing age and previous close with missing values, and limit tables checked when built: a null list_date or
days_since_ipo falls through to the next source (never "listed on the data's first date", never out of
trading), a null pre_close falls back to close / (1 + pct_chg) for limit detection, and a rule the model's
record would refuse at inference is refused when training builds its MarketConfig."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from aurumq_rl.data.synth import weekday_calendar
from aurumq_rl.market.boards import MAIN
from aurumq_rl.market.limits import LIMIT_RULES, LimitRule
from aurumq_rl.market.status import MarketConfig, annotate, listing_fallback_message


def _weekdays(n: int, start: date = date(2022, 1, 3)) -> list[date]:
    return weekday_calendar(start, n)


def _annotated(rows: list[dict], schema: dict | None = None) -> pl.DataFrame:
    df = pl.DataFrame(rows, schema_overrides=schema)
    cal = df["trade_date"].unique().sort()
    return annotate(df.lazy(), df.columns, cal, "auto", MarketConfig(min_listed_days=60)).collect()


def test_null_list_date_of_a_mid_data_listing_keeps_new_listing_protection() -> None:
    """A stock whose first bar is day 120 of the data and whose list_date is null (a left join on a
    stock_basic that lacks it) must not be buyable on its first bar: without the column at all the loader
    treats it as a new listing (60 days of protection); with a null value it is bought from its IPO day."""
    days = _weekdays(200)
    rows = [dict(ts_code=code, trade_date=d, close=10.0, pct_chg=0.0, vol=100.0, list_date=ld)
            for code, first, ld in (("600001.SH", 0, date(2010, 1, 4)), ("600003.SH", 120, None))
            for d in days[first:]]
    out = _annotated(rows, {"list_date": pl.Date}).filter(pl.col("ts_code") == "600003.SH").sort("trade_date")
    first_buy = out.with_row_index("i").filter(pl.col("can_buy_raw"))["i"].min()
    assert first_buy is not None and first_buy >= 60, f"null list_date: buyable {first_buy} days after its first bar"


def test_null_days_since_ipo_rows_are_not_silently_dropped_from_trading() -> None:
    """A seasoned stock whose days_since_ipo is null on some rows must stay buyable on them (as without the
    column), not silently leave the universe and the buyable set on every such row."""
    days = _weekdays(100)
    rows = [dict(ts_code="600002.SH", trade_date=d, close=10.0, pct_chg=0.0, vol=100.0,
                 days_since_ipo=None if i % 2 else 1000 + i) for i, d in enumerate(days)]
    out = _annotated(rows, {"days_since_ipo": pl.Int64})
    buyable = out["can_buy_raw"].fill_null(False)  # the loader densifies a null mask value as False
    assert buyable.all(), f"{(~buyable).sum()} of {out.height} rows unbuyable"


@pytest.mark.parametrize(("rule", "message"), [
    (LimitRule("MAIN", 0.15, 0.15, start=date(2030, 1, 2)), "board 'MAIN' is not one of main"),  # matched nothing
    (LimitRule(MAIN, 15, 15, start=date(2030, 1, 2)), "up 15 must be a fraction"),  # percent: never hit
])
def test_a_limit_rule_the_record_would_refuse_is_refused_when_the_config_is_built(rule: LimitRule,
                                                                                   message: str) -> None:
    """Training ran under such a table silently, and every `infer`/`eval` of the model then failed reading it."""
    with pytest.raises(ValueError, match=message):
        MarketConfig(rules=(rule, *LIMIT_RULES))


def test_a_null_list_date_is_named_in_the_listing_fallback_warning() -> None:
    days = _weekdays(200)
    rows = [dict(ts_code=code, trade_date=d, close=10.0, pct_chg=0.0, vol=100.0, list_date=ld)
            for code, first, ld in (("600001.SH", 0, date(2010, 1, 4)), ("600003.SH", 120, None))
            for d in days[first:]]
    msg = listing_fallback_message(_annotated(rows, {"list_date": pl.Date}), ["list_date"], "60 days unbuyable")
    assert msg is not None and msg.startswith("list_date missing (null) on some rows, so 1 stock(s) whose first bar")
    assert "600003.SH" in msg and "600001.SH" not in msg


@pytest.mark.parametrize("method", ["auto", "price", "pct"])
def test_a_null_pre_close_falls_back_to_the_derived_previous_close(method: str) -> None:
    """A `pre_close` column with a null on some rows (shards from a source without it, a vendor gap): those rows
    must still be told at a limit from close / (1 + pct_chg), as when the column is absent. Today a +10% sealed
    close is buyable and a -10% one sellable."""
    base = dict(trade_date=date(2024, 1, 2), vol=100.0)
    rows = [dict(ts_code="600001.SH", close=11.0, pct_chg=0.10, pre_close=10.0, **base),
            dict(ts_code="600002.SH", close=11.0, pct_chg=0.10, pre_close=None, **base),
            dict(ts_code="600003.SH", close=9.0, pct_chg=-0.10, pre_close=None, **base)]
    df = pl.DataFrame(rows)
    out = annotate(df.lazy(), df.columns, df["trade_date"].unique().sort(), method).sort("ts_code").collect()
    assert out["is_limit_up"].to_list() == [True, True, False]
    assert out["is_limit_down"].to_list() == [False, False, True]
    assert out["can_buy_raw"].to_list()[1] is False and out["can_sell"].to_list()[2] is False
