"""The SL audits: the leakage audit flags a feature whose IC with the future reaches the threshold (inclusive) but
never one that only knows the past, and the null tests shuffle the training and validation targets only (by stock
within each date, or whole dates within each window), the test window keeping the true label."""

from __future__ import annotations

import numpy as np
import pytest

from aurumq_rl.sl.audit import leakage_audit, null_tests
from aurumq_rl.sl.dataset import resolve_split
from aurumq_rl.sl.labels import forward_excess
from tests.sl.helpers import TINY, record_trained_labels, tiny_panel


def _leak_panel():  # noqa: ANN202
    """40 stocks × 80 dates of noise; factor 0 is the future label itself, factor 1 the past 2-day return."""
    rng = np.random.default_rng(7)
    pct = rng.normal(0, 0.02, (80, 40))
    lab = forward_excess(tiny_panel(pct), 1)
    past = np.zeros_like(pct)
    past[2:] = (1 + pct[2:]) * (1 + pct[1:-1]) - 1
    factors = np.stack([np.nan_to_num(lab.values), past], axis=2)
    return tiny_panel(pct, factors), lab


def test_leakage_audit_threshold_is_inclusive_and_past_ic_is_not_a_leak() -> None:
    p, lab = _leak_panel()
    rep = leakage_audit(p, lab)
    assert rep["threshold"] == 0.2 and rep["ratio"] == 3.0 and rep["flagged"] == ["alpha_000"]
    feats = rep["features"]["alpha_000"]
    f_max = max(abs(feats["future_label"]), abs(feats["future_next_day_return"]))
    assert f_max > 0.9
    assert leakage_audit(p, lab, threshold=f_max)["flagged"] == ["alpha_000"]  # |IC| = threshold: flagged
    assert leakage_audit(p, lab, threshold=float(np.nextafter(f_max, 2.0)))["flagged"] == []
    # a feature that only knows the past (|IC| = 1 with the past return) is never flagged, whatever the threshold
    assert rep["features"]["alpha_001"]["past_past_return"] > 0.99
    assert leakage_audit(p, lab, threshold=0.0)["flagged"] == ["alpha_000"]


def test_null_tests_shuffle_the_training_and_validation_targets_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """The labels each variant is trained on (recorded on the way into the real `train_split`): the label
    shuffle permutes the stocks of every training and validation date, the date shuffle moves whole rows
    within each of those windows, and the test window is the true label in both."""
    rng = np.random.default_rng(3)
    pct = rng.normal(0, 0.02, (60, 50))
    factors = rng.normal(size=(60, 50, 2))
    p = tiny_panel(pct, factors)
    lab = forward_excess(p, 1)
    split = resolve_split(p.dates, lab.horizon)
    seen = record_trained_labels(monkeypatch)
    null_tests(p, lab, split, TINY, [1], seed=0)
    real, by_stock, by_date = seen
    np.testing.assert_array_equal(real, lab.values)
    te_lo, te_hi = split.test
    for shuffled in (by_stock, by_date):
        np.testing.assert_array_equal(shuffled[te_lo:], lab.values[te_lo:])
    for lo, hi in (split.train, split.val):
        for t in range(lo, hi + 1):
            want, got = lab.values[t], by_stock[t]
            np.testing.assert_array_equal(np.sort(got[np.isfinite(got)]), np.sort(want[np.isfinite(want)]))
            assert not np.array_equal(got, want, equal_nan=True)
            assert not np.array_equal(by_date[t], want, equal_nan=True)  # a row from another date
            assert any(np.array_equal(by_date[t], lab.values[u], equal_nan=True) for u in range(lo, hi + 1))


def test_a_null_without_a_rank_ic_counts_as_zero_whatever_its_order() -> None:
    """A null whose model scored every stock alike has no rank IC (NaN). `max` over [NaN, x] returned NaN and
    over [x, NaN] returned x, so the verdict depended on which null it was."""
    from aurumq_rl.sl.audit import beats_nulls

    nan = float("nan")
    assert beats_nulls(0.05, [nan, 0.02]) and beats_nulls(0.05, [0.02, nan])
    assert not beats_nulls(0.05, [nan, -0.03]) and not beats_nulls(0.05, [-0.03, nan])
    assert beats_nulls(0.01, [nan, nan]) and not beats_nulls(nan, [0.0, 0.0])
