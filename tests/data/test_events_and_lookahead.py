"""Exp-decay event encoding and the loader's no-look-ahead property."""

from __future__ import annotations

import math

import numpy as np
import polars as pl

from aurumq_rl.data.events import exp_decay
from aurumq_rl.data.loader import load_panel
from aurumq_rl.data.synth import generate, preset


def test_exp_decay_values_causal_per_stock() -> None:
    df = pl.DataFrame({"ts_code": ["a"] * 5 + ["b"] * 3, "trade_date": list(range(5)) + list(range(3)),
                       "flag": [0, 1, 0, 0, 1, 1, 0, None]})
    out = df.with_columns(exp_decay("flag", tau=10).alias("e"))["e"].to_list()
    expected = [0.0, 1.0, math.exp(-0.1), math.exp(-0.2), 1.0, 1.0, math.exp(-0.1), math.exp(-0.2)]
    np.testing.assert_allclose(out, expected, rtol=1e-12)


def test_perturbing_the_future_changes_nothing_at_or_before_t() -> None:
    df, _ = generate(preset("small", seed=3))
    dates = df["trade_date"].unique().sort()
    cut = dates[250]
    rng = np.random.default_rng(0)
    future = pl.col("trade_date") > cut
    noisy = {c: pl.when(future).then(pl.col(c) * pl.lit(rng.normal(1, 0.5, df.height))).otherwise(pl.col(c))
             for c in df.columns if c.startswith(("alpha_", "gtja_", "mf_", "tech_", "hk_", "mkt_"))}
    pert = df.with_columns(
        **noisy,
        # clipped above -1: a listing day's +100% turned into a fall of 100% or more is refused (a close of 0)
        pct_chg=pl.when(future).then((pl.col("pct_chg") * -1.5).clip(-0.9)).otherwise(pl.col("pct_chg")),
        name=pl.when(future).then(pl.lit("ST") + pl.col("name")).otherwise(pl.col("name")),
        vol=pl.when(future).then(pl.col("vol") * 3).otherwise(pl.col("vol")),
    )
    a = load_panel(df.lazy(), universe="main_board_non_st")
    b = load_panel(pert.lazy(), universe="main_board_non_st")
    t = int(np.searchsorted(a.dates, np.datetime64(cut))) + 1
    common, ia, ib = np.intersect1d(a.codes, b.codes, return_indices=True)
    assert len(common) > 100
    for field in ("factors", "factor_missing", "in_universe", "can_buy", "can_sell", "tradeable", "pct_chg"):
        x, y = getattr(a, field)[:t][:, ia], getattr(b, field)[:t][:, ib]
        assert np.array_equal(x, y), field
    # the future did change
    assert not np.array_equal(a.factors[t:][:, ia], b.factors[t:][:, ib])
