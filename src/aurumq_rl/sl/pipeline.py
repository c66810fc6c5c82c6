"""One train / validation / test run of the SL track: target, datasets, ensemble, scores and IC figures.

The regression target is the label's per-date rank-gauss (`target="rank"`, the default: the model learns the
cross-sectional order, which is what a top-K selection uses) or the label itself (`target="raw"`); binary
labels are used as 0/1. Figures are the per-date rank IC (and Pearson IC) of the scores against the label
and against the plain fp-day forward return, over universe rows with a finite label.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from aurumq_rl.data.panel import Panel
from aurumq_rl.errors import DataError
from aurumq_rl.eval.ic import ic_series
from aurumq_rl.eval.metrics import summarize_ic
from aurumq_rl.sl.dataset import Dataset, Split, build_dataset, rank_target, scorable
from aurumq_rl.sl.labels import Label
from aurumq_rl.sl.models import Ensemble, GBDTParams, fit_ensemble, with_objective

TARGETS: tuple[str, ...] = ("rank", "raw")


def prepare_target(panel: Panel, label: Label, target: str = "rank") -> np.ndarray:
    """[T, N] training target: 0/1 for binary labels, else the per-date rank-gauss (or raw) label."""
    if target not in TARGETS:
        raise DataError(f"target='{target}': choose one of {', '.join(TARGETS)}")
    if label.binary or target == "raw":
        return label.values
    return np.where(np.isfinite(label.values), rank_target(label.values, panel.in_universe), np.nan)


def window_ic(scores: np.ndarray, truth: np.ndarray, mask: np.ndarray, lo: int, hi: int) -> dict[str, float]:
    """Mean per-date rank IC / IC (and ICIR, days) of scores vs `truth` on dates lo..hi over `mask`."""
    s, t, m = scores[lo:hi + 1], truth[lo:hi + 1], mask[lo:hi + 1]
    rank = summarize_ic(ic_series(s, t, m, "rank"))
    pear = summarize_ic(ic_series(s, t, m, "pearson"))
    return {"rank_ic": rank["mean"], "rank_icir": rank["icir"], "ic": pear["mean"], "n_days": rank["n_days"]}


@dataclass
class SLRun:
    """A fitted ensemble with its scores on the validation and test windows and their figures."""

    ensemble: Ensemble
    label: Label
    split: Split
    features: str
    columns: list[int]
    scores: np.ndarray  # [T, N] NaN outside val/test windows and the universe
    metrics: dict[str, Any] = field(default_factory=dict)


def score_window(ens: Ensemble, panel: Panel, lo: int, hi: int, features: str, columns: list[int]) -> np.ndarray:
    """[T, N] ensemble scores on every universe row of dates lo..hi (labels not needed)."""
    ds = build_dataset(panel, None, lo, hi, features, columns)
    shape = panel.in_universe.shape
    return ens.score_dataset(ds, shape) if len(ds) else np.full(shape, np.nan)


def datasets(panel: Panel, target: np.ndarray, split: Split, features: str, columns: list[int]
             ) -> tuple[Dataset, Dataset]:
    """Training and validation rows (universe × finite target) of a split."""
    return (build_dataset(panel, target, *split.train, features, columns),
            build_dataset(panel, target, *split.val, features, columns))


def train_split(panel: Panel, label: Label, split: Split, params: GBDTParams, seeds: list[int], *,
                features: str = "raw", columns: list[int] | None = None, kind: str = "lightgbm", target: str = "rank",
                calibrate: bool | None = None, fp: int = 5) -> SLRun:
    """Fit a multi-seed ensemble on the training window (early stopping on validation), score the
    validation and test windows, and measure their ICs. Binary labels are isotonic-calibrated on the
    validation window unless `calibrate=False`."""
    if split.train[1] + label.horizon >= split.val[0] or split.val[1] + label.horizon >= split.test[0]:
        raise DataError(f"split {split} leaves no embargo for the label horizon {label.horizon}")
    columns = list(range(len(panel.factor_names))) if columns is None else list(columns)
    panel = scorable(panel, columns)  # as `SLScorer` scores: rows with none of the columns are out
    y = prepare_target(panel, label, target)
    train, val = datasets(panel, y, split, features, columns)
    ens = fit_ensemble(train, val, with_objective(params, label.binary), seeds, kind)
    if label.binary and calibrate is not False:
        ens.calibrate(val)
    shape = panel.in_universe.shape
    scores = np.full(shape, np.nan)
    for lo, hi in (split.val, split.test):
        part = score_window(ens, panel, lo, hi, features, columns)
        scores[lo:hi + 1] = part[lo:hi + 1]
    fwd = panel.forward_returns(fp)
    uni = panel.in_universe
    metrics: dict[str, Any] = {"n_train_rows": len(train), "n_val_rows": len(val)}
    for name, (lo, hi) in (("val", split.val), ("test", split.test)):
        metrics[name] = {"label": window_ic(scores, label.values, uni, lo, hi),
                         "forward_return": window_ic(scores, fwd, uni, lo, hi)}
    ens.info.update(features=features, target=target, label=label.name, horizon=label.horizon)
    return SLRun(ens, label, split, features, columns, scores, metrics)


def compare_feature_modes(panel: Panel, label: Label, split: Split, params: GBDTParams, seeds: list[int],
                          modes: tuple[str, ...] = ("raw", "rank"), **kw: Any) -> dict[str, dict[str, float]]:
    """Train the same ensemble on each feature mode; validation / test rank IC vs the label per mode."""
    out = {}
    for mode in modes:
        run = train_split(panel, label, split, params, seeds, features=mode, **kw)
        out[mode] = {"val_rank_ic": run.metrics["val"]["label"]["rank_ic"],
                     "test_rank_ic": run.metrics["test"]["label"]["rank_ic"]}
    return out

