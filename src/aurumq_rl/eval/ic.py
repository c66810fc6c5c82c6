"""Information coefficient per date, vectorised over dates: Pearson (IC) and Spearman (rank IC)."""

from __future__ import annotations

import numpy as np

from aurumq_rl.data.normalize import average_ranks

MIN_STOCKS = 10  # dates with fewer valid stocks get NaN


def _flat(x: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """[T] the valid values of each row are all equal (compared exactly: a float mean of equal values is off
    by a rounding, and correlating that noise gave a Pearson IC of ~1e-17 instead of none)."""
    return np.where(valid, x, -np.inf).max(1) == np.where(valid, x, np.inf).min(1)


def _row_pearson(a: np.ndarray, b: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Per-row Pearson correlation over `valid`; NaN with fewer than MIN_STOCKS values or zero variance on
    either side (DOMAIN: correlation with zero variance is null)."""
    n = valid.sum(axis=1)
    flat = _flat(a, valid) | _flat(b, valid)
    a = np.where(valid, a, 0.0)
    b = np.where(valid, b, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        ma = a.sum(1) / n
        mb = b.sum(1) / n
        da = np.where(valid, a - ma[:, None], 0.0)
        db = np.where(valid, b - mb[:, None], 0.0)
        cov = (da * db).sum(1)
        r = cov / np.sqrt((da * da).sum(1) * (db * db).sum(1))
    r[(n < MIN_STOCKS) | flat | ~np.isfinite(r)] = np.nan
    return r


def ic_series(scores: np.ndarray, fwd: np.ndarray, mask: np.ndarray | None = None,
              method: str = "rank") -> np.ndarray:
    """Per-date IC [T] of scores [T, N] vs forward returns [T, N] over stocks where `mask` and both finite.

    method: "rank" (Spearman: Pearson of average ranks) or "pearson". NaN on dates with < MIN_STOCKS stocks.
    """
    valid = np.isfinite(scores) & np.isfinite(fwd)
    if mask is not None:
        valid &= mask
    if method == "rank":
        return _row_pearson(ranked(scores, valid), ranked(fwd, valid), valid)
    if method != "pearson":
        raise ValueError(f"method='{method}': choose rank or pearson")
    return _row_pearson(np.where(valid, scores, np.nan).astype(np.float64),
                        np.where(valid, fwd, np.nan).astype(np.float64), valid)


def ranked(values: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Per-date average ranks [T, N] of `values` over the stocks where `valid` (NaN elsewhere): the input of
    the rank IC. Many score sets judged against the same returns on the same stocks (the random baseline's
    draws) rank the returns once and call `rank_ic_on`."""
    return average_ranks(np.where(valid, values, np.nan).astype(np.float64))


def rank_ic_on(scores: np.ndarray, fwd_ranks: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """`ic_series(scores, fwd, valid, "rank")` when `scores` are finite wherever `valid` and `fwd_ranks` is
    `ranked(fwd, valid)` with `valid` already within the finite returns: the same figures, one sort fewer."""
    return _row_pearson(ranked(scores, valid), fwd_ranks, valid)
