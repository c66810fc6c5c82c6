"""The label-day multiplier of the forward_return / main_wave costs when a fill leaves the book all cash: the sale
is charged as many times as any other trade of the step (fp for forward_return, as docs/RL.md states), not once.
Expected values are derived by hand on tiny panels (30 bps round trip, dates after the 2023-08-28 cut: buy
10 bps, sell 2.5 + 7.5 + 5 = 15 bps)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("torch")

from tests.rl.helpers import _panel, _scores, _sim  # noqa: E402

FP = 5
BUY, SELL = 10e-4, 15e-4


def _run(second_pick_buyable: bool) -> tuple[float, float]:
    """K = 1, fp = 5, absolute, flat prices. Decision 0 buys stock 0 at the close of 1; decision 1 switches to
    stock 1, which is limit-up at the close of 2 (cannot be bought) unless `second_pick_buyable`. Returns
    (reward, cost) of decision 1."""
    can_buy = np.ones((14, 2), bool)
    if not second_pick_buyable:
        can_buy[2, 1] = False
    sim = _sim(_panel(np.zeros((14, 2)), can_buy=can_buy), "forward_return", fp=FP, cost=30.0, length=3)
    sim.step(_scores(1, 0))
    r, _, info = sim.step(_scores(0, 1))
    return float(r[0]), float(info["cost"][0])


def test_a_sale_into_an_all_cash_book_is_charged_fp_times() -> None:
    r, cost = _run(second_pick_buyable=False)
    assert cost == pytest.approx(SELL)  # stock 0 sold, stock 1 not bought: the book is cash
    assert r == pytest.approx(-FP * SELL, rel=1e-5)  # was −1 × SELL: the exit cost a fifth of any other trade


def test_the_same_sale_costs_the_same_whether_or_not_the_new_pick_fills() -> None:
    r_cash, _ = _run(second_pick_buyable=False)
    r_switch, cost = _run(second_pick_buyable=True)
    assert cost == pytest.approx(SELL + BUY)
    assert r_switch == pytest.approx(-FP * (SELL + BUY), rel=1e-5)
    # the switch's extra charge over the exit to cash is the buy alone, fp times
    assert r_cash - r_switch == pytest.approx(FP * BUY, rel=1e-4)
