"""One date flag on its own is honoured: the default 60% / 80% marks give way when they would leave validation empty.

`sl train --test-start 2021-03-01` on 2020-01 … 2023-03 data (the test from 37% of the dates) failed with "the val
window (--val-start/--val-end) holds fewer than 2 dates … widen it", naming flags the user never gave: the default
validation start (the 60% mark) lay after the test start. A late --train-end alone failed the same way against the
80% mark. Splits that were valid before are unchanged (tests/sl/test_split_windows.py).
"""

from __future__ import annotations

import numpy as np

from aurumq_rl.sl.dataset import resolve_split

DATES = np.datetime64("2024-01-01") + np.arange(100)  # horizon 6 → embargo 7; 60% mark 60, 80% mark 80


def _embargoed(s) -> bool:  # noqa: ANN001
    return s.val[0] - s.train[1] == s.embargo + 1 and s.test[0] - s.val[1] == s.embargo + 1


def test_an_early_test_start_alone_puts_validation_three_quarters_of_the_way_to_it() -> None:
    """test from 40: validation ends at 40 − 8 = 32; it starts at int(33 × 0.75) = 24, training ends at 16."""
    s = resolve_split(DATES, 6, test_start=str(DATES[40]))
    assert (s.train, s.val, s.test) == ((0, 16), (24, 32), (40, 99)) and _embargoed(s)


def test_an_early_val_end_alone_puts_validation_three_quarters_of_the_way_to_it() -> None:
    s = resolve_split(DATES, 6, val_end=str(DATES[40]))
    assert (s.train, s.val, s.test) == ((0, 22), (30, 40), (48, 99))


def test_a_late_train_end_alone_splits_the_rest_evenly() -> None:
    """train to 75: validation from 83; val and test share 83 … 99 after one embargo: 83 … 87 and 95 … 99."""
    s = resolve_split(DATES, 6, train_end=str(DATES[75]))
    assert (s.train, s.val, s.test) == ((0, 75), (83, 87), (95, 99)) and _embargoed(s)
    s = resolve_split(DATES, 6, val_start=str(DATES[78]))
    assert (s.train, s.val, s.test) == ((0, 70), (78, 84), (92, 99)) and _embargoed(s)


def test_the_default_marks_stand_when_they_leave_room() -> None:
    assert resolve_split(DATES, 6) == resolve_split(DATES, 6, test_start=str(DATES[80]))
    s = resolve_split(DATES, 6, test_start=str(DATES[70]))
    assert s.val == (60, 62)  # two validation dates are enough: the 60% mark is kept
