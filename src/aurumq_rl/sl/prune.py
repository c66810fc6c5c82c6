"""SHAP-based feature pruning: mean |SHAP| from LightGBM's `pred_contrib=True` (TreeSHAP, no shap package),
drop the columns below a threshold, retrain on the rest and compare validation IC before / after.

Columns are never dropped without the retrain: `prune` returns both ensembles and both ICs, and the caller
keeps the pruned model only if it wants to (`PruneReport.better`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from aurumq_rl.data.panel import Panel
from aurumq_rl.errors import DataError
from aurumq_rl.sl.dataset import Split, build_dataset, scorable
from aurumq_rl.sl.labels import Label
from aurumq_rl.sl.models import Ensemble, GBDTParams
from aurumq_rl.sl.pipeline import SLRun, train_split

SHAP_MAX_ROWS = 20_000  # rows sampled (evenly) for the SHAP pass: its cost is rows × trees × leaves


def mean_abs_shap(ens: Ensemble, X: np.ndarray, max_rows: int = SHAP_MAX_ROWS) -> np.ndarray:
    """[F] mean |SHAP value| per feature, averaged over the LightGBM members (bias column excluded)."""
    if any(m.kind != "lightgbm" for m in ens.members):
        raise DataError("SHAP pruning uses LightGBM's pred_contrib; train with --model lightgbm")
    if len(X) > max_rows:
        X = X[np.linspace(0, len(X) - 1, max_rows).astype(np.int64)]
    out = np.zeros(X.shape[1])
    for m in ens.members:
        contrib = np.asarray(m.model.predict(X, num_iteration=m.best_iteration, pred_contrib=True))
        out += np.abs(contrib[:, :-1]).mean(0)
    return out / len(ens.members)


@dataclass
class PruneReport:
    """Importance of every column, what was dropped, and validation IC of the model before and after."""

    importance: dict[str, float]
    threshold: float
    kept: list[str]
    dropped: list[str]
    val_rank_ic_before: float
    val_rank_ic_after: float
    before: SLRun
    after: SLRun

    @property
    def better(self) -> bool:
        return self.val_rank_ic_after >= self.val_rank_ic_before

    def to_dict(self) -> dict[str, object]:
        return {"threshold": self.threshold, "kept": self.kept, "dropped": self.dropped,
                "val_rank_ic_before": self.val_rank_ic_before, "val_rank_ic_after": self.val_rank_ic_after,
                "importance": self.importance, "retrained": True}


def prune(panel: Panel, label: Label, split: Split, params: GBDTParams, seeds: list[int], *,
          threshold: float | None = None, rel_threshold: float = 0.05, features: str = "raw",
          base: SLRun | None = None, target: str = "rank",
          calibrate: bool | None = None, fp: int = 5) -> PruneReport:
    """Fit (or reuse `base`), rank columns by mean |SHAP| on the validation rows it scores, drop those below
    `threshold` (default: `rel_threshold` × the mean importance), retrain on the kept columns and report
    validation rank IC (vs the label) before and after. `calibrate` applies to the fit of `base`; the retrain
    copies the calibration setting of the model before, so the two ICs compare like scores."""
    before = base or train_split(panel, label, split, params, seeds, features=features,
                                 target=target, calibrate=calibrate, fp=fp)
    # the validation rows the model is scored on: a row with none of its factors is neither fitted nor scored
    val = build_dataset(scorable(panel, before.columns), label.values, *split.val, features, before.columns)
    imp = mean_abs_shap(before.ensemble, val.X)
    thr = float(threshold if threshold is not None else rel_threshold * imp.mean())
    keep = imp >= thr
    if not keep.any():
        raise DataError(f"pruning threshold {thr:.3g} drops every column; lower it")
    kept_cols = [c for c, k in zip(before.columns, keep, strict=True) if k]
    names = [panel.factor_names[c] for c in before.columns]
    after = train_split(panel, label, split, params, seeds, features=features, columns=kept_cols,
                        target=target,
                        calibrate=before.ensemble.calibration is not None, fp=fp)
    return PruneReport({n: float(v) for n, v in zip(names, imp, strict=True)}, thr,
                       [n for n, k in zip(names, keep, strict=True) if k],
                       [n for n, k in zip(names, keep, strict=True) if not k],
                       before.metrics["val"]["label"]["rank_ic"], after.metrics["val"]["label"]["rank_ic"],
                       before, after)
