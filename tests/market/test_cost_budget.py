"""The cost model's smallest accepted budget: a round trip equal to twice the commission plus the stamp duty (15 bps)
leaves no slippage but is accepted, with the duty halved from 2023-08-28."""

from __future__ import annotations

import numpy as np

from aurumq_rl.market.costs import CostModel


def test_cost_budget_equal_to_commissions_plus_duty_is_accepted() -> None:
    # 15 bps = 2 × 2.5 commission + 10 stamp duty: no slippage left, but not below the floor
    days = np.array(["2023-08-25", "2023-08-28"], dtype="datetime64[D]")
    buy, sell = CostModel(15.0).rates(days)
    np.testing.assert_allclose(buy * 1e4, [2.5, 2.5])
    np.testing.assert_allclose(sell * 1e4, [12.5, 7.5])
