"""The cost-sweep chart draws each line along increasing cost, whatever order --cost-bps gave the costs in."""

from __future__ import annotations

import copy

from aurumq_rl.eval.charts import cost_chart
from tests.eval.test_html import _report


def _with_costs(order: list[float]) -> dict:
    """The suite report with a third cost level (60 bps, between its 30 and 100) and `order` as --cost-bps."""
    rep = copy.deepcopy(_report())
    for res in rep["results"].values():
        for sweep in res["backtest"].values():
            lo, hi = sweep["30"]["total_return"], sweep["100"]["total_return"]
            sweep["60"] = {**sweep["30"], "total_return": lo + (hi - lo) * 3 / 7 + 0.05}  # off the 30–100 line
    rep["settings"]["cost_bps"] = order
    return rep


def test_cost_chart_is_the_same_for_any_order_of_the_costs() -> None:
    """`--cost-bps 60,30,100` (the first level, 60, is the one the equity chart and trade log use) must draw
    the same curves as 30,60,100: joined in the given order, the line went 60 → 30 → 100 and crossed itself,
    a zig-zag that no cost sweep has."""
    assert cost_chart(_with_costs([60.0, 30.0, 100.0])) == cost_chart(_with_costs([30.0, 60.0, 100.0]))
