"""Shared by the export and inference tests: a short real training run exported to a bundle, and a hand-built
bundle (a linear ONNX graph, no torch) whose golden scores are computed here."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from aurumq_rl.data.normalize import normalize_params
from aurumq_rl.data.synth import preset, write_demo
from aurumq_rl.export.bundle import BUNDLE_FILES, schema_hash
from aurumq_rl.provenance import sha256_file

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


NAMES = ["alpha_001", "alpha_002", "alpha_003"]
WEIGHTS = [1.0, 10.0, 100.0]  # score = x1 + 10 x2 + 100 x3: any column mix-up changes it


def _graph(weights: list[float], path: Path) -> None:
    """scores[b, n] = factors[b, n, :] · weights where mask, else 0."""
    from onnx import TensorProto, helper, numpy_helper, save

    f = len(weights)
    inits = [numpy_helper.from_array(np.asarray(weights, np.float32), "w"),
             numpy_helper.from_array(np.zeros((), np.float32), "zero")]
    nodes = [helper.make_node("MatMul", ["factors", "w"], ["raw"]),
             helper.make_node("Where", ["mask", "raw", "zero"], ["scores"])]
    graph = helper.make_graph(
        nodes, "linear",
        [helper.make_tensor_value_info("factors", TensorProto.FLOAT, ["batch", "n_stocks", f]),
         helper.make_tensor_value_info("mask", TensorProto.BOOL, ["batch", "n_stocks"])],
        [helper.make_tensor_value_info("scores", TensorProto.FLOAT, ["batch", "n_stocks"])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    save(model, str(path))


def _seal(root: Path) -> None:
    (root / "checksums.json").write_text(json.dumps({f: sha256_file(root / f) for f in BUNDLE_FILES}))


def small_market_file(root: Path, n_days: int = 40) -> str:
    """The small synthetic market cut to 60 stocks × `n_days` days, written under `root` (seed 1)."""
    import dataclasses

    from aurumq_rl.data.synth import preset, write_demo

    cfg = dataclasses.replace(preset("small", seed=1), n_stocks=60, n_days=n_days)
    return write_demo(str(root / "m.parquet"), cfg)[0]


def make_bundle(root: Path, *, names: list[str] = NAMES, weights: list[float] = WEIGHTS,
                golden_shift: float = 0.0, **meta: object) -> Path:
    """A complete, sealed bundle whose golden scores are the linear map computed here (plus `golden_shift`)."""
    root.mkdir(parents=True)
    _graph(weights, root / "policy.onnx")
    obs = (np.arange(6 * len(names), dtype=np.float32).reshape(6, len(names)) - 9) / 8  # exact in float32
    want = obs.astype(np.float64) @ np.asarray([0.0 if np.isnan(w) else w for w in weights]) + golden_shift
    np.save(root / "golden_obs.npy", obs)
    np.save(root / "golden_scores.npy", want)
    (root / "golden_codes.json").write_text(json.dumps([f"60000{i}.SH" for i in range(6)]))
    md = {"bundle_format": 1, "kind": "rl_onnx", "algorithm": "ppo", "factor_names": names, "normalize": "raw",
          "universe": "all", "market_wide": [], "feature_group_weights": {}, "top_k": 2, "sizing": "equal",
          "industry_cap": 0.3, "golden_date": "2024-01-02",
          "normalize_params": normalize_params(),
          **meta}
    (root / "metadata.json").write_text(json.dumps(md))
    (root / "factor_schema.json").write_text(json.dumps({"factor_names": names, "sha256": schema_hash(names)}))
    _seal(root)
    return root
