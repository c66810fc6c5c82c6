"""Time-series operators against straightforward per-stock Python references, row by row.

`ts_rank`, `ts_corr`, `ts_cov`, `delay`/`delta`, `ts_argmax`/`ts_argmin`, `decay_linear`, `ts_product` and
GTJA's `wma` on a small
shuffled panel with ties, suspended days (nulls), stocks shorter than the window and NaN from an expression;
the reference loops over each stock's own series. Also: `evaluate` skips its sort on a presorted frame
(`is_sorted_panel`) with the same result. Guards any faster reimplementation of these operators.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import polars as pl
import pytest

from aurumq_rl.factors import gtja_ops as g
from aurumq_rl.factors import ops
from aurumq_rl.factors.expr import X, evaluate, is_sorted_panel

Val = float | None
LENGTHS = {"A": 1, "B": 5, "C": 12, "D": 40, "E": 3}


def _panel() -> pl.DataFrame:
    rng = np.random.default_rng(7)
    rows = []
    for code, n in LENGTHS.items():
        for t in range(n):
            v = float(rng.integers(-2, 4))  # small integers: many ties, some non-positive (sqrt -> NaN)
            rows.append((code, t, None if rng.random() < 0.08 else v))
    df = pl.DataFrame(rows, schema={"ts_code": pl.String, "trade_date": pl.Int64, "x": pl.Float64}, orient="row")
    return df.sample(fraction=1.0, shuffle=True, seed=3)


PANEL = _panel()


def _series() -> dict[str, list[Val]]:
    s = PANEL.sort("ts_code", "trade_date")
    return {c: s.filter(pl.col("ts_code") == c)["x"].to_list() for c in LENGTHS}


def _check(op: X, ref: Callable[[list[Val]], list[Val]], tol: float = 1e-12) -> None:
    out = evaluate(PANEL, {"v": op}).sort("ts_code", "trade_date")
    for code, xs in _series().items():
        got = out.filter(pl.col("ts_code") == code)["v"].to_list()
        want = ref(xs)
        assert len(got) == len(want)
        for i, (a, b) in enumerate(zip(got, want, strict=True)):
            if b is None or (isinstance(b, float) and math.isnan(b)):
                assert a is None, (code, i, a, b)
            else:
                assert a is not None and math.isclose(a, b, rel_tol=tol, abs_tol=tol), (code, i, a, b)


def _windows(xs: list[Val], n: int) -> list[list[Val] | None]:
    """Each row's window of n values (oldest first), None when short or holding a null."""
    out: list[list[Val] | None] = []
    for i in range(len(xs)):
        w = xs[i - n + 1:i + 1] if i >= n - 1 else None
        out.append(None if w is None or any(v is None for v in w) else w)
    return out


def _rank_ref(w: list[float]) -> float:
    t = w[-1]
    return sum(v < t for v in w) + (sum(v == t for v in w) + 1) / 2


@pytest.mark.parametrize("n", [1, 2, 3, 7])
@pytest.mark.parametrize("method", ["pct", "raw", "unit"])
def test_ts_rank_matches_per_stock_loop(n: int, method: str) -> None:
    def ref(xs: list[Val]) -> list[Val]:
        out: list[Val] = []
        for w in _windows(xs, n):
            if w is None:
                out.append(None)
                continue
            r = _rank_ref(w)  # type: ignore[arg-type]
            out.append(r / n if method == "pct" else r if method == "raw" else (r - 1) / (n - 1) if n > 1 else 0.5)
        return out

    _check(ops.ts_rank(X.col("x"), n, method=method), ref)  # type: ignore[arg-type]


def test_ts_rank_of_an_expression_with_nan() -> None:
    e = X.col("x").map(lambda c: c.sqrt())  # NaN on negative values, computed inline (not materialised)

    def ref(xs: list[Val]) -> list[Val]:
        # NaN counts as missing (the module convention): a window holding one is null
        key = [None if v is None or v < 0 else math.sqrt(v) for v in xs]
        return [None if w is None else _rank_ref(w) for w in _windows(key, 3)]  # type: ignore[arg-type]

    _check(ops.ts_rank(e, 3, method="raw"), ref)


@pytest.mark.parametrize("n", [1, 2, 4])
def test_delay_and_delta_match_per_stock_loop(n: int) -> None:
    def shifted(xs: list[Val]) -> list[Val]:
        return [xs[i - n] if i >= n else None for i in range(len(xs))]

    _check(ops.delay(X.col("x"), n), shifted)
    _check(ops.delta(X.col("x"), n), lambda xs: [
        None if v is None or p is None else v - p for v, p in zip(xs, shifted(xs), strict=True)])


@pytest.mark.parametrize("use_max", [True, False])
@pytest.mark.parametrize("ties", ["earliest", "latest"])
@pytest.mark.parametrize("basis", ["since", "start"])
def test_arg_extremes_match_per_stock_loop(use_max: bool, ties: str, basis: str) -> None:
    n = 4

    def ref(xs: list[Val]) -> list[Val]:
        out: list[Val] = []
        for w in _windows(xs, n):
            if w is None:
                out.append(None)
                continue
            best = max(w) if use_max else min(w)  # type: ignore[type-var]
            idx = [k for k, v in enumerate(w) if v == best]
            pos = idx[0] if ties == "earliest" else idx[-1]
            since = n - 1 - pos
            out.append(float(since if basis == "since" else n - since))
        return out

    fn = ops.ts_argmax if use_max else ops.ts_argmin
    _check(fn(X.col("x"), n, ties=ties, basis=basis), ref)  # type: ignore[arg-type]


@pytest.mark.parametrize("n", [1, 3, 6])
def test_decay_linear_product_and_wma_match_per_stock_loop(n: int) -> None:
    lin = [float(k) for k in range(1, n + 1)]
    dec = [0.9 ** (n - 1 - k) for k in range(n)]

    def weighted(weights: list[float]) -> Callable[[list[Val]], list[Val]]:
        tot = sum(weights)
        return lambda xs: [None if w is None else sum(a * b for a, b in zip(w, weights, strict=True)) / tot
                           for w in _windows(xs, n)]  # type: ignore[misc]

    _check(ops.decay_linear(X.col("x"), n), weighted(lin))
    _check(g.wma(X.col("x"), n), weighted(dec))
    _check(ops.ts_product(X.col("x"), n), lambda xs: [
        None if w is None else math.prod(w) for w in _windows(xs, n)])  # type: ignore[arg-type]


def test_ts_operators_of_a_cross_sectional_input() -> None:
    # ts_rank / delay of a rank: the rank is materialised first and computed across stocks per date
    r = ops.rank(X.col("x"))
    out = evaluate(PANEL, {"r": r, "d": ops.delay(r, 1), "t": ops.ts_rank(r, 2, method="raw")})
    out = out.sort("ts_code", "trade_date")
    d = out.with_columns(pl.col("r").shift(1).over("ts_code").alias("d_ref"))
    assert d["d"].to_list() == d["d_ref"].to_list()
    t_ref = out.with_columns(
        pl.when(pl.col("r").is_null() | pl.col("r").shift(1).over("ts_code").is_null()).then(None)
        .when(pl.col("r") > pl.col("r").shift(1).over("ts_code")).then(2.0)
        .when(pl.col("r") == pl.col("r").shift(1).over("ts_code")).then(1.5).otherwise(1.0).alias("t_ref"))
    assert t_ref["t"].to_list() == t_ref["t_ref"].to_list()


def test_is_sorted_panel_and_evaluate_on_presorted_frame() -> None:
    d = pl.DataFrame({"ts_code": ["A", "A", "B"], "trade_date": [1, 2, 1], "x": [1.0, 2.0, 3.0]})
    assert is_sorted_panel(d) and not is_sorted_panel(d.reverse())
    assert not is_sorted_panel(pl.DataFrame({"ts_code": ["A", "A"], "trade_date": [1, 1]}))  # duplicate key
    assert not is_sorted_panel(pl.DataFrame({"ts_code": ["A", "A"], "trade_date": [1, None]}))
    # a sorted frame skips the sort; the result equals the one from the shuffled frame
    a = evaluate(PANEL, {"v": ops.delta(X.col("x"), 1)})
    b = evaluate(PANEL.sort("ts_code", "trade_date"), {"v": ops.delta(X.col("x"), 1)})
    assert a.equals(b)


# Second input of the two-input kernels: x scaled per stock (1e9 apart, so a window mixing stocks would show)
# plus a date pattern (so y is not a multiple of x).
SCALE = {"A": 1.0, "B": 1e9, "C": 1e-3, "D": 1.0, "E": 7.0}
Y_EXPR = X(pl.col("x") * pl.col("ts_code").replace_strict(SCALE, return_dtype=pl.Float64)
           + pl.col("trade_date").cast(pl.Float64) % 3)


def _check_pairs(op: X, n: int, ref: Callable[[np.ndarray, np.ndarray], Val], code_tol: Callable[[str], float]
                 ) -> list[tuple[Val, Val]]:
    """`op(x, Y_EXPR)` against `ref(window of x, window of y)` per stock (None where a window is short or holds
    a null); returns the (got, want) pairs."""
    out = evaluate(PANEL, {"v": op}).sort("ts_code", "trade_date")
    pairs: list[tuple[Val, Val]] = []
    for code, xs in _series().items():
        ys = [None if v is None else v * SCALE[code] + t % 3 for t, v in enumerate(xs)]
        got = out.filter(pl.col("ts_code") == code)["v"].to_list()
        for i, a in enumerate(got):
            wx, wy = xs[max(0, i - n + 1):i + 1], ys[max(0, i - n + 1):i + 1]
            full = i >= n - 1 and all(v is not None for v in wx + wy)
            b = ref(np.array(wx, float), np.array(wy, float)) if full else None
            assert (a is None) == (b is None), (code, i, a, b)
            tol = code_tol(code)
            assert a is None or math.isclose(a, b, rel_tol=1e-9, abs_tol=tol), (code, i, a, b)
            pairs.append((a, b))
    return pairs


@pytest.mark.parametrize("n", [2, 3, 5])
@pytest.mark.parametrize("zero_var", ["null", "zero"])
def test_ts_corr_kernel_matches_per_stock_loop(n: int, zero_var: str) -> None:
    """The compiled correlation kernel against a per-stock loop: nulls in either input void the window, a flat
    side (small integers: many constant windows) gives null or 0, stocks never mix."""
    def ref(a: np.ndarray, b: np.ndarray) -> Val:
        flat = a.std() <= 1e-9 * np.abs(a).max() or b.std() <= 1e-9 * np.abs(b).max()
        return (0.0 if zero_var == "zero" else None) if flat else float(np.corrcoef(a, b)[0, 1])

    _check_pairs(ops.ts_corr(X.col("x"), Y_EXPR, n, zero_var=zero_var), n, ref,  # type: ignore[arg-type]
                 lambda code: 1e-9)


@pytest.mark.parametrize("n", [2, 3, 5])
def test_ts_cov_kernel_matches_per_stock_loop(n: int) -> None:
    """The compiled covariance kernel against a per-stock loop (ddof = 1): nulls in either input void the
    window, a side constant over the window gives exactly 0 (not float noise), stocks never mix."""
    def ref(a: np.ndarray, b: np.ndarray) -> Val:
        constant = a.min() == a.max() or b.min() == b.max()
        return 0.0 if constant else float(np.cov(a, b, ddof=1)[0, 1])

    pairs = _check_pairs(ops.ts_cov(X.col("x") * 0.1, Y_EXPR, n), n,  # x * 0.1: means are not exact
                         lambda a, b: ref(a * 0.1, b), lambda code: 1e-12 * SCALE[code])
    zeros = [a for a, b in pairs if b == 0.0]
    assert all(a == 0.0 for a in zeros)  # exactly, not noise
    if n <= 3:  # short windows of small integers hold constant runs: the case is exercised
        assert zeros
