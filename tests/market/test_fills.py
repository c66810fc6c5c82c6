"""The drift and the fill rule on hand-derived books, the same numbers for numpy and torch (the env's and the
backtest's arrays).

Weights are dyadic fractions, so every figure below is exact in float32 and float64 alike.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import numpy as np
import pytest

from aurumq_rl.market.fills import book_return, drift, fill, trade_costs

BUY, SELL = 0.0015, 0.0025  # per-side rates: distinct, so a cost charged to the wrong side shows
T, F = True, False


def _as(kind: str, *arrays: Any) -> list[Any]:
    """The arrays as numpy float64 / bool, or torch tensors (float32, as the env trains with)."""
    if kind == "numpy":
        return [np.asarray(a) for a in arrays]
    torch = pytest.importorskip("torch")
    return [torch.as_tensor(np.asarray(a, dtype=np.float32) if np.asarray(a).dtype.kind == "f" else np.asarray(a))
            for a in arrays]


def _np(x: Any) -> np.ndarray:
    return x.numpy() if hasattr(x, "numpy") else np.asarray(x)


def _check(kind: str, target: list, current: list, buy_ok: list, sell_ok: list, want: list, buys: float,
           sells: float) -> None:
    t, c, b, s = _as(kind, target, current, buy_ok, sell_ok)
    out = fill(t, c, b, s, BUY, SELL)
    assert type(out.weights) is type(c)  # no conversion: the env stays on its device, the backtest in numpy
    np.testing.assert_array_equal(_np(out.weights), np.array(want, dtype=_np(c).dtype))
    assert float(out.buy_turnover) == buys and float(out.sell_turnover) == sells
    assert float(out.cost) == pytest.approx(buys * BUY + sells * SELL, rel=1e-6)


@pytest.mark.parametrize("kind", ["numpy", "torch"])
def test_a_buy_blocked_at_limit_up_keeps_the_current_weight(kind: str) -> None:
    # stock 1 (held 1/8) and stock 2 (not held) are limit-up: no purchase, they keep 1/8 and 0; stock 4 is
    # limit-up too but is cut: a limit-up does not block a sale. Budget 1 − 1/8 covers the free 1/2: no scaling.
    _check(kind, target=[0.25, 0.25, 0.25, 0.25, 0.0], current=[0.25, 0.125, 0.0, 0.0, 0.5],
           buy_ok=[T, F, F, T, F], sell_ok=[T] * 5,
           want=[0.25, 0.125, 0.0, 0.25, 0.0], buys=0.25, sells=0.5)


@pytest.mark.parametrize("kind", ["numpy", "torch"])
def test_a_sale_blocked_at_limit_down_is_deferred_and_the_budget_left_is_scaled(kind: str) -> None:
    # stock 0 (1/2) is limit-down: its exit is deferred, it keeps 1/2. The free targets 1/2 + 1/2 share the
    # budget 1 − 1/2: scale 1/2, so stock 1 stays at 1/4 (no trade), stock 3 gets 1/4, stock 2 is sold.
    _check(kind, target=[0.0, 0.5, 0.0, 0.5], current=[0.5, 0.25, 0.25, 0.0],
           buy_ok=[T] * 4, sell_ok=[F, T, T, T],
           want=[0.5, 0.25, 0.0, 0.25], buys=0.25, sells=0.25)


@pytest.mark.parametrize("kind", ["numpy", "torch"])
def test_limit_down_blocks_only_sales(kind: str) -> None:
    # stock 0 is limit-down but its weight rises: bought; nothing frozen, the target fills as is.
    _check(kind, target=[0.5, 0.0, 0.5], current=[0.25, 0.25, 0.0], buy_ok=[T] * 3, sell_ok=[F, T, T],
           want=[0.5, 0.0, 0.5], buys=0.75, sells=0.25)


@pytest.mark.parametrize("kind", ["numpy", "torch"])
def test_no_budget_left_keeps_the_buys_in_cash(kind: str) -> None:
    # both held names are frozen (a deferred sale, a blocked top-up): they fill the book, the new name gets
    # nothing (budget 0, no division by zero) and nothing trades
    _check(kind, target=[0.0, 0.5, 0.5], current=[0.75, 0.25, 0.0], buy_ok=[T, F, T], sell_ok=[F, T, T],
           want=[0.75, 0.25, 0.0], buys=0.0, sells=0.0)


@pytest.mark.parametrize("kind", ["numpy", "torch"])
def test_rows_fill_independently_with_their_own_rates(kind: str) -> None:
    # the env's batch: [E, N] books and [E] rates; each row as if alone
    target = [[0.0, 0.5, 0.0, 0.5], [0.0, 0.5, 0.0, 0.5]]
    current = [[0.5, 0.25, 0.25, 0.0], [0.5, 0.25, 0.25, 0.0]]
    sell_ok = [[F, T, T, T], [T, T, T, T]]
    t, c, b, s, br, sr = _as(kind, target, current, np.ones((2, 4), bool), sell_ok, [0.001, 0.002], [0.003, 0.004])
    out = fill(t, c, b, s, br, sr)
    np.testing.assert_array_equal(_np(out.weights), np.array([[0.5, 0.25, 0.0, 0.25], [0.0, 0.5, 0.0, 0.5]],
                                                             dtype=_np(c).dtype))
    np.testing.assert_array_equal(_np(out.buy_turnover), np.array([0.25, 0.75], dtype=_np(c).dtype))
    np.testing.assert_array_equal(_np(out.sell_turnover), np.array([0.25, 0.75], dtype=_np(c).dtype))
    np.testing.assert_allclose(_np(out.cost), [0.25 * 0.001 + 0.25 * 0.003, 0.75 * 0.002 + 0.75 * 0.004],
                               rtol=1e-6)


@pytest.mark.parametrize("kind", ["numpy", "torch"])
def test_trade_costs_per_side(kind: str) -> None:
    c, new = _as(kind, [0.5, 0.25, 0.0], [0.0, 0.5, 0.25])
    cost, buys, sells = trade_costs(c, new, BUY, SELL)
    assert (float(buys), float(sells)) == (0.5, 0.5)
    assert float(cost) == pytest.approx(0.5 * BUY + 0.5 * SELL, rel=1e-6)


@pytest.mark.parametrize("kind", ["numpy", "torch"])
def test_drift_grows_each_position_with_its_return_over_the_book_nav(kind: str) -> None:
    # 1/2 in a stock up 50%, 1/4 in one down 50%, 1/4 cash: the book earns 1/4 − 1/8 = 1/8, NAV 9/8; the
    # positions become 3/4 and 1/8 of 9/8 → 2/3 and 1/9, cash 2/9 (rows of a batch drift independently)
    w, r = _as(kind, [[0.5, 0.25, 0.0], [0.0, 0.0, 0.0]], [[0.5, -0.5, 0.25], [0.5, -0.5, 0.25]])
    out = drift(w, r)
    assert type(out.weights) is type(w)
    np.testing.assert_array_equal(_np(out.gross), np.array([0.125, 0.0], dtype=_np(w).dtype))
    np.testing.assert_allclose(_np(out.weights), [[2 / 3, 1 / 9, 0.0], [0.0, 0.0, 0.0]], rtol=1e-6)
    np.testing.assert_array_equal(_np(book_return(w, r)), _np(out.gross))


def test_numpy_drift_is_the_backtest_dot_product_bit_for_bit() -> None:
    # the backtest's figures (one float64 book) are `w @ r`, batched rows each the same as alone
    rng = np.random.default_rng(0)
    for n in (1, 7, 300, 5000):
        w = rng.dirichlet(np.ones(n), size=3) * (rng.random((3, n)) < 0.3)
        r = rng.normal(0, 0.03, (3, n))
        batch = drift(w, r)
        for i in range(3):
            g = w[i] @ r[i]
            one = drift(w[i], r[i])
            assert one.gross == g and batch.gross[i] == g
            np.testing.assert_array_equal(one.weights, w[i] * (1 + r[i]) / (1 + g))
            np.testing.assert_array_equal(batch.weights[i], one.weights)


def test_numpy_fill_needs_no_torch() -> None:
    code = ("import sys; sys.modules['torch'] = None\n"  # as if torch were not installed
            "import numpy as np, aurumq_rl.market.fills as f, aurumq_rl.eval.backtest\n"
            "out = f.fill(np.array([0.0, 1.0]), np.array([1.0, 0.0]), np.array([True, True]),"
            " np.array([False, True]), 0.001, 0.002)\n"
            "print(out.weights.tolist(), f.drift(out.weights, np.array([0.5, 0.0])).weights.tolist())")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "[1.0, 0.0] [1.0, 0.0]"


@pytest.mark.parametrize("kind", ["numpy", "torch"])
def test_scaling_never_sells_a_stock_that_cannot_be_sold(kind: str) -> None:
    # stocks 0 and 1 are limit-down. Stock 0 is cut (target 0 < 1/2): frozen at 1/2. Stock 1 is targeted above
    # its 1/4, so it is free, and scaling the free 1 into the budget 1/2 would give it 0.3 × 1/2 = 0.15 < 1/4:
    # a sale on a day it cannot be sold. It is frozen at 1/4 too, and stock 2 gets what is left, 1/4.
    _check(kind, target=[0.0, 0.3, 0.7], current=[0.5, 0.25, 0.0], buy_ok=[T, T, T], sell_ok=[F, F, T],
           want=[0.5, 0.25, 0.25], buys=0.25, sells=0.0)


@pytest.mark.parametrize("kind", ["numpy", "torch"])
def test_a_suspended_stock_kept_at_its_weight_is_not_scaled_down(kind: str) -> None:
    # stock 0 is suspended (no buy, no sale) and targeted at its own 1/4, so it starts free; stock 1 cannot be
    # sold and keeps 1/2; the free targets (1/4 + 1/2) get the budget 1/2 — scaling stock 0 to 1/6 would sell
    # it, so it stays at 1/4 and stock 2 gets the last 1/4
    _check(kind, target=[0.25, 0.0, 0.5], current=[0.25, 0.5, 0.0], buy_ok=[F, T, T], sell_ok=[F, F, T],
           want=[0.25, 0.5, 0.25], buys=0.25, sells=0.0)
    # batched: the second row needs no second round and is filled as it would be alone
    t, c, b, sl = _as(kind, [[0.25, 0.0, 0.5], [0.25, 0.25, 0.5]], [[0.25, 0.5, 0.0], [0.25, 0.25, 0.0]],
                      [[F, T, T], [F, T, T]], [[F, F, T], [F, T, T]])
    np.testing.assert_array_equal(_np(fill(t, c, b, sl, BUY, SELL).weights),
                                  np.array([[0.25, 0.5, 0.25], [0.25, 0.25, 0.5]], dtype=_np(c).dtype))


def test_the_accelerator_path_freezes_what_the_rounds_freeze() -> None:
    """On an accelerator `fill` freezes the unsellable stocks scaling would cut in closed form (a sort, no host
    sync); CI has no accelerator, so the closed form is checked here against the host's rounds on random
    budget-bound books (many needing one round, some several) and on the hand case above."""
    torch = pytest.importorskip("torch")
    from aurumq_rl.market.fills import _freeze_unsellable_sorted, _scaled

    rng = np.random.default_rng(1)
    rounds = []
    for _ in range(500):
        n = int(rng.integers(3, 15))
        c = torch.as_tensor(rng.dirichlet(np.ones(n), size=4) * rng.uniform(0.7, 1.0, (4, 1)))
        t = torch.as_tensor(rng.dirichlet(np.ones(n) * 0.5, size=4))
        b, s = torch.as_tensor(rng.random((4, n)) > 0.2), torch.as_tensor(rng.random((4, n)) > 0.7)
        frozen = ((t > c) & ~b) | ((t < c) & ~s)
        want, k = frozen.clone(), 0
        while bool((forced := ~want & ~s & (_scaled(t, c, want) < c)).any()):
            want, k = want | forced, k + 1
        rounds.append(k)
        assert torch.equal(_freeze_unsellable_sorted(t, c, s, frozen), want)
    assert sum(k > 0 for k in rounds) > 100 and sum(k > 1 for k in rounds) > 10
    t, c = torch.tensor([[0.0, 0.3, 0.7]]), torch.tensor([[0.5, 0.25, 0.0]])
    s = torch.tensor([[F, F, T]])
    got = _freeze_unsellable_sorted(t, c, s, (t < c) & ~s)
    assert got.tolist() == [[True, True, False]]
