"""GTJA Alpha191 operator vocabulary on staged expressions (`X`).

GTJA names are thin aliases of `factors.ops` wherever the semantics agree (DELAY/REF, DELTA, SUM, MEAN/MA,
STD, TSMAX, TSMIN, TSRANK, RANK, DECAYLINEAR, PROD, LOG, SIGN); the operators that exist only in the GTJA
vocabulary (SMA, WMA, COUNT, SUMIF, REGBETA, REGRESI, SEQUENCE, HIGHDAY, LOWDAY, FILTER, SUMAC, the
elementwise MAX/MIN, the ternary and the derived series DTM, DBM, TR, HD, LD) are defined here, each with
its convention in its docstring. Conventions inherited from `factors.ops`:

- one row per (ts_code, trade_date); windows count the stock's own bars, so a suspended day without a bar is
  skipped, while a null value inside a window makes it null (full window required); 0/0 and x/0 are null;
- RANK: cross-sectional average rank / count of non-null values, in (0, 1]; STD and COVIANCE use ddof = 1;
  CORR is null when either side is constant over the window; DECAYLINEAR weights n (today) .. 1 (oldest),
  normalised.

One convention differs from the generic `ops` default: TSRANK(A, n) is the report's definition, the position
of today's value among the last n values, 1..n (average ties), not divided by n (`ops.ts_rank(method="raw")`;
see `tsrank`).

CORR and COVIANCE add one thing to `ops`: they remove the float noise of polars' rolling formulas (CORR
rounded to 12 decimals and exact for n = 2; COVIANCE rounded to 10 significant digits and exactly 0 on a
constant window), because GTJA ranks them and noise would otherwise order values that are equal.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import polars as pl

from aurumq_rl.factors import ops
from aurumq_rl.factors.expr import F64, X, abs_, maximum, minimum, ts, ts2, where, wrap
from aurumq_rl.factors.expr import log as _log
from aurumq_rl.factors.expr import num as _num  # the one operand cast (`expr.num`)
from aurumq_rl.factors.expr import sign as _sign
from aurumq_rl.factors.ops_rolling import ZERO_STD_RTOL

__all__ = [
    "AMOUNT", "BANCHMARKINDEXCLOSE", "BANCHMARKINDEXOPEN", "CLOSE", "HIGH", "LOW", "OPEN", "RET", "VOLUME",
    "VWAP", "SequenceRegressor", "abs_", "corr", "count", "cov", "dbm", "decaylinear", "delay", "delta",
    "dtm", "filter_", "hd", "highday", "iif", "ld", "log", "lowday", "ma", "max_", "mean", "min_", "prod",
    "rank", "ref", "regbeta", "regresi", "sequence", "sign", "sma", "sma_warmup", "std", "sum_", "sumac",
    "sumif", "tr", "tsmax", "tsmin", "tsrank", "where", "wma",
]

# WMA decay factor of the GTJA report: weight 0.9**i on the value i days ago.
WMA_DECAY = 0.9
# SMA(A, n, m) counts as warmed up once the seed's weight (1 - m/n)**t is below this (its `lookback`).
SMA_SEED_WEIGHT = 1e-4


def _win(n: float) -> int:
    return ops.window(n)


def _weighted_sum(e: pl.Expr, k: int, weights: list[float]) -> pl.Expr:
    """Rolling weighted sum (weights oldest first), null when the window holds a null.

    polars' weighted rolling sum rejects nulls, so nulls are filled and every window that held one is nulled.
    """
    v = _num(e)
    has_null = v.is_null().cast(pl.Int32).rolling_sum(k, min_samples=k) > 0
    return pl.when(has_null.not_()).then(v.fill_null(0.0).rolling_sum(k, weights=weights, min_samples=k))


# inputs (GTJA names) ------------------------------------------------------------------------------
OPEN = X.col("open")  # yuan
HIGH = X.col("high")
LOW = X.col("low")
CLOSE = X.col("close")
VOLUME = X.col("vol")  # lots of 100 shares (GTJA VOLUME / VOL)
AMOUNT = X.col("amount")  # thousand yuan
VWAP = X.col("vwap")  # yuan per share
RET = X.col("pct_chg")  # decimal daily return = close / previous close - 1
BANCHMARKINDEXCLOSE = X.col("bench_close")  # benchmark index bars joined on trade_date (report's spelling)
BANCHMARKINDEXOPEN = X.col("bench_open")


# aliases of generic operators ---------------------------------------------------------------------
def delay(x: object, n: float = 1) -> X:
    """DELAY / REF: value `n` trading days ago (`ops.delay`)."""
    return ops.delay(x, n)


ref = delay


def delta(x: object, n: float = 1) -> X:
    """DELTA: `x - delay(x, n)` (`ops.delta`)."""
    return ops.delta(x, n)


def sum_(x: object, n: float) -> X:
    """SUM(A, n): rolling sum over the last n days including today (`ops.ts_sum`)."""
    return ops.ts_sum(x, n)


def mean(x: object, n: float) -> X:
    """MEAN(A, n) / MA(A, n): rolling simple mean over n days (`ops.ts_mean`)."""
    return ops.ts_mean(x, n)


ma = mean


def std(x: object, n: float) -> X:
    """STD(A, n): rolling standard deviation, ddof = 1 (`ops.ts_std`)."""
    return ops.ts_std(x, n)


def tsmax(x: object, n: float) -> X:
    """TSMAX(A, n): rolling maximum over n days (`ops.ts_max`)."""
    return ops.ts_max(x, n)


def tsmin(x: object, n: float) -> X:
    """TSMIN(A, n): rolling minimum over n days (`ops.ts_min`)."""
    return ops.ts_min(x, n)


def tsrank(x: object, n: float) -> X:
    """TSRANK(A, n): position of today's value among the last n values, 1 (lowest) .. n (highest), ties
    getting their average position (`ops.ts_rank(method="raw")`).

    The report defines TSRANK as the order position (顺序排位) of the last value of A within the past n days,
    an ordinal 1..n; the cross-sectional RANK stays a fraction in (0, 1] (as in Alpha101, and as the
    references read it). The scale of TSRANK matters wherever it is combined with
    another term: RANK(A)^TSRANK(B) (#121, #131), MAX/MIN(RANK(A), TSRANK(B)) (#92, #140), TSRANK +/- RANK
    (#73, #87, #138, #157), a sum of two TSRANKs of different n (#44), 1 - TSRANK(A) (#117). py-alpha-lib
    reads TSRANK this way and matches all of these except #87 and #138; with rank / n, #44, #73, #92, #117
    and #157 matched only polars_ta and #121, #131, #140 matched neither. Generic `ops.ts_rank` (Alpha101)
    keeps the rank / n default of DOMAIN.md.
    """
    return ops.ts_rank(x, n, method="raw")


def rank(x: object) -> X:
    """RANK(A): cross-sectional average rank / count of non-null values, in (0, 1] (`ops.rank`)."""
    return ops.rank(x)


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


def decaylinear(x: object, n: float) -> X:
    """DECAYLINEAR(A, n): weights n (today), n-1, ..., 1 (oldest), normalised (`ops.decay_linear`)."""
    return ops.decay_linear(x, n)


def prod(x: object, n: float) -> X:
    """PROD(A, n): product of the last n values (`ops.ts_product`)."""
    return ops.ts_product(x, n)


def log(x: object) -> X:
    """LOG: natural log, null for non-positive values."""
    return _log(x)


def sign(x: object) -> X:
    """SIGN: -1, 0 or 1."""
    return _sign(x)


# GTJA-specific operators --------------------------------------------------------------------------
def iif(cond: object, a: object, b: object) -> X:
    """The report's ternary `cond ? a : b` (`expr.where`): null when the condition is null."""
    return where(cond, a, b)


def max_(a: object, b: object) -> X:
    """MAX(A, B): elementwise maximum, also when B is a number.

    The report defines MAX(A, B) as the larger of A and B and has TSMAX for the rolling maximum, so a
    numeric second argument (MAX(VWAP, 15) in #17) is a constant, not a window. Both reference
    implementations read it the same way; it makes #7, #17, #41, #91, #108, #121, #154 and #162 (nearly)
    degenerate on price data, which is recorded in those alphas' reasons.
    """
    return maximum(a, b)


def min_(a: object, b: object) -> X:
    """MIN(A, B): elementwise minimum (numeric B is a constant; see `max_`)."""
    return minimum(a, b)


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
        return mean(a, n)
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
        return ts(a, lambda e: _weighted_sum(e, k, w), lookback=k - 1)
    raise ValueError(f"unknown WMA weights {weights!r}")


def count(cond: object, n: float) -> X:
    """COUNT(cond, n): number of the last n days (including today) on which `cond` holds.

    A null condition (e.g. on the first day, where DELAY is null) makes the window null.
    """
    k = _win(n)
    return ts(cond, lambda e: e.cast(F64).rolling_sum(k, min_samples=k), lookback=k - 1)


def sumif(a: object, n: float, cond: object) -> X:
    """SUMIF(A, n, cond): sum over the last n days of A on the days where `cond` holds (0 elsewhere).

    A null condition, or a null A on a day where the condition holds, makes the window null.
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
    return ts(masked, lambda e: e.cast(F64).rolling_sum(k, min_samples=k), lookback=k - 1)


def filter_(a: object, cond: object) -> X:
    """FILTER(A, cond): A on the days where `cond` holds, null elsewhere.

    The report's FILTER compresses the series to the selected days; keeping the rows and nulling the
    others preserves the date alignment. Windowed consumers then decide how to treat the gaps (REGBETA
    with `skip_nulls=True` regresses over the selected days inside its window).
    """
    return where(cond, a, X.lit(None))


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
            beta = _weighted_sum(y, k, w) / sxx
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


def highday(x: object, n: float) -> X:
    """HIGHDAY(A, n): days from the maximum of the last n values to today, 0 = today; on ties the most
    recent occurrence counts."""
    return ops.ts_argmax(x, n, ties="latest", basis="since")


def lowday(x: object, n: float) -> X:
    """LOWDAY(A, n): days from the minimum of the last n values to today, 0 = today; most recent on ties."""
    return ops.ts_argmin(x, n, ties="latest", basis="since")


def sumac(x: object, n: float) -> X:
    """SUMAC(A) with the window made explicit: rolling sum of A over the last n days.

    The report writes SUMAC (cumulative sum) without a window in #165 and #183. A cumulative sum from the
    start of the data would make the factor depend on where the history starts; like py-alpha-lib we
    read SUMAC(A) inside MAX(...) / MIN(...) as SUM(A, n) and the outer MAX / MIN as TSMAX / TSMIN over
    the same n (see those alphas).
    """
    return ops.ts_sum(x, n)


# derived series of the report ------------------------------------------------------------------------
def dtm() -> X:
    """DTM = (OPEN <= DELAY(OPEN, 1) ? 0 : MAX(HIGH - OPEN, OPEN - DELAY(OPEN, 1)))."""
    o = OPEN
    po = delay(o, 1)
    return iif(o <= po, 0.0, max_(HIGH - o, o - po))


def dbm() -> X:
    """DBM = (OPEN >= DELAY(OPEN, 1) ? 0 : MAX(OPEN - LOW, OPEN - DELAY(OPEN, 1)))."""
    o = OPEN
    po = delay(o, 1)
    return iif(o >= po, 0.0, max_(o - LOW, o - po))


def tr() -> X:
    """TR = MAX(MAX(HIGH - LOW, ABS(HIGH - DELAY(CLOSE, 1))), ABS(LOW - DELAY(CLOSE, 1)))."""
    h, lo, pc = HIGH, LOW, delay(CLOSE, 1)
    return max_(max_(h - lo, abs_(h - pc)), abs_(lo - pc))


def hd() -> X:
    """HD = HIGH - DELAY(HIGH, 1)."""
    return HIGH - delay(HIGH, 1)


def ld() -> X:
    """LD = DELAY(LOW, 1) - LOW (the report's sign: positive when the low falls).

    py-alpha-lib uses LOW - DELAY(LOW, 1), the opposite sign; that changes #172 and #186.
    """
    return delay(LOW, 1) - LOW
