"""Helpers of the factor tests: an expression evaluated on one stock (dates in order) or on one date (stocks in
order), a one-stock OHLCV frame, a registered factor's values (the technical and zt families are loaded on
import), and a list compared approximately with its None entries kept."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from aurumq_rl.factors.expr import X, evaluate
from aurumq_rl.factors.registry import REGISTRY, specs
from tests.factors.test_technical import weekdays

specs()  # load the registered families (technical, zt)

N = None
x_, y_ = X.col("x"), X.col("y")


def one(op: X, **cols: list) -> list[float | None]:
    """`op` on one stock whose columns are given in date order."""
    n = len(next(iter(cols.values())))
    df = pl.DataFrame({"ts_code": ["A"] * n, "trade_date": list(range(n)), **cols}, strict=False)
    return evaluate(df, {"v": op})["v"].to_list()


def day(op: X, **cols: list) -> list[float | None]:
    """`op` on one date across stocks S0, S1, ... whose columns are given in stock order."""
    n = len(next(iter(cols.values())))
    df = pl.DataFrame({"ts_code": [f"S{i:03d}" for i in range(n)], "trade_date": [0] * n, **cols}, strict=False)
    return evaluate(df, {"v": op}).sort("ts_code")["v"].to_list()


def ohlcv(
    close: list[float],
    *,
    high: list[float] | None = None,
    low: list[float] | None = None,
    vol: list[float] | None = None,
) -> pl.DataFrame:
    n = len(close)
    return pl.DataFrame(
        {
            "ts_code": ["600000.SH"] * n,
            "trade_date": weekdays(date(2021, 1, 4), n),
            "open": close,
            "high": high if high is not None else close,
            "low": low if low is not None else close,
            "close": close,
            "vol": vol if vol is not None else [100.0] * n,
            "pre_close": [close[0], *close[:-1]],
        }
    )


def factor(df: pl.DataFrame, name: str) -> list[float | None]:
    return evaluate(df, {name: REGISTRY[name].build()})[name].to_list()


def approx(values: list[float | None], rel: float = 1e-12) -> list[object]:
    return [None if v is None else pytest.approx(v, rel=rel, abs=1e-12) for v in values]
