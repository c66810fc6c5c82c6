"""Operator edge cases the parity panel cannot reach: a rolling sum over exact zeros, a one-day covariance window,
covariance at a large level, numpy window lengths."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from aurumq_rl.factors import gtja_ops as g
from aurumq_rl.factors import ops
from aurumq_rl.factors.expr import X, evaluate


def _one(factors: dict[str, X], **cols: list) -> pl.DataFrame:
    n = len(next(iter(cols.values())))
    df = pl.DataFrame({"ts_code": ["A"] * n, "trade_date": list(range(n)), **cols}, strict=False)
    return evaluate(df, factors)


def test_a_rolling_sum_over_a_window_of_exact_zeros_is_zero_and_dividing_by_it_is_null() -> None:
    # SUM(cond ? value : 0, n) in a denominator (GTJA #52, #110, #118, #128, ...): once the nonzero values have
    # left the window, the sum is mathematically 0 and "x / 0 is null" must apply. polars' running sum leaves
    # 7.1e-15 here, so 1 / SUM is 1.4e14 (and the sign of the noise is arbitrary).
    x = X.col("x")
    out = _one({"s": ops.ts_sum(x, 3), "m": ops.ts_mean(x, 3), "inv": 1 / ops.ts_sum(x, 3),
                "g": X.col("y") / g.sum_(x, 3)},
               x=[28.84, 41.29, 0.0, 0.0, 0.0], y=[1.0] * 5)
    last = out.row(-1, named=True)
    assert last["s"] == 0.0
    assert last["m"] == 0.0
    assert last["inv"] is None
    assert last["g"] is None


@pytest.mark.parametrize("d", [1, 1.5])
def test_ts_cov_with_a_one_day_window_is_null_not_a_crash(d: float) -> None:
    # window(1.5) = 1: ddof = 1 leaves n - ddof = 0. ts_std gives null there; ts_cov raised
    # SystemError (ZeroDivisionError inside the numba kernel), naming no operator or window.
    x, y = X.col("x"), X.col("y")
    out = _one({"v": ops.ts_cov(x, y, d), "s": ops.ts_std(x, d)}, x=[1.0, 2.0, 3.0, 4.0], y=[1.0, 3.0, 2.0, 5.0])
    assert out["s"].null_count() == 4
    assert out["v"].null_count() == 4


def test_ts_cov_keeps_a_real_covariance_of_two_series_with_a_large_level() -> None:
    # x = L + [0, 1, 2, 3, 4], y = L + 2 * [0, 1, 2, 3, 4]: covariance 5.0 (ddof = 1) whatever the level L.
    # The "float noise" rule zeroes |cov| <= 1e-12 * max|x| * max|y| = 100 at L = 1e7, although the two-pass
    # kernel's noise on these windows is ~1e-9 (ts_corr on the same data is 1.0).
    level = 1e7
    base = np.array([0.0, 1.0, 2.0, 3.0, 4.0])
    x, y = X.col("x"), X.col("y")
    out = _one({"v": ops.ts_cov(x, y, 5), "c": ops.ts_corr(x, y, 5)},
               x=(level + base).tolist(), y=(level + 2 * base).tolist())
    assert out["c"][-1] == pytest.approx(1.0)
    assert out["v"][-1] == pytest.approx(5.0, rel=1e-6)


def test_numpy_window_lengths_are_accepted() -> None:
    # windows taken from numpy (np.arange sweeps, a pandas config) are numbers; window() raised
    # "TypeError: window must be a number, got np.int64(5)"
    assert ops.window(np.int64(5)) == 5
    assert ops.window(np.float32(5.5)) == 5
    x = X.col("x")
    out = _one({"m": ops.ts_mean(x, np.int64(2))}, x=[1.0, 3.0, 5.0])
    assert out["m"].to_list() == [None, 2.0, 4.0]
