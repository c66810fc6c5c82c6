"""GTJA Alpha191 operator vocabulary on staged expressions (`X`).

GTJA names are thin aliases of `factors.ops` wherever the semantics agree (DELAY/REF, DELTA, SUM, MEAN/MA,
STD, TSMAX, TSMIN, TSRANK, RANK, DECAYLINEAR, PROD, LOG, SIGN); the operators that exist only in the GTJA
vocabulary (SMA, WMA, COUNT, SUMIF, REGBETA, REGRESI, SEQUENCE, HIGHDAY, LOWDAY, FILTER, SUMAC, the
elementwise MAX/MIN, the ternary and the derived series DTM, DBM, TR, HD, LD) are defined here, each with
its convention in its docstring; the ones with a rolling implementation of their own (SMA, WMA, COUNT, SUMIF,
SEQUENCE, REGBETA, REGRESI) and CORR / COVIANCE (below) are defined in `gtja_ops_rolling` and re-exported
here, so that this module is the one import path of the whole vocabulary. Conventions inherited from
`factors.ops`:

- one row per (ts_code, trade_date); windows count the stock's traded bars, so a suspended day (no bar, or vol == 0)
  is skipped, while a null value inside a window makes it null (full window required); 0/0 and x/0 are null;
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

from aurumq_rl.factors import ops
from aurumq_rl.factors.expr import X, abs_, maximum, minimum, where
from aurumq_rl.factors.expr import log as _log
from aurumq_rl.factors.expr import sign as _sign
from aurumq_rl.factors.gtja_ops_rolling import (
    SequenceRegressor,
    corr,
    count,
    cov,
    regbeta,
    regresi,
    sequence,
    sma,
    sma_warmup,
    sumif,
    wma,
)

__all__ = [
    "AMOUNT", "BANCHMARKINDEXCLOSE", "BANCHMARKINDEXOPEN", "CLOSE", "HIGH", "LOW", "OPEN", "RET", "VOLUME",
    "VWAP", "SequenceRegressor", "abs_", "corr", "count", "cov", "dbm", "decaylinear", "delay", "delta",
    "dtm", "filter_", "hd", "highday", "iif", "ld", "log", "lowday", "ma", "max_", "mean", "min_", "prod",
    "rank", "ref", "regbeta", "regresi", "sequence", "sign", "sma", "sma_warmup", "std", "sum_", "sumac",
    "sumif", "tr", "tsmax", "tsmin", "tsrank", "where", "wma",
]


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


def filter_(a: object, cond: object) -> X:
    """FILTER(A, cond): A on the days where `cond` holds, null elsewhere.

    The report's FILTER compresses the series to the selected days; keeping the rows and nulling the
    others preserves the date alignment. Windowed consumers then decide how to treat the gaps (REGBETA
    with `skip_nulls=True` regresses over the selected days inside its window).
    """
    return where(cond, a, X.lit(None))


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
