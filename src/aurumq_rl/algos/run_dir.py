"""The training run directory's files besides the checkpoints' contents: which files a fresh run clears, the
metrics log trimmed back to a checkpoint on --resume, and the code of earlier sessions kept in run.json."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from aurumq_rl.export.bundle import METADATA_FILE
from aurumq_rl.io import atomic_write_text

# what a training run writes into --out-dir besides run.json and tb/, for PPO and the SB3 path alike
RUN_ARTEFACTS = ("metrics.jsonl", "best.pt", "last.pt", "best.zip", "last.zip", "sb3_model.zip")


def clear_run_artefacts(out: Path) -> None:
    """A fresh run into `out` removes an earlier run's metrics, checkpoints and bundle/, of either path: a stale
    best.pt would otherwise outlive a run whose validation never improved on -inf, and be exported with the
    new run.json; a stale bundle/ (after --no-export, or an SB3 run) would be what `infer --bundle OUT` and
    `eval --scores OUT` score; stale TensorBoard event files in tb/ would draw the earlier run's curves over the
    new one's. Only our own files go: a bundle/ holding metadata.json, tb/'s `events.out.tfevents.*` files."""
    for name in RUN_ARTEFACTS:
        (out / name).unlink(missing_ok=True)
    if (out / "bundle" / METADATA_FILE).is_file():  # ours (bundles are written whole); another folder stays
        shutil.rmtree(out / "bundle")
    for events in sorted((out / "tb").rglob("events.out.tfevents.*")):
        events.unlink()


SESSION_KEYS = ("aurumq_rl_version", "git_commit", "versions")


def earlier_sessions(run_json: Path, resumed_at: int) -> list[dict]:
    """The code that trained a resumed run before this session: the previous run.json's sessions plus its own
    version, commit and package versions, and the update this session resumed from. run.json is rewritten with
    this session's provenance, so without it a run trained by two versions would name only the last."""
    try:
        old = json.loads(run_json.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [*old.get("earlier_sessions", []), {**{k: old.get(k) for k in SESSION_KEYS}, "until_update": resumed_at}]


def trim_metrics_log(path: Path, updates: int) -> None:
    """On --resume from a checkpoint at `updates`: keep the log's rows of updates 1 … `updates` and drop the rest (a
    row a killed run wrote after its last checkpoint, a line cut short by the kill), so that the resumed run writes
    each later update exactly once."""
    if not path.is_file():
        return
    keep = []
    for line in path.read_text(encoding="utf-8").splitlines(keepends=True):
        try:
            row = json.loads(line)
        except ValueError:
            continue
        if line.endswith("\n") and isinstance(row, dict) and isinstance(row.get("update"), int) \
                and row["update"] <= updates:
            keep.append(line)
    atomic_write_text("".join(keep), path)
