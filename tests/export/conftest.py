"""A short real training run, exported to a bundle, shared by the export and inference tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from aurumq_rl.data.synth import preset, write_demo

TRAIN = ["--total-timesteps", "512", "--n-envs", "8", "--n-steps", "16", "--batch-size", "64", "--top-k", "10",
         "--episode-length", "16", "--eval-every", "2", "--no-progress", "--threads", "1",
         "--feature-group-weights", "alpha_=0.5,mf_=2"]


@pytest.fixture(scope="package")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    root = tmp_path_factory.mktemp("bundle")
    data = write_demo(str(root / "m.parquet"), preset("small", seed=5))[0]
    out = root / "run"
    pytest.importorskip("torch")
    from aurumq_rl.cli.main import main

    assert main(["train", "--data", data, "--out-dir", str(out), *TRAIN]) == 0  # exports out/bundle
    return data, out


