"""Atomic file writes: write to a temp file beside the target, then rename, so a failure leaves nothing
half-written. A target that cannot be written is a `DataError` naming it; the files get the ordinary
permissions (0666 less the umask), not the temp file's private 0600."""

from __future__ import annotations

import errno
import fnmatch
import glob
import json
import math
import os
import shutil
import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import polars as pl

from aurumq_rl.errors import DataError


def current_umask() -> int:
    """The process umask, read without changing it where the OS allows (Linux /proc); else set and restored."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0)
    os.umask(mask)
    return mask


def check_not_input(out: str | Path, *inputs: str | Path | None, flag: str = "-o") -> None:
    """Refuse (`DataError` naming `flag`) an output path that would overwrite or join an input: the same file
    as an input (symlinks and hard links included), a .parquet inside an input directory (it would be read
    as a shard next time), or a path matching an input glob. None inputs are skipped. Call it before the
    work, so a bad -o fails at once."""
    from aurumq_rl.data.source import is_glob

    out_p = Path(out)
    real = os.path.realpath(out_p)
    for src in inputs:
        if src is None:
            continue
        text = str(src)
        if is_glob(text):
            hit = any(fnmatch.fnmatch(p, os.path.abspath(text)) for p in (os.path.abspath(out_p), real))
            what = f"matches the input glob {text}"
        elif Path(text).is_dir():
            hit = out_p.suffix == ".parquet" and Path(real).is_relative_to(os.path.realpath(text))
            what = f"is inside the input directory {text}, where it would be read as a data shard"
        else:
            hit = real == os.path.realpath(text) or (out_p.exists() and Path(text).exists()
                                                     and os.path.samefile(out_p, text))
            what = f"is the input file {text}"
        if hit:
            raise DataError(f"{flag} {out}: {what}; writing it would destroy the input data, so choose another "
                            "output path")


def check_dir_not_input(out_dir: str | Path, names: list[str], *inputs: str | Path | None,
                        flag: str = "--out-dir") -> None:
    """`check_not_input` for each file `names` a command writes into the directory `out_dir`: none may be an
    input file, nor a .parquet inside an input directory (the next load would read it as a data shard)."""
    for name in names:
        check_not_input(Path(out_dir) / name, *inputs, flag=flag)


def check_writable(out: str | Path, flag: str = "-o", directory: bool = False) -> None:
    """Refuse (`DataError` naming `flag` and the path) an output the atomic writers below could not create: a
    directory (a file, with `directory=True`), a path under a file, or one whose nearest existing directory
    this process may not write in. Missing directories are fine (the writers create them). Call it before the
    work, so a bad output path fails at once."""
    target = Path(out)
    parent = next(p for p in ((target,) if directory else ()) + tuple(target.parents) if p.exists())
    if not directory and target.is_dir():
        exc: OSError = IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(target))
    elif not parent.is_dir():
        exc = NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(parent))
    elif not os.access(parent, os.W_OK | os.X_OK):
        exc = PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(parent))
    else:
        return
    raise DataError(f"{flag}: {_write_error(target, exc, kind='directory' if directory else 'file path')}")


def _write_error(target: Path, exc: OSError, tmp: str | Path | None = None, kind: str = "file path") -> DataError:
    """`exc` from writing `target` as a `DataError` naming the target and the OS reason."""
    reason = exc.strerror or str(exc)
    if exc.filename is not None and str(exc.filename) not in (str(target), str(tmp)):
        reason = f"{reason}: {exc.filename}"
    for parent in target.parents:  # `a.txt/x.parquet`: say which part is a file
        if parent.exists():
            if not parent.is_dir():
                reason = f"{parent} is not a directory"
            break
    return DataError(f"cannot write {target} ({reason}); choose a writable {kind}")


def _temp_prefix(target: Path) -> str:
    """The name a temp beside `target` starts with: `.NAME.HOST-PID.`, so that a later write of the same target
    can tell (and remove) the temps of a process that was killed outright (`_sweep_stale`)."""
    return f".{target.name}.{socket.gethostname()}-{os.getpid()}."


def _sweep_stale(target: Path) -> None:
    """Remove the temps a killed process (SIGKILL, a power cut: no chance to clean up) left beside `target`: those
    this host's dead processes made. Another host's temps (a shared file system) and a live process's stay."""
    head = f".{target.name}."
    host = socket.gethostname()
    try:
        stale = list(target.parent.glob(f"{glob.escape(head)}*.tmp"))
    except OSError:
        return
    for p in stale:
        tag = p.name[len(head):-len(".tmp")].rpartition(".")[0]  # HOST-PID (the random part has no dot)
        who, _, pid = tag.rpartition("-")
        if who != host or not pid.isdigit() or int(pid) == os.getpid() or _alive(int(pid)):
            continue
        if p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    """Whether process `pid` runs: a zombie (killed, not yet reaped; Linux /proc tells) is not running."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process: alive
        return True
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            return f.read().rpartition(")")[2].split()[0] not in ("Z", "X")
    except (OSError, IndexError):
        return True


def _temp_beside(target: Path) -> Path:
    """A new empty temp file in the target's directory (created if needed); refuse a directory target now,
    before any work is done."""
    try:
        if target.is_dir():
            raise IsADirectoryError(21, os.strerror(21), str(target))
        target.parent.mkdir(parents=True, exist_ok=True)
        _sweep_stale(target)
        fd, tmp = tempfile.mkstemp(prefix=_temp_prefix(target), suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise _write_error(target, exc) from exc
    os.close(fd)
    return Path(tmp)


def _publish(tmp: Path, target: Path) -> None:
    """Give the temp file the ordinary permissions and rename it onto `target`."""
    os.chmod(tmp, 0o666 & ~current_umask())
    os.replace(tmp, target)


def atomic_write_with(path: str | Path, write: Any) -> Path:
    """Atomically create `path` with `write(tmp_path)` (any writer that takes a file name)."""
    return _atomic(path, write)


def _atomic(path: str | Path, write: Any) -> Path:
    target = Path(path)
    tmp = _temp_beside(target)
    try:
        write(str(tmp))
        _publish(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise _write_error(target, exc, tmp) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


def atomic_write_parquet(df: pl.DataFrame, path: str | Path, metadata: dict[str, str] | None = None) -> Path:
    """Write `df` to Parquet at `path` atomically, with `metadata` as the file's key-value metadata."""
    return _atomic(path, lambda tmp: df.write_parquet(tmp, metadata=metadata))


RECORD_KEY = "aurumq_rl"  # the Parquet key-value metadata entry where a file we write records how it was made


def parquet_record(record: dict[str, Any]) -> dict[str, str]:
    """`record` as the key-value metadata of a Parquet we write (JSON under `RECORD_KEY`)."""
    return {RECORD_KEY: json.dumps(record, default=str, ensure_ascii=False)}


def read_parquet_record(path: str | Path, what: str = "Parquet") -> dict[str, Any] | None:
    """The record a Parquet we wrote carries (`parquet_record`); None for a file without one (written
    elsewhere). An unreadable file, or a record that is not a JSON object, is a DataError naming the file."""
    try:
        raw = pl.read_parquet_metadata(str(path)).get(RECORD_KEY)
    except (pl.exceptions.ComputeError, OSError) as exc:
        from aurumq_rl.data.source import text_file_hint

        raise DataError(f"{path}: cannot read as a {what} ({exc}){text_file_hint(path)}") from exc
    if raw is None:
        return None
    try:
        record = json.loads(raw)
    except ValueError:
        record = None
    if not isinstance(record, dict):
        raise DataError(f"{path}: its '{RECORD_KEY}' metadata is not the JSON object aurumq-rl writes "
                        f"({raw[:80]!r}); rewrite the file without that metadata entry")
    return record


def atomic_write_text(text: str, path: str | Path) -> Path:
    """Write text (UTF-8) at `path` atomically."""
    return _atomic(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))


def json_line(row: dict[str, Any]) -> str:
    """`row` as one JSON Lines line (newline included), a NaN or infinite number as null: JSON has no NaN, and
    strict readers (polars.read_ndjson, jq, JavaScript) refuse the token Python writes for it."""
    clean = {k: None if isinstance(v, float) and not math.isfinite(v) else v for k, v in row.items()}
    return json.dumps(clean) + "\n"


def atomic_write_json(obj: Any, path: str | Path) -> Path:
    """Write `obj` as indented JSON at `path` atomically."""
    return atomic_write_text(json.dumps(obj, indent=2, ensure_ascii=False, default=str) + "\n", path)


class AtomicParquetWriter:
    """Write a Parquet file frame by frame (one or more row groups each), atomically: the frames go to a temp
    file beside `path`, renamed onto `path` when the `with` block ends without error and deleted otherwise.
    Every frame must have the first frame's columns; their types are cast to the first frame's schema.
    `metadata` (settable until the block ends, e.g. a report known only after the last frame) becomes the
    file's key-value metadata."""

    def __init__(self, path: str | Path, metadata: dict[str, str] | None = None) -> None:
        self.path = Path(path)
        self.metadata = metadata
        self._tmp: Path | None = None
        self._writer: Any = None
        self._schema: Any = None
        self.rows = 0

    def __enter__(self) -> AtomicParquetWriter:
        self._tmp = _temp_beside(self.path)
        return self

    def write(self, df: pl.DataFrame) -> None:
        """Append `df` to the file."""
        import pyarrow.parquet as pq

        table = df.to_arrow()
        if self._writer is not None and table.schema.names != self._schema.names:
            raise ValueError(f"{self.path}: frame columns {table.schema.names} differ from the first frame's "
                             f"{self._schema.names}")
        try:
            if self._writer is None:
                self._schema = table.schema
                self._writer = pq.ParquetWriter(str(self._tmp), self._schema, compression="zstd")
            self._writer.write_table(table.cast(self._schema))
        except OSError as err:
            raise _write_error(self.path, err, self._tmp) from err
        self.rows += df.height

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        assert self._tmp is not None
        try:
            if self._writer is not None:
                if exc_type is None and self.metadata:
                    self._writer.add_key_value_metadata(self.metadata)
                self._writer.close()
            if exc_type is None:
                if self._writer is None:
                    raise ValueError(f"{self.path}: nothing was written")
                try:
                    _publish(self._tmp, self.path)
                except OSError as err:
                    raise _write_error(self.path, err, self._tmp) from err
        finally:
            self._tmp.unlink(missing_ok=True)


@contextmanager
def atomic_dir(target: str | Path, *, merge: bool) -> Iterator[Path]:
    """Yield a new temp directory beside `target` to write a set of files into; publish it when the block
    succeeds, remove it when the block raises (nothing half-written is left, the old target is untouched).

    Publishing gives the files and the directory the ordinary permissions (mkdtemp's are private). A new
    `target` is the renamed temp directory. An existing one is replaced whole (`merge=False`: a bundle, whose
    files belong together; the previous one is put back if the swap fails) or receives each file by an atomic
    rename (`merge=True`: a report directory that may hold other outputs)."""
    out = Path(target)
    try:  # a read-only or full file system, an NFS root_squash that os.access did not see: one line, no traceback
        out.parent.mkdir(parents=True, exist_ok=True)
        _sweep_stale(out)
        tmp = Path(tempfile.mkdtemp(prefix=_temp_prefix(out), suffix=".tmp", dir=out.parent))
    except OSError as exc:
        raise _write_error(out, exc, kind="directory") from exc
    try:
        yield tmp
        try:
            _publish_dir(tmp, out, merge)
        except OSError as exc:
            raise _write_error(out, exc, tmp, kind="directory") from exc
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _publish_dir(tmp: Path, out: Path, merge: bool) -> None:
    """`atomic_dir`'s publishing step (see there)."""
    mask = current_umask()
    for f in tmp.iterdir():
        f.chmod(0o666 & ~mask)
    tmp.chmod(0o777 & ~mask)
    if not out.exists():
        os.replace(tmp, out)
    elif merge:
        for f in tmp.iterdir():
            os.replace(f, out / f.name)
        tmp.rmdir()
    else:
        old = out.with_name(f".{out.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        os.replace(out, old)
        try:
            os.replace(tmp, out)
        except BaseException:
            os.replace(old, out)  # put the previous one back
            raise
        shutil.rmtree(old, ignore_errors=True)
