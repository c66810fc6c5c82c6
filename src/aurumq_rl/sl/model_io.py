"""Saving a trained SL ensemble and scoring with it: `save_model`, `SLScorer`, and the score-file contract.

A model directory holds one booster per seed, truncated at its best iteration (`model_seed<S>.txt` for
LightGBM, `.json` for XGBoost, `.cbm` for CatBoost), and `manifest.json` (kind "sl_gbdt"; booster, features in order,
feature mode, label, fp, windows, seeds, universe, market rules, ensemble combine, isotonic breakpoints, package
versions, git commit, sha256 of every model file). Every file is written atomically (temp + rename). `SLScorer` needs
only the booster's library, numpy and polars; it checks the hashes before loading and aligns factors by name.

Scores leave as the project-wide contract, `aurumq_rl.data.scores`.
"""

from __future__ import annotations

import importlib.metadata
import json
from pathlib import Path
from typing import Any

import numpy as np

from aurumq_rl import __version__
from aurumq_rl.data.loader import load_panel
from aurumq_rl.data.normalize import check_normalize_params, normalize_params
from aurumq_rl.data.panel import Panel
from aurumq_rl.errors import DataError
from aurumq_rl.io import atomic_dir, atomic_write_json, atomic_write_text, atomic_write_with
from aurumq_rl.market.status import MarketConfig, market_from_settings
from aurumq_rl.provenance import git_commit, sha256_file
from aurumq_rl.sl.dataset import build_dataset, scorable
from aurumq_rl.sl.models import Ensemble, FittedModel, require, safe_names

MANIFEST = "manifest.json"
MODEL_KIND = "sl_gbdt"
SAVABLE = ("lightgbm", "xgboost", "catboost")
MODEL_SUFFIX = {"lightgbm": ".txt", "xgboost": ".json", "catboost": ".cbm"}
FORMAT_VERSION = 1


def package_versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {"aurumq_rl": __version__}
    for pkg in ("lightgbm", "numpy", "polars", "scikit-learn"):
        try:
            out[pkg] = importlib.metadata.version(pkg)
        except importlib.metadata.PackageNotFoundError:
            out[pkg] = None
    return out


def save_model(out_dir: str | Path, ens: Ensemble, *, features: str, universe: str,
               label: dict[str, Any], forward_period: int, windows: dict[str, Any],
               market: MarketConfig = MarketConfig(), extra: dict[str, Any] | None = None) -> Path:
    """Write the ensemble's LightGBM members and the manifest into `out_dir`; returns the manifest path.
    `market`: the rules the training panel was loaded under, recorded so `SLScorer` scores under them too."""
    kinds = {m.kind for m in ens.members}
    if len(kinds) != 1 or not kinds <= set(SAVABLE):
        raise DataError(f"models of kind {sorted(kinds)} cannot be saved together; one ensemble holds one booster kind")
    booster = kinds.pop()
    # the directory is written whole beside `out_dir` and swapped in at the end (`atomic_dir`): a run killed while
    # saving leaves the previous model loadable, never new boosters under the old manifest's hashes
    target = Path(out_dir)
    with atomic_dir(target, merge=False) as out:
        files: dict[str, str] = {}
        for m in ens.members:
            name = f"model_seed{m.seed}{MODEL_SUFFIX[booster]}"
            if booster == "lightgbm":
                atomic_write_text(m.model.model_to_string(num_iteration=m.best_iteration), out / name)
            elif booster == "xgboost":  # the trees up to the best iteration, as JSON
                atomic_write_text(m.model[: m.best_iteration].save_raw("json").decode(), out / name)
            else:  # catboost: fitted with use_best_model, so the saved model stops at the best iteration
                atomic_write_with(out / name, lambda tmp, model=m.model: model.save_model(tmp, format="cbm"))
            files[name] = sha256_file(out / name)
        manifest = {
            "kind": MODEL_KIND, "booster": booster, "format_version": FORMAT_VERSION,
            "factor_names": list(ens.feature_names),
            "features": features, "normalize": "raw", "normalize_params": normalize_params(),
            "universe": universe, "market": market.settings(),
            "label": label, "forward_period": forward_period, "windows": windows, "objective": ens.objective,
            "seeds": ens.seeds, "combine": ens.combine, "calibration": ens.calibration,
            "best_iterations": [m.best_iteration for m in ens.members], "params": ens.info.get("params"),
            "target": ens.info.get("target"), "versions": package_versions(), "git_commit": git_commit(),
            "files": files, **(extra or {}),
        }
        atomic_write_json(manifest, out / MANIFEST)
    return target / MANIFEST


class SLScorer:
    """Loads a saved SL model directory and scores panels, with the RL scorer's interface."""

    metadata: dict
    factor_names: list[str]

    def __init__(self, model_dir: str | Path) -> None:
        self.model_dir = Path(model_dir)
        path = self.model_dir / MANIFEST
        if not path.is_file():
            raise DataError(f"{path}: no SL model manifest here; pass the model directory written by `sl train`")
        try:
            self.metadata = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise DataError(f"{path}: not valid JSON ({exc})") from exc
        if not isinstance(self.metadata, dict):
            raise DataError(f"{path}: a JSON {type(self.metadata).__name__}, expected the manifest object "
                            "written by `sl train`")
        if self.metadata.get("kind") != MODEL_KIND:
            raise DataError(f"{path}: kind '{self.metadata.get('kind')}' is not {MODEL_KIND}")
        lacking = [k for k in ("factor_names", "files", "objective", "combine", "features", "universe")
                   if k not in self.metadata]
        if lacking:
            raise DataError(f"{path}: manifest lacks {', '.join(lacking)}; retrain or restore the model directory")
        # a `--features zscore` model of a version with another z-score transform would score on inputs it never saw
        check_normalize_params(self.metadata["features"], self.metadata.get("normalize_params"), str(path))
        self.factor_names = list(self.metadata["factor_names"])
        booster_kind = self.metadata.get("booster", "lightgbm")
        if booster_kind not in SAVABLE:
            raise DataError(f"{path}: booster '{booster_kind}' is not one this version loads ({', '.join(SAVABLE)})")
        lib = require(booster_kind)
        members = []
        for name, digest in self.metadata["files"].items():
            f = self.model_dir / name
            if not f.is_file():
                raise DataError(f"{f}: model file listed in the manifest is missing")
            if sha256_file(f) != digest:
                raise DataError(f"{f}: sha256 differs from the manifest (file modified or corrupt); retrain or "
                                "restore the model directory")
            seed = int(f.stem.removeprefix("model_seed"))
            if booster_kind == "lightgbm":
                model = lib.Booster(model_file=str(f))
                members.append(FittedModel("lightgbm", model, seed, model.current_iteration()))
            elif booster_kind == "xgboost":
                model = lib.Booster(model_file=str(f))
                members.append(FittedModel("xgboost", model, seed, model.num_boosted_rounds()))
            else:
                cls = lib.CatBoostClassifier if self.metadata["objective"] == "binary" else lib.CatBoostRegressor
                model = cls().load_model(str(f), format="cbm")
                members.append(FittedModel("catboost", model, seed, model.tree_count_))
            _check_features(members[-1], self.factor_names, f, path)
        self.ensemble = Ensemble(members, self.factor_names, self.metadata["objective"], self.metadata["combine"],
                                 self.metadata.get("calibration"))

    def load_panel(self, data: Any, *, start: Any = None, end: Any = None, universe: str | None = None,
                   market: MarketConfig | None = None) -> Panel:
        """Load `data` with the training preprocessing: raw values, the model's universe, market rules
        (`market` in the manifest; none recorded: the defaults it was trained under) and factor columns."""
        return load_panel(data, universe=universe or self.metadata["universe"], start=start, end=end,
                          factors=list(self.factor_names), normalize="raw",
                          market=market or market_from_settings(self.metadata.get("market")))

    def score_panel(self, panel: Panel) -> np.ndarray:
        """[T, N] float64 scores, NaN outside `panel.in_universe` and where none of the model's factors has a
        value (`Panel.blank`); factors are matched by name."""
        norm = panel.meta.get("normalize", "raw")
        if norm != "raw":
            raise DataError(f"panel normalised with '{norm}'; SL models score raw panels (use SLScorer.load_panel "
                            "or load_panel(..., normalize='raw'))")
        index = {n: i for i, n in enumerate(panel.factor_names)}
        missing = [n for n in self.factor_names if n not in index]
        if missing:
            raise DataError(f"factor(s) the model needs are missing from the data: {', '.join(missing[:10])}")
        cols = [index[n] for n in self.factor_names]
        scored = scorable(panel, cols)
        ds = build_dataset(scored, None, 0, len(panel.dates) - 1, self.metadata["features"], cols)
        shape = panel.in_universe.shape
        return self.ensemble.score_dataset(ds, shape) if len(ds) else np.full(shape, np.nan)


def _check_features(member: FittedModel, names: list[str], model_file: Path, manifest: Path) -> None:
    """The booster's own features agree with the manifest's `factor_names`: names and order (every booster is
    fitted with them; models saved before that carry none, and only their count is checked). Columns are
    aligned by the manifest's names, so an edited list would silently feed factors to the wrong inputs."""
    m = member.model
    stored: list[str] | None = None
    if member.kind == "lightgbm":
        stored = list(m.feature_name())
        count = len(stored)
    elif member.kind == "xgboost":
        stored = list(m.feature_names) if m.feature_names else None
        count = int(m.num_features())
    else:
        stored = list(m.feature_names_)
        count = len(stored)
        if stored == [str(i) for i in range(count)]:  # CatBoost's default names: fitted on an unnamed array
            stored = None
    if stored is not None:
        want = safe_names(names)
        if stored != want:
            diff = [f"{a} (booster) vs {b} (manifest)" for a, b in zip(stored, want, strict=False) if a != b]
            raise DataError(f"{model_file}: the booster's {len(stored)} features differ from the {len(want)} "
                            f"factor_names of {manifest} ({'; '.join(diff[:3]) or 'extra names'}); the manifest "
                            "was edited or belongs to another model — retrain or restore the model directory")
    elif count != len(names):
        raise DataError(f"{model_file}: the booster takes {count} features, {manifest} lists {len(names)} "
                        "factor_names; the manifest was edited or belongs to another model — retrain or restore "
                        "the model directory")
