"""GTJA operator conventions: SMA with m = n is its input, SUMIF is null when a selected day's value is null, REGBETA
with skip_nulls needs only two pairs, REGBETA / REGRESI are null for a regressor constant up to float noise, and
LOWDAY counts a repeated minimum at its most recent day. Expected values are derived by hand from the convention
on tiny frames (plain arithmetic or an explicit loop), never copied from the code under test."""

from __future__ import annotations

from aurumq_rl.factors import gtja_ops as g
from aurumq_rl.factors.expr import X
from tests.factors.helpers import N, approx, one, x_, y_


def test_sma_with_m_equal_to_n_is_the_input() -> None:
    """SMA(A, n, m) accepts 0 < m <= n; m = n gives Y_t = (n A_t + 0 Y_{t-1}) / n = A_t."""
    assert one(g.sma(x_, 2, 2), x=[3.0, 5.0, N, 7.0]) == [3.0, 5.0, N, 7.0]


def test_sumif_null_value_on_a_selected_day_nulls_the_window() -> None:
    """SUMIF: a null A on a day where the condition holds makes the window null (not a 0 contribution)."""
    assert one(g.sumif(x_, 2, y_ > 0), x=[1.0, N, 3.0, 4.0], y=[1.0, 1.0, 1.0, 1.0]) == [N, N, N, 7.0]


def test_regbeta_skip_nulls_needs_only_two_pairs() -> None:
    """REGBETA(skip_nulls=True) regresses over the non-null pairs of the window; two are enough.
    Kept pairs (b, a) = (1, 2), (3, 6): slope 2."""
    fa, fb = g.filter_(x_, X.col("c") > 0), g.filter_(y_, X.col("c") > 0)
    out = one(g.regbeta(fa, fb, 3, skip_nulls=True), x=[2.0, 100.0, 6.0], y=[1.0, 7.0, 3.0], c=[1.0, -1.0, 1.0])
    assert out == approx([N, N, 2.0])


def test_regbeta_regresi_null_when_the_regressor_is_constant_up_to_float_noise() -> None:
    """REGBETA / REGRESI: null when B has (numerically) zero variance; B = 0.7 three times is constant even if
    its float mean and mean square leave a residue."""
    assert one(g.regbeta(x_, y_, 3), x=[1.0, 2.0, 4.0], y=[0.7] * 3) == [N, N, N]
    assert one(g.regresi(x_, y_, 3), x=[1.0, 2.0, 4.0], y=[0.7] * 3) == [N, N, N]


def test_lowday_most_recent_minimum_on_ties() -> None:
    """LOWDAY: days from the minimum to today, 0 = today; a repeated minimum counts at its most recent day.
    Window [1, 3, 1]: minimum today -> 0; window [3, 1, 2]: 1."""
    assert one(g.lowday(x_, 3), x=[1.0, 3.0, 1.0, 2.0]) == [N, N, 0.0, 1.0]
