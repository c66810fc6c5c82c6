"""The lookback an operator reports (days before today its value reads): n - 1 for rolling windows of n, and for
SMA(A, n, m) the days until the seed's weight falls below 1e-4. Expected values are derived by hand from the
convention on tiny frames (plain arithmetic or an explicit loop), never copied from the code under test."""

from __future__ import annotations

from aurumq_rl.factors import gtja_ops as g
from aurumq_rl.factors import ops
from tests.factors.helpers import x_


def test_rolling_operators_report_n_minus_1_days_of_lookback() -> None:
    """`X.lookback` counts the days before today a window of n reads: n - 1 (ts_max, ts_rank, decay_linear)."""
    assert ops.ts_max(x_, 5).lookback == 4
    assert ops.ts_rank(x_, 5).lookback == 4
    assert ops.decay_linear(x_, 5).lookback == 4


def test_sma_lookback_is_the_days_until_the_seed_weighs_below_1e_4() -> None:
    """SMA(A, n, m) lookback = the first t with (1 - m/n)**t < 1e-4 (SMA_SEED_WEIGHT)."""
    t = 0
    while (2 / 3) ** t >= 1e-4:
        t += 1
    assert t == 23  # (2/3)**22 = 1.3e-4, (2/3)**23 = 8.9e-5
    assert g.sma(x_, 3, 1).lookback == t
    assert g.sma(x_, 2, 2).lookback == 0  # m = n: no seed memory
