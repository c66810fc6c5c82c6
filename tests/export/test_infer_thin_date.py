"""Inference warns when the decision date holds far fewer stocks than the dates before it (data downloaded
before the day was complete): its picks would come from part of the market."""

from __future__ import annotations

import numpy as np

from aurumq_rl.infer.picks import thin_date_warning
from tests.eval.helpers import make_panel


def test_thin_last_date_warns_and_a_full_one_does_not() -> None:
    p = make_panel(np.zeros((30, 10)))
    assert thin_date_warning(p, 29) is None
    p.present[29, 4:] = False  # 4 of 10 stocks on the last date
    msg = thin_date_warning(p, 29)
    assert msg is not None and "2024-01-31 holds 4 stocks against a median of 10 on the dates before it" in msg
    p.present[29, 4:8] = True  # 8 of 10: at the 80% threshold, no warning
    assert thin_date_warning(p, 29) is None


def test_too_little_history_decides_nothing() -> None:
    p = make_panel(np.zeros((4, 10)))
    p.present[3, 2:] = False
    assert thin_date_warning(p, 3) is None  # judged from the 5th date on
