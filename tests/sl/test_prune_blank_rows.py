"""SHAP pruning ranks columns on the validation rows the model is fitted and scored on (`sl.dataset.scorable`).

Rows where none of the model's factors has a value (a new listing before its factors warm up) are out of training
and scoring alike, yet `prune` took the SHAP importance over every universe row of the validation window: such a
row, all NaN, is routed down each tree's default branches and credited SHAP mass to the columns those branches split
on, so adding rows the model never sees moved the importance, the threshold and the kept columns.
"""

from __future__ import annotations

import numpy as np

from aurumq_rl.sl.dataset import resolve_split, scorable
from aurumq_rl.sl.labels import forward_excess
from aurumq_rl.sl.prune import prune
from tests.sl.helpers import TINY, tiny_panel


def _panel(blank_stocks: int):  # noqa: ANN202
    """80 stocks with a planted signal (factor 0) and noise (factor 1), then `blank_stocks` more in the universe,
    with returns, but no factor value on any date (every bit of their missing mask set)."""
    rng = np.random.default_rng(7)
    t_n, n_n = 60, 120
    sig = rng.normal(size=(t_n, n_n))
    pct = np.zeros((t_n, n_n))
    pct[2:] = 0.02 * sig[:-2] + rng.normal(0, 0.01, (t_n - 2, n_n))
    factors = np.stack([sig, rng.normal(size=(t_n, n_n))], axis=2)
    keep = 80 + blank_stocks
    p = tiny_panel(pct[:, :keep], factors[:, :keep])
    if blank_stocks:
        p.factors[:, 80:] = 0.0
        p.factor_missing_bits[:, 80:] = np.packbits(np.ones(2, dtype=bool))
    return p


def test_rows_without_any_factor_value_do_not_move_the_shap_importance() -> None:
    base, with_blank = _panel(0), _panel(40)
    assert scorable(with_blank, [0, 1]).in_universe[:, -40:].sum() == 0  # those rows are never fitted nor scored
    reports = []
    for p in (base, with_blank):
        lab = forward_excess(p, 1)
        reports.append(prune(p, lab, resolve_split(p.dates, lab.horizon), TINY, [1]))
    # the 80 stocks with values see the same fit: the same boosters, the same validation figures
    assert reports[0].val_rank_ic_before == reports[1].val_rank_ic_before
    np.testing.assert_allclose(list(reports[1].importance.values()), list(reports[0].importance.values()),
                               rtol=1e-9)
    assert reports[1].threshold == reports[0].threshold and reports[1].kept == reports[0].kept
