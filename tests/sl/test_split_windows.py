"""The SL windows: `resolve_split` keeps explicit end dates inclusive and refuses a one-date window, and `wf_windows`
lays out walk-forward windows (rolling span, validation share, embargo, gap) and refuses a gap shorter than the
label horizon. Expected values are worked out by hand on hand-built panels."""

from __future__ import annotations

import numpy as np
import pytest

from aurumq_rl.errors import DataError
from aurumq_rl.sl.dataset import Split, resolve_split
from aurumq_rl.sl.walk_forward import WalkForwardConfig, wf_windows

DATES = np.datetime64("2024-01-01") + np.arange(100)


def test_explicit_end_dates_are_inclusive() -> None:
    """horizon 5 → embargo 6; explicit ends are kept as given, and each omitted start follows the end before
    it and the embargo (not the 60/80% marks, which would leave dates 31 … 59 unused)."""
    s = resolve_split(DATES, 5, train_end=str(DATES[30]), val_end=str(DATES[70]), test_end=str(DATES[90]))
    assert (s.train, s.val, s.test, s.embargo) == ((0, 30), (37, 70), (77, 90), 6)


def test_a_one_date_window_is_refused_and_two_dates_are_enough() -> None:
    with pytest.raises(DataError, match="the test window"):
        resolve_split(DATES, 5, test_start=str(DATES[99]))
    assert resolve_split(DATES, 5, test_start=str(DATES[98])).test == (98, 99)


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


def test_walk_forward_names_data_too_short_for_any_test_window() -> None:
    """min_train_days 100 + gap 10: the first test date is 110, so 110 dates hold none and 111 hold one."""
    cfg = WalkForwardConfig(train_days=200, test_days=50, gap=10, min_train_days=100)
    with pytest.raises(DataError, match="no test window fits in 110 dates"):
        wf_windows(110, 6, cfg)
    assert [w.test for w in wf_windows(111, 6, cfg)] == [(110, 110)]


def test_a_given_end_places_the_next_default_start_after_it_and_its_embargo() -> None:
    """--train-end alone is not pulled back by the default --val-start (the 60% mark): validation starts after
    it and the embargo; likewise --val-end alone and the default --test-start (the 80% mark)."""
    dates = np.datetime64("2024-01-01") + np.arange(100)
    sp = resolve_split(dates, 6, train_end=str(dates[55]))  # the 60% mark is inside its embargo
    assert sp.train == (0, 55) and sp.val == (63, 72) and sp.test == (80, 99)
    sp = resolve_split(dates, 6, val_end=str(dates[85]))
    assert sp.train == (0, 52) and sp.val == (60, 85) and sp.test == (93, 99)
    # a start the user gave still pulls the end before it back by the embargo, as documented
    sp = resolve_split(dates, 6, train_end=str(dates[55]), val_start=str(dates[60]))
    assert sp.train == (0, 52) and sp.val[0] == 60


def test_a_first_test_past_the_data_is_named_not_min_train_days() -> None:
    with pytest.raises(DataError, match=r"--first-test \(date index 300\).*start the test earlier"):
        wf_windows(300, 6, WalkForwardConfig(first_test=300))
