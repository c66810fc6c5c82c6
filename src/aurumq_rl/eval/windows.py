"""Evaluation windows (full period, calendar quarters, rolling), multi-seed score ensembles and top-K overlap.

Windows are inclusive ranges [a, b] of decision-date indices inside the evaluable range [lo, hi]; a window's
figure is the mean of the per-date (overlapping) series over its dates, compared with the median over the
random draws of the same mean over the same dates.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import numpy as np

from aurumq_rl.data.normalize import average_ranks

ROLLING_LENGTH = 60
ROLLING_STEP = 20
ENSEMBLE_METHODS: tuple[str, ...] = ("rank_mean", "z_mean", "z_median")

Window = tuple[str, int, int]  # (label, first index, last index), inclusive


def quarter_windows(dates: np.ndarray, lo: int, hi: int) -> list[Window]:
    """One window per calendar quarter ("2021Q3") of the decision dates lo..hi."""
    if hi < lo:
        return []
    q = np.asarray(dates[lo:hi + 1], dtype="datetime64[M]").astype(np.int64) // 3  # quarters since 1970Q1
    cuts = np.flatnonzero(np.diff(q)) + 1
    starts = np.concatenate([[0], cuts])
    ends = np.concatenate([cuts - 1, [len(q) - 1]])
    return [(f"{1970 + q[s] // 4}Q{q[s] % 4 + 1}", lo + int(s), lo + int(e)) for s, e in zip(starts, ends, strict=True)]


def rolling_windows(lo: int, hi: int, length: int = ROLLING_LENGTH, step: int = ROLLING_STEP) -> list[Window]:
    """Windows of `length` decision dates ending at hi, hi-step, … while they fit inside lo..hi (oldest first).
    Anchored at the end, so the most recent dates are always in a window; what is dropped (fewer than `step`
    dates) is the oldest. Labelled by the first date index."""
    starts = range(hi - length + 1, lo - 1, -step)
    return [(f"rolling_{a}", a, a + length - 1) for a in reversed(starts)]


def window_stats(series: np.ndarray, random_series: np.ndarray, windows: Sequence[Window], dates: np.ndarray,
                 rank_ic: np.ndarray | None = None) -> list[dict[str, object]]:
    """Per window: mean of `series` [T] (top-K return per date), the random draws' median of the same mean
    (`random_series` [R, T]), whether the strategy beats it and is positive, and the mean rank IC."""
    out: list[dict[str, object]] = []
    for label, a, b in windows:
        v = series[a:b + 1]
        mean = float(np.nanmean(v)) if np.isfinite(v).any() else math.nan
        rnd = random_series[:, a:b + 1]
        ok = np.isfinite(rnd).any(1)
        r50 = float(np.median(np.nanmean(rnd[ok], axis=1))) if ok.any() else math.nan
        row: dict[str, object] = {"window": label, "start": str(dates[a]), "end": str(dates[b]),
                                  "n_dates": int(np.isfinite(v).sum()), "mean": mean, "random_p50": r50,
                                  "beats_random_p50": bool(mean > r50), "positive": bool(mean > 0)}
        if rank_ic is not None:
            ic = rank_ic[a:b + 1]
            row["rank_ic_mean"] = float(np.nanmean(ic)) if np.isfinite(ic).any() else math.nan
        out.append(row)
    return out


def _share(rows: list[dict[str, object]], key: str) -> float:
    """Share of the windows with at least one dated figure where `key` holds (an empty window says nothing)."""
    seen = [bool(r[key]) for r in rows if r["n_dates"]]
    return float(np.mean(seen)) if seen else math.nan


def window_report(dates: np.ndarray, series: np.ndarray, random_series: np.ndarray, lo: int, hi: int,
                  rank_ic: np.ndarray | None = None) -> dict[str, object]:
    """Full period, per quarter and rolling 60/20 window stats, with the shares of quarter and rolling windows
    that beat the random median and that are positive (over the windows with at least one dated figure)."""
    quarters = window_stats(series, random_series, quarter_windows(dates, lo, hi), dates, rank_ic)
    rolling = window_stats(series, random_series, rolling_windows(lo, hi), dates, rank_ic)
    return {"full": window_stats(series, random_series, [("full", lo, hi)], dates, rank_ic)[0],
            "quarters": quarters, "rolling": rolling,
            "share_beats_random_p50": {"quarters": _share(quarters, "beats_random_p50"),
                                       "rolling": _share(rolling, "beats_random_p50")},
            "share_positive": {"quarters": _share(quarters, "positive"), "rolling": _share(rolling, "positive")}}


# ---------------------------------------------------------------- ensembles
def _row_z(x: np.ndarray) -> np.ndarray:
    """Per-row z-score (ddof 0) over the non-NaN values; zero-variance rows give 0 (told by max = min: the
    float std of equal values is a rounding, not 0, and gave them all ±1)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nanmean(x, axis=-1, keepdims=True)
        std = np.nanstd(x, axis=-1, keepdims=True)
        flat = np.nanmax(x, axis=-1, keepdims=True) == np.nanmin(x, axis=-1, keepdims=True)
    return (x - mean) / np.where((std > 0) & ~flat, std, np.inf)


def ensemble_scores(score_sets: Sequence[np.ndarray], mask: np.ndarray, method: str = "rank_mean") -> np.ndarray:
    """Combine S score arrays [T, N] (e.g. seeds) per date over `mask`: rank_mean (mean of average rank / n,
    in (0, 1]), z_mean or z_median (of per-date z-scores). Only cells every set scores are combined (ranks and
    z-scores over them too): a stock one set left out would otherwise keep the others' extreme value alone
    while the stocks they all scored are averaged towards the middle, and rise to the top. NaN elsewhere."""
    if method not in ENSEMBLE_METHODS:
        raise ValueError(f"method='{method}': choose one of {', '.join(ENSEMBLE_METHODS)}")
    mask = mask & np.logical_and.reduce([np.isfinite(s) for s in score_sets])
    x = np.stack([np.where(mask, s, np.nan) for s in score_sets]).astype(np.float64)
    if method == "rank_mean":
        shape = x.shape
        flat = x.reshape(-1, shape[-1])
        r = average_ranks(flat) / np.isfinite(flat).sum(1, keepdims=True).clip(min=1)
        x = r.reshape(shape)
    else:
        x = _row_z(x)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN (date, stock) cells stay NaN
        out = np.nanmedian(x, axis=0) if method == "z_median" else np.nanmean(x, axis=0)
    return np.where(mask, out, np.nan)


def picks_overlap(picks: np.ndarray) -> np.ndarray:
    """[S, S] mean over dates of the Jaccard overlap |A∩B| / |A∪B| of [S, T, N] top-K pick sets (dates where
    both pick nothing are skipped)."""
    inter = np.einsum("atn,btn->abt", picks.astype(np.int32), picks.astype(np.int32))
    size = picks.sum(2)
    union = size[:, None, :] + size[None, :, :] - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        jac = np.where(union > 0, inter / union, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(jac, axis=2)
