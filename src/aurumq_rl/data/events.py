"""Exp-decay encoding of binary event columns: a model sees "how recently", never a raw 0/1 flag."""

from __future__ import annotations

import polars as pl

EVENT_TAU_DAYS = 10.0


def exp_decay(flag: str | pl.Expr, tau: float = EVENT_TAU_DAYS, *, by: str = "ts_code",
              order: str = "trade_date") -> pl.Expr:
    """exp(-(rows since the stock's most recent event) / tau); 1 on the event day, 0 before any event.

    Causal: a value at row t uses only events at rows ≤ t of the same stock. Rows are the stock's own bars
    in `order` (the frame must be sorted by `by`, `order`). Null flags count as no event.
    """
    f = (pl.col(flag) if isinstance(flag, str) else flag).cast(pl.Boolean).fill_null(False)
    i = pl.int_range(pl.len()).over(by)
    last = pl.when(f).then(i).otherwise(None).forward_fill().over(by)
    return (-(i - last).cast(pl.Float64) / tau).exp().fill_null(0.0)
