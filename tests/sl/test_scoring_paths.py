"""The SL training path and the saved model score alike (rows the model knows nothing about are out of both),
and isotonic calibration keeps the ensemble's order (its steps would otherwise tie stocks that a top-K then
splits by stock code)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from aurumq_rl.data.panel import Panel
from aurumq_rl.sl.dataset import Split
from aurumq_rl.sl.labels import Label
from aurumq_rl.sl.model_io import SLScorer, save_model
from aurumq_rl.sl.pipeline import train_split
from tests.sl.helpers import FAST


def _blank_rows(panel: Panel, t: int, k: int) -> tuple[Panel, np.ndarray]:
    """The panel with every factor missing for the first k universe stocks of date t."""
    cols = np.flatnonzero(panel.in_universe[t])[:k]
    bits = panel.factor_missing_bits.copy()
    bits[t, cols] = np.packbits(np.ones(len(panel.factor_names), bool))
    return dataclasses.replace(panel, factor_missing_bits=bits), cols


def test_train_scores_equal_saved_model_scores_with_blank_rows(panel: Panel, label: Label, split: Split,
                                                               tmp_path: Path) -> None:
    """`sl train` writes run.scores (test window) to scores.parquet; `sl score` / eval of RUN/model re-score
    with SLScorer. On the same data they must agree: a row with every factor missing is left unscored by the
    scorer (README: 'left unscored, by the RL bundle and the SL scorer alike'), so it must not be scored and
    ranked by the training path either."""
    t = split.test[0] + 3
    blanked, cols = _blank_rows(panel, t, 10)
    run = train_split(blanked, label, split, FAST, [1, 2], features="raw", fp=5)
    out = save_model(tmp_path / "model", run.ensemble, features="raw", universe="main_board_non_st",
                     label={"name": "forward_return"}, forward_period=5, windows={}).parent
    served = SLScorer(out).score_panel(blanked)
    lo, hi = split.test
    assert np.isnan(run.scores[t, cols]).all(), "training path scored stocks with no factor at all"
    np.testing.assert_allclose(run.scores[lo:hi + 1], served[lo:hi + 1], equal_nan=True)


def test_isotonic_calibration_does_not_change_the_top_k(panel: Panel) -> None:
    """Isotonic calibration is a monotone map of the ensemble's mean probability, fitted for probabilities; it
    must not change which stocks a top-K selection picks. Its step function ties many stocks (the written
    scores.parquet then has ~14 distinct values among 100 stocks per date), and `eval`/`infer` break the ties by
    ts_code order, so the picks on the boundary plateau are chosen by stock code, not by the model."""
    from aurumq_rl.market.selection import select_top_k
    from aurumq_rl.sl.dataset import resolve_split
    from aurumq_rl.sl.labels import build_label, label_horizon

    split = resolve_split(panel.dates, label_horizon("binary", 5))
    lab = build_label(panel, "binary", 5, calib=split.train, rate=0.05)
    cal = train_split(panel, lab, split, FAST, [1, 2], features="raw", fp=5).scores
    raw = train_split(panel, lab, split, FAST, [1, 2], features="raw", fp=5, calibrate=False).scores
    lo, hi = split.test
    valid = panel.in_universe[lo:hi + 1] & np.isfinite(raw[lo:hi + 1])
    picks_cal = select_top_k(cal[lo:hi + 1], valid, 10, None, None)
    picks_raw = select_top_k(raw[lo:hi + 1], valid, 10, None, None)
    differ = (picks_cal != picks_raw).any(1)
    assert not differ.any(), f"calibration changed the top-10 on {int(differ.sum())} of {len(differ)} test dates"
