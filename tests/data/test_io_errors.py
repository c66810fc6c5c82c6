"""`aurumq_rl.io`: unwritable targets are a `DataError` naming the path (temp file removed), written files get
the ordinary umask permissions, and `check_not_input` refuses an output that is an input."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

from aurumq_rl.errors import DataError
from aurumq_rl.io import (
    AtomicParquetWriter,
    atomic_write_json,
    atomic_write_parquet,
    atomic_write_text,
    atomic_write_with,
    check_not_input,
    current_umask,
)

DF = pl.DataFrame({"a": [1, 2]})


@pytest.fixture
def umask() -> Iterator[None]:
    old = os.umask(0o022)
    yield
    os.umask(old)


def _writers(tmp_path: Path) -> dict[str, Path]:
    out = {name: tmp_path / name for name in ("t.txt", "j.json", "p.parquet", "w.bin", "s.parquet")}
    atomic_write_text("x", out["t.txt"])
    atomic_write_json({"a": 1}, out["j.json"])
    atomic_write_parquet(DF, out["p.parquet"])
    atomic_write_with(out["w.bin"], lambda tmp: Path(tmp).write_bytes(b"x"))
    with AtomicParquetWriter(out["s.parquet"]) as w:
        w.write(DF)
    return out


def test_written_files_follow_the_umask(tmp_path: Path, umask: None) -> None:
    assert current_umask() == 0o022
    for path in _writers(tmp_path / "a").values():
        assert path.stat().st_mode & 0o777 == 0o644, path
    os.umask(0o027)
    assert current_umask() == 0o027
    for path in _writers(tmp_path / "b").values():
        assert path.stat().st_mode & 0o777 == 0o640, path


@pytest.mark.parametrize("write", [
    lambda p: atomic_write_text("x", p),
    lambda p: atomic_write_parquet(DF, p),
    lambda p: atomic_write_with(p, lambda tmp: Path(tmp).write_bytes(b"x")),
])
def test_unwritable_target_is_a_data_error(tmp_path: Path, write: object) -> None:
    (tmp_path / "d.parquet").mkdir()
    (tmp_path / "file.txt").write_text("keep")
    with pytest.raises(DataError, match=r"cannot write .*d\.parquet \(Is a directory\); choose a writable"):
        write(tmp_path / "d.parquet")  # type: ignore[operator]
    for target in (tmp_path / "file.txt" / "x.parquet", tmp_path / "file.txt" / "a" / "x.parquet"):
        with pytest.raises(DataError, match=r"cannot write .*x\.parquet \(.*file\.txt is not a directory\)"):
            write(target)  # type: ignore[operator]
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["d.parquet", "file.txt"]  # no temp file left
    assert (tmp_path / "file.txt").read_text() == "keep"


def test_rename_failure_is_a_data_error_and_removes_the_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(src: object, dst: object) -> None:
        raise PermissionError(13, "Permission denied", str(dst))

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(DataError, match=r"cannot write .*x\.txt \(Permission denied\)"):
        atomic_write_text("x", tmp_path / "x.txt")
    with pytest.raises(DataError, match=r"cannot write .*y\.parquet \(Permission denied\)"):
        with AtomicParquetWriter(tmp_path / "y.parquet") as w:
            w.write(DF)
    assert list(tmp_path.iterdir()) == []


def test_streaming_writer_refuses_a_directory_before_any_frame(tmp_path: Path) -> None:
    (tmp_path / "d.parquet").mkdir()
    with pytest.raises(DataError, match="Is a directory"):
        with AtomicParquetWriter(tmp_path / "d.parquet"):
            raise AssertionError("the block must not run")
    assert [p.name for p in tmp_path.iterdir()] == ["d.parquet"]


def test_check_not_input(tmp_path: Path) -> None:
    data = tmp_path / "data.parquet"
    data.write_bytes(b"x")
    (tmp_path / "link.parquet").symlink_to(data)
    os.link(data, tmp_path / "hard.parquet")
    shards = tmp_path / "shards"
    shards.mkdir()
    for out in (data, tmp_path / "link.parquet", tmp_path / "hard.parquet", tmp_path / "sub" / ".." / "data.parquet"):
        with pytest.raises(DataError, match=r"^-o .*: is the input file .*choose another output path"):
            check_not_input(out, None, data)
    with pytest.raises(DataError, match=r"^--output .*inside the input directory"):
        check_not_input(shards / "new" / "p.parquet", shards, flag="--output")
    with pytest.raises(DataError, match="matches the input glob"):
        check_not_input(tmp_path / "z.parquet", str(tmp_path / "*.parquet"))
    check_not_input(tmp_path / "other.parquet", data, shards, None)  # different file: fine
    check_not_input(shards / "picks.csv", shards)  # not read as a shard: fine


def test_directory_outputs_that_the_file_system_refuses_are_data_errors(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """`atomic_dir` (eval/compare reports, export's bundle) let a refused mkdtemp or rename escape as a raw
    OSError: a traceback after the whole evaluation, where every file writer says one line. A refusal that
    os.access could not foresee (a full disk, NFS root_squash, a pseudo file system) is now a DataError naming the
    target, with no temp directory left."""
    import tempfile

    from aurumq_rl.io import atomic_dir

    def no_space(*args: object, **kw: object) -> str:
        raise OSError(28, "No space left on device", str(tmp_path / ".r.tmp"))

    with monkeypatch.context() as m:
        m.setattr(tempfile, "mkdtemp", no_space)
        with pytest.raises(DataError, match=r"cannot write .*/r \(No space left on device.*\); choose a writable dir"):
            with atomic_dir(tmp_path / "r", merge=True):
                pass

    def fail(src: object, dst: object) -> None:
        raise PermissionError(13, "Permission denied", str(dst))

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(DataError, match=r"cannot write .*/b \(Permission denied"):
        with atomic_dir(tmp_path / "b", merge=False) as tmp:
            (tmp / "f.json").write_text("{}")
    assert list(tmp_path.iterdir()) == []


def test_the_cli_reports_an_os_error_in_one_line(monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """A write the up-front checks allowed but the file system refused (train's run directory on a read-only
    mount, sl train's model/ on a full disk) was a FileNotFoundError/PermissionError traceback; one line now."""
    import argparse

    from aurumq_rl.cli import main as cli

    def refused(args: argparse.Namespace) -> int:
        raise PermissionError(13, "Permission denied", "/mnt/ro/run")

    parser = cli.build_parser()
    monkeypatch.setattr(cli, "build_parser", lambda: parser)
    ns = parser.parse_args(["data", "check", "x.parquet"])
    monkeypatch.setattr(parser, "parse_args", lambda argv=None: argparse.Namespace(**{**vars(ns), "func": refused}))
    assert cli.main(["data", "check", "x.parquet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: /mnt/ro/run: Permission denied") and "Traceback" not in err, err
