"""Exp-decay event encoding and the loader's no-look-ahead property."""

from __future__ import annotations

import math
import warnings

import numpy as np
import polars as pl
import pytest

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


def _listing_variant(df: pl.DataFrame, variant: str) -> pl.DataFrame:
    """The synthetic frame with its listing age given as `list_date`, as `days_since_ipo` (0 on a stock's first
    bar), or not at all (the first-bar fallback), and a stepwise `adj_factor` for returns='adj_close'."""
    row = pl.int_range(pl.len()).over("ts_code", order_by="trade_date")
    df = df.with_columns((1 + (row // 97) * 0.05).alias("adj_factor"))
    if variant == "days_since_ipo":
        return df.with_columns(row.alias("days_since_ipo")).drop("list_date")
    return df.drop("list_date") if variant == "no_listing" else df


@pytest.mark.parametrize(("variant", "universe", "normalize", "returns"), [
    ("days_since_ipo", "all_non_st", "rank", "adj_close"), ("no_listing", "zz500", "zscore", "adj_close"),
    ("list_date", "hs300", "raw", "pct_chg")])
def test_every_panel_field_at_t_equals_the_load_of_the_data_cut_after_t(variant: str, universe: str,
                                                                        normalize: str, returns: str) -> None:
    """Truncation on the paths the real-data check does not take: listing age from days_since_ipo or from the
    first bar (IPOs inside the data, new-listing limits and protection), adj_close returns, the zz500 universe."""
    df = _listing_variant(generate(preset("small", seed=3))[0], variant)
    cut = df["trade_date"].unique().sort()[250]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # first-bar listing fallback, market-wide columns
        full = load_panel(df.lazy(), universe=universe, normalize=normalize, returns=returns)
        part = load_panel(df.filter(pl.col("trade_date") <= cut).lazy(), universe=universe, normalize=normalize,
                          returns=returns)
    t = len(part.dates)
    assert np.array_equal(full.dates[:t], part.dates)
    common, a, b = np.intersect1d(full.codes, part.codes, return_indices=True)
    assert len(common) == len(part.codes) > 30
    per_date = ("factors", "factor_missing_bits", "pct_chg", "present", "in_universe", "tradeable", "can_buy",
                "can_sell", "is_limit_up", "is_limit_down")
    for name in per_date:
        assert np.array_equal(getattr(full, name)[:t][:, a], getattr(part, name)[:, b]), name
    assert full.industry is not None and part.industry is not None  # an index into the window's own names
    names_full, names_part = (np.asarray([*p.industry_names, None], dtype=object) for p in (full, part))
    assert np.array_equal(names_full[full.industry[:t][:, a]], names_part[part.industry[:, b]])
    # not vacuous: the cut holds limit hits and stocks still under new-listing protection
    assert part.is_limit_up.any() and (part.present & part.tradeable & ~part.can_buy & ~part.is_limit_up).any()
