"""The event exp-decay (`exp_decay`): computed within each stock, so an event never carries into the next stock's
rows."""

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
