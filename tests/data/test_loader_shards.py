"""`load_panel` on a directory or glob of shards: a shard that is not Parquet, or lacks a column the others
have, is a `DataError` naming the source and the odd shard (not a polars traceback)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from aurumq_rl.data.loader import load_panel
from aurumq_rl.data.synth import generate, preset
from aurumq_rl.errors import DataError

SAME = "must be a Parquet with the same columns"


@pytest.fixture(scope="module")
def halves(tmp_path_factory: pytest.TempPathFactory) -> tuple[pl.DataFrame, pl.DataFrame]:
    panel = generate(preset("small"))[0]
    panel = panel.filter(pl.col("ts_code").is_in(panel["ts_code"].unique().sort()[:20].implode()))
    mid = panel["trade_date"].unique().sort()[200]
    return panel.filter(pl.col("trade_date") < mid), panel.filter(pl.col("trade_date") >= mid)


@pytest.mark.filterwarnings("ignore:.*market-wide")
def test_good_shards_load(halves: tuple[pl.DataFrame, pl.DataFrame], tmp_path: Path) -> None:
    halves[0].write_parquet(tmp_path / "a.parquet")
    halves[1].write_parquet(tmp_path / "b.parquet")
    assert len(load_panel(tmp_path, universe="all").dates) == 400


def test_garbage_shard(halves: tuple[pl.DataFrame, pl.DataFrame], tmp_path: Path) -> None:
    halves[0].write_parquet(tmp_path / "a.parquet")
    (tmp_path / "b.parquet").write_bytes(b"not a parquet file")
    for source in (tmp_path, str(tmp_path / "*.parquet")):
        with pytest.raises(DataError, match=rf"^{tmp_path}.*: cannot read it \(.*b\.parquet is not a readable "
                                            rf"Parquet.*{SAME}"):
            load_panel(source, universe="all")


def test_shard_lacking_a_factor_column(halves: tuple[pl.DataFrame, pl.DataFrame], tmp_path: Path) -> None:
    factor = next(c for c in halves[0].columns if c.startswith("alpha_"))
    halves[0].write_parquet(tmp_path / "a.parquet")
    halves[1].drop(factor).write_parquet(tmp_path / "b.parquet")
    with pytest.raises(DataError, match=rf"^{tmp_path}: cannot read it \(.*b\.parquet lacks {factor} .*{SAME}"):
        load_panel(tmp_path, universe="all")


def test_shard_with_another_column_type_names_the_column(halves: tuple[pl.DataFrame, pl.DataFrame],
                                                         tmp_path: Path) -> None:
    """A shard written with another dtype for one column (a day of whole volumes saved by pandas as int64, dates
    as 'YYYYMMDD' text in one file) said only 'has other column types': which of 50+ columns was left to guess."""
    halves[0].write_parquet(tmp_path / "a.parquet")
    halves[1].with_columns(pl.col("vol").round().cast(pl.Int64)).write_parquet(tmp_path / "b.parquet")
    with pytest.raises(DataError, match=rf"b\.parquet has other column types: vol Int64 \(not Float64\) .*{SAME}"):
        load_panel(tmp_path, universe="all")


def test_a_lazyframe_whose_query_fails_is_not_blamed_on_shards() -> None:
    """A LazyFrame whose plan fails when collected (a bad cast) was told that 'every file of a directory or glob
    must be a Parquet with the same columns': no file or shard is involved, so the message sent the user looking
    for one. The error names the frame and the failure, and points at the frame's query."""
    from tests.data.frames import tiny_market

    lf = tiny_market().lazy().with_columns(pl.col("ts_code").cast(pl.Int64).alias("alpha_002"))
    with pytest.raises(DataError, match=r"^<LazyFrame>: cannot collect it \(conversion from `str` to `i64` failed"
                                        r".*fix the frame's query") as err:
        load_panel(lf, universe="all")
    assert SAME not in str(err.value)
