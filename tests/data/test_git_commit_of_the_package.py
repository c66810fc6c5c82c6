"""run.json's (and the bundle's, the SL manifest's) git_commit is the commit of the code that ran: None for a package
installed into a virtual environment that lies inside another git work tree (a project's .venv, git-ignored or
not), whose HEAD was recorded as if it were aurumq-rl's commit; the HEAD of the checkout that tracks it otherwise."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
from pathlib import Path
from types import ModuleType

import pytest

import aurumq_rl.provenance as provenance

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="no git on PATH")


def _git(repo: Path, *args: str) -> str:
    cmd = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false", *args]
    return subprocess.run(cmd, cwd=repo, capture_output=True, text=True, check=True).stdout.strip()


def _installed_copy(site: Path) -> ModuleType:
    """provenance.py as a non-editable install puts it: a copy under site-packages, imported from there."""
    pkg = site / "aurumq_rl"
    pkg.mkdir(parents=True)
    shutil.copy(provenance.__file__, pkg / "provenance.py")
    spec = importlib.util.spec_from_file_location("installed_provenance", pkg / "provenance.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_package_installed_inside_another_repository_records_no_commit(tmp_path: Path) -> None:
    project = tmp_path / "project"  # the user's own repository, with its virtual environment inside
    project.mkdir()
    _git(project, "init", "-q")
    (project / ".gitignore").write_text(".venv/\n")
    (project / "notes.md").write_text("my strategy\n")
    _git(project, "add", ".")
    _git(project, "commit", "-q", "-m", "mine")
    head = _git(project, "rev-parse", "HEAD")
    installed = _installed_copy(project / ".venv" / "lib" / "python3.12" / "site-packages")
    assert installed.git_commit() is None  # was the project's HEAD, a commit holding no aurumq-rl code
    assert head  # the project is a real repository with a HEAD


def test_a_checkout_that_tracks_the_package_records_its_head(tmp_path: Path) -> None:
    repo = tmp_path / "aurumq-rl"
    repo.mkdir()
    _git(repo, "init", "-q")
    checkout = _installed_copy(repo / "src")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "code")
    assert checkout.git_commit() == _git(repo, "rev-parse", "HEAD")
