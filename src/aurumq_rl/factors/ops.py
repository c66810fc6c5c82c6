"""Generic factor operators on staged expressions (`X`); each docstring states the convention it implements.

Project conventions (shared DOMAIN.md "Factor operator conventions"; these docstrings are the source of truth):

| operator | convention |
|---|---|
| frame | one row per (ts_code, trade_date); time-series operators see each stock's rows in date order |
| windows | the stock's traded bars: a suspended day (no bar, or vol == 0) is skipped; a null in a window nulls it |
| fractional window d | floor(d), at least 1 (`window`) |
| warm-up | full windows required (min_samples = d), so the first d - 1 rows of a stock are null |
| x / 0, log(x <= 0), undefined x ** y (x < 0, y fractional; 0 ** y, y < 0) | null (never ±inf or NaN) |
| NaN in an input column or a temporary | read as null |
| cond ? a : b | a null condition gives null |
| rank (cross-section) | mean rank of ties (to 40 significant bits) / count, in (0, 1]; `"unit"`: (r-1)/(n-1) |
| ts_rank(x, d) | rank of today among the last d, average ties, / d; `method="raw"`/`"unit"` |
| ts_argmax / ts_argmin | days since the extreme (0 = today), earliest occurrence on ties; switchable |
| decay_linear(x, d) | weights d (today) .. 1 (oldest), normalised to sum 1 |
| stddev / covariance | ddof = 1 |
| correlation | null when either side has zero variance (`zero_var="zero"`: 0); rounded to 12 decimals |
| scale(x, a) | per date, sum of abs(x) = a |
| adv{d} | mean of `amount` (thousand yuan) over d days |
| ind_neutralize(x, level) | per date, x minus the mean of x within the level's group |
| max(a, b) / min(a, b) | elementwise (`maximum`, `minimum`); with an integer window use ts_max / ts_min |

The rolling operators that need more than one polars call (ts_rank, ts_argmax/argmin, ts_corr/ts_cov,
decay_linear, ts_product, ts_skew/ts_kurt) live in `ops_rolling` and are re-exported here.
"""

from __future__ import annotations

from typing import Literal

import polars as pl

from aurumq_rl.factors.expr import X, abs_, cs, grouped, log, maximum, minimum, num, sign, ts, where, wrap
from aurumq_rl.factors.ops_rolling import (
    decay_linear,
    ts_argmax,
    ts_argmin,
    ts_corr,
    ts_cov,
    ts_kurt,
    ts_product,
    ts_rank,
    ts_skew,
    window,
)

__all__ = [
    "X", "abs", "abs_", "adv", "decay_linear", "delay", "delta", "ind_neutralize", "log", "maximum",
    "minimum", "rank", "scale", "sign", "signed_power", "ts_argmax",
    "ts_argmin", "ts_corr", "ts_cov", "ts_kurt", "ts_max", "ts_mean", "ts_min", "ts_product", "ts_rank",
    "ts_skew", "ts_std", "ts_sum", "where", "window",
]


RANK_BITS = 40  # `rank` ties values equal to this many significant bits (~1e-12 relative; float64 noise ~1e-16)
TOP_SNAP = 1e-12  # a rank this close to 1 is the top one, off by the quotient's rounding


def _round_bits(e: pl.Expr, bits: int = RANK_BITS) -> pl.Expr:
    """Round to `bits` significant bits by Veltkamp splitting: a product and two sums, no logarithm, so the
    rank costs what it did without rounding (`round_sig_figs` doubled it). Valid for |x| < 2**(1023 - 53 + bits)."""
    c = e * float(2 ** (53 - bits) + 1)
    return c - (c - e)


def _ms(n: int, min_samples: int | None) -> int:
    return n if min_samples is None else max(1, min(int(min_samples), n))


def _exact_zero(v: pl.Expr, s: pl.Expr, n: int, ms: int) -> pl.Expr:
    """A running sum/mean over a window whose values are all exactly 0 is 0, not the residue polars' running
    sum keeps after nonzero values left the window (1 / that residue was ±1e14 where x / 0 must be null)."""
    return pl.when(v.abs().rolling_max(n, min_samples=ms) == 0).then(0.0).otherwise(s)


# time series --------------------------------------------------------------------------------------
def delay(x: object, d: float = 1) -> X:
    """Value `d` rows (trading days of that stock) ago; null during the first `d` rows."""
    n = window(d)
    return ts(x, lambda e: e.shift(n), n)


def delta(x: object, d: float = 1) -> X:
    """`x - delay(x, d)`."""
    n = window(d)
    return ts(x, lambda e: num(e) - num(e).shift(n), n)


def ts_sum(x: object, d: float, *, min_samples: int | None = None) -> X:
    """Rolling sum over the last `d` rows including today (full window required by default)."""
    n = window(d)
    ms = _ms(n, min_samples)
    return ts(x, lambda e: _exact_zero(num(e), num(e).rolling_sum(n, min_samples=ms), n, ms), n - 1)


def ts_mean(x: object, d: float, *, min_samples: int | None = None) -> X:
    """Rolling simple mean over the last `d` rows (Alpha101 `sum(x, d) / d`; not GTJA's SMA(A, n, m))."""
    n = window(d)
    ms = _ms(n, min_samples)
    return ts(x, lambda e: _exact_zero(num(e), num(e).rolling_mean(n, min_samples=ms), n, ms), n - 1)



def ts_std(x: object, d: float, *, ddof: int = 1, min_samples: int | None = None) -> X:
    """Rolling standard deviation, ddof = 1 by default (ddof = 0 is the WorldQuant-BRAIN choice)."""
    n = window(d)
    return ts(x, lambda e: num(e).rolling_std(n, min_samples=_ms(n, min_samples), ddof=ddof), n - 1)



def ts_min(x: object, d: float, *, min_samples: int | None = None) -> X:
    """Rolling minimum over the last `d` rows including today."""
    n = window(d)
    return ts(x, lambda e: num(e).rolling_min(n, min_samples=_ms(n, min_samples)), n - 1)


def ts_max(x: object, d: float, *, min_samples: int | None = None) -> X:
    """Rolling maximum over the last `d` rows including today."""
    n = window(d)
    return ts(x, lambda e: num(e).rolling_max(n, min_samples=_ms(n, min_samples)), n - 1)



# cross section ------------------------------------------------------------------------------------
def rank(x: object, *, method: Literal["pct", "unit"] = "pct") -> X:
    """Cross-sectional rank per date.

    `method="pct"` (default): average rank of ties / number of non-null values, in (0, 1].
    `method="unit"`: (average rank - 1) / (n - 1), in [0, 1] (WorldQuant-BRAIN); a single value maps to 0.5.
    Null stays null and is not counted. Values are rounded to RANK_BITS significant bits first, so
    values equal but for float noise (e.g. a rolling sum's last bits, which depend on where the running sum
    started, so on the date batch) tie instead of being ordered by that noise.
    """
    if method not in ("pct", "unit"):
        raise ValueError(f"unknown rank method {method!r}")

    def f(e: pl.Expr) -> pl.Expr:
        v = _round_bits(num(e))
        n, r = v.count(), v.rank("average")
        if method == "pct":
            return r / n
        return pl.when(n > 1).then((r - 1) / (n - 1)).otherwise(pl.when(r.is_not_null()).then(0.5))

    # polars divides by the per-date count as a product with its reciprocal, an ulp off the quotient: the top
    # stock came out 0.9999999999999999 on dates with n = 49, 98, ... stocks, so a rank that is 1 every day
    # carried noise that ts_rank / ts_argmax ordered. Snapped outside the window, where it costs one
    # elementwise pass (inside, any extra term takes polars off its fast path: 2x the rank's time); no other
    # rank lies within TOP_SNAP of 1 (the next is 1 - 1/n)
    return cs(x, f).map(lambda e: pl.when(e >= 1 - TOP_SNAP).then(1.0).otherwise(e))


def scale(x: object, a: float = 1.0) -> X:
    """Per date, rescale so that the sum of |x| over the cross-section equals `a` (null if that sum is 0)."""
    def f(e: pl.Expr) -> pl.Expr:
        s = num(e).abs().sum()
        return pl.when(s > 0).then(num(e) * a / s).otherwise(None)

    return cs(x, f)


def ind_neutralize(x: object, level_col: str) -> X:
    """Per date, subtract the mean of x within the industry group `level_col` (null x are excluded). A row
    without a label (null) is in no group: its value is null, not x demeaned against the other unlabelled
    stocks of the date (unrelated stocks, whose nulls polars would group together)."""
    labelled = pl.col(level_col).is_not_null()
    return grouped(x, lambda e: pl.when(labelled).then(num(e) - num(e).mean()), level_col)


# elementwise --------------------------------------------------------------------------------------
def signed_power(x: object, a: object) -> X:
    """`sign(x) * |x| ** a`."""
    v = wrap(x)
    return sign(v) * (abs_(v) ** a)


abs = abs_  # noqa: A001 - operator name used in formulas


def adv(d: float, column: str = "amount") -> X:
    """Average daily traded value over `d` days: rolling mean of `amount` (thousand yuan) by default."""
    return ts_mean(X.col(column), d)

