"""Compiled (numba) kernels for the rolling operators that polars runs slowly per stock.

A kernel runs on the whole (ts_code, trade_date)-sorted column, one stock segment per parallel task, and
recomputes every window from its own values (two passes: mean, then centred sums), so no floating-point error
carries from one window, or one stock, into the next. NaN marks a missing value on input and an undefined
result on output.
"""

from __future__ import annotations

import math

import numba
import numpy as np
import polars as pl


@numba.njit(nogil=True, cache=True, inline="always")
def _pair_means(x: np.ndarray, y: np.ndarray, lo: int, hi: int) -> tuple[bool, float, float]:  # pragma: no cover
    # (whole window [lo, hi) present in both inputs, mean of x, mean of y): the first of a kernel's two passes
    sx = 0.0
    sy = 0.0
    for j in range(lo, hi):
        if math.isnan(x[j]) or math.isnan(y[j]):
            return False, 0.0, 0.0
        sx += x[j]
        sy += y[j]
    return True, sx / (hi - lo), sy / (hi - lo)


@numba.njit(parallel=True, nogil=True, cache=True)
def _rolling_corr(x: np.ndarray, y: np.ndarray, starts: np.ndarray, n: int, rtol: float,
                  out: np.ndarray, flat: np.ndarray) -> None:  # pragma: no cover - compiled
    for s in numba.prange(len(starts) - 1):
        for i in range(starts[s] + n - 1, starts[s + 1]):
            full, mx, my = _pair_means(x, y, i - n + 1, i + 1)
            if not full:
                continue
            sxx = 0.0
            syy = 0.0
            sxy = 0.0
            ax = 0.0
            ay = 0.0
            for j in range(i - n + 1, i + 1):
                dx = x[j] - mx
                dy = y[j] - my
                sxx += dx * dx
                syy += dy * dy
                sxy += dx * dy
                ax = max(ax, abs(x[j]))
                ay = max(ay, abs(y[j]))
            if math.sqrt(sxx / n) > rtol * ax and math.sqrt(syy / n) > rtol * ay:
                out[i] = min(1.0, max(-1.0, sxy / math.sqrt(sxx * syy)))
            else:
                flat[i] = True


@numba.njit(nogil=True, cache=True)
def _round_sig(v: float, sig: int) -> float:  # pragma: no cover - compiled
    # to `sig` significant digits, halves away from zero
    m = 10.0 ** (sig - 1 - math.floor(math.log10(abs(v))))
    return math.copysign(math.floor(abs(v) * m + 0.5), v) / m


@numba.njit(parallel=True, nogil=True, cache=True)
def _rolling_cov(x: np.ndarray, y: np.ndarray, starts: np.ndarray, n: int, ddof: int, rtol: float, sig: int,
                 out: np.ndarray) -> None:  # pragma: no cover - compiled
    for s in numba.prange(len(starts) - 1):
        for i in range(starts[s] + n - 1, starts[s + 1]):
            full, mx, my = _pair_means(x, y, i - n + 1, i + 1)
            if not full:
                continue
            if n - ddof <= 0:
                continue  # undefined (ts_std gives null there too)
            sxy = 0.0
            sxx = 0.0
            syy = 0.0
            ax = 0.0
            ay = 0.0
            for j in range(i - n + 1, i + 1):
                dx = x[j] - mx
                dy = y[j] - my
                sxy += dx * dy
                sxx += dx * dx
                syy += dy * dy
                ax = max(ax, abs(x[j]))
                ay = max(ay, abs(y[j]))
            cv = sxy / (n - ddof)
            # zero where a side is flat to rtol of its level (its deviations are then float noise), or where
            # the covariance is noise relative to the deviations themselves
            flat = math.sqrt(sxx / n) <= rtol * ax or math.sqrt(syy / n) <= rtol * ay
            out[i] = 0.0 if flat or abs(sxy) <= rtol * math.sqrt(sxx * syy) else _round_sig(cv, sig)


@numba.njit(parallel=True, nogil=True, cache=True)
def _rolling_rank(x: np.ndarray, starts: np.ndarray, n: int, out: np.ndarray) -> None:  # pragma: no cover
    for s in numba.prange(len(starts) - 1):
        for i in range(starts[s] + n - 1, starts[s + 1]):
            v = x[i]
            if math.isnan(v):
                continue
            less = 0
            equal = 0
            full = True
            for j in range(i - n + 1, i + 1):
                if math.isnan(x[j]):
                    full = False
                    break
                if x[j] < v:
                    less += 1
                elif x[j] == v:
                    equal += 1
            if full:
                out[i] = less + (equal + 1) / 2.0


def segment_starts(codes: pl.Series) -> np.ndarray:
    """Start row of each run of equal codes, plus the length (int64 [S + 1]); rows must be grouped by code."""
    first = codes.ne_missing(codes.shift(1)).fill_null(True)
    return np.append(first.arg_true().to_numpy(), len(codes)).astype(np.int64)


def _floats(s: pl.Series) -> np.ndarray:
    return s.cast(pl.Float64).fill_null(float("nan")).fill_nan(float("nan")).to_numpy().astype(np.float64)


def rolling_corr(x: pl.Series, y: pl.Series, codes: pl.Series, n: int, rtol: float
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Per-stock rolling Pearson correlation over full windows of `n` rows: (corr, flat). `corr` is NaN where
    the window is short or holds a missing value in either input, or where either side is flat (population std
    ≤ rtol × the window's largest |value|); `flat` marks the last case."""
    xs, ys = _floats(x), _floats(y)
    out = np.full(len(xs), np.nan)
    flat = np.zeros(len(xs), dtype=np.bool_)
    if len(xs):
        _rolling_corr(xs, ys, segment_starts(codes), n, rtol, out, flat)
    return out, flat


def rolling_cov(x: pl.Series, y: pl.Series, codes: pl.Series, n: int, ddof: int, rtol: float, sig: int
                ) -> np.ndarray:
    """Per-stock rolling covariance over full windows of `n` rows, rounded to `sig` significant digits; NaN
    where the window is short or holds a missing value in either input, exactly 0 where |cov| ≤ rtol × the
    product of the two sides' largest |value| (float noise, e.g. a side constant over the window: its
    deviations from the window mean are then a few ulps)."""
    xs, ys = _floats(x), _floats(y)
    out = np.full(len(xs), np.nan)
    if len(xs):
        _rolling_cov(xs, ys, segment_starts(codes), n, ddof, rtol, sig, out)
    return out


def rolling_rank(x: pl.Series, codes: pl.Series, n: int) -> np.ndarray:
    """Per-stock rank (1..n, ties averaged) of each row's value among the full window of the last `n` rows;
    NaN where the window is short or holds a missing value."""
    xs = _floats(x)
    out = np.full(len(xs), np.nan)
    if len(xs):
        _rolling_rank(xs, segment_starts(codes), n, out)
    return out
