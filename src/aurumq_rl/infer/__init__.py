"""Inference on a CPU: score a date's cross-section with a trained model (RL ONNX bundle or SL model).

Core install only (numpy, polars, onnxruntime; lightgbm for SL models): nothing here imports torch.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aurumq_rl.errors import DataError


def load_scorer(path: str | Path, *, threads: int = 1) -> Any:
    """A scorer for `path`: an RL bundle (`metadata.json` + `policy.onnx`), an RL run directory holding
    `bundle/`, an SL model directory (`manifest.json`, kind sl_gbdt) or an SL run directory holding `model/`.

    Every scorer has `.metadata`, `.factor_names`, `.load_panel(data, start=, end=, universe=)` and
    `.score_panel(panel) -> [T, N]` (NaN outside the universe)."""
    root = Path(path)
    for cand in (root, root / "bundle", root / "model"):
        if (cand / "policy.onnx").is_file() and (cand / "metadata.json").is_file():
            from aurumq_rl.infer.scorer import Scorer

            return Scorer(cand, threads=threads)
        if (cand / "manifest.json").is_file():
            from aurumq_rl.sl.model_io import SLScorer

            return SLScorer(cand)
    raise DataError(f"{root}: not a model — expected an RL bundle (policy.onnx + metadata.json, from "
                    "`aurumq-rl export`), a run directory holding bundle/ or model/, or an SL model directory")
