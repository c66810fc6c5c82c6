"""Rules of `load_panel` and `Panel` on hand-built frames: factors normalised over the universe's stocks only (the
rest filled with 0 and flagged missing; market-wide columns are passed through unnormalised and flagged the same
way), an absent row neither buyable nor sellable, a null pct_chg read as an unchanged price, and `forward_returns`
refusing a holding period below one day."""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import polars as pl
import pytest

from aurumq_rl.data.loader import load_panel
from tests.eval.helpers import make_panel

CODES = ("600001.SH", "600002.SH", "600003.SH", "600004.SH")


def _day(k: int) -> date:
    return date(2024, 1, 1) + timedelta(days=k)


def _frame(alpha_day1: float) -> pl.DataFrame:
    x = {CODES[0]: [1.0, 1.0], CODES[1]: [2.0, 2.0], CODES[2]: [3.0, 3.0], CODES[3]: [4.0, alpha_day1]}
    return pl.DataFrame([{"ts_code": c, "trade_date": _day(d), "close": 10.0, "pct_chg": 0.0, "vol": 1.0,
                          "alpha_001": v[d], "mkt_idx": (0.5, -0.25)[d]} for c, v in x.items() for d in (0, 1)])


def _out_on_day1(columns: list[str]) -> pl.Expr:
    return ~((pl.col("ts_code") == CODES[3]) & (pl.col("trade_date") == _day(1)))


def test_normalisation_uses_universe_stocks_only_and_flags_the_rest() -> None:
    """600004.SH is out of the universe on day 1 (value 100): day 1's z-score is that of [1, 2, 3] alone
    (mean 2, ddof-0 std √(2/3)), and 600004.SH is filled with 0 and flagged; so is the market-wide column."""
    with pytest.warns(UserWarning, match="mkt_idx"):
        p = load_panel(_frame(100.0).lazy(), universe=_out_on_day1)
    a, m = p.factor_names.index("alpha_001"), p.factor_names.index("mkt_idx")
    np.testing.assert_allclose(p.factors[0, :, a], (np.array([1, 2, 3, 4]) - 2.5) / math.sqrt(1.25), rtol=1e-6)
    np.testing.assert_allclose(p.factors[1, :, a], [-math.sqrt(1.5), 0.0, math.sqrt(1.5), 0.0], rtol=1e-6, atol=1e-7)
    assert p.market_wide == ["mkt_idx"]
    np.testing.assert_allclose(p.factors[:, :, m], [[0.5] * 4, [-0.25] * 3 + [0.0]])
    assert p.factor_missing[1, :, a].tolist() == [False, False, False, True]
    assert p.factor_missing[1, :, m].tolist() == [False, False, False, True]
    assert not p.factor_missing[0].any()


def test_absent_row_cannot_be_sold_either() -> None:
    df = _frame(4.0).filter(~((pl.col("ts_code") == CODES[1]) & (pl.col("trade_date") == _day(1))))
    p = load_panel(df.drop("mkt_idx").lazy(), universe="all")
    assert not p.present[1, 1] and not p.tradeable[1, 1]
    assert not p.can_sell[1, 1] and not p.can_buy[1, 1]
    assert p.can_sell[1, [0, 2, 3]].all()


def test_null_pct_chg_counts_as_an_unchanged_price() -> None:
    df = pl.DataFrame({"ts_code": "600001.SH", "trade_date": [_day(k) for k in range(5)], "close": 10.0,
                       "pct_chg": [0.0, 0.01, None, 0.02, 0.03], "vol": 1.0, "alpha_001": 1.0})
    p = load_panel(df.lazy(), universe="all")
    np.testing.assert_array_equal(p.pct_chg[:, 0], [0.0, 0.01, 0.0, 0.02, 0.03])
    assert p.forward_returns(3)[0, 0] == pytest.approx(1.0 * 1.02 * 1.03 - 1)  # entry at day 1: days 2-4


@pytest.mark.parametrize("fp", [0, -1])
def test_forward_returns_refuses_a_holding_period_below_one_day(fp: int) -> None:
    with pytest.raises(ValueError, match=f"fp={fp} must be ≥ 1"):
        make_panel(np.zeros((6, 2))).forward_returns(fp)
