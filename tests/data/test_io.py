"""`aurumq_rl.io`: the atomic writers leave the target complete or absent, never half-written."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import pytest

from aurumq_rl.io import AtomicParquetWriter, parquet_record, read_parquet_record


def _frame(i: int) -> pl.DataFrame:
    return pl.DataFrame({"ts_code": [f"60000{i}.SH"], "v": [float(i)]}, schema={"ts_code": pl.String,
                                                                                "v": pl.Float32})


def test_parquet_writer_appends_frames_as_row_groups(tmp_path: Path) -> None:
    out = tmp_path / "sub" / "x.parquet"
    with AtomicParquetWriter(out) as w:
        for i in range(3):
            w.write(_frame(i))
            assert not out.exists()  # nothing visible until the block ends
        w.write(_frame(3).with_columns(pl.col("v").cast(pl.Float64)))  # cast to the first frame's types
    assert w.rows == 4 and pq.ParquetFile(out).metadata.num_row_groups == 4
    got = pl.read_parquet(out)
    assert got["v"].to_list() == [0.0, 1.0, 2.0, 3.0] and got.schema["v"] == pl.Float32
    assert [p.name for p in out.parent.iterdir()] == ["x.parquet"]  # no temp file left


def test_parquet_writer_records_metadata_set_before_the_block_ends(tmp_path: Path) -> None:
    out = tmp_path / "x.parquet"
    with AtomicParquetWriter(out) as w:
        w.write(_frame(0))
        w.metadata = parquet_record({"rows": w.rows, "made_by": "test"})  # known only after the frames
    assert read_parquet_record(out) == {"rows": 1, "made_by": "test"}
    plain = tmp_path / "plain.parquet"
    _frame(0).write_parquet(plain)
    assert read_parquet_record(plain) is None


def test_parquet_writer_failure_leaves_nothing(tmp_path: Path) -> None:
    out = tmp_path / "x.parquet"
    out.write_bytes(b"previous")
    with pytest.raises(RuntimeError, match="batch 2"):
        with AtomicParquetWriter(out) as w:
            w.write(_frame(0))
            w.write(_frame(1))
            raise RuntimeError("batch 2 failed")
    assert out.read_bytes() == b"previous"  # the old file is untouched
    assert [p.name for p in tmp_path.iterdir()] == ["x.parquet"]


def test_parquet_writer_rejects_other_columns_and_empty_runs(tmp_path: Path) -> None:
    out = tmp_path / "x.parquet"
    with pytest.raises(ValueError, match=r"x\.parquet: frame columns"):
        with AtomicParquetWriter(out) as w:
            w.write(_frame(0))
            w.write(_frame(1).rename({"v": "w"}))
    with pytest.raises(ValueError, match="nothing was written"):
        with AtomicParquetWriter(out):
            pass
    assert list(tmp_path.iterdir()) == []
