"""Shared test fixtures: where the project's shared data lives."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


def shared_dir() -> Path:
    """The `shared/` folder beside the repository (override with AURUMQ_SHARED)."""
    env = os.environ.get("AURUMQ_SHARED")
    path = Path(env) if env else REPO_ROOT.parent / "shared"
    if not path.is_dir():
        raise FileNotFoundError(
            f"shared data folder not found at {path}; set AURUMQ_SHARED to the folder holding DOMAIN.md"
        )
    return path


@pytest.fixture(scope="session")
def shared() -> Path:
    return shared_dir()
