"""A pick whose T+1 entry cannot be filled (limit-up, suspended: `can_buy` false at t+1) stays cash in the env
and earns 0 in eval's top-K; its SL label is 0 too, for every label kind, instead of the return after an entry
that could not happen."""

from __future__ import annotations

import numpy as np
import pytest

from aurumq_rl.sl.labels import build_label
from tests.sl.helpers import tiny_panel


@pytest.mark.parametrize("kind", ["forward_return", "main_wave", "triple_barrier", "trend_scan"])
def test_an_unfillable_entry_is_labelled_zero(kind: str) -> None:
    rng = np.random.default_rng(0)
    pct = rng.normal(0.002, 0.03, (120, 12))
    pct[:, 3] = 0.03  # stock 3 rises every day: a large label of every kind
    panel = tiny_panel(pct)
    before = build_label(panel, kind, 5).values
    t = 40
    panel.can_buy[t + 1, 3] = False  # limit-up (or suspended) on the fill day of the decision at t
    after = build_label(panel, kind, 5).values
    assert np.isfinite(before[t, 3]) and before[t, 3] != 0
    assert after[t, 3] == 0.0
    others = np.ones_like(after, dtype=bool)
    others[t, 3] = False
    if kind == "forward_return":  # demeaned on the date: only that date's other stocks may move, by the mean
        others[t] = False
    np.testing.assert_array_equal(after[others], before[others])
