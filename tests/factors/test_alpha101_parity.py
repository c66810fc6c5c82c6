"""Alpha101 against the reference implementations (tests/factors/parity.py), registry metadata, no look-ahead."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from aurumq_rl.factors.alpha101 import SPECS
from aurumq_rl.factors.alpha101_formulas import FORMULAS
from aurumq_rl.factors.expr import evaluate, required_columns
from aurumq_rl.factors.registry import KNOWN_INPUTS, specs
from tests.factors import parity

NAMES = [f"alpha_{n:03d}" for n in range(1, 102)]
MIN_MATCHED = 90


@pytest.fixture(scope="module")
def table() -> dict[str, parity.ParityRow]:
    return {r.name: r for r in parity.parity_table("alpha101")}


def test_all_101_registered_with_their_formula() -> None:
    assert [s.name for s in specs("alpha101")] == NAMES
    for n, name in enumerate(NAMES, start=1):
        s = SPECS[name]
        assert s.formula == FORMULAS[n] and s.build is not None and s.family == "alpha101"


@pytest.mark.parametrize("name", NAMES)
def test_declared_reference_matches(name: str, table: dict[str, parity.ParityRow]) -> None:
    spec, row = SPECS[name], table[name]
    if spec.reference is None:
        assert spec.quality == "best-effort" and spec.reason, f"{name}: no reference needs a reason"
        assert row.matched() == [], f"{name} matches {row.matched()}: declare it"
    else:
        assert spec.quality == "clean"
        c = row.results[spec.reference]
        assert c.matches(), f"{name} vs {spec.reference}: {c}"


def test_at_least_90_alphas_match(table: dict[str, parity.ParityRow]) -> None:
    matched = [n for n, r in table.items() if r.matched()]
    assert len(matched) >= MIN_MATCHED, f"{len(matched)} of 101 match"
    assert len(matched) == sum(1 for s in SPECS.values() if s.reference is not None)


@pytest.mark.parametrize("name", NAMES)
def test_inputs_and_lookback_are_those_of_the_expression(name: str) -> None:
    spec = SPECS[name]
    x = spec.build()  # type: ignore[misc]
    assert set(spec.inputs) == required_columns({name: x}) - {"ts_code", "trade_date"}
    assert set(spec.inputs) <= set(KNOWN_INPUTS)
    assert spec.lookback == x.lookback


def test_no_look_ahead() -> None:
    """Perturbing every input after date t leaves every alpha's values at dates <= t unchanged."""
    p = parity.panel()
    codes = p["ts_code"].unique().sort()[:20].to_list()
    p = p.filter(pl.col("ts_code").is_in(codes))
    dates = p["trade_date"].unique().sort()
    t = dates[330]
    rng = np.random.default_rng(7)
    later = pl.col("trade_date") > t
    noise = pl.Series(rng.uniform(0.5, 1.5, p.height))
    changed = p.with_columns(
        [pl.when(later).then(pl.col(c) * noise).otherwise(pl.col(c)).alias(c)
         for c in ("open", "high", "low", "close", "vwap", "vol", "amount", "pct_chg", "cap")]
        + [pl.when(later).then((pl.col(c) + 1) % 3).otherwise(pl.col(c)).alias(c)
           for c in ("industry_code", "industry_l2", "industry_l3")]
    )
    factors = {n: SPECS[n].build() for n in NAMES}  # type: ignore[misc]
    a = evaluate(p, factors).filter(pl.col("trade_date") <= t)
    b = evaluate(changed, factors).filter(pl.col("trade_date") <= t)
    assert a.height == b.height > 0
    for n in NAMES:
        x, y = a[n].to_numpy(), b[n].to_numpy()
        assert np.array_equal(np.isnan(x), np.isnan(y)), n
        ok = ~np.isnan(x)
        assert np.allclose(x[ok], y[ok], rtol=1e-9, atol=1e-12), n
    # the perturbation is real: values after t changed
    after_a = evaluate(p, {"a": factors["alpha_101"]}).filter(later)["a"]
    after_b = evaluate(changed, {"a": factors["alpha_101"]}).filter(later)["a"]
    assert not after_a.equals(after_b)
