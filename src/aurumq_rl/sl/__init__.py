"""Supervised companion track: causal T+1 labels, GBDT seed ensembles, walk-forward, pruning, stacking, audits.

Modules: `labels` (targets), `dataset` (panel → rows, embargoed splits), `models` (LightGBM / optional XGBoost,
CatBoost, ensembles, isotonic calibration), `pipeline` (one train/val/test run), `walk_forward`, `prune`
(SHAP), `stacking`, `audit` (null tests, leakage), `model_io` (save / `SLScorer`). No torch anywhere.
"""
