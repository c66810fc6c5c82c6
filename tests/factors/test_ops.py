"""Every operator against hand-computed values: ties, nulls (suspended days), zero variance, warm-up."""

from __future__ import annotations

import math

import polars as pl
import pytest

from aurumq_rl.factors import ops
from aurumq_rl.factors.alpha101_build import RET
from aurumq_rl.factors.expr import X, evaluate

N = None
x_ = X.col("x")
y_ = X.col("y")


def series(op: X, x: list[float | None], y: list[float | None] | None = None) -> list[float | None]:
    """Evaluate `op` on one stock whose `x` (and `y`) series is given, plus a second stock (B) after it
    so that values never leak across the stock boundary; returns stock A's values."""
    n = len(x)
    df = pl.DataFrame({
        "ts_code": ["A"] * n + ["B"] * n,
        "trade_date": list(range(n)) * 2,
        "x": [float(v) if v is not None else None for v in x] + [100.0 + i for i in range(n)],
        "y": [float(v) if v is not None else None for v in (y or x)] + [7.0 * i for i in range(n)],
    }, schema_overrides={"x": pl.Float64, "y": pl.Float64})
    out = evaluate(df.sample(fraction=1.0, shuffle=True, seed=1), {"v": op})
    return out.filter(pl.col("ts_code") == "A").sort("trade_date")["v"].to_list()


def close(a: list[float | None], b: list[float | None], tol: float = 1e-12) -> bool:
    return len(a) == len(b) and all(
        (p is None and q is None) or (p is not None and q is not None and math.isclose(p, q, abs_tol=tol))
        for p, q in zip(a, b, strict=True)
    )


def test_window_floors_fractional_sizes() -> None:
    assert ops.window(5.9) == 5 and ops.window(3) == 3 and ops.window(0.4) == 1
    with pytest.raises(TypeError):
        ops.window(True)


def test_delay_and_delta_with_a_suspended_day() -> None:
    x = [1, 2, 4, N, 8]
    assert series(ops.delay(x_, 1), x) == [N, 1.0, 2.0, 4.0, N]
    assert series(ops.delta(x_, 2), x) == [N, N, 3.0, N, 4.0]
    assert series(ops.delay(x_, 1.9), x) == [N, 1.0, 2.0, 4.0, N]  # floor(1.9) = 1


def test_stock_boundary_is_respected() -> None:
    # stock B starts at 100: a delay on B's first row must be null, not A's last value
    df = pl.DataFrame({"ts_code": ["A", "A", "B", "B"], "trade_date": [0, 1, 0, 1], "x": [1.0, 2.0, 100.0, 101.0]})
    out = evaluate(df, {"d": ops.delay(x_, 1), "s": ops.ts_sum(x_, 2)})
    assert out["d"].to_list() == [N, 1.0, N, 100.0] and out["s"].to_list() == [N, 3.0, N, 201.0]


def test_rolling_sum_mean_min_max_need_full_windows() -> None:
    x = [1, 2, 4, N, 8, 16, 32]
    assert series(ops.ts_sum(x_, 3), x) == [N, N, 7.0, N, N, N, 56.0]
    assert close(series(ops.ts_mean(x_, 3.7), x), [N, N, 7 / 3, N, N, N, 56 / 3])
    assert series(ops.ts_min(x_, 3), x) == [N, N, 1.0, N, N, N, 8.0]
    assert series(ops.ts_max(x_, 3), x) == [N, N, 4.0, N, N, N, 32.0]
    assert series(ops.ts_sum(x_, 3, min_samples=1), x) == [1.0, 3.0, 7.0, 6.0, 12.0, 24.0, 56.0]


def test_stddev_ddof() -> None:
    # [1, 2, 4]: mean 7/3, squared deviations 16/9 + 1/9 + 25/9 = 42/9
    assert close(series(ops.ts_std(x_, 3), [1, 2, 4]), [N, N, math.sqrt(42 / 9 / 2)])
    assert close(series(ops.ts_std(x_, 3, ddof=0), [1, 2, 4]), [N, N, math.sqrt(42 / 9 / 3)])
    assert series(ops.ts_std(x_, 2), [5, 5, 5]) == [N, 0.0, 0.0]


def test_ts_rank_average_ties() -> None:
    x = [3, 1, 3, 2, 3]
    # windows: [3,1,3] -> today's 3 ties the first: rank 2.5; [1,3,2] -> 2; [3,2,3] -> 2.5
    assert close(series(ops.ts_rank(x_, 3), x), [N, N, 2.5 / 3, 2 / 3, 2.5 / 3])
    assert series(ops.ts_rank(x_, 3, method="raw"), x) == [N, N, 2.5, 2.0, 2.5]
    assert series(ops.ts_rank(x_, 3, method="unit"), x) == [N, N, 0.75, 0.5, 0.75]
    assert series(ops.ts_rank(x_, 2), [1, N, 2, 3]) == [N, N, N, 1.0]


def test_ts_argmax_argmin_conventions() -> None:
    x = [1, 3, 3, 2, 5, N, 1, 2, 3]
    # windows of 3 ending at t = 2..4: [1,3,3], [3,3,2], [3,2,5]; t = 5..7 hold the null; t = 8: [1,2,3]
    assert series(ops.ts_argmax(x_, 3), x) == [N, N, 1.0, 2.0, 0.0, N, N, N, 0.0]
    assert series(ops.ts_argmax(x_, 3, ties="latest"), x) == [N, N, 0.0, 1.0, 0.0, N, N, N, 0.0]
    assert series(ops.ts_argmax(x_, 3, basis="start"), x) == [N, N, 2.0, 1.0, 3.0, N, N, N, 3.0]
    assert series(ops.ts_argmin(x_, 3), x) == [N, N, 2.0, 0.0, 1.0, N, N, N, 2.0]
    assert series(ops.ts_argmin(x_, 2, ties="latest"), [4, 4, 4]) == [N, 0.0, 0.0]
    assert series(ops.ts_argmin(x_, 2), [4, 4, 4]) == [N, 1.0, 1.0]


def test_ts_product() -> None:
    assert series(ops.ts_product(x_, 2), [1, 2, 3, 4]) == [N, 2.0, 6.0, 12.0]
    assert series(ops.ts_product(x_, 2), [-1, 2, -3, N, 1]) == [N, -2.0, -6.0, N, N]


def test_decay_linear_weights_and_nulls() -> None:
    # weights oldest..newest 1, 2, 3 over their sum 6
    assert close(series(ops.decay_linear(x_, 3), [1, 2, 3, 4]), [N, N, 14 / 6, 20 / 6])
    x = [1, N, 3, 4, 5]
    assert close(series(ops.decay_linear(x_, 2), x), [N, N, N, 11 / 3, 14 / 3])


def test_correlation_values_zero_variance_and_nulls() -> None:
    x, y = [1, 2, 3, 4, 5], [2, 4, 6, 8, 11]
    # last window: x dev (-1, 0, 1), y mean 25/3, dev (-7/3, -1/3, 8/3): cov sum 5, var sums 2 and 114/9
    last = 5 / math.sqrt(2 * 114 / 9)
    assert close(series(ops.ts_corr(x_, y_, 3), x, y), [N, N, 1.0, 1.0, last])
    assert series(ops.ts_corr(x_, y_, 3), x, [6, 5, 4, 3, 2]) == [N, N, -1.0, -1.0, -1.0]
    flat = [5, 5, 5, 6, 7]  # window [2,3,4] vs [5,5,6]: cov sum 1, var sums 2 and 2/3 -> sqrt(3)/2
    assert close(series(ops.ts_corr(x_, y_, 3), x, flat), [N, N, N, math.sqrt(3) / 2, 1.0])  # 0 var: null
    assert close(series(ops.ts_corr(x_, y_, 3, zero_var="zero"), x, flat), [N, N, 0.0, math.sqrt(3) / 2, 1.0])
    assert series(ops.ts_corr(x_, y_, 2), [1, 2, N, 4, 5], y) == [N, 1.0, N, N, 1.0]


def test_covariance_ddof_and_exact_zero() -> None:
    # [1,2,3] vs [2,4,6]: deviation products 2 + 0 + 2 = 4
    assert series(ops.ts_cov(x_, y_, 3), [1, 2, 3], [2, 4, 6]) == [N, N, 2.0]
    assert close(series(ops.ts_cov(x_, y_, 3, ddof=0), [1, 2, 3], [2, 4, 6]), [N, N, 4 / 3])
    # a constant side gives exactly 0 (no float noise to break rank ties)
    assert series(ops.ts_cov(x_, y_, 3), [0.1, 0.7, 0.3, 0.9], [1 / 3] * 4) == [N, N, 0.0, 0.0]


def test_skew_and_kurtosis_are_bias_corrected() -> None:
    x = [1, 2, 3, 4, 10]  # mean 4, deviations -3 -2 -1 0 6
    n, m2, m3, m4 = 5, 50 / 5, 180 / 5, 1394 / 5
    g1, g2 = m3 / m2**1.5, m4 / m2**2 - 3
    skew = math.sqrt(n * (n - 1)) / (n - 2) * g1
    kurt = ((n + 1) * g2 + 6) * (n - 1) / ((n - 2) * (n - 3))
    assert close(series(ops.ts_skew(x_, 5), x), [N, N, N, N, skew], 1e-9)
    assert close(series(ops.ts_kurt(x_, 5), x), [N, N, N, N, kurt], 1e-9)


# One value off by d from four equal ones: mean c + d/5, deviations -d/5 (x4) and 4d/5, so m2 = 4d²/25,
# m3 = 12d³/125, m4 = 52d⁴/625; g1 = 1.5, g2 = 0.25; skew = √(5·4)/3 · 1.5 = √5 (sign of d), kurt =
# ((5+1)·0.25 + 6)·4/(3·2) = 5, whatever c and d.
ONE_OFF_SKEW, ONE_OFF_KURT = math.sqrt(5), 5.0


def test_skew_and_kurtosis_of_a_constant_window_are_null() -> None:
    """Zero variance is 0/0: null (never NaN or ±inf), also for a constant window after a varying one (the
    rolling sums must not leave noise that turns 0/0 into a huge value)."""
    assert series(ops.ts_skew(x_, 5), [3] * 6) == [N] * 6
    assert series(ops.ts_kurt(x_, 5), [3] * 6) == [N] * 6
    x = [1, 2, 3, 4, 10, 5, 5, 5, 5, 5, 5]  # windows ending at 8: [10, 5, 5, 5, 5]; at 9, 10: all 5
    assert close(series(ops.ts_skew(x_, 5), x)[8:], [ONE_OFF_SKEW, N, N], 1e-9)
    assert close(series(ops.ts_kurt(x_, 5), x)[8:], [ONE_OFF_KURT, N, N], 1e-9)


def test_skew_and_kurtosis_null_every_window_holding_a_null() -> None:
    """A null on day 2 nulls the windows ending on days 2..6; days 7..9 see 5 evenly spaced values: skew 0,
    deviations -2..2 give m2 = 2, m4 = 34/5, g2 = 6.8/4 - 3 = -1.3, kurt = (6·(-1.3) + 6)·4/6 = -1.2."""
    x = [1, 2, N, 4, 5, 6, 7, 8, 9, 10]
    assert close(series(ops.ts_skew(x_, 5), x), [N] * 7 + [0.0] * 3, 1e-12)
    assert close(series(ops.ts_kurt(x_, 5), x), [N] * 7 + [-1.2] * 3, 1e-12)


@pytest.mark.parametrize(("c", "d"), [(1.0, 1e-9), (1e6, 1e-3), (1e6, -1e-3), (5.0, 1e-6)])
def test_skew_and_kurtosis_of_a_near_constant_window(c: float, d: float) -> None:
    """A tiny spread on a large level keeps the scale-free values (√5 signed, 5), not cancellation noise; also
    after a varying stretch whose rolling sums are still in the window's history."""
    for x in ([c] * 4 + [c + d], [c + 3, c - 2, c + 7, c + 1, c - 4, c, c, c, c, c + d]):
        skew, kurt = series(ops.ts_skew(x_, 5), x)[-1], series(ops.ts_kurt(x_, 5), x)[-1]
        assert skew == pytest.approx(math.copysign(ONE_OFF_SKEW, d), rel=1e-6)
        assert kurt == pytest.approx(ONE_OFF_KURT, rel=1e-6)


def cross_section(op: X, values: list[float | None], groups: list[str] | None = None) -> list[float | None]:
    n = len(values)
    df = pl.DataFrame({
        "ts_code": [f"S{i}" for i in range(n)] * 2, "trade_date": [0] * n + [1] * n,
        "x": values + [1.0] * n, "g": (groups or ["a"] * n) * 2,
    }, schema_overrides={"x": pl.Float64})
    out = evaluate(df, {"v": op})
    return out.filter(pl.col("trade_date") == 0).sort("ts_code")["v"].to_list()


def test_rank_pct_and_unit_with_ties_and_nulls() -> None:
    v = [3.0, 1.0, 3.0, None]
    assert close(cross_section(ops.rank(x_), v), [2.5 / 3, 1 / 3, 2.5 / 3, N])
    assert cross_section(ops.rank(x_, method="unit"), v) == [0.75, 0.0, 0.75, N]
    assert cross_section(ops.rank(x_, method="unit"), [2.0, None]) == [0.5, N]
    assert cross_section(ops.rank(x_), [2.0, None]) == [1.0, N]


def test_rank_ties_values_equal_but_for_float_noise() -> None:
    # 0.1 + 0.2 vs 0.3 and 1 vs 1 + 1e-15: equal up to float noise, so tied; a real 1e-10 difference is not
    v = [0.1 + 0.2, 0.3, 1.0, 1.0 * (1 + 1e-15), -5.0, 0.3 * (1 - 1e-10)]
    assert v[0] != v[1] and v[2] != v[3]
    assert close(cross_section(ops.rank(x_), v), [3.5 / 6, 3.5 / 6, 5.5 / 6, 5.5 / 6, 1 / 6, 2 / 6])
    assert close(cross_section(ops.rank(x_, method="unit"), v), [0.5, 0.5, 0.9, 0.9, 0.0, 0.2])


def test_scale_per_date() -> None:
    assert cross_section(ops.scale(x_), [1.0, -3.0, None]) == [0.25, -0.75, N]
    assert cross_section(ops.scale(x_, 2.0), [1.0, -3.0, None]) == [0.5, -1.5, N]
    assert cross_section(ops.scale(x_), [0.0, 0.0]) == [N, N]


def test_ind_neutralize_demeans_within_group_and_date() -> None:
    v = [1.0, 3.0, 5.0, None, 11.0]
    assert cross_section(ops.ind_neutralize(x_, "g"), v, ["a", "a", "b", "b", "c"]) == [-1.0, 1.0, 0.0, N, 0.0]


def test_signed_power_log_sign_abs() -> None:
    assert cross_section(ops.signed_power(x_, 2), [-2.0, 3.0, 0.0]) == [-4.0, 9.0, 0.0]
    assert cross_section(ops.signed_power(x_, 0.5), [-4.0, 9.0]) == [-2.0, 3.0]
    assert cross_section(ops.log(x_), [math.e, 0.0, -1.0]) == [1.0, N, N]
    assert cross_section(ops.sign(x_), [-2.0, 0.0, 5.0]) == [-1.0, 0.0, 1.0]
    assert cross_section(ops.abs(x_), [-2.0, 0.0]) == [2.0, 0.0]


def test_alpha101_returns_and_adv() -> None:
    df = pl.DataFrame({"ts_code": ["A"] * 3, "trade_date": [0, 1, 2], "pct_chg": [0.01, -0.02, 0.03],
                       "amount": [10.0, 20.0, 60.0], "vol": [1.0, 2.0, 3.0]})
    out = evaluate(df, {"r": RET, "a": ops.adv(2), "v": ops.adv(2, "vol")})  # Alpha101's `returns` is RET
    assert out["r"].to_list() == [0.01, -0.02, 0.03]
    assert out["a"].to_list() == [N, 15.0, 40.0] and out["v"].to_list() == [N, 1.5, 2.5]


def test_bad_convention_names_raise() -> None:
    with pytest.raises(ValueError):
        ops.rank(x_, method="dense")
    with pytest.raises(ValueError):
        series(ops.ts_rank(x_, 3, method="bogus"), [1, 2, 3])  # type: ignore[arg-type]


def test_operators_compute_in_float64_whatever_the_input_dtype() -> None:
    """An integer input column (e.g. a volume stored as UInt32 or Int8) is cast before the arithmetic: a fall
    is a negative DELTA, not an unsigned wrap-around, and a window sum does not overflow the input's type."""
    df = pl.DataFrame({"ts_code": ["A"] * 4, "trade_date": [0, 1, 2, 3],
                       "v": pl.Series([5, 3, 8, 1], dtype=pl.UInt32),
                       "s": pl.Series([100, 100, 100, 1], dtype=pl.Int8)})
    out = evaluate(df, {"d": ops.delta(X.col("v"), 1), "t": ops.ts_sum(X.col("s"), 2)})
    assert out["d"].to_list() == [None, -2.0, 5.0, -7.0]
    assert out["t"].to_list() == [None, 200.0, 200.0, 101.0]


@pytest.mark.parametrize(("build", "named"), [
    (lambda: ops.ts_argmax(x_, 3, ties="middle"), "unknown ties rule 'middle'"),  # type: ignore[arg-type]
    (lambda: ops.ts_argmin(x_, 3, basis="end"), "unknown argmax basis 'end'"),  # type: ignore[arg-type]
    (lambda: ops.ts_corr(x_, y_, 3, zero_var="nan"), "unknown zero_var rule 'nan'"),  # type: ignore[arg-type]
])
def test_an_unknown_rule_of_a_rolling_operator_is_named(build, named: str) -> None:  # noqa: ANN001
    with pytest.raises(ValueError, match=named):
        build()
