"""Rolling time-series operators that need more than one polars call (re-exported by `factors.ops`).

All are vectorised polars expressions evaluated `.over("ts_code")` on date-sorted rows, except `ts_rank`,
`ts_corr` and `ts_cov`: compiled kernels over the whole sorted column (`factors.kernels`) that keep stocks
apart themselves and recompute each window exactly.
Common conventions: fractional windows are floored, a full window is required (any null in the window gives
null), NaN is treated as null.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from typing import Literal

import numpy as np
import polars as pl

from aurumq_rl.factors import kernels
from aurumq_rl.factors.expr import F64, TS_KEY, X, num, ts, ts2

# Relative tolerance under which a rolling standard deviation counts as zero (correlation then is null).
ZERO_STD_RTOL = 1e-9
# Correlations are rounded to this many decimals and covariances to this many significant figures, so that
# floating-point noise does not break ties between mathematically equal values (which a later rank would
# order arbitrarily).
CORR_DECIMALS = 12
COV_SIG_FIGS = 12
COV_RTOL = 1e-12


def window(d: float) -> int:
    """Window length of a (possibly fractional) Alpha101 window: floor(d), at least 1."""
    if isinstance(d, bool | np.bool_) or not isinstance(d, numbers.Real) or math.isnan(d):
        raise TypeError(f"window must be a number, got {d!r}")
    return max(1, int(math.floor(d)))


def _kernel(inputs: list[pl.Expr], batch: Callable[[list[pl.Series]], pl.Series]) -> pl.Expr:
    """`batch(inputs..., ts_code)` on the whole sorted columns (a `factors.kernels` call, which keeps stocks
    apart itself). The compiled kernels index every input by the row of `ts_code`: an input of another length
    (an aggregate passed as a raw `pl.Expr`) would be read past its end, so it is refused."""

    def checked(s: list[pl.Series]) -> pl.Series:
        if any(len(x) != len(s[-1]) for x in s[:-1]):
            raise ValueError(f"a windowed operator's inputs have {[len(x) for x in s[:-1]]} rows for "
                             f"{len(s[-1])} rows of the frame: give it a column per row, not an aggregate")
        return batch(s)

    return pl.map_batches([*inputs, pl.col(TS_KEY)], checked, return_dtype=F64)


def ts_rank(x: object, d: float, *, method: Literal["pct", "raw", "unit"] = "pct") -> X:
    """Rank of today's value among the last `d` values (ties get the average rank).

    `method="pct"` (default): rank / d, in (0, 1]; `"raw"`: rank 1..d; `"unit"`: (rank - 1) / (d - 1).
    """
    n = window(d)
    if method not in ("pct", "raw", "unit"):
        raise ValueError(f"unknown ts_rank method {method!r}")

    def batch(s: list[pl.Series]) -> pl.Series:
        r = kernels.rolling_rank(s[0], s[1], n)
        if method == "pct":
            r = r / n
        elif method == "unit":
            r = (r - 1) / (n - 1) if n > 1 else np.where(np.isnan(r), np.nan, 0.5)
        return pl.Series(r).fill_nan(None)

    # a compiled kernel: polars' per-stock rolling_rank was the costliest operator of Alpha101
    return ts(x, lambda e: _kernel([e], batch), n - 1, per_stock=False)


def _arg_extreme(e: pl.Expr, n: int, use_max: bool, ties: str, basis: str) -> pl.Expr:
    # Vectorised rolling arg-extreme: encode (order of the value, position) in one Int64 key whose rolling max
    # is the wanted row. `rank("dense")` over the stock's whole series only encodes the order of values; the
    # position found depends on the values inside the window alone (no look-ahead in the result).
    v = num(e)
    length = pl.len().cast(pl.Int64)
    i = pl.int_range(pl.len(), dtype=pl.Int64)
    order = v.rank("dense", descending=not use_max).cast(pl.Int64)  # larger = more extreme
    if ties == "earliest":
        key = order * length + (length - 1 - i)
        pos = length - 1 - key.rolling_max(n, min_samples=n) % length
    elif ties == "latest":
        key = order * length + i
        pos = key.rolling_max(n, min_samples=n) % length
    else:
        raise ValueError(f"unknown ties rule {ties!r}")
    since = (i - pos).cast(F64)
    if basis == "since":
        return since
    if basis == "start":
        return n - since
    raise ValueError(f"unknown argmax basis {basis!r}")


def ts_argmax(
    x: object, d: float, *, ties: Literal["earliest", "latest"] = "earliest",
    basis: Literal["since", "start"] = "since",
) -> X:
    """Where in the last `d` days the maximum occurred.

    `basis="since"` (default): days since the maximum, 0 = today, d - 1 = oldest day of the window.
    `basis="start"`: position from the window start, 1 = oldest, d = today (= d - days since).
    `ties="earliest"` (default) takes the oldest occurrence of a repeated maximum, `"latest"` the newest.
    """
    n = window(d)
    return ts(x, lambda e: _arg_extreme(e, n, True, ties, basis), n - 1)


def ts_argmin(
    x: object, d: float, *, ties: Literal["earliest", "latest"] = "earliest",
    basis: Literal["since", "start"] = "since",
) -> X:
    """Where in the last `d` days the minimum occurred; same conventions as `ts_argmax`."""
    n = window(d)
    return ts(x, lambda e: _arg_extreme(e, n, False, ties, basis), n - 1)


def weighted_sum(e: pl.Expr, weights: list[float]) -> pl.Expr:
    """Rolling Σ w_j x_{t-L+1+j} over the last len(weights) values (weights oldest first), null when the window
    holds a null (DECAY_LINEAR, GTJA's WMA and REGBETA on SEQUENCE, the EMAs of `technical_ops`).

    polars' weighted rolling sum rejects nulls, so nulls are filled and every window that held one is nulled.
    """
    n = len(weights)
    v = num(e)
    has_null = v.is_null().cast(pl.Int32).rolling_sum(n, min_samples=n) > 0
    return pl.when(has_null.not_()).then(v.fill_null(0.0).rolling_sum(n, weights=weights, min_samples=n))


def decay_linear(x: object, d: float) -> X:
    """Linearly weighted mean of the last `d` values: weight d today, d - 1 yesterday, ..., 1 on the oldest
    day, normalised to sum 1. A window holding a null is null (no forward fill)."""
    n = window(d)
    w = [float(i) / (n * (n + 1) / 2) for i in range(1, n + 1)]  # oldest first
    return ts(x, lambda e: weighted_sum(e, w), n - 1)


def ts_product(x: object, d: float) -> X:
    """Product of the last `d` values (null if any is null)."""
    n = window(d)

    def f(e: pl.Expr) -> pl.Expr:
        v = num(e)
        out = v
        for k in range(1, n):
            out = out * v.shift(k)
        return out

    return ts(x, f, n - 1)


def ts_corr(a: object, b: object, d: float, *, zero_var: Literal["null", "zero"] = "null") -> X:
    """Rolling Pearson correlation over the last `d` days, clipped to [-1, 1] and rounded to 12 decimals.

    A window holding a null in either input is null. When either side has (numerically) zero variance in
    the window the correlation is undefined: null by default, 0 with `zero_var="zero"`.
    """
    n = window(d)
    if zero_var not in ("null", "zero"):
        raise ValueError(f"unknown zero_var rule {zero_var!r}")

    def batch(s: list[pl.Series]) -> pl.Series:
        c, flat = kernels.rolling_corr(s[0], s[1], s[2], n, ZERO_STD_RTOL)
        if zero_var == "zero":
            c[flat] = 0.0
        return pl.Series(np.round(c, CORR_DECIMALS)).fill_nan(None)

    # a compiled kernel: per stock, each window recomputed exactly (polars' per-stock rolling_corr plus the
    # two zero-variance checks was the engine's largest cost)
    return ts2(a, b, lambda x, y: _kernel([x, y], batch), n - 1, per_stock=False)


def ts_cov(a: object, b: object, d: float, *, ddof: int = 1, sig_figs: int = COV_SIG_FIGS) -> X:
    """Rolling covariance over the last `d` days, ddof = 1 by default, rounded to `sig_figs` (12) significant
    digits and exactly 0 where it is float noise (|cov| ≤ 1e-12 × max|a| × max|b| over the window; this
    includes every window where either input is constant), so mathematically equal covariances tie.
    """
    n = window(d)

    def batch(s: list[pl.Series]) -> pl.Series:
        return pl.Series(kernels.rolling_cov(s[0], s[1], s[2], n, ddof, COV_RTOL, sig_figs)).fill_nan(None)

    return ts2(a, b, lambda x, y: _kernel([x, y], batch), n - 1, per_stock=False)


def ts_skew(x: object, d: float) -> X:
    """Rolling sample skewness (bias-corrected, as pandas `rolling.skew`); a constant window (0/0) is null."""
    n = window(d)
    return ts(x, lambda e: num(e).rolling_skew(n, bias=False, min_samples=n), n - 1)


def ts_kurt(x: object, d: float) -> X:
    """Rolling sample excess kurtosis (Fisher, bias-corrected, as pandas `rolling.kurt`); a constant window is
    null."""
    n = window(d)
    return ts(x, lambda e: num(e).rolling_kurtosis(n, fisher=True, bias=False, min_samples=n), n - 1)
