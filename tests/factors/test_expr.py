"""The staged-expression core: nesting of window kinds, temporaries, arithmetic, evaluate()."""

from __future__ import annotations

import math

import polars as pl
import pytest

from aurumq_rl.factors import expr as E
from aurumq_rl.factors import ops
from aurumq_rl.factors.expr import X, evaluate, maximum, minimum, temps_of, where

# Three stocks, four days. Cross-sectional pct ranks per date (r / 3):
#   d0: A=1 B=2 C=3 -> 1/3 2/3 1      d1: A=5 B=4 C=6 -> 2/3 1/3 1
#   d2: A=2 B=3 C=1 -> 2/3 1 1/3      d3: A=6 B=1 C=2 -> 1 1/3 2/3
CLOSES = {"A": [1.0, 5.0, 2.0, 6.0], "B": [2.0, 4.0, 3.0, 1.0], "C": [3.0, 6.0, 1.0, 2.0]}


def frame(shuffle: bool = False) -> pl.DataFrame:
    rows = [(code, d, c) for code, cs in CLOSES.items() for d, c in enumerate(cs)]
    if shuffle:
        rows = rows[::-1]
    return pl.DataFrame(rows, schema=["ts_code", "trade_date", "close"], orient="row")


def col(out: pl.DataFrame, name: str, code: str) -> list[float | None]:
    return out.filter(pl.col("ts_code") == code).sort("trade_date")[name].to_list()


def approx(values: list[float | None], expected: list[float | None]) -> bool:
    return len(values) == len(expected) and all(
        (a is None and b is None) or (a is not None and b is not None and math.isclose(a, b, abs_tol=1e-12))
        for a, b in zip(values, expected, strict=True)
    )


C = X.col("close")


def temporaries(factors: dict[str, X]) -> dict[str, int]:
    """The temporaries `evaluate` computes for `factors` (`temps_of`, as evaluate and the engine call it):
    temp name -> stage."""
    return {n: t.stage for n, t in temps_of([x.expr for x in factors.values()]).items()}


def test_ts_of_cs_is_staged_and_right_where_naive_nesting_is_wrong() -> None:
    out = evaluate(frame(), {"x": ops.ts_sum(ops.rank(C), 2)})
    assert approx(col(out, "x", "A"), [None, 1.0, 4 / 3, 5 / 3])
    assert approx(col(out, "x", "B"), [None, 1.0, 4 / 3, 4 / 3])
    assert approx(col(out, "x", "C"), [None, 2.0, 4 / 3, 1.0])
    # naive nesting: the inner rank is evaluated inside each stock's group, i.e. over its own dates
    naive = frame().sort("ts_code", "trade_date").with_columns(
        x=(pl.col("close").rank() / pl.col("close").count()).over("trade_date").rolling_sum(2).over("ts_code")
    )
    assert not approx(col(naive, "x", "A"), [None, 1.0, 4 / 3, 5 / 3])


def test_cs_of_ts_is_staged_and_right_where_naive_nesting_is_wrong() -> None:
    # ts_sum(close, 2): A = -, 6, 7, 8; B = -, 6, 7, 4; C = -, 9, 7, 3 -> ranks with ties averaged
    out = evaluate(frame(), {"x": ops.rank(ops.ts_sum(C, 2))})
    assert approx(col(out, "x", "A"), [None, 0.5, 2 / 3, 1.0])
    assert approx(col(out, "x", "B"), [None, 0.5, 2 / 3, 2 / 3])
    assert approx(col(out, "x", "C"), [None, 1.0, 2 / 3, 1 / 3])
    naive = frame().with_columns(x=pl.col("close").rolling_sum(2).over("ts_code").rank().over("trade_date"))
    assert naive["x"].null_count() == naive.height  # the rolling sum saw one row per date group


def test_cross_kind_nesting_is_materialised_even_without_same_kind_materialisation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(E, "MATERIALIZE_SAME_KIND", False)
    x = ops.ts_sum(ops.rank(C), 2)
    assert x.stage == 1 and len(temporaries({"x": x})) == 1
    same = ops.ts_mean(ops.ts_sum(C, 2), 2)  # ts in ts stays one expression
    assert same.stage == 0 and temporaries({"s": same}) == {}
    out = evaluate(frame(), {"x": x, "s": same})
    assert approx(col(out, "x", "C"), [None, 2.0, 4 / 3, 1.0])
    assert approx(col(out, "s", "A"), [None, None, 6.5, 7.5])


def test_identical_subexpressions_share_one_temporary() -> None:
    f1 = ops.ts_sum(ops.rank(C), 2)
    f2 = ops.ts_mean(ops.rank(C), 3)
    f3 = ops.ts_max(ops.rank(X.col("close")), 2)  # built again from scratch
    temps = temporaries({"f1": f1, "f2": f2, "f3": f3})
    assert len(temps) == 1 and list(temps.values()) == [1]


def test_stages_increase_along_alternating_nesting() -> None:
    x = ops.ts_sum(ops.rank(ops.ts_sum(C, 2)), 2)  # ts -> cs -> ts: two temporaries, stages 1 and 2
    assert sorted(temporaries({"x": x}).values()) == [1, 2]
    out = evaluate(frame(), {"x": x})
    # rank(ts_sum) from the test above: A = -, .5, 2/3, 1 -> sums of 2
    assert approx(col(out, "x", "A"), [None, None, 0.5 + 2 / 3, 2 / 3 + 1.0])


def test_evaluate_many_factors_sorted_typed_and_deterministic() -> None:
    factors = {"r": ops.rank(C), "d": ops.delta(C, 1), "t": ops.ts_sum(ops.rank(C), 2), "one": C * 0 + 1}
    a = evaluate(frame(shuffle=True), factors)
    b = evaluate(frame().lazy(), factors)
    assert a.columns == ["ts_code", "trade_date", "r", "d", "t", "one"]
    assert a.equals(b)
    assert a["ts_code"].to_list() == sorted(a["ts_code"].to_list())
    assert all(a.schema[c] == pl.Float64 for c in ("r", "d", "t", "one"))
    assert not any(c.startswith(E.TEMP_PREFIX) for c in a.columns)
    assert col(a, "d", "B") == [None, 2.0, -1.0, -2.0]


def test_evaluate_reports_missing_columns() -> None:
    with pytest.raises(KeyError, match="vol"):
        evaluate(frame(), {"x": ops.rank(X.col("vol"))})


def test_arithmetic_comparisons_and_nulls() -> None:
    df = pl.DataFrame({"ts_code": ["A"] * 4, "trade_date": [0, 1, 2, 3], "a": [2.0, 0.0, -1.0, None],
                       "b": [4.0, 0.0, 2.0, 1.0]})
    a, b = X.col("a"), X.col("b")
    out = evaluate(df, {
        "add": 1 + a * 2 - b / 2, "div": a / b, "rdiv": 1 / a, "pow": b ** 0.5, "rpow": 2 ** b, "neg": -a,
        "abs": abs(a), "lt": a < b, "ge": a >= 0, "eq": a == b, "ne": a != b, "and": (a > 0) & (b > 0),
        "or": (a > 0) | (b > 0), "inv": ~(a > 0), "where": where(a > 0, a, b), "max": maximum(a, b),
        "min": minimum(a, b), "log": E.log(a), "sign": E.sign(a),
    })
    r = out.to_dict(as_series=False)
    assert r["add"] == [3.0, 1.0, -2.0, None]
    assert r["div"] == [0.5, None, -0.5, None]  # 0 / 0 is null, not NaN
    assert r["rdiv"] == [0.5, None, -1.0, None]  # 1 / 0 is null, not inf
    assert r["pow"] == [2.0, 0.0, math.sqrt(2.0), 1.0]
    assert r["rpow"] == [16.0, 1.0, 4.0, 2.0]
    assert r["neg"] == [-2.0, -0.0, 1.0, None] and r["abs"] == [2.0, 0.0, 1.0, None]
    assert r["lt"] == [1.0, 0.0, 1.0, None] and r["ge"] == [1.0, 1.0, 0.0, None]
    assert r["eq"] == [0.0, 1.0, 0.0, None] and r["ne"] == [1.0, 0.0, 1.0, None]
    assert r["and"] == [1.0, 0.0, 0.0, None] and r["or"] == [1.0, 0.0, 1.0, 1.0]  # Kleene: null | true
    assert r["inv"] == [0.0, 1.0, 1.0, None]
    assert r["where"] == [2.0, 0.0, 2.0, None]  # a null condition gives null
    assert r["max"] == [4.0, 0.0, 2.0, None] and r["min"] == [2.0, 0.0, -1.0, None]
    assert r["log"] == [math.log(2.0), None, None, None]
    assert r["sign"] == [1.0, 0.0, -1.0, None]


def test_reflected_logic_unary_plus_and_bare_polars_operands() -> None:
    """A Python bool on the left of & / | (Kleene: False | null is null), +x, and a bare `pl.Expr` operand."""
    df = pl.DataFrame({"ts_code": ["A"] * 4, "trade_date": [0, 1, 2, 3], "a": [2.0, 0.0, -1.0, None],
                       "b": [4.0, 0.0, 2.0, 1.0]})
    a = X.col("a")
    out = evaluate(df, {"rand": True & (a > 0), "ror": False | (a > 0), "pos": +a, "bare": a + pl.col("b"),
                        "wrapped": E.wrap(pl.col("b")) * 2})
    r = out.to_dict(as_series=False)
    assert r["rand"] == [1.0, 0.0, 0.0, None] and r["ror"] == [1.0, 0.0, 0.0, None]
    assert r["pos"] == [2.0, 0.0, -1.0, None] and r["bare"] == [6.0, 0.0, 1.0, None]
    assert r["wrapped"] == [8.0, 0.0, 4.0, 2.0]


def test_an_x_names_unknown_window_kinds_and_shows_its_staging() -> None:
    with pytest.raises(ValueError, match=r"unknown window kinds .*'xs'"):
        X(pl.col("a"), kinds={"ts", "xs"})
    x = ops.ts_sum(X.col("a"), 3)
    assert repr(x).startswith(f"X(kinds=['ts'], stage={x.stage}, lookback={x.lookback}, expr=")


def test_a_plain_column_is_not_materialised_and_an_unknown_temporary_is_named() -> None:
    a = X.col("a")
    assert E.materialize(a) is a
    with pytest.raises(KeyError, match=f"unknown temporary {E.TEMP_PREFIX}nope"):
        temps_of([pl.col(f"{E.TEMP_PREFIX}nope") + 1])


def test_infinite_results_become_null() -> None:
    df = pl.DataFrame({"ts_code": ["A", "A"], "trade_date": [0, 1], "a": [1e308, 2.0]})
    out = evaluate(df, {"x": X.col("a") * 10})
    assert out["x"].to_list() == [None, 20.0]


def test_nan_input_is_read_as_null() -> None:
    df = pl.DataFrame({"ts_code": ["A"] * 3, "trade_date": [0, 1, 2], "a": [1.0, float("nan"), 3.0]})
    out = evaluate(df, {"x": ops.ts_sum(X.col("a"), 1), "y": ops.ts_sum(X.col("a"), 2)})
    assert out["x"].to_list() == [1.0, None, 3.0] and out["y"].to_list() == [None, None, None]


def test_x_has_no_truth_value_and_rejects_unknown_operands() -> None:
    with pytest.raises(TypeError):
        bool(C > 1)
    with pytest.raises(TypeError):
        C + "a"  # type: ignore[operator]


def test_lookback_adds_along_nesting_and_takes_the_max_across_operands() -> None:
    assert ops.ts_sum(C, 5).lookback == 4
    assert ops.delay(C, 3).lookback == 3
    assert ops.ts_mean(ops.delta(C, 2), 10).lookback == 11
    assert (ops.ts_sum(C, 5) + ops.delay(C, 7)).lookback == 7
    assert ops.rank(ops.ts_corr(ops.ts_sum(C, 3), C, 4)).lookback == 5
    assert where(C > 0, ops.delay(C, 9), C).lookback == 9


def test_a_constant_operand_of_a_windowed_operator_is_a_column_of_that_constant() -> None:
    # a literal reached the windows as one value: ts_sum(1, 2) and delay(1.0) were null on every row, rank(1.0)
    # was 1 (a cross section of one), and the compiled kernels (ts_rank / ts_corr / ts_cov) read and wrote past
    # that one value (heap corruption)
    out = evaluate(frame(), {
        "n": ops.ts_sum(1, 2), "lag": ops.delay(X.lit(1.0), 1), "tr": ops.ts_rank(2.0, 3),
        "cor": ops.ts_corr(C, 1.0, 3), "cov": ops.ts_cov(C, 1.0, 3), "r": ops.rank(1.0),
    })
    for code in CLOSES:
        assert col(out, "n", code) == [None, 2.0, 2.0, 2.0]
        assert col(out, "lag", code) == [None, 1.0, 1.0, 1.0]
        assert approx(col(out, "tr", code), [None, None, 2 / 3, 2 / 3])
        assert col(out, "cor", code) == [None] * 4  # a constant side: undefined
        assert col(out, "cov", code) == [None, None, 0.0, 0.0]
        assert approx(col(out, "r", code), [2 / 3] * 4)  # three stocks tied: average rank 2 of 3


def test_a_compiled_window_refuses_an_input_of_another_length_than_the_frame() -> None:
    """The kernels index every input by the frame's rows: a raw aggregate (one value) was read past its end."""
    with pytest.raises(Exception, match="give it a column per row, not an aggregate"):
        evaluate(frame(), {"tr": ops.ts_rank(X(pl.col("close").sum()), 3)})
