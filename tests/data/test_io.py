"""`aurumq_rl.io`: the atomic writers leave the target complete or absent, never half-written."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import pytest

from aurumq_rl.data.scores import read_scores_record
from aurumq_rl.errors import DataError
from aurumq_rl.io import RECORD_KEY, AtomicParquetWriter, atomic_write_parquet, parquet_record, read_parquet_record


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


def test_parquet_writer_records_metadata_given_up_front(tmp_path: Path) -> None:
    """Metadata passed to the constructor (known before the first frame) is the file's record."""
    out = tmp_path / "x.parquet"
    with AtomicParquetWriter(out, metadata=parquet_record({"made_by": "test"})) as w:
        w.write(_frame(0))
    assert read_parquet_record(out) == {"made_by": "test"}


def test_a_record_keeps_values_json_cannot_hold_as_text(tmp_path: Path) -> None:
    """A record holding a date or a path is written (as their text), not refused by the JSON encoder."""
    out = atomic_write_parquet(_frame(0), tmp_path / "x.parquet",
                               metadata=parquet_record({"day": date(2024, 1, 2), "data": Path("a") / "b.parquet"}))
    assert read_parquet_record(out) == {"day": "2024-01-02", "data": str(Path("a") / "b.parquet")}


@pytest.mark.parametrize("raw", ["not json", "[1, 2]", "7"])
def test_a_record_that_is_not_a_json_object_is_a_data_error_naming_the_file(tmp_path: Path, raw: str) -> None:
    out = tmp_path / "x.parquet"
    _frame(0).write_parquet(out, metadata={RECORD_KEY: raw})
    with pytest.raises(DataError, match=f"x.parquet: its '{RECORD_KEY}' metadata is not the JSON object"):
        read_parquet_record(out)


def test_the_record_of_a_file_that_is_not_a_parquet_is_a_data_error_naming_it(tmp_path: Path) -> None:
    """Reading the record of garbage or a missing file is a DataError naming the file and what it should be."""
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"garbage!")
    with pytest.raises(DataError, match="bad.parquet: cannot read as a scores Parquet"):
        read_scores_record(bad)
    with pytest.raises(DataError, match="missing.parquet: cannot read as a Parquet"):
        read_parquet_record(tmp_path / "missing.parquet")


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
