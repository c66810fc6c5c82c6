"""A --first-test too early for --min-train-days names the binding flag and the way out (lower it).

It said the window "must hold the validation part (18), the embargo (7) and at least 2 fit dates" (93 dates hold
them easily) and advised to "raise --min-train-days", which only makes the refusal stricter.
"""

from __future__ import annotations

import pytest

from aurumq_rl.errors import DataError
from aurumq_rl.sl.walk_forward import WalkForwardConfig, wf_windows


def test_a_first_test_below_min_train_days_says_to_lower_it() -> None:
    """horizon 6 → gap 7; --first-test at date 100 leaves dates 0 … 92 (93) before the gap, below 120."""
    with pytest.raises(DataError) as err:
        wf_windows(400, 6, WalkForwardConfig(first_test=100))
    message = str(err.value)
    assert "93 dates" in message and "--min-train-days 120" in message and "lower --min-train-days" in message
    assert "raise --min-train-days" not in message
    # lowering it as advised lays the windows out from that anchor
    ws = wf_windows(400, 6, WalkForwardConfig(first_test=100, min_train_days=93))
    assert ws[0].test[0] == 100 and ws[0].val[1] == 92


def test_a_span_without_two_fit_dates_still_says_it_is_too_short() -> None:
    with pytest.raises(DataError, match=r"first training window \(5 dates before the gap\) is too short"):
        wf_windows(400, 6, WalkForwardConfig(min_train_days=5))


def test_a_first_test_inside_the_gap_counts_no_date_not_a_negative_one() -> None:
    """--first-test at the data's first date leaves nothing before the gap: "0 dates", not "-7 dates"."""
    with pytest.raises(DataError, match=r"first training window \(0 dates before the gap\) is too short"):
        wf_windows(400, 6, WalkForwardConfig(first_test=0, min_train_days=5))
