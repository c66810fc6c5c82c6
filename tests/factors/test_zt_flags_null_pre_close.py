"""The zt_ limit flags of a row whose pre_close is null: the factor engine must tell the limit-up as the market
rules do (`market.status.annotate` on the input, as the loader and `data check` read it), i.e. with the limit
engine's own cent-rounded fallback for the previous close, not with the unrounded close / (1 + pct_chg) that the
engine derives for tech_atr14 and tech_amplitude."""

from __future__ import annotations

import warnings
from datetime import date

import polars as pl
import pytest

from aurumq_rl.data.synth import weekday_calendar
from aurumq_rl.factors.engine import compute_factors
from aurumq_rl.market.status import annotate

N = 130  # past zt_recent's lookback (99)


def _bars(last_close: float) -> pl.DataFrame:
    """A main-board stock on real (cent-grid) prices at 48.55, then one close of `last_close` at its high. Limit
    price: 48.55 × 1.1 = 53.405, rounded half-up to 53.41 (601021.SH on 2022-11-01 closed at 53.40 from 48.55).
    pct_chg is rounded to 6 decimals, as Tushare's 4 decimals in percent."""
    close = [48.55] * (N - 1) + [last_close]
    pre = [48.55] * N
    return pl.DataFrame({
        "ts_code": ["601021.SH"] * N, "trade_date": weekday_calendar(date(2022, 5, 2), N),
        "open": close, "high": close, "low": close, "close": close, "vol": [100.0] * N, "amount": [485.5] * N,
        "pct_chg": [round(c / p - 1, 6) for c, p in zip(close, pre, strict=True)], "pre_close": pre,
        "list_date": [date(2015, 1, 21)] * N,
    })


def _null_last_pre_close(df: pl.DataFrame) -> pl.DataFrame:
    return df.with_columns(pl.when(pl.int_range(pl.len()) == N - 1).then(None).otherwise(pl.col("pre_close"))
                           .alias("pre_close"))


def _market_flag(df: pl.DataFrame) -> bool:
    """is_limit_up of the last row by the market rules, on the input as given."""
    cal = df["trade_date"].unique().sort()
    out = annotate(df.lazy(), df.columns, cal, "auto").collect().sort("trade_date")
    return bool(out["is_limit_up"][-1])


def _zt_recent_last(df: pl.DataFrame) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out, _ = compute_factors(df, only="zt_recent", progress=False)
    return float(out["zt_recent"][-1])


@pytest.mark.parametrize(("last_close", "limit_up"), [(53.40, False), (53.41, True)])
def test_a_null_pre_close_row_gets_the_market_rules_limit_flag(last_close: float, limit_up: bool) -> None:
    bars = _bars(last_close)
    holed = _null_last_pre_close(bars)
    assert _market_flag(bars) is limit_up and _market_flag(holed) is limit_up  # the rules, with or without it
    want = 1.0 if limit_up else 0.0
    assert _zt_recent_last(bars) == want
    assert _zt_recent_last(bars.drop("pre_close")) == want
    # before the fix: 53.40 counted as a limit-up (zt_recent 1.0) once its pre_close was null
    assert _zt_recent_last(holed) == want
