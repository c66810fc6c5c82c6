"""`load_panel` on a LazyFrame whose rows come back in another order on each collect (as after an unstable sort by
date): factor columns, read in later passes, still land on their own stock; other rows on a later read are a
`DataError`. A DataFrame loads as its Parquet file does; a source of another type is named."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator

import numpy as np
import polars as pl
import pytest
from polars.io.plugins import register_io_source

from aurumq_rl.data.loader import load_panel
from aurumq_rl.data.synth import generate, preset
from aurumq_rl.errors import DataError


@pytest.fixture(scope="module")
def market() -> pl.DataFrame:
    panel = generate(preset("small"))[0]
    return panel.filter(pl.col("ts_code").is_in(panel["ts_code"].unique().sort()[:20].implode()))


def _collects(df: pl.DataFrame, nth: Callable[[pl.DataFrame, int], pl.DataFrame]) -> pl.LazyFrame:
    """A LazyFrame whose k-th collect reads `nth(df, k)`."""
    calls = itertools.count()

    def source(with_columns: list[str] | None, predicate: pl.Expr | None, n_rows: int | None,
               batch_size: int | None) -> Iterator[pl.DataFrame]:
        out = nth(df, next(calls))
        if predicate is not None:
            out = out.filter(predicate)
        if with_columns is not None:
            out = out.select(with_columns)
        yield out if n_rows is None else out.head(n_rows)

    return register_io_source(source, schema=df.schema)


def _shuffled_within_dates(df: pl.DataFrame, k: int) -> pl.DataFrame:
    """The rows sorted by date, in another order within each date on every call."""
    key = np.random.default_rng(k).permutation(df.height)
    return df.with_columns(pl.Series("_k", key)).sort("trade_date", "_k").drop("_k")


@pytest.mark.filterwarnings("ignore:.*market-wide")
def test_factor_values_land_on_their_own_stock_when_the_order_changes_between_collects(
        market: pl.DataFrame) -> None:
    factor = next(c for c in market.columns if c.startswith("alpha_"))
    p = load_panel(_collects(market, _shuffled_within_dates), universe="all", factors=[factor], normalize="raw")
    t = np.searchsorted(p.dates, market["trade_date"].to_numpy().astype("datetime64[D]"))
    n = np.searchsorted(p.codes, market["ts_code"].to_numpy().astype(str))
    want = market[factor].cast(pl.Float32).to_numpy()
    got = p.factors[t, n, 0]
    known = p.in_universe[t, n] & np.isfinite(want)
    assert known.sum() > 1000
    np.testing.assert_array_equal(got[known], want[known])


def test_a_lazyframe_that_returns_other_rows_on_a_later_read_is_refused(market: pl.DataFrame) -> None:
    def drop_one_row_later(df: pl.DataFrame, k: int) -> pl.DataFrame:
        return df if k == 0 else _shuffled_within_dates(df, k).slice(1)

    with pytest.raises(DataError, match="returned other rows, or another row order, on a second read"):
        load_panel(_collects(market, drop_one_row_later), universe="all", normalize="raw")


@pytest.mark.filterwarnings("ignore:.*market-wide")
def test_a_dataframe_loads_as_its_parquet_file_does(market: pl.DataFrame, tmp_path) -> None:
    path = tmp_path / "m.parquet"
    market.write_parquet(path)
    from_file = load_panel(path, universe="all")
    from_frame = load_panel(market.sample(fraction=1.0, shuffle=True, seed=3), universe="all")
    assert from_frame.factor_names == from_file.factor_names
    np.testing.assert_array_equal(from_frame.factors, from_file.factors)
    np.testing.assert_array_equal(from_frame.in_universe, from_file.in_universe)
    np.testing.assert_array_equal(from_frame.pct_chg, from_file.pct_chg)


def test_a_source_of_another_type_is_named_with_what_to_pass(market: pl.DataFrame) -> None:
    with pytest.raises(DataError, match=r"data source of type builtins\.dict: pass a Parquet path.*"
                                        r"polars DataFrame or LazyFrame \(a pandas frame: polars\.from_pandas"):
        load_panel(market.to_dict(), universe="all")  # type: ignore[arg-type]
