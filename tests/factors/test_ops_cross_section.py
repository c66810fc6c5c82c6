"""Cross-sectional operators' conventions: rank(method="unit") spans 0 to 1 with two values, scale() is null on a
date whose sum of |x| is 0 (also inside a condition), and ind_neutralize subtracts the industry group's mean.
Expected values are derived by hand from the convention on tiny frames (plain arithmetic or an explicit loop),
never copied from the code under test."""

from __future__ import annotations

import polars as pl

from aurumq_rl.factors import ops
from aurumq_rl.factors.expr import evaluate, where
from tests.factors.helpers import approx, day, x_


def test_rank_unit_with_two_values_spans_zero_to_one() -> None:
    """rank(method="unit") = (r - 1) / (n - 1); only a single value maps to 0.5 (two values: 0 and 1)."""
    assert day(ops.rank(x_, method="unit"), x=[5.0, 2.0, None]) == [1.0, 0.0, None]


def test_scale_zero_sum_date_is_null_inside_a_condition() -> None:
    """scale(x): null when the date's sum of |x| is 0, also when consumed inline by a condition (a NaN there
    would compare as true in polars instead of nulling the ternary)."""
    df = pl.DataFrame({"ts_code": ["A", "B", "A", "B"], "trade_date": [0, 0, 1, 1], "x": [0.0, 0.0, 1.0, -3.0]})
    out = evaluate(df, {"v": where(ops.scale(x_) > 0, 1.0, 0.0)}).sort("trade_date", "ts_code")
    assert out["v"].to_list() == [None, None, 1.0, 0.0]


def test_ind_neutralize_subtracts_the_group_mean() -> None:
    """ind_neutralize: x minus the *mean* of its industry group on the date ([1, 2, 9]: mean 4)."""
    out = day(ops.ind_neutralize(x_, "g"), x=[1.0, 2.0, 9.0, 5.0], g=["a", "a", "a", "b"])
    assert out == approx([-3.0, -2.0, 5.0, 0.0])
