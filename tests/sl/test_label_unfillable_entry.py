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


@pytest.mark.parametrize("rate", [0.6, 0.8])
def test_an_unfillable_entry_is_no_binary_event_at_any_positive_rate(rate: float) -> None:
    """The binary label thresholds the forward excess, where an unfillable entry reads 0: at a high positive rate
    (about a half or more on real returns) the threshold falls below 0, and every limit-up / suspended fill would
    count as an event."""
    rng = np.random.default_rng(1)
    pct = rng.normal(0.0, 0.03, (120, 12))
    panel = tiny_panel(pct)
    blocked = np.zeros_like(panel.can_buy)
    blocked[41:60, :4] = True  # fills of decisions 40..58 of stocks 0..3 cannot happen
    panel.can_buy &= ~blocked
    lab = build_label(panel, "binary", 5, calib=(0, 100), rate=rate)
    assert lab.meta["threshold"] < 0  # the premise: 0 would reach it
    unfillable = np.zeros_like(blocked)
    unfillable[:-1] = blocked[1:]
    assert (lab.values[unfillable] == 0.0).all()
    assert np.nanmean(lab.values[~unfillable]) == pytest.approx(rate, abs=0.05)
