"""Fixtures of the CLI tests: the small synthetic market (seed 2) that the training tests run on, written once per test
module."""

from __future__ import annotations

import pytest

from aurumq_rl.data.synth import preset, write_demo


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> str:
    return write_demo(str(tmp_path_factory.mktemp("d") / "m.parquet"), preset("small", seed=2))[0]
