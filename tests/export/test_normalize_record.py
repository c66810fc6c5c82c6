"""The z-score transform a model records is the one it was trained on: an RL run records it in run.json at
training time and export copies it from there (not this version's constants), an SL model records it in its
manifest; inference refuses a record that differs from what this version applies."""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import pytest

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

from aurumq_rl.data.normalize import normalize_params  # noqa: E402
from aurumq_rl.errors import DataError  # noqa: E402
from aurumq_rl.export.onnx_export import build_metadata, export_bundle  # noqa: E402
from aurumq_rl.infer.scorer import Scorer  # noqa: E402


def _run_copy(out: Path, tmp_path: Path, edit: dict[str, object] | None, drop: str | None) -> Path:
    copy = tmp_path / "run"
    shutil.copytree(out, copy, ignore=shutil.ignore_patterns("bundle", "tb"))
    manifest = json.loads((copy / "run.json").read_text())
    if drop:
        manifest.pop(drop, None)
    manifest.update(edit or {})
    (copy / "run.json").write_text(json.dumps(manifest))
    return copy


def test_a_run_records_the_transform_it_trained_on_and_its_bundle_carries_it(run: tuple[str, Path]) -> None:
    data, out = run
    manifest = json.loads((out / "run.json").read_text())
    meta = json.loads((out / "bundle" / "metadata.json").read_text())
    assert manifest["normalize_params"] == normalize_params() == meta["normalize_params"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        Scorer(out / "bundle").load_panel(data)  # this version's record: accepted


def test_export_of_a_run_trained_before_the_winsorisation_is_refused(run: tuple[str, Path], tmp_path: Path) -> None:
    """A run.json without `normalize_params` was trained on plain clipped z-scores (no winsorisation). Export
    stamped this version's settings into the bundle anyway, so the scorer's guard accepted it and fed the model
    winsorised inputs it never saw; export refuses it, naming the run's record."""
    _, out = run
    old = _run_copy(out, tmp_path, None, "normalize_params")
    with pytest.raises(DataError, match=r"not winsorised \(.*run\.json normalize_params\).*retrain") as exc:
        export_bundle(old, tmp_path / "b")
    assert "golden date" not in str(exc.value)
    assert not (tmp_path / "b").exists()


def test_export_carries_the_runs_recorded_transform_not_this_versions(run: tuple[str, Path], tmp_path: Path) -> None:
    _, out = run
    other = {**normalize_params(), "zscore_clip": 3.0}
    with pytest.raises(DataError, match=r"clipped at ±3.0"):
        export_bundle(_run_copy(out, tmp_path, {"normalize_params": other}, None), tmp_path / "b")
    meta = build_metadata({**json.loads((out / "run.json").read_text()), "normalize_params": other}, "best.pt",
                          "2021-12-10")
    assert meta["normalize_params"] == other
    legacy = json.loads((out / "run.json").read_text())
    legacy.pop("normalize_params")
    assert "zscore_winsor_mad" not in build_metadata(legacy, "best.pt", "2021-12-10")["normalize_params"]
