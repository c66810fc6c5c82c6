"""Timing and thresholds of the SL labels: a triple barrier of a stock that delists before the exit judged to its
last close, main_wave_hit entering at t+1 and reading each decision's own hold up to its last day (the last
labelled date included), and binary_event's threshold taken from the calibration dates only, reaching it counting
as an event. Expected values are worked out by hand on hand-built panels."""

from __future__ import annotations

import numpy as np
import pytest

from aurumq_rl.data.labels import main_wave_returns
from aurumq_rl.sl.labels import binary_event, forward_excess, main_wave_hit, triple_barrier
from tests.sl.helpers import tiny_panel


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
