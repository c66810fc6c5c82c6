"""The main-wave label (`main_wave_returns`): entry at the close of t+1, a hold of up to 5 days ended early by a
fresh MA5/MA10 death cross (not while MA5 is already below, nor while the two are equal), the exit of a stock that
delists before it marked at its last close, and the holding days checked against a plain loop."""

from __future__ import annotations

import numpy as np
import pytest

from aurumq_rl.data.labels import main_wave_returns
from tests.eval.helpers import make_panel


def test_main_wave_enters_at_the_close_of_t_plus_1() -> None:
    # +10 % on day 1 (the fill day of decision 0) is before the entry; +5 % on day 3 is inside the hold. MA10
    # needs 10 closes, so no exit signal before day 9: the hold runs its full 5 days, exit at the close of 6
    pct = np.zeros((12, 1))
    pct[1, 0], pct[3, 0] = 0.10, 0.05
    ret, days = main_wave_returns(make_panel(pct))
    assert ret[0, 0] == pytest.approx(0.05, abs=1e-12) and days[0, 0] == 5


def test_main_wave_return_of_a_stock_that_delists_before_the_exit_is_marked_at_its_last_close() -> None:
    p = make_panel(np.zeros((12, 2)))  # flat: MA5 = MA10 (MA10 undefined before day 9): 5-day holds
    p.pct_chg[5:7, 1] = -0.1  # stock 1 falls 10% on days 5 and 6, its last bar
    p.present[7:, 1] = False
    ret, _ = main_wave_returns(p)
    np.testing.assert_array_equal(ret[:6, 0], np.zeros(6))
    # decisions 0..3 enter at closes 1..4 (price 1) and exit at 6..9: the last close 0.81 (it was NaN from t=1)
    np.testing.assert_allclose(ret[:4, 1], [0.81 - 1] * 4)


def test_main_wave_exits_after_a_fresh_death_cross_not_while_already_below() -> None:
    """Stock 0 falls 1% a day: MA5 < MA10 from day 9 on (the first day MA10 exists), with no cross, so a
    decision at 10 is held the full 5 days (exit at the close of 16). Stock 1 rises 1% a day, then drops 25% on
    day 13: MA5 (1.0572) < MA10 (1.0594) there after MA5 ≥ MA10 on day 12, a death cross at u = 13 = t + 3, so
    the pick is sold at the close of 14 after 3 days."""
    pct = np.full((20, 2), 0.01)
    pct[:, 0] = -0.01
    pct[13, 1] = -0.25
    ret, days = main_wave_returns(make_panel(pct))
    assert days[10, 0] == 5 and ret[10, 0] == pytest.approx(0.99 ** 5 - 1)
    assert days[10, 1] == 3 and ret[10, 1] == pytest.approx(1.01 ** 2 * 0.75 - 1)  # days 12, 13, 14


def test_main_wave_holding_days_match_a_plain_loop_over_death_crosses() -> None:
    rng = np.random.default_rng(3)
    pct = rng.normal(0.0, 0.03, (60, 6))
    hold, _max = main_wave_returns(make_panel(pct))[1], 5
    price = np.cumprod(1 + pct, axis=0)
    for n in range(pct.shape[1]):
        def ma(u: int, w: int, n: int = n) -> float:
            return float(np.mean(price[u - w + 1:u + 1, n])) if u >= w - 1 else float("nan")

        cross = [u >= 10 and ma(u, 5) < ma(u, 10) and ma(u - 1, 5) >= ma(u - 1, 10) for u in range(len(pct))]
        for t in range(len(pct) - 1 - _max):
            expected = next((h for h in range(1, _max + 1) if cross[t + h]), _max)
            assert hold[t, n] == expected, (t, n)


def test_main_wave_cross_from_ma5_equal_to_ma10_and_no_cross_while_equal() -> None:
    """Stock 0 is flat to day 11 (MA5 = MA10 = 1 exactly), then falls 10 % on day 12: MA5 0.98 < MA10 0.99, a
    death cross at u = 12 (the close before had MA5 ≥ MA10, by equality). Decision 9 is sold at the close of
    13 after 3 days, decision 10 after 2, decision 11 (entry at 12) after 1. Stock 1 stays flat: MA5 = MA10 is
    never below, so every hold runs the full 5 days."""
    pct = np.zeros((20, 2))
    pct[12, 0] = -0.10
    ret, days = main_wave_returns(make_panel(pct))
    assert days[9:12, 0].tolist() == [3, 2, 1]
    np.testing.assert_allclose(ret[9:12, 0], [-0.1, -0.1, 0.0], atol=1e-12)
    assert (days[:14, 1] == 5).all() and (ret[:14, 1] == 0).all()
