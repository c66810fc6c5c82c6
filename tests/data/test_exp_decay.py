"""The event exp-decay (`exp_decay`): computed within each stock in date order (whatever the row order), so an event
never carries into the next stock's rows nor into earlier dates."""

from __future__ import annotations

import numpy as np
import polars as pl

from aurumq_rl.data.events import exp_decay


def test_exp_decay_does_not_carry_an_event_into_the_next_stock() -> None:
    df = pl.DataFrame({"ts_code": ["a"] * 3 + ["b"] * 3 + ["c"] * 2, "trade_date": [0, 1, 2, 0, 1, 2, 0, 1],
                       "flag": [0, 0, 1, 0, 0, 1, 0, 0]})
    out = df.with_columns(exp_decay("flag").alias("e"))["e"].to_list()
    # each stock starts at 0 until its own event; c never has one
    np.testing.assert_allclose(out, [0.0, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0], atol=0)


def test_exp_decay_follows_the_order_column_not_the_row_order() -> None:
    """Rows by date descending (or shuffled): the value on a date still uses only that stock's events on it or
    before it, the same values as on the sorted frame."""
    df = pl.DataFrame({"ts_code": ["a"] * 5 + ["b"] * 5, "trade_date": list(range(5)) * 2,
                       "flag": [0, 1, 0, 0, 1, 1, 0, 0, 0, 0]})
    sorted_out = df.with_columns(exp_decay("flag", tau=1.0).alias("e"))["e"].to_list()
    e = np.exp(-1.0)
    np.testing.assert_allclose(sorted_out, [0, 1, e, e**2, 1, 1, e, e**2, e**3, e**4], rtol=1e-12, atol=0)
    for frame in (df.sort("trade_date", descending=True), df.sample(fraction=1.0, shuffle=True, seed=3)):
        out = frame.with_columns(exp_decay("flag", tau=1.0).alias("e")).sort("ts_code", "trade_date")["e"]
        np.testing.assert_allclose(out.to_list(), sorted_out, rtol=1e-12, atol=0)
