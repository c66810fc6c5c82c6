"""Reading a data source: a Parquet file, a directory of shards (hive partitions too), a glob, or a polars
DataFrame or LazyFrame.

The one place that resolves shards (`source_files`) and turns a source's read errors into a `DataError`
naming the file, for the loader, `data check`, the factor engine, eval and provenance alike; and the one
parser of date flags (`to_date`).
"""

from __future__ import annotations

import glob
from datetime import date
from pathlib import Path
from typing import Literal

import numpy as np
import polars as pl

from aurumq_rl.errors import DataError

DataSource = str | Path | pl.DataFrame | pl.LazyFrame  # what `load_panel`, `data check` and eval read


GLOB_CHARS = "*?["


def is_glob(source: str | Path) -> bool:
    """Whether `source` is a glob pattern (holds `*`, `?` or `[`) rather than a file or directory path. An
    existing file or directory is a path whatever its name holds (`data [2024]/panel.parquet`), not a pattern
    that matches other names (or none)."""
    text = str(source)
    return any(ch in text for ch in GLOB_CHARS) and not Path(text).exists()


def source_files(source: str | Path) -> list[Path]:
    """The files `scan_source` reads for a file, directory or glob, sorted; empty when there are none.

    A file: itself. A directory: every `*.parquet` under it, at any depth. A glob: its matching files, `**`
    recursive. Hidden files count in both, because polars reads them. The one place that resolves shards, for
    the loader's checks and for provenance (`provenance.data_provenance`)."""
    text = str(source)
    if is_glob(text):
        return sorted(p for p in map(Path, glob.glob(text, recursive=True, include_hidden=True)) if p.is_file())
    path = Path(text)
    if path.is_dir():
        return sorted(p for p in path.rglob("*.parquet") if p.is_file())
    return [path] if path.is_file() else []


def scan_source(source: DataSource) -> tuple[pl.LazyFrame, str]:
    """A LazyFrame and a display name for a Parquet file, a directory of shards (hive partitions ok),
    a glob, or a polars DataFrame / LazyFrame. Anything else is a `DataError` saying what to pass."""
    if isinstance(source, pl.LazyFrame):
        return source, "<LazyFrame>"
    if isinstance(source, pl.DataFrame):
        return source.lazy(), "<DataFrame>"
    if not isinstance(source, str | Path):
        raise DataError(f"data source of type {type(source).__module__}.{type(source).__qualname__}: pass a "
                        "Parquet path, a directory or glob of Parquet shards, or a polars DataFrame or LazyFrame "
                        "(a pandas frame: polars.from_pandas(df))")
    text = str(source)
    path = Path(text)
    if is_glob(text):
        if not source_files(text):  # polars would say "expanded paths were empty" and more
            raise DataError(f"{text}: no file matches this glob; check the pattern and the directory it names")
        return pl.scan_parquet(text, hive_partitioning=True), text
    if path.is_dir():
        if not source_files(path):
            raise DataError(f"{path}: directory holds no .parquet file")
        # the directory's own name taken literally: polars expands the pattern (`[1]` would be a character class)
        return pl.scan_parquet(str(Path(glob.escape(str(path))) / "**" / "*.parquet"), hive_partitioning=True), text
    if not path.is_file():
        raise DataError(f"data file not found: {path}")
    return pl.scan_parquet(text, glob=False), text


def text_file_hint(path: str | Path) -> str:
    """For a file that is not Parquet but text (a CSV, infer's CSV/JSON picks): what to do, starting with "; ".
    Empty for anything else (a truncated Parquet, a binary file, a directory, a glob)."""
    try:
        with open(path, "rb") as f:
            head = f.read(512)
    except OSError:
        return ""
    if not head or head.startswith(b"PAR1") or b"\x00" in head:  # a Parquet (even a cut one) or another binary
        return ""
    return ("; it is a text file (a CSV?), and only Parquet is read: convert it once, reading ts_code as text so "
            "that 000001 keeps its zeros, e.g. polars.read_csv(path, schema_overrides={'ts_code': polars.String})"
            ".write_parquet('data.parquet') (infer's picks: write them with -o PICKS.parquet)")


def scan_with_schema(source: DataSource) -> tuple[pl.LazyFrame, str, pl.Schema]:
    """`scan_source` plus the schema, read once; an unreadable source is a `DataError` naming it (and, for a
    text file such as a CSV, saying how to convert it)."""
    lf, name = scan_source(source)
    try:
        return lf, name, lf.collect_schema()
    except (pl.exceptions.PolarsError, OSError) as exc:
        hint = text_file_hint(name) if Path(name).is_file() else ""
        raise DataError(f"{name}: cannot read as Parquet ({exc}){hint}") from exc


def collect_source(lf: pl.LazyFrame, name: str) -> pl.DataFrame:
    """`lf.collect()` for a query that reads the source: a shard that is not Parquet, or whose columns differ
    from the others', is a `DataError` naming the source (and the shard, when it can be found)."""
    try:
        return lf.collect()
    except (pl.exceptions.PolarsError, OSError) as exc:
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        if Path(name).is_file():
            raise DataError(f"{name}: cannot read it ({reason}); it must be a readable Parquet file: rewrite or "
                            "replace it") from exc
        if not is_glob(name) and not Path(name).is_dir():  # a DataFrame / LazyFrame: its query failed, no file did
            raise DataError(f"{name}: cannot collect it ({reason}); fix the frame's query (a cast, a scan of another "
                            "format) so that it collects, or pass a Parquet path") from exc
        shard = _odd_shard(name)
        raise DataError(f"{name}: cannot read it ({shard or reason}); every file of a directory or glob must be "
                        "a Parquet with the same columns, so fix or remove the odd one") from exc


def _odd_shard(name: str) -> str | None:
    """The first shard of directory or glob `name` that is not a readable Parquet or whose schema differs
    from the first shard's, described; None if there is none (or `name` is a single file)."""
    if not is_glob(name) and not Path(name).is_dir():
        return None
    files = source_files(name)
    first: tuple[Path, dict] | None = None
    for f in files:
        try:
            schema = dict(pl.read_parquet_schema(f))
        except (pl.exceptions.PolarsError, OSError) as exc:
            return f"{f} is not a readable Parquet: {(str(exc).strip().splitlines() or ['?'])[0]}"
        if first is None:
            first = (f, schema)
        elif schema != first[1]:
            missing = [c for c in first[1] if c not in schema]
            extra = [c for c in schema if c not in first[1]]
            retyped = [f"{c} {schema[c]} (not {first[1][c]})" for c in schema
                       if c in first[1] and schema[c] != first[1][c]]
            more = " …" if len(retyped) > 5 else ""
            what = (f"lacks {', '.join(missing[:5])}" if missing else f"has extra {', '.join(extra[:5])}" if extra
                    else f"has other column types: {', '.join(retyped[:5])}{more}")
            return f"{f} {what} compared with {first[0]}"
    return None


def to_date(value: str | date | None, flag: str) -> date | None:
    """Parse YYYY-MM-DD or YYYYMMDD (a `date` or None passes through, a `datetime` gives its date: compared with
    trading dates, 2021-03-01 15:00 would fall after 2021-03-01 and skip it); the error names `flag`."""
    from datetime import datetime

    if isinstance(value, datetime):
        return value.date()
    if value is None or isinstance(value, date):
        return value
    for fmt in ("%Y-%m-%d", "%Y%m%d"):
        try:
            return datetime.strptime(str(value), fmt).date()
        except ValueError:
            continue
    raise DataError(f"{flag}='{value}' is not a date; use YYYY-MM-DD")


def date_index(dates: np.ndarray, value: str | date | None, flag: str, side: Literal["start", "end"]) -> int | None:
    """Index in the sorted trading dates `dates` [datetime64[D]] of the first date ≥ `value` (side "start") or
    the last date ≤ `value` (side "end"); None when `value` is None. A bad date is a DataError naming `flag`."""
    if value is None:
        return None
    d = np.datetime64(to_date(value, flag), "D")
    i = int(np.searchsorted(dates, d, side="left" if side == "start" else "right"))
    return i if side == "start" else i - 1
