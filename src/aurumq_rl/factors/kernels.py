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


@numba.njit(parallel=True, nogil=True, cache=True)
def _rolling_corr(x: np.ndarray, y: np.ndarray, starts: np.ndarray, n: int, rtol: float,
                  out: np.ndarray, flat: np.ndarray) -> None:  # pragma: no cover - compiled
    for s in numba.prange(len(starts) - 1):
        for i in range(starts[s] + n - 1, starts[s + 1]):
            sx = 0.0
            sy = 0.0
            full = True
            for j in range(i - n + 1, i + 1):
                if math.isnan(x[j]) or math.isnan(y[j]):
                    full = False
                    break
                sx += x[j]
                sy += y[j]
            if not full:
                continue
            mx = sx / n
            my = sy / n
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
