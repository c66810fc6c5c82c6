"""The --index gap warning says how far a missing index bar reaches. GTJA #75 counts over 50 rows: one missing day
of the index nulled it on 50 rows of every stock (400 rows of 8 stocks on the real CSI 300 sample), while the
warning said the factors were null 'there', on that one date. And a bar missing only a price that no factor reads
(bench_high) was counted as a gap although no value changed."""

from __future__ import annotations

import re
import warnings

import polars as pl
import pytest

from aurumq_rl.data.synth import generate, preset
from aurumq_rl.factors.engine import compute_factors


@pytest.fixture(scope="module")
def synth() -> tuple[pl.DataFrame, pl.DataFrame]:
    return generate(preset("small"))


def test_one_missing_index_day_is_said_to_reach_through_the_windows(synth: tuple) -> None:
    df, idx = synth
    dates = df["trade_date"].unique().sort()
    gap = dates[200]
    full, _ = compute_factors(df, only="gtja_075", index=idx, progress=False)
    with pytest.warns(UserWarning, match="--index has no bar on 1 of") as got:
        out, _ = compute_factors(df, only="gtja_075", index=idx.filter(pl.col("trade_date") != gap), progress=False)
    message = next(str(w.message) for w in got if "--index" in str(w.message))
    lost = out["gtja_075"].is_null() & full["gtja_075"].is_not_null()
    later = out.filter(lost & (pl.col("trade_date") > gap))
    assert later.height > 0  # the nulls do reach past the missing date ...
    reach = int(re.search(r"up to (\d+) later row", message).group(1))  # ... and the warning says how far
    per_stock = later.group_by("ts_code").len()["len"].max()
    assert per_stock <= reach


def test_a_bar_missing_only_an_unread_price_is_no_gap(synth: tuple) -> None:
    df, idx = synth
    no_high = idx.with_columns(pl.when(pl.int_range(pl.len()) == 150).then(None).otherwise(pl.col("high"))
                               .alias("high"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # gtja_075 reads bench_open and bench_close only
        compute_factors(df, only="gtja_075", index=no_high, progress=False)
