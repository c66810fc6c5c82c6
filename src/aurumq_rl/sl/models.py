"""GBDT models of the SL track: LightGBM (optional XGBoost / CatBoost), multi-seed ensembles, isotonic calibration.

Every model early-stops on the validation window (l2 for regression on the rank-gauss target, log-loss for
binary labels). A multi-seed `Ensemble` combines its members per date: `rank_mean` (mean of per-date
average rank / n, the evaluation module's `ensemble_scores`) or `mean` (mean of raw predictions; binary
probabilities). Isotonic calibration is fitted on validation rows only and stored as two JSON arrays applied
with `numpy.interp`, so scoring never needs scikit-learn.
"""

from __future__ import annotations

import importlib
import os
import sys
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from aurumq_rl.errors import DataError
from aurumq_rl.eval.windows import ensemble_scores
from aurumq_rl.sl.dataset import Dataset, to_panel_array

MODEL_KINDS: tuple[str, ...] = ("lightgbm", "xgboost", "catboost")
COMBINE_METHODS: tuple[str, ...] = ("rank_mean", "mean")
_INSTALL = {"lightgbm": "pip install -e '.[sl]'", "xgboost": "pip install -e '.[xgboost]'",
            "catboost": "pip install -e '.[catboost]'"}


def require(kind: str) -> Any:
    """Import the library of a model kind, or a DataError saying how to install it."""
    if kind not in MODEL_KINDS:
        raise DataError(f"--model {kind}: choose one of {', '.join(MODEL_KINDS)}")
    if kind not in sys.modules:
        # OpenMP threads that spin while waiting made LightGBM 10-20x slower on the shared 2-core dev box
        # (docs/BENCHMARKS.md); wait passively unless the user chose a policy (read when libgomp loads).
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    try:
        return importlib.import_module(kind)
    except ImportError as exc:
        alt = "" if kind == "lightgbm" else ", or use --model lightgbm"
        raise DataError(f"--model {kind}: the package '{kind}' is not installed ({_INSTALL[kind]}){alt}") from exc


@dataclass(frozen=True)
class GBDTParams:
    """Booster settings shared by the model kinds (LightGBM names). XGBoost and CatBoost take the rounds,
    learning rate, early stopping, L2 and `max_depth`; XGBoost also the bagging and feature fractions and
    max_bin. `num_leaves` and `min_data_in_leaf` are LightGBM's only (the CLI refuses them with another model)."""

    objective: str = "regression"  # regression | binary
    num_boost_round: int = 300
    learning_rate: float = 0.05
    num_leaves: int = 31
    max_depth: int = 6  # XGBoost / CatBoost depth; LightGBM uses num_leaves
    min_data_in_leaf: int = 200
    feature_fraction: float = 0.8
    bagging_fraction: float = 0.8
    bagging_freq: int = 1
    lambda_l2: float = 10.0
    max_bin: int = 63
    early_stopping_rounds: int = 30
    num_threads: int = 2

    def lightgbm(self, seed: int) -> dict[str, Any]:
        """LightGBM parameter dict, deterministic for a seed on a fixed thread count."""
        return {"objective": self.objective, "metric": "binary_logloss" if self.objective == "binary" else "l2",
                "learning_rate": self.learning_rate, "num_leaves": self.num_leaves,
                "min_data_in_leaf": self.min_data_in_leaf, "feature_fraction": self.feature_fraction,
                "bagging_fraction": self.bagging_fraction, "bagging_freq": self.bagging_freq,
                "lambda_l2": self.lambda_l2, "max_bin": self.max_bin, "num_threads": self.num_threads,
                "seed": seed, "deterministic": True, "force_row_wise": True, "verbosity": -1}


@dataclass
class FittedModel:
    """One trained booster of any kind; `predict` returns float64 (probabilities for binary)."""

    kind: str
    model: Any
    seed: int
    best_iteration: int

    def predict(self, X: np.ndarray) -> np.ndarray:
        if self.kind == "lightgbm":
            return np.asarray(self.model.predict(X, num_iteration=self.best_iteration), dtype=np.float64)
        if self.kind == "xgboost":
            xgb = require("xgboost")
            d = xgb.DMatrix(X, missing=np.nan, feature_names=self.model.feature_names)  # columns by position
            p = self.model.predict(d, iteration_range=(0, self.best_iteration))
            return np.asarray(p, dtype=np.float64)
        if hasattr(self.model, "predict_proba"):
            return np.asarray(self.model.predict_proba(X)[:, 1], dtype=np.float64)
        return np.asarray(self.model.predict(X), dtype=np.float64)


def train_model(train: Dataset, val: Dataset | None, params: GBDTParams, seed: int = 0,
                kind: str = "lightgbm") -> FittedModel:
    """Fit one booster on `train`, early-stopping on `val` (when given and non-empty)."""
    lib = require(kind)
    if len(train) == 0:
        raise DataError("no training row (universe × finite label) in the training window; widen the dates")
    use_val = val is not None and len(val) > 0
    names = safe_names(train.feature_names)  # stored in every booster: a reload checks them against the manifest
    if kind == "lightgbm":
        dtrain = lib.Dataset(train.X, train.y, feature_name=names,
                             params={"max_bin": params.max_bin, "verbosity": -1})
        kw: dict[str, Any] = {}
        if use_val:
            kw["valid_sets"] = [lib.Dataset(val.X, val.y, reference=dtrain)]
            kw["callbacks"] = [lib.early_stopping(params.early_stopping_rounds, verbose=False)]
        booster = lib.train(params.lightgbm(seed), dtrain, num_boost_round=params.num_boost_round, **kw)
        best = booster.best_iteration if use_val and booster.best_iteration > 0 else booster.current_iteration()
        return FittedModel(kind, booster, seed, int(best))
    if kind == "xgboost":
        xp = {"objective": "binary:logistic" if params.objective == "binary" else "reg:squarederror",
              "eta": params.learning_rate, "max_depth": params.max_depth, "subsample": params.bagging_fraction,
              "colsample_bytree": params.feature_fraction, "lambda": params.lambda_l2, "max_bin": params.max_bin,
              "nthread": params.num_threads, "seed": seed, "tree_method": "hist"}
        dtrain = lib.DMatrix(train.X, label=train.y, missing=np.nan, feature_names=names)
        evals = [(lib.DMatrix(val.X, label=val.y, missing=np.nan, feature_names=names), "val")] if use_val else []
        booster = lib.train(xp, dtrain, params.num_boost_round, evals=evals, verbose_eval=False,
                            early_stopping_rounds=params.early_stopping_rounds if use_val else None)
        best = booster.best_iteration + 1 if use_val else params.num_boost_round
        return FittedModel(kind, booster, seed, int(best))
    cls = lib.CatBoostClassifier if params.objective == "binary" else lib.CatBoostRegressor
    model = cls(iterations=params.num_boost_round, learning_rate=params.learning_rate, depth=params.max_depth,
                l2_leaf_reg=params.lambda_l2, random_seed=seed, thread_count=params.num_threads, verbose=False,
                allow_writing_files=False)  # no catboost_info/ litter in the working directory
    model.fit(lib.Pool(train.X, train.y, feature_names=names),
              eval_set=lib.Pool(val.X, val.y, feature_names=names) if use_val else None,
              early_stopping_rounds=params.early_stopping_rounds if use_val else None)
    # trees kept (best index + 1 after early stopping, which shrinks the model to it), as for LightGBM / XGBoost
    return FittedModel(kind, model, seed, int(model.tree_count_))


def safe_names(names: list[str]) -> list[str]:
    """LightGBM rejects some characters in feature names; factor names are identifiers already."""
    return [n.replace(" ", "_") for n in names]


# ---------------------------------------------------------------- calibration
def fit_isotonic(scores: np.ndarray, y: np.ndarray) -> dict[str, list[float]]:
    """Isotonic map score → P(y = 1) fitted with scikit-learn on (validation) rows; returned as the
    breakpoints {"x": [...], "y": [...]} that `apply_isotonic` interpolates (clipped at both ends)."""
    try:
        from sklearn.isotonic import IsotonicRegression
    except ImportError as exc:
        raise DataError("isotonic calibration needs scikit-learn: pip install -e '.[sl]'") from exc
    ok = np.isfinite(scores) & np.isfinite(y)
    if ok.sum() < 2 or len(np.unique(y[ok])) < 2:
        raise DataError("isotonic calibration: the validation window needs both classes; widen it (sl train: "
                        "--val-start/--val-end; sl walk-forward: --train-days, or --positive-rate)")
    iso = IsotonicRegression(y_min=0.0, y_max=1.0, increasing=True, out_of_bounds="clip").fit(scores[ok], y[ok])
    return {"x": [float(v) for v in iso.X_thresholds_], "y": [float(v) for v in iso.y_thresholds_]}


ISOTONIC_TIE_BREAK = 1e-9  # weight of the mean member probability mixed into calibrated scores (`combine_panel`)


def apply_isotonic(calibration: dict[str, list[float]], scores: np.ndarray) -> np.ndarray:
    """Calibrated probabilities (piecewise-linear in the breakpoints, flat outside); NaN stays NaN."""
    s = np.asarray(scores, dtype=np.float64)
    out = np.interp(np.nan_to_num(s), np.asarray(calibration["x"]), np.asarray(calibration["y"]))
    return np.where(np.isfinite(s), out, np.nan)


# ---------------------------------------------------------------- ensembles
@dataclass
class Ensemble:
    """Boosters of several seeds on the same features, combined per date."""

    members: list[FittedModel]
    feature_names: list[str]
    objective: str = "regression"
    combine: str = "rank_mean"
    calibration: dict[str, list[float]] | None = None
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def seeds(self) -> list[int]:
        return [m.seed for m in self.members]

    def predict_rows(self, X: np.ndarray) -> np.ndarray:
        """[S, n] raw predictions of every member."""
        return np.stack([m.predict(X) for m in self.members])

    def combine_panel(self, per_seed: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Combine [S, T, N] member scores per date over `mask` → [T, N] (calibrated when fitted)."""
        if self.combine == "rank_mean" and self.calibration is None:
            return ensemble_scores(list(per_seed), mask, "rank_mean")
        out = np.where(mask, np.mean(per_seed, axis=0), np.nan)
        if self.calibration is None:
            return out
        # an isotonic map is a step function: it ties whole bands of stocks, which a top-K would then split by
        # stock code. A term far below the probabilities' resolution keeps the ensemble's order inside each
        # step (a non-decreasing map plus a strictly increasing one ranks exactly as the mean probability). A
        # convex mix, so the scores stay probabilities in [0, 1] (an added term put them 3e-10 above 1).
        eps = ISOTONIC_TIE_BREAK
        return (1 - eps) * apply_isotonic(self.calibration, out) + eps * out

    def score_dataset(self, ds: Dataset, shape: tuple[int, int]) -> np.ndarray:
        """[T, N] combined scores on the rows of `ds` (NaN elsewhere)."""
        preds = self.predict_rows(ds.X)
        mask = np.zeros(shape, dtype=bool)
        mask[ds.t_idx, ds.n_idx] = True
        per_seed = np.stack([to_panel_array(p, ds, shape) for p in preds])
        return self.combine_panel(per_seed, mask)

    def calibrate(self, val: Dataset) -> None:
        """Fit the isotonic map on the validation rows' mean member probability (binary labels only)."""
        if self.objective != "binary":
            raise DataError("isotonic calibration applies to binary labels only (--label binary)")
        self.calibration = fit_isotonic(self.predict_rows(val.X).mean(0), val.y)
        self.combine = "mean"


def fit_ensemble(train: Dataset, val: Dataset | None, params: GBDTParams, seeds: list[int] | tuple[int, ...],
                 kind: str = "lightgbm", combine: str | None = None) -> Ensemble:
    """One booster per seed (bagging / feature sampling differ by seed); combine defaults to `mean` for
    binary labels (probabilities) and `rank_mean` for regression."""
    if not seeds:
        raise DataError("--seeds: give at least one seed, e.g. 1,2,3")
    combine = combine or ("mean" if params.objective == "binary" else "rank_mean")
    if combine not in COMBINE_METHODS:
        raise DataError(f"combine='{combine}': choose one of {', '.join(COMBINE_METHODS)}")
    members = [train_model(train, val, params, int(s), kind) for s in seeds]
    return Ensemble(members, list(train.feature_names), params.objective, combine,
                    info={"kind": kind, "params": {k: v for k, v in vars(params).items()},
                          "best_iterations": [m.best_iteration for m in members]})


def with_objective(params: GBDTParams, binary: bool) -> GBDTParams:
    """The params with the objective matching a label (binary → classification)."""
    return replace(params, objective="binary" if binary else "regression")
