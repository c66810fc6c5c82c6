"""GTJA operators with a rolling implementation of their own; `factors.gtja_ops` re-exports them (the one
import path of the GTJA vocabulary, whose module docstring holds the conventions they share).

CORR and COVIANCE (`ops.ts_corr` / `ops.ts_cov` with the float noise removed), the SMA recursion, WMA, COUNT,
SUMIF and the OLS regressions REGBETA / REGRESI (with SEQUENCE as the regressor); each operator's convention is
in its docstring.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import polars as pl

from aurumq_rl.factors import ops
from aurumq_rl.factors.expr import F64, X, ts, ts2, wrap
from aurumq_rl.factors.expr import num as _num  # the one operand cast (`expr.num`)
from aurumq_rl.factors.ops_rolling import ZERO_STD_RTOL, weighted_sum

# WMA decay factor of the GTJA report: weight 0.9**i on the value i days ago.
WMA_DECAY = 0.9
# SMA(A, n, m) counts as warmed up once the seed's weight (1 - m/n)**t is below this (its `lookback`).
SMA_SEED_WEIGHT = 1e-4


def _win(n: float) -> int:
    return ops.window(n)


# Rolling correlations/covariances carry ~1e-16 of float noise that depends on where the history starts
# (polars updates window sums incrementally). GTJA ranks them a lot, and ranks of short-window correlations
# of ranks tie exactly (2-day CORR is +-1); rounding makes equal values tie instead of being ordered by noise.
CORR_DECIMALS = 12
COV_SIG_DIGITS = 10


def corr(a: object, b: object, n: float) -> X:
    """CORR(A, B, n): rolling Pearson correlation (`ops.ts_corr`: null when either side is constant over
    the window), rounded to 12 decimals so that mathematically equal correlations tie.

    n = 2 is computed exactly: the correlation of two points is the sign of DELTA(A,1) * DELTA(B,1) (null
    when either did not move); polars' rolling formula leaves ~1e-10 of noise there on large inputs
    (#113 correlates 5- and 20-day sums of prices). A move within ZERO_STD_RTOL of the level is no move: running
    sums carry ~1e-14 of noise that depends on where the data start (a 20-day sum whose new and dropped
    closes are equal moved by -1.4e-14 in one run and 0 in a date batch).
    """
    k = _win(n)
    if k == 2:
        def moved(v: pl.Expr) -> pl.Expr:
            d = _num(v) - _num(v).shift(1)
            return pl.when(d.abs() > ZERO_STD_RTOL * (_num(v).abs() + _num(v).shift(1).abs())).then(d.sign())

        def two_point(x: pl.Expr, y: pl.Expr) -> pl.Expr:
            return moved(x) * moved(y)

        return ts2(a, b, two_point, lookback=1)
    return ops.ts_corr(a, b, k).map(lambda e: e.round(CORR_DECIMALS))


def cov(a: object, b: object, n: float) -> X:
    """COVIANCE(A, B, n): rolling covariance, ddof = 1 (`ops.ts_cov`), exactly 0 when either side is
    constant over the window.

    GTJA ranks covariances of ranks (#83, #99), where a stock whose RANK(HIGH) did not move must tie at 0
    instead of being ordered by float noise.
    """
    k = _win(n)
    return ops.ts_cov(a, b, k, sig_figs=COV_SIG_DIGITS)  # its noise rule gives the exact 0


def sma_warmup(n: float, m: float) -> int:
    """Days after which the seed of SMA(A, n, m) weighs less than SMA_SEED_WEIGHT."""
    return math.ceil(math.log(SMA_SEED_WEIGHT) / math.log(1 - m / n)) if m < n else 0


def sma(a: object, n: float, m: float | None = None) -> X:
    """SMA(A, n, m): Y_t = (m * A_t + (n - m) * Y_{t-1}) / n, per stock.

    = exponentially weighted mean with alpha = m / n, adjust=False, seeded with the first valid value
    (Y_0 = A_0). A null input (a null field, 0/0, x/0) yields null that day and is skipped by the
    recursion: the next valid day continues from the last Y. No warm-up is imposed (Y is defined from the
    first valid value on); the seed's influence decays as (1 - m/n)**t, so the expression's `lookback`
    grows by `sma_warmup(n, m)`, the days until that weight is below SMA_SEED_WEIGHT.
    With two arguments (SMA(A, n) in #146) it is the simple n-day mean, as in the TDX/THS formula
    languages the report borrows SMA from.
    """
    if m is None:
        return ops.ts_mean(a, n)
    if not 0 < m <= n:
        raise ValueError(f"SMA needs 0 < m <= n, got n={n}, m={m}")
    alpha = float(m) / float(n)

    def f(e: pl.Expr) -> pl.Expr:
        v = _num(e)
        v = pl.when(v.is_finite()).then(v)  # an infinite input would poison the recursion for ever
        return v.ewm_mean(alpha=alpha, adjust=False, ignore_nulls=True)

    return ts(a, f, lookback=sma_warmup(n, m))


def wma(a: object, n: float, *, weights: str = "0.9") -> X:
    """WMA(A, n): weighted mean of the last n values (full window required).

    `weights="0.9"` (default, the report's definition): weight 0.9**i on the value i days ago, normalised.
    `weights="linear"`: n on today, n - 1 yesterday, ..., 1 on the oldest day, normalised (= DECAYLINEAR);
    both reference implementations use this. On the reference panel the two readings of #27 (the only
    implemented alpha with WMA) correlate at 0.9905, so #27 still matches them with the report's weights.
    """
    k = _win(n)
    if weights == "linear":
        return ops.decay_linear(a, k)
    if weights == "0.9":
        raw = [WMA_DECAY ** (k - 1 - j) for j in range(k)]  # oldest first
        total = sum(raw)
        w = [v / total for v in raw]
        return ts(a, lambda e: weighted_sum(e, w), lookback=k - 1)
    raise ValueError(f"unknown WMA weights {weights!r}")


def count(cond: object, n: float) -> X:
    """COUNT(cond, n): number of the last n days (including today) on which `cond` holds.

    A null condition (e.g. on the first day, where DELAY is null) makes the window null.
    """
    k = _win(n)
    return ts(cond, lambda e: e.cast(F64).rolling_sum(k, min_samples=k), lookback=k - 1)


def sumif(a: object, n: float, cond: object) -> X:
    """SUMIF(A, n, cond): sum over the last n days of A on the days where `cond` holds (0 elsewhere).

    A null condition, or a null A on a day where the condition holds, makes the window null. A window where
    the condition never holds sums to exactly 0 (`ops.ts_sum`), not the running sum's residue, so a division
    by it is null (#190).
    """
    k = _win(n)
    c = wrap(cond)
    v = wrap(a)
    masked = X(
        pl.when(c.expr.cast(pl.Boolean)).then(_num(v.expr)).when(~c.expr.cast(pl.Boolean)).then(0.0),
        c.kinds | v.kinds,
        max(c.stage, v.stage),
        max(c.lookback, v.lookback),
    )
    return ops.ts_sum(masked, k)


@dataclass(frozen=True)
class SequenceRegressor:
    """SEQUENCE(n): the regressor 1, 2, ..., n (oldest to newest day of each window)."""

    n: int


def sequence(n: float) -> SequenceRegressor:
    """SEQUENCE(n) = 1..n, usable only as the regressor B of REGBETA / REGRESI."""
    return SequenceRegressor(_win(n))


def _regression(a: object, b: object, n: float, skip_nulls: bool, want: str) -> X:
    k = _win(n)
    if isinstance(b, SequenceRegressor):
        if b.n != k:
            raise ValueError(f"SEQUENCE({b.n}) used with window {k}")
        tbar = (k + 1) / 2.0
        sxx = k * (k * k - 1) / 12.0  # sum of (t - tbar)^2 over t = 1..k
        w = [float(t) - tbar for t in range(1, k + 1)]  # oldest first

        def f_seq(e: pl.Expr) -> pl.Expr:
            y = _num(e)
            beta = weighted_sum(y, w) / sxx
            if want == "beta":
                return beta
            # residual of today's point: y_t - (ybar + beta * (k - tbar))
            return y - (y.rolling_mean(k, min_samples=k) + beta * (k - tbar))

        if skip_nulls:
            raise ValueError("skip_nulls is not supported with SEQUENCE")
        return ts(a, f_seq, lookback=k - 1)

    def f(ye: pl.Expr, xe: pl.Expr) -> pl.Expr:
        y, x = _num(ye), _num(xe)
        ok = y.is_not_null() & x.is_not_null()
        one = pl.when(ok).then(1.0).otherwise(0.0)
        ym = pl.when(ok).then(y).otherwise(0.0)
        xm = pl.when(ok).then(x).otherwise(0.0)
        cnt = one.rolling_sum(k, min_samples=k)
        sy = ym.rolling_sum(k, min_samples=k)
        sx = xm.rolling_sum(k, min_samples=k)
        sxy = (xm * ym).rolling_sum(k, min_samples=k)
        sxx = (xm * xm).rolling_sum(k, min_samples=k)
        mx, my = sx / cnt, sy / cnt
        vxx = sxx / cnt - mx * mx
        cxy = sxy / cnt - mx * my
        enough = (cnt >= 2) if skip_nulls else (cnt == k)
        valid = enough & (vxx > 1e-12 * (sxx / cnt))
        beta = pl.when(valid).then(cxy / vxx)
        if want == "beta":
            return beta
        return pl.when(ok).then(y - (my + beta * (x - mx)))

    return ts2(a, b, f, lookback=k - 1)


def regbeta(a: object, b: object, n: float, *, skip_nulls: bool = False) -> X:
    """REGBETA(A, B, n): slope of the OLS regression of A on B over the last n days = cov(A, B) / var(B).

    B may be `sequence(n)` (regressor 1..n, oldest to newest). By default a null in the window makes it
    null; `skip_nulls=True` regresses over the non-null pairs of the window (for FILTERed inputs, at least
    two needed). Null when B has zero variance in the window.
    """
    return _regression(a, b, n, skip_nulls, "beta")


def regresi(a: object, b: object, n: float, *, skip_nulls: bool = False) -> X:
    """REGRESI(A, B, n): residual of today's point in the OLS regression of A on B over the last n days,
    A_t - (mean(A) + beta * (B_t - mean(B))). Same window and null conventions as `regbeta`."""
    return _regression(a, b, n, skip_nulls, "resid")
