"""exp_decay on a float event column: NaN (pandas' missing value in a float column) is a missing flag, no
event, as a null is. Cast to Boolean as it was, NaN became True, so a missing day read as an event (1.0)."""

from __future__ import annotations

import math

import polars as pl
import pytest

from aurumq_rl.data.events import exp_decay


def _decay(flags: list[float | None]) -> list[float]:
    df = pl.DataFrame({"ts_code": ["a"] * len(flags), "trade_date": list(range(len(flags))), "flag": flags},
                      schema_overrides={"flag": pl.Float64})
    return df.with_columns(exp_decay("flag").alias("e"))["e"].to_list()


def test_nan_in_a_float_flag_is_no_event_like_null() -> None:
    with_nan = _decay([0.0, 1.0, math.nan, 0.0, math.nan])
    with_null = _decay([0.0, 1.0, None, 0.0, None])
    assert with_nan == with_null
    assert with_nan == pytest.approx([0.0, 1.0, math.exp(-0.1), math.exp(-0.2), math.exp(-0.3)], rel=1e-12)


def test_a_float_flag_without_events_but_with_nan_stays_zero() -> None:
    assert _decay([math.nan, 0.0, math.nan]) == [0.0, 0.0, 0.0]


def test_boolean_and_integer_flags_are_read_as_before() -> None:
    df = pl.DataFrame({"ts_code": ["a"] * 4, "trade_date": [0, 1, 2, 3], "b": [False, True, None, False],
                       "i": [0, 1, None, 0]})
    out = df.with_columns(exp_decay("b").alias("eb"), exp_decay(pl.col("i")).alias("ei"))
    want = [0.0, 1.0, math.exp(-0.1), math.exp(-0.2)]
    assert out["eb"].to_list() == pytest.approx(want, rel=1e-12)
    assert out["ei"].to_list() == pytest.approx(want, rel=1e-12)
