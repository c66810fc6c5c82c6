"""Inference on a CPU: score a date's cross-section with a trained model (RL ONNX bundle or SL model).

Core install only (numpy, polars, onnxruntime; lightgbm for SL models): nothing here imports torch.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from aurumq_rl.errors import DataError


def find_model(path: str | Path) -> tuple[Path, Literal["rl", "sl"]] | None:
    """(directory, kind) of the model at `path`: an RL bundle (policy.onnx + metadata.json), an SL model
    directory (manifest.json of kind sl_gbdt), or a run directory holding one as bundle/ or model/; None when
    there is none. The one test of "is this a model" (infer, eval and compare share it)."""
    from aurumq_rl.export.bundle import METADATA_FILE, MODEL_FILE
    from aurumq_rl.sl.model_io import MANIFEST, MODEL_KIND

    root = Path(path)
    for cand in (root, root / "bundle", root / "model"):
        if (cand / MODEL_FILE).is_file() and (cand / METADATA_FILE).is_file():
            return cand, "rl"
        manifest = cand / MANIFEST
        if manifest.is_file():
            try:
                if json.loads(manifest.read_text(encoding="utf-8")).get("kind") == MODEL_KIND:
                    return cand, "sl"
            except (ValueError, AttributeError):
                pass
    return None


def sb3_baseline_note(path: str | Path) -> str | None:
    """Why the run directory `path` holds no model to score, when its run.json records an SB3 algorithm (`train
    --algorithm a2c|sac|sb3-ppo`: a flat MLP over the training stock list, never exported); else None."""
    try:
        algorithm = json.loads((Path(path) / "run.json").read_text(encoding="utf-8")).get("algorithm", "ppo")
    except (OSError, ValueError, AttributeError):
        return None
    if algorithm == "ppo":
        return None
    return (f"an SB3 baseline run (--algorithm {algorithm}: a flat MLP over the training stock list) has no "
            "bundle and cannot be scored by infer or eval; its validation metrics are in metrics.jsonl and its "
            "models in best.zip / last.zip (stable_baselines3); train with --algorithm ppo for a bundle")


def no_model_note(path: str | Path) -> str | None:
    """Why the run directory `path` holds no model to score: an SB3 baseline run (`sb3_baseline_note`), or a PPO
    run with checkpoints but no bundle/ (`train --no-export`, or an export that failed), which `export` makes;
    None for anything else."""
    note = sb3_baseline_note(path)
    if note or not (Path(path) / "run.json").is_file():
        return note
    if not any((Path(path) / ckpt).is_file() for ckpt in ("best.pt", "last.pt")):
        return None
    return (f"a training run without bundle/ (trained with --no-export, or its export failed); export it first: "
            f"aurumq-rl export {path} -o {Path(path) / 'bundle'}")


def load_scorer(path: str | Path, *, threads: int = 1) -> Any:
    """A scorer for `path`: an RL bundle (`metadata.json` + `policy.onnx`), an RL run directory holding
    `bundle/`, an SL model directory (`manifest.json`, kind sl_gbdt) or an SL run directory holding `model/`.

    Every scorer has `.metadata`, `.factor_names`, `.load_panel(data, start=, end=, universe=, market=)` and
    `.score_panel(panel) -> [T, N]` (NaN outside the universe)."""
    found = find_model(path)
    if found is not None and found[1] == "rl":
        from aurumq_rl.infer.scorer import Scorer

        return Scorer(found[0], threads=threads)
    if found is not None:
        from aurumq_rl.sl.model_io import SLScorer

        return SLScorer(found[0])
    root = Path(path)
    note = no_model_note(root)
    if note:
        raise DataError(f"{root}: {note}")
    raise DataError(f"{root}: not a model — expected an RL bundle (policy.onnx + metadata.json, from "
                    "`aurumq-rl export`), a run directory holding bundle/ or model/, or an SL model directory")
