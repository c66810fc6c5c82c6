"""Tests written from hand-made mutation testing of the factor operators and technical families (MUTANTS.md).

Each test locks one documented convention that the existing suite left open: a mutant changing it survived.
Expected values are derived by hand from the convention on tiny frames (plain arithmetic or an explicit loop),
never copied from the code under test.
"""

from __future__ import annotations

import math
from datetime import date

import polars as pl
import pytest

from aurumq_rl.factors import gtja_ops as g
from aurumq_rl.factors import ops
from aurumq_rl.factors.expr import X, evaluate, where
from aurumq_rl.factors.registry import REGISTRY, specs
from aurumq_rl.factors.technical_ops import ema_length
from tests.factors.test_technical import weekdays

specs()  # load the registered families (technical, zt)

N = None
x_, y_ = X.col("x"), X.col("y")


def one(op: X, **cols: list) -> list[float | None]:
    """`op` on one stock whose columns are given in date order."""
    n = len(next(iter(cols.values())))
    df = pl.DataFrame({"ts_code": ["A"] * n, "trade_date": list(range(n)), **cols}, strict=False)
    return evaluate(df, {"v": op})["v"].to_list()


def day(op: X, **cols: list) -> list[float | None]:
    """`op` on one date across stocks S0, S1, ... whose columns are given in stock order."""
    n = len(next(iter(cols.values())))
    df = pl.DataFrame({"ts_code": [f"S{i:03d}" for i in range(n)], "trade_date": [0] * n, **cols}, strict=False)
    return evaluate(df, {"v": op}).sort("ts_code")["v"].to_list()


def ohlcv(
    close: list[float],
    *,
    high: list[float] | None = None,
    low: list[float] | None = None,
    vol: list[float] | None = None,
) -> pl.DataFrame:
    n = len(close)
    return pl.DataFrame(
        {
            "ts_code": ["600000.SH"] * n,
            "trade_date": weekdays(date(2021, 1, 4), n),
            "open": close,
            "high": high if high is not None else close,
            "low": low if low is not None else close,
            "close": close,
            "vol": vol if vol is not None else [100.0] * n,
            "pre_close": [close[0], *close[:-1]],
        }
    )


def factor(df: pl.DataFrame, name: str) -> list[float | None]:
    return evaluate(df, {name: REGISTRY[name].build()})[name].to_list()


def approx(values: list[float | None], rel: float = 1e-12) -> list[object]:
    return [None if v is None else pytest.approx(v, rel=rel, abs=1e-12) for v in values]


# ops: cross-section -------------------------------------------------------------------------------------
def test_rank_unit_with_two_values_spans_zero_to_one() -> None:
    """rank(method="unit") = (r - 1) / (n - 1); only a single value maps to 0.5 (two values: 0 and 1)."""
    assert day(ops.rank(x_, method="unit"), x=[5.0, 2.0, None]) == [1.0, 0.0, None]


def test_scale_zero_sum_date_is_null_inside_a_condition() -> None:
    """scale(x): null when the date's sum of |x| is 0, also when consumed inline by a condition (a NaN there
    would compare as true in polars instead of nulling the ternary)."""
    df = pl.DataFrame({"ts_code": ["A", "B", "A", "B"], "trade_date": [0, 0, 1, 1], "x": [0.0, 0.0, 1.0, -3.0]})
    out = evaluate(df, {"v": where(ops.scale(x_) > 0, 1.0, 0.0)}).sort("trade_date", "ts_code")
    assert out["v"].to_list() == [None, None, 1.0, 0.0]


def test_ind_neutralize_subtracts_the_group_mean() -> None:
    """ind_neutralize: x minus the *mean* of its industry group on the date ([1, 2, 9]: mean 4)."""
    out = day(ops.ind_neutralize(x_, "g"), x=[1.0, 2.0, 9.0, 5.0], g=["a", "a", "a", "b"])
    assert out == approx([-3.0, -2.0, 5.0, 0.0])


def test_rank_treats_division_by_zero_log_of_zero_and_a_nan_temporary_as_missing() -> None:
    """x / 0 and log(0) are null (never ±inf), and a materialised temporary's NaN is stored as null, so the
    cross-sectional rank neither ranks nor counts them: the two valid values rank 1/2 and 1."""
    assert day(ops.rank(x_ / y_), x=[1.0, 2.0, 3.0], y=[1.0, 0.0, 1.0]) == [0.5, None, 1.0]
    assert day(ops.rank(ops.log(x_)), x=[math.e, 0.0, math.e**2]) == [0.5, None, 1.0]
    # ts_sum(x, 1) ** 0.5 holds a ts window, so rank materialises it: sqrt(-1) = NaN -> null in the temporary
    assert day(ops.rank(ops.ts_sum(x_, 1) ** 0.5), x=[4.0, -1.0, 9.0]) == [0.5, None, 1.0]


# ops: lookback metadata ---------------------------------------------------------------------------------
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


# ops_rolling / kernels: correlation, covariance -----------------------------------------------------------
def test_corr_zero_var_zero_still_nulls_a_window_with_a_null_in_the_second_input() -> None:
    """A null in either input nulls the window; zero_var="zero" only replaces the zero-variance case."""
    out = one(ops.ts_corr(x_, y_, 2, zero_var="zero"), x=[1.0, 2.0, 3.0, 4.0], y=[1.0, N, 3.0, 5.0])
    assert out == [N, N, N, 1.0]


def test_corr_is_null_when_a_side_is_constant_up_to_float_noise() -> None:
    """Zero variance up to ZERO_STD_RTOL counts as zero: [0.7, 0.7, 0.7] has a float mean off 0.7 by an ulp,
    but it is constant, so the correlation is null (zero_var="zero": 0)."""
    assert sum([0.7] * 3) / 3 != 0.7  # the premise: the window mean carries noise
    assert one(ops.ts_corr(x_, y_, 3), x=[0.7] * 3, y=[1.0, 2.0, 4.0]) == [N, N, N]
    assert one(ops.ts_corr(x_, y_, 3, zero_var="zero"), x=[0.7] * 3, y=[1.0, 2.0, 4.0]) == [N, N, 0.0]


def test_cov_is_exactly_zero_when_a_side_is_constant_up_to_float_noise() -> None:
    """ts_cov / COVIANCE: exactly 0 on every window where either input is constant (here 0.7, whose float mean
    is off by an ulp), so that constant stocks tie."""
    assert one(ops.ts_cov(x_, y_, 3), x=[0.7] * 3, y=[0.1, 0.2, 0.4]) == [N, N, 0.0]
    assert one(g.cov(x_, y_, 3), x=[0.1, 0.2, 0.4], y=[0.7] * 3) == [N, N, 0.0]


def test_cov_rounding_to_significant_digits_half_away_from_zero() -> None:
    """ts_cov rounds to 12 significant digits, COVIANCE to 10, halves away from zero.
    [0, 1, 3] vs [0, 1, 1]: deviations (-4/3, -1/3, 5/3) and (-2/3, 1/3, 1/3), products 8/9 - 1/9 + 5/9 = 4/3,
    / (3 - 1) = 2/3."""
    x, y = [0.0, 1.0, 3.0], [0.0, 1.0, 1.0]
    assert one(ops.ts_cov(x_, y_, 3), x=x, y=y)[2] == pytest.approx(0.666666666667, rel=1e-15)
    assert one(ops.ts_cov(x_, y_, 3), x=x, y=[-v for v in y])[2] == pytest.approx(-0.666666666667, rel=1e-15)
    assert one(g.cov(x_, y_, 3), x=x, y=y)[2] == pytest.approx(0.6666666667, rel=1e-15)


def test_equal_correlations_tie_exactly_after_rounding() -> None:
    """ts_corr is rounded to 12 decimals so mathematically equal correlations tie. Stock B is stock A scaled
    by 0.1 and 0.3; corr = 1 / sqrt(42/9 * 2) = 3 / sqrt(84) for both."""
    want = round(3 / math.sqrt(84), 12)
    df = pl.DataFrame(
        {
            "ts_code": ["A"] * 3 + ["B"] * 3,
            "trade_date": [0, 1, 2] * 2,
            "x": [1.0, 2.0, 4.0, 0.1, 0.2, 0.4],
            "y": [1.0, 3.0, 2.0, 0.3, 0.9, 0.6],
        }
    )
    out = evaluate(df, {"v": ops.ts_corr(x_, y_, 3)}).sort("ts_code", "trade_date")["v"].to_list()
    assert out[2] == out[5] == pytest.approx(want, rel=0, abs=1e-15)


# gtja_ops ---------------------------------------------------------------------------------------------
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


# technical_ops ----------------------------------------------------------------------------------------
def test_ema_length_is_the_smallest_l_with_tail_weight_at_most_tail() -> None:
    """ema_length: smallest L with (1 - alpha)**L <= tail, also when equality holds exactly (0.8**2 = 0.64,
    0.4**3 = 0.064) and the float logarithms land an ulp above the integer."""
    assert ema_length(0.2, 0.64) == 2
    assert ema_length(0.6, 0.064) == 3
    assert ema_length(0.5, 0.3) == 2  # 0.5 > 0.3 >= 0.25


# technical families -----------------------------------------------------------------------------------
def test_bollinger_band_narrower_than_1e_6_of_the_mean_is_null() -> None:
    """%B is null when sd20 <= 1e-6 |MA20|. 19 closes of 10 and one of 10 + d: MA20 = 10 + d/20,
    population sd = d sqrt(19) / 20, %B = (19 d / 20 + 2 sd) / (4 sd) = 1/2 + sqrt(19)/4 whatever d.
    d = 1e-3: sd / MA = 2.2e-5, a band; d = 1e-5: sd / MA = 2.2e-7, null."""
    wide = factor(ohlcv([10.0] * 19 + [10.001]), "tech_boll_pctb20")
    assert wide[19] == pytest.approx(0.5 + math.sqrt(19) / 4, rel=1e-6)
    assert factor(ohlcv([10.0] * 19 + [10.00001]), "tech_boll_pctb20")[19] is None


# volumes with decimals leave a rolling-sum residue of ~1e-10 once they have left the window
RESIDUE_VOLS = [399500.7, 828542.9, 415833.0, 245967.5, 834196.3, 674159.3]


def test_volume_ratio_null_after_five_rows_without_trade() -> None:
    """量比 is null when the previous 5 rows had no trade, even where the rolling mean of those rows is a
    rounding residue of earlier volumes instead of an exact 0."""
    vols = RESIDUE_VOLS + [0.0] * 5 + [50.0]
    v = factor(ohlcv([10.0] * len(vols), vol=vols), "tech_volume_ratio5")
    assert v[5] == pytest.approx(674159.3 / ((828542.9 + 415833.0 + 245967.5 + 834196.3 + 399500.7) / 5))
    assert v[11] is None


# 29 volumes whose up-day flows (TP alternating 10, 10.5) leave a rolling-sum residue of ~2e-9 in the 14-row window
MFI_VOLS = [
    float(v)
    for v in (
        "185116.5 96055.4 616692.8 324923.7 95472.8 549112.3 749211.6 28700.5 487683.3 154913.1 574223.5 799264.4 "
        "803258.0 783814.4 294691.8 636966.4 649312.0 901799.6 695271.9 755523.4 98410.0 298784.5 368427.6 644866.5 "
        "869143.5 340082.4 497004.0 749844.4 193526.6"
    ).split()
]


def test_mfi_null_when_no_row_of_the_window_moved_with_volume() -> None:
    """MFI is null when no row of the 14-row window moved TP with volume, even if TP moves on zero volume
    and the flow sums hold rounding residues of flows that left the window."""
    n = len(MFI_VOLS)
    close = [10.0 + (0.5 if i % 2 else 0.0) for i in range(n + 14)]  # TP moves every row
    v = factor(ohlcv(close, vol=MFI_VOLS + [0.0] * 14), "tech_mfi14")
    assert v[n + 13] is None


def test_golden_and_death_cross_from_equal_averages() -> None:
    """Golden cross: MA5 > MA20 today and MA5 <= MA20 yesterday (equal counts). After 25 flat closes both
    averages equal 10; a rise to 11 makes MA5 = 10.2 > MA20 = 10.05 (a fall to 9: 9.8 < 9.95)."""
    up = factor(ohlcv([10.0] * 25 + [11.0, 12.0]), "tech_evt_golden_cross")
    assert up[24] == 0.0 and up[25] == 1.0 and up[26] == pytest.approx(math.exp(-0.1))
    down = factor(ohlcv([10.0] * 25 + [9.0, 8.0]), "tech_evt_death_cross")
    assert down[24] == 0.0 and down[25] == 1.0


def test_no_golden_cross_from_rounding_of_equal_averages() -> None:
    """MA5 and MA20 equal within 1e-9 (relative) count as equal: a falling series that goes flat has
    MA5 <= MA20 throughout (equal once both windows are flat), so there is no golden cross, even where the
    two rolling means differ by an ulp."""
    close = [30.0 - 0.37 * k for k in range(25)] + [10.1] * 30
    v = factor(ohlcv(close), "tech_evt_golden_cross")
    assert all(x == 0.0 for x in v)


def test_breakout_window_is_the_previous_20_rows() -> None:
    """High breakout: close > max(high) over the previous 20 rows (t-20 .. t-1); a high of 12 exactly 20 rows
    back still blocks a close of 11. Low breakdown mirrors it with a low of 6."""
    n = 27
    high = [10.0] * n
    high[5], high[25] = 12.0, 11.5
    close = [9.0] * 25 + [11.0, 12.5]
    v = factor(ohlcv(close, high=high, low=[8.0] * n), "tech_evt_high_breakout20")
    assert v[25] == 0.0 and v[26] == 1.0  # t = 26: previous 20 rows 6..25 have max 11.5
    low = [8.0] * n
    low[5], low[25] = 6.0, 6.9
    close = [9.0] * 25 + [7.0, 6.5]
    w = factor(ohlcv(close, high=[10.0] * n, low=low), "tech_evt_low_breakdown20")
    assert w[25] == 0.0 and w[26] == 1.0


def _limit_ups(n: int, days: set[int]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "ts_code": ["300001.SZ"] * n,
            "trade_date": weekdays(date(2021, 1, 4), n),
            "is_limit_up": [i in days for i in range(n)],
        }
    )


def test_first_board_needs_no_limit_up_in_the_prior_20_rows() -> None:
    """First board: a limit-up with none in the prior 20 rows. Limit-ups on rows 21, 41 (20 rows later: not a
    first board) and 62 (21 rows after 41: a first board); exp-decayed with tau = 10."""
    v = factor(_limit_ups(70, {21, 41, 62}), "zt_first_board")
    assert v[21] == 1.0
    assert v[41] == pytest.approx(math.exp(-2.0))
    assert v[62] == 1.0


def test_zt_streak_is_capped_at_30() -> None:
    """zt_streak: consecutive limit-up closes ending today, capped at 30."""
    v = factor(_limit_ups(35, set(range(35))), "zt_streak")
    assert v == [float(min(i + 1, 30)) for i in range(35)]


def test_event_factor_lookbacks() -> None:
    """Lookback = past rows a value needs. tech_evt_: the flag reads MA20 of yesterday (rows t-20 .. t: 20)
    and the decay remembers flags of the last 100 rows (99 before today): 20 + 99. zt_first_board: the flag
    reads the prior 20 rows (20) + 99. zt_recent: 99."""
    for name in (
        "tech_evt_golden_cross",
        "tech_evt_death_cross",
        "tech_evt_high_breakout20",
        "tech_evt_low_breakdown20",
        "zt_first_board",
    ):
        assert REGISTRY[name].lookback == 20 + 99, name
    assert REGISTRY["zt_recent"].lookback == 99


# an undefined power made inline (no window, so never materialised): null, read as missing downstream
@pytest.mark.parametrize(
    ("frame", "op", "want"),
    [
        ("ts", lambda e: ops.ts_argmax(e, 2), [N, N, N, 0.0]),
        ("ts", lambda e: ops.ts_argmin(e, 2), [N, N, N, 1.0]),
        ("ts", lambda e: g.highday(e, 2), [N, N, N, 0.0]),
        ("ts", lambda e: g.lowday(e, 2), [N, N, N, 1.0]),
        ("ts", lambda e: g.count(e > 2.5, 2), [N, N, N, 1.0]),
        ("cs", lambda e: ops.rank(e), [0.5, N, 1.0]),
        ("cs", lambda e: ops.scale(e), [0.4, N, 0.6]),
        ("cs", lambda e: where(e > 2.5, 1.0, 0.0), [0.0, N, 1.0]),
    ],
)
def test_an_undefined_power_inside_an_expression_is_missing_for_the_operators_after_it(frame, op, want) -> None:
    """x ** 0.5 of a negative x is null, not NaN (polars orders NaN above every number, so a NaN would win an
    argmax, take the top rank, be counted and null a whole date's scale). One stock x = [1, -1, 4, 9]: every
    window of 2 holding the undefined day is null; one date x = [4, -1, 9]: ranks 1/2, -, 1; scale 2/5, -, 3/5."""
    e = x_**0.5
    got = one(op(e), x=[1.0, -1.0, 4.0, 9.0]) if frame == "ts" else day(op(e), x=[4.0, -1.0, 9.0])
    assert got == approx(want)


def test_zero_to_a_negative_power_is_null_not_inf() -> None:
    """0 ** -1 is undefined (inf in floating point): null, like x / 0, so a rank after it neither ranks nor
    counts it. x = [2, 0, 4]: powers 1/2, -, 1/4; ranks 1, -, 1/2."""
    assert day(ops.rank(x_**-1.0), x=[2.0, 0.0, 4.0]) == [1.0, N, 0.5]
