"""The date-shuffle null moves each label row at least the label's horizon away, not only 60 dates.

With a label reading h > 60 dates ahead (`--forward-period 80`, or `trend_scan` at fp ≥ 15), a cyclic shift of k < h
dates paired the features of date t with the label of t + k, whose return window shares h − k days with t's own
(and a wrapped row, t − m with m < h, reads returns after t): the null model could learn the real link through
those shared days, so the null was not a null. Observed here: seed 3 shifted by 275 of 338 dates, 63 back.
"""

from __future__ import annotations

import numpy as np
import pytest

from aurumq_rl.sl.audit import null_tests
from aurumq_rl.sl.dataset import resolve_split
from aurumq_rl.sl.labels import forward_excess
from tests.sl.helpers import TINY, record_trained_labels, tiny_panel


def test_date_shuffle_shifts_training_rows_by_at_least_the_label_horizon(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(11)
    pct = rng.normal(0, 0.02, (700, 20))
    p = tiny_panel(pct, rng.normal(size=(700, 20, 1)))
    lab = forward_excess(p, 80)
    assert lab.horizon == 81
    split = resolve_split(p.dates, lab.horizon)
    lo, hi = split.train
    n = hi - lo + 1
    assert n // 4 >= lab.horizon  # the window is long enough for the whole shift
    seen = record_trained_labels(monkeypatch)
    for seed in range(12):
        seen.clear()
        null_tests(p, lab, split, TINY, [1], seed=seed)
        by_date = seen[2]
        # the training window's rows are the label's rows cyclically shifted by k: find k from the first row
        k = next(k for k in range(n) if np.array_equal(by_date[lo], lab.values[lo + k], equal_nan=True))
        np.testing.assert_array_equal(by_date[lo:hi + 1], lab.values[lo + (np.arange(n) + k) % n])
        assert min(k, n - k) >= lab.horizon, f"seed {seed}: shift {k} of {n} dates"
