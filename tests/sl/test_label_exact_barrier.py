"""A close exactly on a label threshold counts as reaching it, whatever history the panel holds before the decision.

The SL labels compare gains read off the cumulative log index (`Panel.log_price`), whose differences carry float noise
that depends on the rows before the window. Thresholds of ±5% are hit exactly in real data: an ST stock's limit move
from a close on the 0.01 grid (2.00 → 2.10) is a pct_chg of exactly 0.05. Without rounding (as `Panel.forward_returns`
rounds) about a quarter of such touches were missed, at random by stock and by where the panel was loaded.
"""

from __future__ import annotations

import numpy as np
import pytest

from aurumq_rl.sl.labels import main_wave_hit, triple_barrier
from tests.sl.helpers import tiny_panel

T, N, DECISION = 60, 400, 40


def _exact_move_after_entry(move: float) -> np.ndarray:
    """400 stocks with random 4-decimal daily returns (each its own float history), an exact `move` on the day
    after the T+1 entry of DECISION, then flat."""
    rng = np.random.default_rng(0)
    pct = np.round(rng.normal(0.0, 0.02, (T, N)), 4)
    pct[DECISION + 2] = move
    pct[DECISION + 3:] = 0.0
    return pct


@pytest.mark.parametrize(("move", "expected"), [(0.05, 1.0), (-0.05, -1.0)])
def test_triple_barrier_counts_a_close_exactly_on_a_barrier(move: float, expected: float) -> None:
    pct = _exact_move_after_entry(move)
    lab = triple_barrier(tiny_panel(pct), horizon_days=5, profit_take=0.05, stop_loss=0.05)
    assert (lab.values[DECISION] == expected).all()
    assert (lab.meta["days"][DECISION] == 1).all()  # the first close after the entry touched it
    # the same decision in a panel loaded 25 dates later: the same labels
    later = triple_barrier(tiny_panel(pct[25:]), horizon_days=5, profit_take=0.05, stop_loss=0.05)
    np.testing.assert_array_equal(later.values[DECISION - 25], lab.values[DECISION])


def test_main_wave_hit_counts_a_best_close_exactly_at_the_threshold() -> None:
    pct = _exact_move_after_entry(0.05)
    lab = main_wave_hit(tiny_panel(pct), threshold=0.05)
    assert (lab.values[DECISION] == 1.0).all()
    # just below the threshold is no hit
    below = main_wave_hit(tiny_panel(_exact_move_after_entry(0.0499)), threshold=0.05)
    assert (below.values[DECISION] == 0.0).all()
