"""Atomic file writes: write to a temp file beside the target, then rename, so a failure leaves nothing
half-written."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import polars as pl


def atomic_write_with(path: str | Path, write: Any) -> Path:
    """Atomically create `path` with `write(tmp_path)` (any writer that takes a file name)."""
    return _atomic(path, write)


def _atomic(path: str | Path, write: Any) -> Path:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def atomic_write_parquet(df: pl.DataFrame, path: str | Path) -> Path:
    """Write `df` to Parquet at `path` atomically."""
    return _atomic(path, lambda tmp: df.write_parquet(tmp))


def atomic_write_text(text: str, path: str | Path) -> Path:
    """Write text (UTF-8) at `path` atomically."""
    return _atomic(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))


def atomic_write_json(obj: Any, path: str | Path) -> Path:
    """Write `obj` as indented JSON at `path` atomically."""
    return atomic_write_text(json.dumps(obj, indent=2, ensure_ascii=False, default=str) + "\n", path)


class AtomicParquetWriter:
    """Write a Parquet file frame by frame (one or more row groups each), atomically: the frames go to a temp
    file beside `path`, renamed onto `path` when the `with` block ends without error and deleted otherwise.
    Every frame must have the first frame's columns; their types are cast to the first frame's schema."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._tmp: Path | None = None
        self._writer: Any = None
        self._schema: Any = None
        self.rows = 0

    def __enter__(self) -> AtomicParquetWriter:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
        os.close(fd)
        self._tmp = Path(tmp)
        return self

    def write(self, df: pl.DataFrame) -> None:
        """Append `df` to the file."""
        import pyarrow.parquet as pq

        table = df.to_arrow()
        if self._writer is None:
            self._schema = table.schema
            self._writer = pq.ParquetWriter(str(self._tmp), self._schema, compression="zstd")
        elif table.schema.names != self._schema.names:
            raise ValueError(f"{self.path}: frame columns {table.schema.names} differ from the first frame's "
                             f"{self._schema.names}")
        self._writer.write_table(table.cast(self._schema))
        self.rows += df.height

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        assert self._tmp is not None
        try:
            if self._writer is not None:
                self._writer.close()
            if exc_type is None:
                if self._writer is None:
                    raise ValueError(f"{self.path}: nothing was written")
                os.replace(self._tmp, self.path)
        finally:
            self._tmp.unlink(missing_ok=True)
