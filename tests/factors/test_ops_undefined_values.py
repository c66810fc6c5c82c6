"""Undefined arithmetic inside an expression (x / 0, log(0), a negative number to a fractional power, 0 to a negative
power) is null, never NaN or ±inf, so the operators after it (rank, scale, conditions, ts_argmax, HIGHDAY, COUNT,
…) read it as missing. Expected values are derived by hand from the convention on tiny frames (plain arithmetic or
an explicit loop), never copied from the code under test."""

from __future__ import annotations

import math

import pytest

from aurumq_rl.factors import gtja_ops as g
from aurumq_rl.factors import ops
from aurumq_rl.factors.expr import where
from tests.factors.helpers import N, approx, day, one, x_, y_


def test_rank_treats_division_by_zero_log_of_zero_and_a_nan_temporary_as_missing() -> None:
    """x / 0 and log(0) are null (never ±inf), and a materialised temporary's NaN is stored as null, so the
    cross-sectional rank neither ranks nor counts them: the two valid values rank 1/2 and 1."""
    assert day(ops.rank(x_ / y_), x=[1.0, 2.0, 3.0], y=[1.0, 0.0, 1.0]) == [0.5, None, 1.0]
    assert day(ops.rank(ops.log(x_)), x=[math.e, 0.0, math.e**2]) == [0.5, None, 1.0]
    # ts_sum(x, 1) ** 0.5 holds a ts window, so rank materialises it: sqrt(-1) = NaN -> null in the temporary
    assert day(ops.rank(ops.ts_sum(x_, 1) ** 0.5), x=[4.0, -1.0, 9.0]) == [0.5, None, 1.0]


# an undefined power made inline (no window, so never materialised): null, read as missing downstream
@pytest.mark.parametrize(
    ("frame", "op", "want"),
    [
        ("ts", lambda e: ops.ts_argmax(e, 2), [N, N, N, 0.0]),
        ("ts", lambda e: ops.ts_argmin(e, 2), [N, N, N, 1.0]),
        ("ts", lambda e: g.highday(e, 2), [N, N, N, 0.0]),
        ("ts", lambda e: g.lowday(e, 2), [N, N, N, 1.0]),
        ("ts", lambda e: g.count(e > 2.5, 2), [N, N, N, 1.0]),
        ("cs", lambda e: ops.rank(e), [0.5, N, 1.0]),
        ("cs", lambda e: ops.scale(e), [0.4, N, 0.6]),
        ("cs", lambda e: where(e > 2.5, 1.0, 0.0), [0.0, N, 1.0]),
    ],
)
def test_an_undefined_power_inside_an_expression_is_missing_for_the_operators_after_it(frame, op, want) -> None:
    """x ** 0.5 of a negative x is null, not NaN (polars orders NaN above every number, so a NaN would win an
    argmax, take the top rank, be counted and null a whole date's scale). One stock x = [1, -1, 4, 9]: every
    window of 2 holding the undefined day is null; one date x = [4, -1, 9]: ranks 1/2, -, 1; scale 2/5, -, 3/5."""
    e = x_**0.5
    got = one(op(e), x=[1.0, -1.0, 4.0, 9.0]) if frame == "ts" else day(op(e), x=[4.0, -1.0, 9.0])
    assert got == approx(want)


def test_zero_to_a_negative_power_is_null_not_inf() -> None:
    """0 ** -1 is undefined (inf in floating point): null, like x / 0, so a rank after it neither ranks nor
    counts it. x = [2, 0, 4]: powers 1/2, -, 1/4; ranks 1, -, 1/2."""
    assert day(ops.rank(x_**-1.0), x=[2.0, 0.0, 4.0]) == [1.0, N, 0.5]
