"""Trading costs in the simulator: the stamp duty is that of the fill date across the 2023-08-28 cut, and the
forward_return reward is net of the costs of the fill. Every expected value is derived by hand from the rules in
the module docstrings, on tiny panels."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("torch")

from tests.rl.helpers import _panel, _scores, _sim  # noqa: E402


def test_stamp_duty_is_the_fill_dates_across_the_2023_08_28_cut() -> None:
    """Dates 2023-08-26, -27, -28 …: switching at the decision of 08-27 fills (and sells) on 08-28, after the
    cut. 30 bps round trip: commission 2.5 + slippage (30 − 2·2.5 − 10)/2 = 7.5 bps per side; stamp duty
    5 bps on sells from 2023-08-28 (10 before). Buy 10 bps; sell 15 bps on the fill date (20 the day before)."""
    sim = _sim(_panel(np.zeros((8, 2)), start="2023-08-26"), "portfolio", cost=30.0, length=4)
    r1, _, i1 = sim.step(_scores(1, 0))  # buy stock 0 on 08-27
    assert float(i1["cost"][0]) == pytest.approx(10e-4) and float(r1[0]) == pytest.approx(-10e-4)
    r2, _, i2 = sim.step(_scores(0, 1))  # sell 0, buy 1 on 08-28
    assert float(i2["cost"][0]) == pytest.approx(10e-4 + 15e-4)
    assert float(r2[0]) == pytest.approx(-25e-4)


def test_forward_return_reward_is_net_of_costs() -> None:
    """forward_return, fp = 1, K = 1, absolute: the label of decision 0 is day 2's return (entry at the close
    of day 1); the fill buys the whole book at 10 bps: reward = 0.02 − 0.001."""
    ret = np.zeros((6, 2))
    ret[2] = [0.02, -0.01]
    sim = _sim(_panel(ret), "forward_return", cost=30.0)
    r, _, info = sim.step(_scores(1, 0))
    assert float(info["cost"][0]) == pytest.approx(0.001)
    assert float(r[0]) == pytest.approx(0.02 - 0.001)
