"""Rules of the SL track pinned on hand-built data, each one a hole a mutation test found: label timing and
NaN after a delisting, binary thresholds from the calibration dates only, inclusive split bounds and window
sizes, walk-forward embargo and gap, the leakage audit's threshold, what the null tests shuffle, and which
rows and threshold SHAP pruning uses."""

from __future__ import annotations

import numpy as np
import pytest

from aurumq_rl.data.labels import main_wave_returns
from aurumq_rl.errors import DataError
from aurumq_rl.sl import audit
from aurumq_rl.sl.audit import leakage_audit, null_tests
from aurumq_rl.sl.dataset import Split, build_dataset, resolve_split
from aurumq_rl.sl.labels import binary_event, forward_excess, main_wave_hit, triple_barrier
from aurumq_rl.sl.models import GBDTParams
from aurumq_rl.sl.prune import mean_abs_shap, prune
from aurumq_rl.sl.walk_forward import WalkForwardConfig, wf_windows
from tests.sl.helpers import tiny_panel

TINY = GBDTParams(num_boost_round=15, learning_rate=0.2, num_leaves=7, min_data_in_leaf=20, num_threads=1,
                  early_stopping_rounds=5)


# ---------------------------------------------------------------- labels
def test_triple_barrier_of_a_stock_that_delists_before_the_exit_is_judged_to_its_last_close() -> None:
    """horizon_days 4 → horizon 5: a stock whose last bar is date 11 and whose prices stay flat hits no barrier:
    decisions up to the last labelled one (14) get the time-barrier label 0, as for a stock that trades on
    (the path after the last bar is flat, its last close); past 14 the window leaves the data: NaN."""
    p = tiny_panel(np.zeros((20, 3)))
    p.present[12:, 0] = False
    lab = triple_barrier(p, horizon_days=4)
    assert lab.horizon == 5 and lab.last_valid == 14
    assert (lab.values[:15, 0] == 0.0).all() and np.isnan(lab.values[15:, 0]).all()
    assert (lab.values[:15, 1] == 0.0).all() and np.isnan(lab.values[15:, 1]).all()


def test_main_wave_hit_enters_at_t_plus_1_and_counts_the_last_hold_day() -> None:
    """Flat prices keep MA5 = MA10, so the hold is the full 5 days: decision 0 enters at close 1 and may exit
    at close 6. A jump on day 1 (before the fill) is no hit; one on day 6 (the last hold day) is; one on
    day 7 (after the exit) is not."""
    pct = np.zeros((15, 3))
    pct[1, 0] = 0.06
    pct[6, 1] = 0.06
    pct[7, 2] = 0.06
    lab = main_wave_hit(tiny_panel(pct))
    assert lab.values[0].tolist() == [0.0, 1.0, 0.0]


def test_main_wave_hit_reads_each_decisions_own_hold() -> None:
    """Stock 0 is flat to day 11, 1.03 on days 12-13, 0.824 on day 14: MA5 < MA10 first at close 14, so
    decision 10 (entry at close 11) sells at close 15, a 4-day hold. Its 50% jump on day 16 lies within 5 days
    of the entry but after that exit: no hit. Stock 1 makes the same jump inside its full 5-day hold: a hit."""
    pct = np.zeros((17, 2))
    pct[12, 0], pct[14, 0], pct[16, 0] = 0.03, -0.2, 0.5
    pct[16, 1] = 0.5
    p = tiny_panel(pct)
    assert main_wave_returns(p)[1][10].tolist() == [4, 5]
    assert main_wave_hit(p).values[10].tolist() == [0.0, 1.0]


def test_main_wave_hit_labels_the_last_labelled_date_too() -> None:
    """15 dates: the last decision whose 5-day hold fits is 8 (entry at close 9, exit by close 14); a jump at
    close 14 is its hit."""
    pct = np.zeros((15, 2))
    pct[14, 0] = 0.06
    lab = main_wave_hit(tiny_panel(pct))
    assert lab.last_valid == 8
    assert lab.values[8].tolist() == [1.0, 0.0] and np.isnan(lab.values[9:]).all()


def test_binary_threshold_uses_the_calibration_dates_only_and_reaching_it_counts() -> None:
    """fp = 1: decision t reads day t+2 only. Stock 0 gains 2%, 4%, 6%, 100% on days 2..5, stock 1 is flat,
    so the demeaned labels of decisions 0..3 are ±1%, ±2%, ±3%, ±50%. Calibration dates 0..2 give the six
    values ±1%, ±2%, ±3%, whose 0.8 quantile is exactly 2% (date 3's ±50% must not enter it), and the row
    at exactly 2% is positive."""
    pct = np.zeros((10, 2))
    pct[2:6, 0] = [0.02, 0.04, 0.06, 1.0]
    p = tiny_panel(pct)
    np.testing.assert_allclose(forward_excess(p, 1).values[:4, 0], [0.01, 0.02, 0.03, 0.5])
    lab = binary_event(p, fp=1, rate=0.2, calib=(0, 2))
    assert lab.meta["threshold"] == pytest.approx(0.02, abs=1e-12)
    assert lab.values[:4, 0].tolist() == [0.0, 1.0, 1.0, 1.0]
    assert lab.values[:8, 1].tolist() == [0.0] * 8


# ---------------------------------------------------------------- splits
DATES = np.datetime64("2024-01-01") + np.arange(100)


def test_explicit_end_dates_are_inclusive() -> None:
    """horizon 5 → embargo 6; explicit ends that already honour the embargo are kept as given."""
    s = resolve_split(DATES, 5, train_end=str(DATES[30]), val_end=str(DATES[70]), test_end=str(DATES[90]))
    assert (s.train, s.val, s.test, s.embargo) == ((0, 30), (60, 70), (80, 90), 6)


def test_a_one_date_window_is_refused_and_two_dates_are_enough() -> None:
    with pytest.raises(DataError, match="the test window"):
        resolve_split(DATES, 5, test_start=str(DATES[99]))
    assert resolve_split(DATES, 5, test_start=str(DATES[98])).test == (98, 99)


# ---------------------------------------------------------------- walk-forward
def test_walk_forward_windows_known_answer() -> None:
    """horizon 6 (embargo 7), gap 10, 200-date span, 20% validation, 50-date tests from 100 + 10."""
    cfg = WalkForwardConfig(train_days=200, test_days=50, gap=10, min_train_days=100)
    ws = wf_windows(600, 6, cfg)
    assert len(ws) == 10
    # anchor 110: span 0..99, validation its last 20 dates, fit part ends embargo + 1 dates before them
    assert ws[0] == Split((0, 72), (80, 99), (110, 159), 7)
    # anchor 360: rolling span 150..349 (200 dates), validation 40 dates
    assert ws[5] == Split((150, 302), (310, 349), (360, 409), 7)
    assert ws[-1].test == (560, 599)
    for w in ws:  # the same embargo convention as resolve_split: val[0] − train[1] ≥ embargo + 1
        assert w.val[0] - w.train[1] >= w.embargo + 1


def test_walk_forward_gap_must_exceed_the_horizon() -> None:
    cfg = WalkForwardConfig(train_days=200, test_days=50, gap=6, min_train_days=100)
    with pytest.raises(DataError, match="gap 6 is shorter"):
        wf_windows(600, 6, cfg)
    ws = wf_windows(600, 6, WalkForwardConfig(train_days=200, test_days=50, gap=7, min_train_days=100))
    assert all(w.test[0] - w.val[1] - 1 == 7 for w in ws)


# ---------------------------------------------------------------- leakage audit
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


# ---------------------------------------------------------------- null tests
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
    seen: list[np.ndarray] = []
    real_train_split = audit.train_split

    def recording(panel, label, *args, **kw):  # noqa: ANN001, ANN002, ANN003, ANN202
        seen.append(label.values.copy())
        return real_train_split(panel, label, *args, **kw)

    monkeypatch.setattr(audit, "train_split", recording)
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


# ---------------------------------------------------------------- pruning
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
