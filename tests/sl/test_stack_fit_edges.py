"""The stacker's fit on edge inputs: bases that are collinear under `--ridge 0` (one file given twice) fit as the
base alone instead of crashing on a singular matrix, and blocks whose earlier out-of-fold dates sit in the regime
features' 20-date warm-up are skipped (counted as no fit date) instead of failing the whole stack."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl

from aurumq_rl.cli.main import main
from aurumq_rl.data.panel import Panel
from aurumq_rl.sl.labels import Label
from aurumq_rl.sl.stacking import OOFPredictions, fit_stacker, regime_features, stack_walk_forward


def _factor_base(panel: Panel, name: str, oos: np.ndarray) -> OOFPredictions:
    scores = np.where(oos[:, None], panel.factors[:, :, panel.factor_names.index(name)], np.nan).astype(np.float64)
    return OOFPredictions(name, scores, oos)


def test_a_base_given_twice_without_ridge_fits_as_the_base_alone(panel: Panel, label: Label) -> None:
    oos = np.arange(len(panel.dates)) >= 100
    base = _factor_base(panel, "alpha_001", oos)
    twin = OOFPredictions("alpha_001#2", base.scores.copy(), oos)
    alone = fit_stacker([base], label.values, panel, ridge=0.0).predict([base], panel)
    both = fit_stacker([base, twin], label.values, panel, ridge=0.0).predict([base, twin], panel)
    assert np.isfinite(both[oos]).any()
    np.testing.assert_allclose(both, alone, rtol=1e-6, atol=1e-9)


def test_sl_stack_of_one_file_twice_with_ridge_0_runs(market: str, tmp_path: Path) -> None:
    f = tmp_path / "alpha_001.parquet"
    pl.read_parquet(market, columns=["ts_code", "trade_date", "alpha_001"]).rename({"alpha_001": "score"}
                                                                                   ).write_parquet(f)
    out = tmp_path / "stack"
    assert main(["sl", "stack", str(f), str(f), "--data", market, "--ridge", "0", "--out-dir", str(out)]) == 0
    ic = json.loads((out / "sl_stack.json").read_text())["rank_ic_vs_label"]
    assert ic["stacked"]["mean"] is not None and abs(ic["stacked"]["mean"] - ic["alpha_001"]["mean"]) < 1e-9


def test_blocks_with_only_warm_up_dates_before_them_are_skipped(panel: Panel, label: Label) -> None:
    """Bases out of sample from the first date (raw factors): with --step 10 --min-fit-dates 10 the block at
    date 30 had 23 earlier dates, 19 of them in the regime warm-up, and the stack died with 'too few
    out-of-fold rows … run a longer walk-forward'. A block is scored once 10 usable dates precede it."""
    oos = np.ones(len(panel.dates), dtype=bool)
    bases = [_factor_base(panel, name, oos) for name in ("alpha_001", "alpha_002")]
    out = stack_walk_forward(bases, label.values, panel, label.horizon, step=10, min_fit_dates=10)
    usable = np.isfinite(regime_features(panel)).all(1)
    starts = np.arange(0, len(panel.dates), 10)
    enough = [b for b in starts if usable[:max(b - label.horizon - 1, 0)].sum() >= 10]
    scored = np.flatnonzero(np.isfinite(out).any(1))
    assert scored[0] == enough[0] == 40
    assert np.isnan(out[:enough[0]]).all() and np.isfinite(out[enough[0]:enough[0] + 10]).any(1).all()
