"""Rolling correlation and covariance conventions: a null in either input nulls the window, a side constant up to
float noise gives a null correlation (0 with zero_var="zero") and an exact zero covariance, covariances round to
significant digits half away from zero, and equal correlations tie exactly after rounding. Expected values are
derived by hand from the convention on tiny frames (plain arithmetic or an explicit loop), never copied from the
code under test."""

from __future__ import annotations

import math

import polars as pl
import pytest

from aurumq_rl.factors import gtja_ops as g
from aurumq_rl.factors import ops
from aurumq_rl.factors.expr import evaluate
from tests.factors.helpers import N, one, x_, y_


def test_corr_zero_var_zero_still_nulls_a_window_with_a_null_in_the_second_input() -> None:
    """A null in either input nulls the window; zero_var="zero" only replaces the zero-variance case."""
    out = one(ops.ts_corr(x_, y_, 2, zero_var="zero"), x=[1.0, 2.0, 3.0, 4.0], y=[1.0, N, 3.0, 5.0])
    assert out == [N, N, N, 1.0]


def test_corr_is_null_when_a_side_is_constant_up_to_float_noise() -> None:
    """Zero variance up to ZERO_STD_RTOL counts as zero: [0.7, 0.7, 0.7] has a float mean off 0.7 by an ulp,
    but it is constant, so the correlation is null (zero_var="zero": 0)."""
    assert sum([0.7] * 3) / 3 != 0.7  # the premise: the window mean carries noise
    assert one(ops.ts_corr(x_, y_, 3), x=[0.7] * 3, y=[1.0, 2.0, 4.0]) == [N, N, N]
    assert one(ops.ts_corr(x_, y_, 3, zero_var="zero"), x=[0.7] * 3, y=[1.0, 2.0, 4.0]) == [N, N, 0.0]


def test_cov_is_exactly_zero_when_a_side_is_constant_up_to_float_noise() -> None:
    """ts_cov / COVIANCE: exactly 0 on every window where either input is constant (here 0.7, whose float mean
    is off by an ulp), so that constant stocks tie."""
    assert one(ops.ts_cov(x_, y_, 3), x=[0.7] * 3, y=[0.1, 0.2, 0.4]) == [N, N, 0.0]
    assert one(g.cov(x_, y_, 3), x=[0.1, 0.2, 0.4], y=[0.7] * 3) == [N, N, 0.0]


def test_cov_rounding_to_significant_digits_half_away_from_zero() -> None:
    """ts_cov rounds to 12 significant digits, COVIANCE to 10, halves away from zero.
    [0, 1, 3] vs [0, 1, 1]: deviations (-4/3, -1/3, 5/3) and (-2/3, 1/3, 1/3), products 8/9 - 1/9 + 5/9 = 4/3,
    / (3 - 1) = 2/3."""
    x, y = [0.0, 1.0, 3.0], [0.0, 1.0, 1.0]
    assert one(ops.ts_cov(x_, y_, 3), x=x, y=y)[2] == pytest.approx(0.666666666667, rel=1e-15)
    assert one(ops.ts_cov(x_, y_, 3), x=x, y=[-v for v in y])[2] == pytest.approx(-0.666666666667, rel=1e-15)
    assert one(g.cov(x_, y_, 3), x=x, y=y)[2] == pytest.approx(0.6666666667, rel=1e-15)


def test_equal_correlations_tie_exactly_after_rounding() -> None:
    """ts_corr is rounded to 12 decimals so mathematically equal correlations tie. Stock B is stock A scaled
    by 0.1 and 0.3; corr = 1 / sqrt(42/9 * 2) = 3 / sqrt(84) for both."""
    want = round(3 / math.sqrt(84), 12)
    df = pl.DataFrame(
        {
            "ts_code": ["A"] * 3 + ["B"] * 3,
            "trade_date": [0, 1, 2] * 2,
            "x": [1.0, 2.0, 4.0, 0.1, 0.2, 0.4],
            "y": [1.0, 3.0, 2.0, 0.3, 0.9, 0.6],
        }
    )
    out = evaluate(df, {"v": ops.ts_corr(x_, y_, 3)}).sort("ts_code", "trade_date")["v"].to_list()
    assert out[2] == out[5] == pytest.approx(want, rel=0, abs=1e-15)
