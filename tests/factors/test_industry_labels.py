"""IndNeutralize with a missing industry label: a stock without a label (null, or NaN in a float column as pandas
writes an integer column with gaps) belongs to no industry, so its neutralised value is null. Before, polars
grouped the unlabelled stocks of a date together and demeaned them against each other (a bank against a
fertiliser maker on the real sample), a number that looked like any other."""

from __future__ import annotations

import math
from datetime import date

import polars as pl
import pytest

from aurumq_rl.factors import ops
from aurumq_rl.factors.engine import compute_factors
from aurumq_rl.factors.expr import X
from aurumq_rl.factors.registry import REGISTRY, FactorSpec, specs
from tests.factors.helpers import approx, day, x_


def test_a_null_label_is_in_no_group() -> None:
    # labelled group a = [1, 3] (mean 2); the two unlabelled stocks are unrelated, not a group of mean 20
    out = day(ops.ind_neutralize(x_, "g"), x=[1.0, 3.0, 10.0, 30.0], g=["a", "a", None, None])
    assert out == approx([-1.0, 1.0, None, None])


@pytest.mark.parametrize("level", ["industry_l2", "industry_l3", "industry_code"])
def test_the_engine_nulls_a_stock_without_a_label(level: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # four stocks on two dates; C and D have no label: NaN in a float column (pandas' integer column with gaps)
    closes = {"600000.SH": 1.0, "600001.SH": 3.0, "600002.SH": 10.0, "600003.SH": 30.0}
    labels = {"600000.SH": 480000.0, "600001.SH": 480000.0, "600002.SH": math.nan, "600003.SH": math.nan}
    days = [date(2024, 1, 2), date(2024, 1, 3)]
    df = pl.DataFrame({
        "ts_code": [c for c in closes for _ in days], "trade_date": days * len(closes),
        **{k: [v for v in closes.values() for _ in days] for k in ("open", "high", "low", "close")},
        "vol": 1e4, "amount": [v * 1e3 for v in closes.values() for _ in days], "pct_chg": 0.0,
        level: [v for v in labels.values() for _ in days],
    })
    specs()
    monkeypatch.setitem(REGISTRY, "tech_zz_neut", FactorSpec(
        name="tech_zz_neut", family="tech", formula="test", inputs=("close", level), lookback=0,
        quality="clean", build=lambda: ops.ind_neutralize(X.col("close"), level)))
    out, _ = compute_factors(df, only="tech_zz_neut", progress=False)
    got = out.filter(pl.col("trade_date") == days[1]).sort("ts_code")["tech_zz_neut"].to_list()
    assert got == approx([-1.0, 1.0, None, None])
