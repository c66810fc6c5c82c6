"""GTJA operators (`factors.gtja_ops`) against hand-computed values: ties, nulls (suspended days), zero
variance, short windows."""

from __future__ import annotations

import datetime as dt
import math

import polars as pl
import pytest

from aurumq_rl.factors import gtja_ops as g
from aurumq_rl.factors.expr import X, evaluate

A, B, C = X.col("a"), X.col("b"), X.col("c")


def _frame(**cols: list) -> pl.DataFrame:
    n = len(next(iter(cols.values())))
    dates = [dt.date(2024, 1, 1) + dt.timedelta(days=i) for i in range(n)]
    return pl.DataFrame({"ts_code": ["000001.SZ"] * n, "trade_date": dates, **cols}, strict=False)


def run(x: X, **cols: list) -> list[float | None]:
    """Evaluate x on one stock whose columns are given in date order."""
    return evaluate(_frame(**cols), {"x": x})["x"].to_list()


def approx(values: list[float | None]) -> list[object]:
    return [None if v is None else pytest.approx(v, rel=1e-12, abs=1e-12) for v in values]


# SMA ------------------------------------------------------------------------------------------------------
def test_sma_recursion_seeded_with_first_value() -> None:
    # n=3, m=1: Y = (A + 2 Y_prev) / 3, Y_0 = A_0
    assert run(g.sma(A, 3, 1), a=[3.0, 6.0, 0.0]) == approx([3.0, 4.0, 8 / 3])


def test_sma_skips_suspended_days_and_leading_nulls() -> None:
    # leading null: seeded at the first valid value; the null day is null and the recursion skips it
    out = run(g.sma(A, 2, 1), a=[None, 4.0, 8.0, None, 2.0])
    assert out == approx([None, 4.0, 6.0, None, 4.0])


def test_sma_treats_infinite_input_as_missing() -> None:
    assert run(g.sma(A, 2, 1), a=[2.0, math.inf, 4.0]) == approx([2.0, None, 3.0])


def test_sma_division_by_zero_is_skipped() -> None:
    # (a / b) with b = 0 on the second day is null, the recursion continues from day 1
    assert run(g.sma(A / B, 4, 2), a=[2.0, 1.0, 6.0], b=[1.0, 0.0, 1.0]) == approx([2.0, None, 4.0])


def test_sma_with_two_arguments_is_the_simple_mean() -> None:
    assert run(g.sma(A, 2), a=[1.0, 3.0, 7.0]) == approx([None, 2.0, 5.0])


def test_sma_rejects_m_above_n() -> None:
    with pytest.raises(ValueError):
        g.sma(A, 2, 3)


# WMA / DECAYLINEAR ------------------------------------------------------------------------------------------
def test_wma_linear_weights_newest_heaviest() -> None:
    # weights 3 (today), 2, 1 over 6
    assert run(g.wma(A, 3, weights="linear"), a=[1.0, 2.0, 3.0, 4.0]) == approx([None, None, 14 / 6, 20 / 6])


def test_wma_report_weights_by_default() -> None:
    w = [0.81, 0.9, 1.0]  # oldest .. today
    want = (0.81 * 1 + 0.9 * 2 + 1.0 * 3) / sum(w)
    assert run(g.wma(A, 3), a=[1.0, 2.0, 3.0]) == approx([None, None, want])
    with pytest.raises(ValueError):
        g.wma(A, 3, weights="cubic")


def test_wma_null_in_window() -> None:
    assert run(g.wma(A, 2, weights="linear"), a=[1.0, None, 3.0, 6.0]) == approx([None, None, None, 5.0])
    # 0.9 weights: (0.9 * 3 + 1 * 6) / 1.9
    assert run(g.wma(A, 2), a=[1.0, None, 3.0, 6.0]) == approx([None, None, None, 8.7 / 1.9])


# COUNT / SUMIF ----------------------------------------------------------------------------------------------
def test_count_includes_today_and_nulls_blank_the_window() -> None:
    out = run(g.count(A > 1, 2), a=[0.0, 2.0, 3.0, None, 5.0, 0.0])
    assert out == approx([None, 1.0, 2.0, None, None, 1.0])


def test_sumif_sums_where_condition_holds() -> None:
    out = run(g.sumif(A, 2, C > 0), a=[10.0, None, 30.0, 40.0, 5.0], c=[1.0, -1.0, 1.0, None, 1.0])
    # masked A: 10, 0 (condition false, A irrelevant), 30, null (condition null), 5
    assert out == approx([None, 10.0, 30.0, None, None])


# REGBETA / REGRESI ---------------------------------------------------------------------------------------------
def test_sumif_over_a_window_where_the_condition_never_holds_is_exactly_zero() -> None:
    # polars' running sum left -2.2e-16 here after 0.021 and -0.038 left the window, so 1 / SUMIF was
    # -4.5e15 instead of null (GTJA #190 divides by a SUMIF)
    a = [0.41, 0.83, -1.643, -0.257, -0.981, -0.173, -1.289, 0.021, -0.038, -0.304, -1.048, -0.396]
    c = [1.0] * 6 + [-1.0] * 6
    assert run(g.sumif(A, 3, C > 0), a=a, c=c)[-4:] == [0.0] * 4
    assert run(1.0 / g.sumif(A, 3, C > 0), a=a, c=c)[-4:] == [None] * 4


def test_regbeta_on_sequence() -> None:
    # window [1, 3, 2] on t = 1, 2, 3: slope 0.5; window [3, 2, 5]: slope 1
    assert run(g.regbeta(A, g.sequence(3), 3), a=[1.0, 3.0, 2.0, 5.0]) == approx([None, None, 0.5, 1.0])


def test_regresi_on_sequence_is_residual_of_today() -> None:
    # fitted today = mean + slope * (3 - 2): 2 + 0.5 = 2.5 -> -0.5; 10/3 + 1 -> 5 - 13/3
    assert run(g.regresi(A, g.sequence(3), 3), a=[1.0, 3.0, 2.0, 5.0]) == approx([None, None, -0.5, 2 / 3])


def test_regbeta_sequence_length_must_match_window() -> None:
    with pytest.raises(ValueError):
        g.regbeta(A, g.sequence(4), 3)


def test_regbeta_on_a_series_and_zero_variance() -> None:
    # a = 2 b + 1 on the first three days; window [5, 9, 2] on [2, 4, 4]: deviations (-1/3, 11/3, -10/3)
    # and (-4/3, 2/3, 2/3), products sum 6/9, squared b deviations 24/9 -> 0.25; b constant -> null
    out = run(g.regbeta(A, B, 3), a=[3.0, 5.0, 9.0, 2.0, 2.0], b=[1.0, 2.0, 4.0, 4.0, 4.0])
    assert out == approx([None, None, 2.0, 0.25, None])
    res = run(g.regresi(A, B, 3), a=[3.0, 5.0, 9.0], b=[1.0, 2.0, 4.0])
    assert res == approx([None, None, 0.0])


def test_regbeta_null_in_window_unless_skipped() -> None:
    a, b = [2.0, 100.0, 6.0, 8.0], [1.0, 7.0, 3.0, 4.0]
    keep = [1.0, -1.0, 1.0, 1.0]
    fa, fb = g.filter_(A, C > 0), g.filter_(B, C > 0)
    assert run(g.regbeta(fa, fb, 4), a=a, b=b, c=keep) == approx([None] * 4)
    # FILTERed pairs (1, 2), (3, 6), (4, 8): slope 2
    assert run(g.regbeta(fa, fb, 4, skip_nulls=True), a=a, b=b, c=keep) == approx([None, None, None, 2.0])


# HIGHDAY / LOWDAY ------------------------------------------------------------------------------------------------
def test_highday_lowday_days_since_extreme_most_recent_on_ties() -> None:
    x = [1.0, 3.0, 2.0, 3.0, 0.0]
    assert run(g.highday(A, 3), a=x) == approx([None, None, 1.0, 0.0, 1.0])
    assert run(g.lowday(A, 3), a=x) == approx([None, None, 2.0, 1.0, 0.0])


def test_highday_null_in_window() -> None:
    assert run(g.highday(A, 2), a=[1.0, None, 3.0, 2.0]) == approx([None, None, None, 1.0])


# elementwise MAX / MIN, FILTER, ternary ---------------------------------------------------------------------
def test_max_min_are_elementwise_even_with_a_number() -> None:
    assert run(g.max_(A, 2), a=[1.0, 3.0, None]) == approx([2.0, 3.0, None])
    assert run(g.min_(A, B), a=[1.0, 3.0, 2.0], b=[2.0, 1.0, None]) == approx([1.0, 1.0, None])


def test_filter_nulls_unselected_rows() -> None:
    assert run(g.filter_(A, C > 0), a=[1.0, 2.0, 3.0], c=[1.0, -1.0, None]) == approx([1.0, None, None])


def test_iif_null_condition_is_null() -> None:
    assert run(g.iif(A > 1, 10.0, 20.0), a=[2.0, 0.0, None]) == approx([10.0, 20.0, None])


# SUMAC ------------------------------------------------------------------------------------------------------
def test_sumac_is_a_rolling_sum() -> None:
    assert run(g.sumac(A, 2), a=[1.0, 2.0, 4.0]) == approx([None, 3.0, 6.0])


# CORR / COV --------------------------------------------------------------------------------------------------
def test_corr_two_points_is_the_sign_of_the_moves() -> None:
    out = run(g.corr(A, B, 2), a=[1.0, 2.0, 2.0, 5.0], b=[1.0, 3.0, 4.0, 2.0])
    assert out == approx([None, 1.0, None, -1.0])


def test_corr_two_points_ignores_float_noise_of_a_running_sum() -> None:
    """A 20-day sum whose new and dropped closes are equal can move by an ulp or so (-1.4e-14 on real data),
    depending on where its running sum started: no move, so the two-point correlation is null there."""
    noisy = math.nextafter(400.0, math.inf)
    out = run(g.corr(A, B, 2), a=[400.0, noisy, 401.0, 401.0], b=[1.0, 2.0, 3.0, 2.0])
    assert out == approx([None, None, 1.0, None])


def test_corr_zero_variance_is_null_and_linear_is_one() -> None:
    # window [2, 4, 4] vs [5, 9, 4]: deviation products sum 2, squares 8/3 and 14; then a is constant
    out = run(g.corr(A, B, 3), a=[1.0, 2.0, 4.0, 4.0, 4.0], b=[3.0, 5.0, 9.0, 4.0, 7.0])
    assert out == approx([None, None, 1.0, 2 / math.sqrt(8 / 3 * 14), None])


def test_cov_ddof1_and_exact_zero_on_constant_side() -> None:
    out = run(g.cov(A, B, 3), a=[1.0, 2.0, 3.0, 3.0, 3.0], b=[2.0, 4.0, 6.0, 1.0, 5.0])
    # [1,2,3] vs [2,4,6]: sum of products of deviations 4, / 2; then a constant -> exactly 0
    assert out[:3] == approx([None, None, 2.0])
    assert out[4] == 0.0


# ranks ------------------------------------------------------------------------------------------------------
def test_tsrank_is_the_position_1_to_n_with_average_ties() -> None:
    # the report's TSRANK: position of today's value among the last n, not divided by n
    assert run(g.tsrank(A, 3), a=[1.0, 2.0, 2.0, 0.0]) == approx([None, None, 2.5, 1.0])
    assert run(g.tsrank(A, 3), a=[1.0, 2.0, 3.0, 4.0, None, 5.0]) == approx([None, None, 3.0, 3.0, None, None])


def test_rank_average_over_non_null_count() -> None:
    frame = pl.DataFrame(
        {
            "ts_code": ["A", "B", "C", "D"],
            "trade_date": [dt.date(2024, 1, 1)] * 4,
            "a": [5.0, 1.0, 5.0, None],
        }
    )
    out = evaluate(frame, {"x": g.rank(A)}).sort("ts_code")["x"].to_list()
    assert out == approx([2.5 / 3, 1 / 3, 2.5 / 3, None])


# derived series ----------------------------------------------------------------------------------------------
OHLC = {
    "open": [10.0, 11.0, 10.5, 10.5],
    "high": [10.8, 11.6, 11.0, 10.9],
    "low": [9.7, 10.9, 10.2, 10.0],
    "close": [10.4, 11.2, 10.3, 10.8],
}


def test_dtm_dbm() -> None:
    # day 1: open up 1.0 -> DTM = max(11.6-11, 11-10) = 1.0; DBM = 0
    # day 2: open down -> DTM = 0; DBM = max(10.5-10.2, 10.5-11) = 0.3
    # day 3: open unchanged -> both 0
    assert run(g.dtm(), **OHLC) == approx([None, 1.0, 0.0, 0.0])
    assert run(g.dbm(), **OHLC) == approx([None, 0.0, 0.3, 0.0])


def test_tr_hd_ld() -> None:
    # TR day 1: max(0.7, |11.6-10.4|, |10.9-10.4|) = 1.2; day 2: max(0.8, 0.2, 1.0) = 1.0;
    # day 3: max(0.9, 0.6, 0.3) = 0.9
    assert run(g.tr(), **OHLC) == approx([None, 1.2, 1.0, 0.9])
    assert run(g.hd(), **OHLC) == approx([None, 0.8, -0.6, -0.1])
    # LD = DELAY(LOW,1) - LOW: positive when the low falls
    assert run(g.ld(), **OHLC) == approx([None, -1.2, 0.7, 0.2])


# aliases keep the generic conventions ------------------------------------------------------------------------
def test_window_aliases() -> None:
    a = [1.0, 4.0, 2.0, 8.0]
    assert run(g.delay(A, 2), a=a) == approx([None, None, 1.0, 4.0])
    assert run(g.ref(A, 1), a=a) == approx([None, 1.0, 4.0, 2.0])
    assert run(g.delta(A, 1), a=a) == approx([None, 3.0, -2.0, 6.0])
    assert run(g.sum_(A, 3), a=a) == approx([None, None, 7.0, 14.0])
    assert run(g.mean(A, 2), a=a) == run(g.ma(A, 2), a=a) == approx([None, 2.5, 3.0, 5.0])
    assert run(g.std(A, 2), a=a) == approx([None, 3 / math.sqrt(2), 2 / math.sqrt(2), 6 / math.sqrt(2)])
    assert run(g.tsmax(A, 2), a=a) == approx([None, 4.0, 4.0, 8.0])
    assert run(g.tsmin(A, 2), a=a) == approx([None, 1.0, 2.0, 2.0])
    assert run(g.prod(A, 2), a=a) == approx([None, 4.0, 8.0, 16.0])
    assert run(g.decaylinear(A, 2), a=a) == approx([None, 3.0, 8 / 3, 6.0])
    assert run(g.log(A), a=[math.e, 0.0]) == approx([1.0, None])
    assert run(g.sign(A), a=[-2.0, 0.0, 3.0]) == approx([-1.0, 0.0, 1.0])


def test_windows_longer_than_the_history_are_null() -> None:
    a = [1.0, 2.0, 3.0]
    for x in (g.count(A > 0, 5), g.sumif(A, 5, A > 0), g.highday(A, 4), g.wma(A, 4), g.regbeta(A, g.sequence(4), 4),
              g.corr(A, B, 4), g.cov(A, B, 4), g.sumac(A, 4)):
        assert run(x, a=a, b=[3.0, 1.0, 2.0]) == [None, None, None]
    # the SMA recursion has no window: defined from the first value on
    assert run(g.sma(A, 20, 1), a=a)[0] == 1.0


def test_a_regression_on_sequence_refuses_skip_nulls() -> None:
    """SEQUENCE's regressor has no nulls to skip and its closed form assumes a full window."""
    with pytest.raises(ValueError, match="skip_nulls is not supported with SEQUENCE"):
        g.regbeta(A, g.sequence(3), 3, skip_nulls=True)
