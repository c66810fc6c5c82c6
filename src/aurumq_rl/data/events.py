"""Exp-decay encoding of binary event columns: a model sees "how recently", never a raw 0/1 flag."""

from __future__ import annotations

import polars as pl

EVENT_TAU_DAYS = 10.0


def is_raw_flag(values: pl.Series) -> bool:
    """An integer column whose values are exactly {0, 1} (nulls aside): a raw event flag in a type the Boolean
    check cannot catch. (Float columns are not judged: a count that never exceeded 1 looks the same.)"""
    if not values.dtype.is_integer():
        return False
    return sorted(values.drop_nulls().unique().to_list()) == [0, 1]


def raw_flag_message(columns: list[str]) -> str:
    """The one warning text for raw 0/1 flag columns (loader and `data check`)."""
    return (f"factor column(s) {', '.join(columns[:10])} are integers holding only 0 and 1, like a raw "
            "event flag; if a column marks events, encode it with aurumq_rl.data.events.exp_decay (tau = "
            f"{EVENT_TAU_DAYS:g} trading days) so the model sees how recent the event is; a 0/1 state (e.g. a "
            "membership) may stay as it is")


def exp_decay(flag: str | pl.Expr, tau: float = EVENT_TAU_DAYS, *, by: str = "ts_code",
              order: str = "trade_date") -> pl.Expr:
    """exp(-(rows since the stock's most recent event) / tau); 1 on the event day, 0 before any event.

    Causal: a value at row t uses only events at earlier or equal `order` values of the same stock (`by`),
    whatever the frame's row order. Rows are the stock's own bars. Null flags count as no event, and so does NaN (how
    pandas marks a missing value in a float flag column; cast to Boolean as it is, NaN would be an event).
    """
    f = (pl.col(flag) if isinstance(flag, str) else flag).cast(pl.Float64).fill_nan(None)
    f = f.cast(pl.Boolean).fill_null(False)
    i = pl.int_range(pl.len()).over(by, order_by=order)
    last = pl.when(f).then(i).otherwise(None).forward_fill().over(by, order_by=order)
    return (-(i - last).cast(pl.Float64) / tau).exp().fill_null(0.0)
