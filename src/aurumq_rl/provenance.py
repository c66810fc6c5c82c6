"""Provenance recorded in every artefact (run manifests, bundles, SL models): file hashes and the git commit."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path


def sha256_file(path: str | Path) -> str:
    """sha256 hex digest of a file, read in 4 MiB chunks."""
    h = hashlib.sha256()
    with Path(path).open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 22), b""):
            h.update(chunk)
    return h.hexdigest()


def sha256_if_file(path: str | Path) -> str | None:
    """sha256 of `path` when it is a single file (a directory or glob of shards has none)."""
    return sha256_file(path) if Path(path).is_file() else None


def git_commit() -> str | None:
    """HEAD of the checkout this package runs from, or None outside a git checkout."""
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=Path(__file__).resolve().parent,
                             capture_output=True, text=True, timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return (out.stdout.strip() or None) if out.returncode == 0 else None
