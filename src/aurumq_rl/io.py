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
