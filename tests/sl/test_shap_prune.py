"""SHAP pruning: columns ranked by mean |SHAP| on the validation rows, the threshold 5% of the mean importance, and a
column exactly at the threshold kept."""

from __future__ import annotations

import numpy as np
import pytest

from aurumq_rl.sl.dataset import build_dataset, resolve_split
from aurumq_rl.sl.labels import forward_excess
from aurumq_rl.sl.prune import mean_abs_shap, prune
from tests.sl.helpers import TINY, tiny_panel


def _prune_setup():  # noqa: ANN202
    """A planted signal (factor 0), noise (factor 1) and a constant column (factor 2, importance exactly 0)."""
    rng = np.random.default_rng(5)
    t_n, n_n = 60, 80
    sig = rng.normal(size=(t_n, n_n))
    pct = np.zeros((t_n, n_n))
    pct[2:] = 0.02 * sig[:-2] + rng.normal(0, 0.01, (t_n - 2, n_n))  # decision t's label reads day t+2
    factors = np.stack([sig, rng.normal(size=(t_n, n_n)), np.zeros((t_n, n_n))], axis=2)
    p = tiny_panel(pct, factors)
    lab = forward_excess(p, 1)
    return p, lab, resolve_split(p.dates, lab.horizon)


def test_prune_ranks_columns_by_shap_on_validation_rows_and_keeps_those_at_the_threshold() -> None:
    p, lab, split = _prune_setup()
    rep = prune(p, lab, split, TINY, [1])
    val = build_dataset(p, lab.values, *split.val)
    imp = mean_abs_shap(rep.before.ensemble, val.X)
    np.testing.assert_allclose(list(rep.importance.values()), imp, rtol=1e-12)
    assert rep.threshold == pytest.approx(0.05 * imp.mean(), rel=1e-12)
    assert rep.importance["alpha_002"] == 0.0 and rep.importance["alpha_000"] > rep.importance["alpha_001"]
    assert rep.kept == [n for n, v in rep.importance.items() if v >= rep.threshold]
    assert "alpha_000" in rep.kept and "alpha_002" in rep.dropped
    at_zero = prune(p, lab, split, TINY, [1], threshold=0.0, base=rep.before)  # importance 0 ≥ threshold 0
    assert at_zero.kept == ["alpha_000", "alpha_001", "alpha_002"] and at_zero.dropped == []


def test_shap_pruning_of_a_model_of_another_kind_says_to_use_lightgbm() -> None:
    pytest.importorskip("xgboost", reason="the [xgboost] extra is part of [dev]")
    from aurumq_rl.errors import DataError
    from aurumq_rl.sl.pipeline import train_split

    p, lab, split = _prune_setup()
    run = train_split(p, lab, split, TINY, [1], kind="xgboost")
    with pytest.raises(DataError, match="pred_contrib; train with --model lightgbm"):
        prune(p, lab, split, TINY, [1], base=run)


def test_shap_importance_over_more_than_max_rows_uses_evenly_spaced_rows() -> None:
    """9 rows, at most 3: rows 0, 4 and 8 (first and last kept, evenly between), not the first three."""
    from aurumq_rl.sl.pipeline import train_split

    p, lab, split = _prune_setup()
    ens = train_split(p, lab, split, TINY, [1]).ensemble
    x = build_dataset(p, lab.values, *split.val).X[:9]
    got = mean_abs_shap(ens, x, max_rows=3)
    np.testing.assert_array_equal(got, mean_abs_shap(ens, x[[0, 4, 8]]))
    assert not np.array_equal(got, mean_abs_shap(ens, x[:3]))
