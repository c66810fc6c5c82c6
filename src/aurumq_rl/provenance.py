"""Provenance recorded in every artefact (run manifests, bundles, SL models): file hashes and the git commit."""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path
from typing import Any


def sha256_file(path: str | Path) -> str:
    """sha256 hex digest of a file, read in 4 MiB chunks."""
    h = hashlib.sha256()
    with Path(path).open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 22), b""):
            h.update(chunk)
    return h.hexdigest()


def _listing_root(source: str) -> Path:
    """The directory shard paths are recorded relative to: a directory itself, a glob's part before its first
    wildcard component, a file's parent."""
    from aurumq_rl.data.source import GLOB_CHARS, is_glob

    if is_glob(source):
        parts = Path(source).parts
        wild = next(i for i, p in enumerate(parts) if any(ch in p for ch in GLOB_CHARS))
        return Path(*parts[:wild] or ["."])
    return Path(source) if Path(source).is_dir() else Path(source).parent


def data_provenance(source: object) -> dict[str, Any]:
    """`data_sha256` and `data_files` of a `--data` source, the files resolved as the loader resolves them.

    `data_files`: `{path, sha256, bytes}` per file, `path` relative to the directory (a glob: its part before the
    first wildcard), sorted by path. `data_sha256`: a single file's own sha256; for a directory or glob, the
    sha256 of the `sha256sum`-style listing (`<sha256>  <path>` lines in that order), so the same shards give
    the same digest however they are listed, and any changed, added, removed or renamed shard changes it.
    Both None for a source that is not a path (a LazyFrame) or that resolves to no file."""
    from aurumq_rl.data.source import is_glob, source_files

    if not isinstance(source, str | Path):
        return {"data_sha256": None, "data_files": None}
    files = source_files(source)
    if not files:
        return {"data_sha256": None, "data_files": None}
    root = _listing_root(str(source))
    rows = sorted(({"path": Path(os.path.relpath(f, root)).as_posix(), "sha256": sha256_file(f),
                    "bytes": f.stat().st_size} for f in files), key=lambda r: r["path"])
    if not is_glob(source) and Path(source).is_file():
        digest = rows[0]["sha256"]
    else:
        digest = hashlib.sha256("".join(f"{r['sha256']}  {r['path']}\n" for r in rows).encode("utf-8")).hexdigest()
    return {"data_sha256": digest, "data_files": rows}


def git_commit() -> str | None:
    """HEAD of the checkout this package runs from, or None outside one: a package installed into a virtual
    environment that lies inside another git work tree (a project's .venv) is no file of that repository, and
    its HEAD says nothing of the code that ran, so this module must be a file git tracks there."""
    here = Path(__file__).resolve()
    try:
        tracked = subprocess.run(["git", "ls-files", "--error-unmatch", here.name], cwd=here.parent,
                                 capture_output=True, text=True, timeout=5, check=False)
        if tracked.returncode != 0:
            return None
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here.parent,
                             capture_output=True, text=True, timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return (out.stdout.strip() or None) if out.returncode == 0 else None
