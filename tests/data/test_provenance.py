"""`data_provenance`: the `data_sha256` / `data_files` a run records for its `--data`, for a single file and for a
directory or glob of shards (the files resolved as the loader resolves them)."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import polars as pl

from aurumq_rl.data.source import scan_source
from aurumq_rl.provenance import data_provenance


def _shard(path: Path, name: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pl.DataFrame({"src": [name] * 3, "x": [1.0, 2.0, 3.0]}).write_parquet(path)


def _shards(root: Path, names: list[str]) -> Path:
    for n in names:
        _shard(root / n, n)
    return root


NAMES = ["a.parquet", "b.parquet", "trade_date=2021/c.parquet"]


def test_single_file_keeps_its_own_sha256(tmp_path: Path) -> None:
    f = _shards(tmp_path, ["m.parquet"]) / "m.parquet"
    got = data_provenance(str(f))
    digest = hashlib.sha256(f.read_bytes()).hexdigest()
    assert got == {"data_sha256": digest,
                   "data_files": [{"path": "m.parquet", "sha256": digest, "bytes": f.stat().st_size}]}


def test_shards_digest_is_the_sha256sum_listing(tmp_path: Path) -> None:
    """By hand: `sha256sum` lines (`<hex>  <path relative to the directory>`) sorted by path, then hashed."""
    d = _shards(tmp_path / "d", NAMES)
    got = data_provenance(d)
    rows = [{"path": n, "sha256": hashlib.sha256((d / n).read_bytes()).hexdigest(), "bytes": (d / n).stat().st_size}
            for n in sorted(NAMES)]
    listing = "".join(f"{r['sha256']}  {r['path']}\n" for r in rows)
    assert got == {"data_sha256": hashlib.sha256(listing.encode()).hexdigest(), "data_files": rows}


def test_same_shards_same_digest_however_listed_or_located(tmp_path: Path) -> None:
    """Written in the opposite order, elsewhere, and named by a glob instead of the directory: one digest."""
    a = _shards(tmp_path / "a", NAMES)
    b = _shards(tmp_path / "elsewhere" / "b", NAMES[::-1])
    first = data_provenance(a)
    assert first["data_sha256"] is not None
    assert data_provenance(a) == first  # stable
    assert data_provenance(b) == first
    assert data_provenance(str(b / "**" / "*.parquet")) == first
    assert data_provenance(f"{b}/") == first


def test_changing_adding_removing_or_renaming_a_shard_changes_the_digest(tmp_path: Path) -> None:
    d = _shards(tmp_path / "d", NAMES)
    base = data_provenance(d)
    _shard(d / "b.parquet", "b-edited")  # same name, other bytes
    edited = data_provenance(d)
    assert edited["data_sha256"] != base["data_sha256"]
    assert [r["path"] for r in edited["data_files"] if r not in base["data_files"]] == ["b.parquet"]
    _shard(d / "z.parquet", "z")
    added = data_provenance(d)
    assert added["data_sha256"] not in {base["data_sha256"], edited["data_sha256"]}
    (d / "z.parquet").unlink()
    assert data_provenance(d) == edited
    shutil.move(d / "trade_date=2021", d / "trade_date=2022")  # a hive partition's path is data
    assert data_provenance(d)["data_sha256"] != edited["data_sha256"]


def test_recorded_files_are_the_files_the_loader_reads(tmp_path: Path) -> None:
    """Hidden shards are read by polars, so recorded; a non-Parquet file in a directory is neither."""
    d = _shards(tmp_path / "d", [*NAMES, ".hidden.parquet"])
    (d / "notes.txt").write_text("not data")
    for source in (d, str(d / "*.parquet"), str(d / "**" / "*.parquet")):
        lf, _ = scan_source(source)
        read = set(lf.select("src").collect()["src"])
        assert {r["path"] for r in data_provenance(source)["data_files"]} == read, source


def test_not_a_path_or_no_file_records_none(tmp_path: Path) -> None:
    none = {"data_sha256": None, "data_files": None}
    assert data_provenance(pl.LazyFrame({"x": [1]})) == none
    assert data_provenance(str(tmp_path / "missing.parquet")) == none


def test_files_are_listed_in_the_order_of_their_recorded_path_strings(tmp_path: Path) -> None:
    """`data_files` and the listing behind `data_sha256` are sorted by the recorded path text (as `sort` orders
    `sha256sum` lines): "x-a.parquet" before "x/a.parquet", since "-" < "/", though a path-component sort would
    put the directory x first."""
    d = _shards(tmp_path / "d", ["x/a.parquet", "x-a.parquet"])
    got = data_provenance(d)
    assert [r["path"] for r in got["data_files"]] == ["x-a.parquet", "x/a.parquet"]
    listing = "".join(f"{hashlib.sha256((d / p).read_bytes()).hexdigest()}  {p}\n" for p in ("x-a.parquet",
                                                                                           "x/a.parquet"))
    assert got["data_sha256"] == hashlib.sha256(listing.encode()).hexdigest()
