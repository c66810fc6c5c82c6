"""Panel → tabular rows for the GBDT track: feature cubes, (X, y, date, stock) rows and embargoed splits.

The SL track loads panels with `normalize="raw"` and applies its feature mode here, per date over the
universe (causal: a date's features use that date's cross-section only):
- `raw`: the values as stored; `zscore`: per-date z-score; `rank`: per-date rank-gauss (cross-sectional rank
  normalisation, which discards the level and the tails of each factor — `compare_feature_modes` measures it).
Missing values (null/inf in the data) are NaN for LightGBM, which routes them natively; market-wide columns
(one value per date) pass through untransformed in every mode.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from aurumq_rl.data.normalize import normalize, rank_gauss
from aurumq_rl.data.panel import Panel
from aurumq_rl.data.source import date_index
from aurumq_rl.errors import DataError

FEATURE_MODES: tuple[str, ...] = ("raw", "rank", "zscore")
SPLIT_SHARES = (0.6, 0.2)  # default train / validation shares of the dates (test gets the rest)


def feature_cube(panel: Panel, lo: int, hi: int, mode: str = "raw", columns: list[int] | None = None) -> np.ndarray:
    """[hi-lo+1, N, F'] float32 features of dates lo..hi: missing → NaN, then the feature mode per date over
    the universe (NaN outside it; a flat date passes through, see `data.normalize`). `columns` picks factor
    indices (default all) in that order."""
    if mode not in FEATURE_MODES:
        raise DataError(f"--features {mode}: choose one of {', '.join(FEATURE_MODES)}")
    cols = list(range(len(panel.factor_names))) if columns is None else list(columns)
    sl = slice(lo, hi + 1)
    uni = panel.in_universe[sl]
    x = np.empty((hi - lo + 1, len(panel.codes), len(cols)), dtype=np.float32)
    for j, c in enumerate(cols):  # loop over columns: each transform is vectorised over dates × stocks
        col = np.where(panel.missing_col(c, sl), np.nan, panel.factors[sl, :, c])
        x[:, :, j] = normalize(col, uni, mode)
    return x


@dataclass
class Dataset:
    """Rows (date, stock) of one window: features X [n, F], target y [n], and their panel indices."""

    X: np.ndarray  # [n, F] float32
    y: np.ndarray  # [n] float64 (NaN-free when built with a label)
    t_idx: np.ndarray  # [n] int64 date index into the panel
    n_idx: np.ndarray  # [n] int64 stock index into the panel
    feature_names: list[str]

    def __len__(self) -> int:
        return len(self.y)


def scorable(panel: Panel, columns: list[int] | np.ndarray) -> Panel:
    """`panel` with its universe narrowed to rows where at least one of `columns` has a value (`Panel.blank`):
    a row the model knows nothing about is neither trained on nor scored, and takes no part in the per-date
    rank features or the ensemble's per-date rank combine, where its fill-value score would move the others.
    Training (`pipeline.train_split`) and `SLScorer` both narrow with it, so their scores agree."""
    blank = panel.blank(np.asarray(columns, dtype=np.int64))
    return dataclasses.replace(panel, in_universe=panel.in_universe & ~blank) if blank.any() else panel


def build_dataset(panel: Panel, target: np.ndarray | None, lo: int, hi: int, mode: str = "raw",
                  columns: list[int] | None = None, cube: np.ndarray | None = None) -> Dataset:
    """Rows of dates lo..hi that are in the universe and (with a target [T, N]) have a finite target.

    `cube` reuses a precomputed `feature_cube(panel, lo, hi, mode, columns)`."""
    if hi < lo:
        raise DataError(f"empty date window {lo}..{hi}")
    x = cube if cube is not None else feature_cube(panel, lo, hi, mode, columns)
    ok = panel.in_universe[lo:hi + 1].copy()
    if target is not None:
        ok &= np.isfinite(target[lo:hi + 1])
    ti, ni = np.nonzero(ok)
    y = target[lo + ti, ni].astype(np.float64) if target is not None else np.full(len(ti), np.nan)
    names = panel.factor_names if columns is None else [panel.factor_names[c] for c in columns]
    return Dataset(x[ti, ni], y, (lo + ti).astype(np.int64), ni.astype(np.int64), list(names))


def rank_target(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Per-date rank-gauss of a regression label over `mask` (heavy tails and the market level removed). A date
    whose labels are all equal gets 0: `normalize` passes such a date through for features (market-wide
    columns), which would put the label's level (a triple barrier's +1) into a cross-sectional target."""
    return rank_gauss(values, mask).astype(np.float64)


def to_panel_array(values: np.ndarray, ds: Dataset, shape: tuple[int, int]) -> np.ndarray:
    """Scatter row values back to a [T, N] float64 array (NaN elsewhere)."""
    out = np.full(shape, np.nan)
    out[ds.t_idx, ds.n_idx] = values
    return out


# ---------------------------------------------------------------- windows
@dataclass(frozen=True)
class Split:
    """Inclusive date-index windows. `embargo` = label horizon + 1: the last training (validation) date is at
    least embargo + 1 dates before the first validation (test) date, so no label window crosses over."""

    train: tuple[int, int]
    val: tuple[int, int]
    test: tuple[int, int]
    embargo: int

    def as_dates(self, dates: np.ndarray) -> dict[str, list[str]]:
        return {k: [str(dates[a]), str(dates[b])] for k, (a, b) in
                (("train", self.train), ("val", self.val), ("test", self.test))}


def resolve_split(dates: np.ndarray, horizon: int, *, train_start: str | None = None,
                  train_end: str | None = None, val_start: str | None = None, val_end: str | None = None,
                  test_start: str | None = None, test_end: str | None = None) -> Split:
    """Date flags → an embargoed `Split`. Omitted bounds follow a 60/20/20 split of the dates up to the test end
    (--test-end, else the last date; a panel may run past it for the labels), except that a given end places the
    next window's omitted start right after it and its embargo (a --train-end alone is never moved by the default
    --val-start); an earlier window's end is pulled back to honour the embargo (horizon + 1 dates) only before a
    start the user gave. A default mark that would leave no room beside a bound the user gave moves: a --val-end or
    --test-start before the 60% mark starts validation 3/4 of the way to it (60:20), and validation starting within
    the embargo of the 80% mark (a late --train-end or --val-start) splits the dates after it evenly between
    validation and test."""
    t_n = len(dates)
    emb = horizon + 1
    pick = lambda v, d: d if v is None else v  # noqa: E731
    tr_lo = pick(date_index(dates, train_start, "--train-start", "start"), 0)
    te_hi = pick(date_index(dates, test_end, "--test-end", "end"), t_n - 1)
    # the default shares count from the first training date to the last test date (a panel may hold a label
    # warm-up before it and the last test dates' label horizon after it)
    a, b = (tr_lo + int((te_hi + 1 - tr_lo) * share) for share in (SPLIT_SHARES[0], sum(SPLIT_SHARES)))
    tr_hi_set = date_index(dates, train_end, "--train-end", "end")
    va_hi_set = date_index(dates, val_end, "--val-end", "end")
    te_lo_set = date_index(dates, test_start, "--test-start", "start")
    last_val = va_hi_set if va_hi_set is not None else None if te_lo_set is None else te_lo_set - emb - 1
    if last_val is not None and a >= last_val:  # the 60% mark leaves validation no 2 dates before that bound
        a = tr_lo + int((last_val + 1 - tr_lo) * SPLIT_SHARES[0] / sum(SPLIT_SHARES))
    after = lambda end, d: d if end is None else end + emb + 1  # noqa: E731
    va_lo = pick(date_index(dates, val_start, "--val-start", "start"), after(tr_hi_set, a))
    if b < va_lo + emb + 2:  # the 80% mark leaves validation no 2 dates: val and test share what follows it
        b = va_lo + (te_hi + 1 + emb - va_lo) // 2
    te_lo = pick(te_lo_set, after(va_hi_set, b))
    tr_hi = pick(tr_hi_set, va_lo - 1)
    va_hi = pick(va_hi_set, te_lo - 1)
    tr_hi = min(tr_hi, va_lo - emb - 1)
    va_hi = min(va_hi, te_lo - emb - 1)
    for name, lo, hi in (("train", tr_lo, tr_hi), ("val", va_lo, va_hi), ("test", te_lo, te_hi)):
        if hi - lo + 1 < 2:
            raise DataError(f"the {name} window (--{name}-start/--{name}-end) holds fewer than 2 dates after the "
                            f"embargo of {emb} dates (data {dates[0]} … {dates[-1]}); widen it")
    return Split((tr_lo, tr_hi), (va_lo, va_hi), (te_lo, te_hi), emb)
