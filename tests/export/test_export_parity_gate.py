"""Export's onnx/torch parity gate on a real short run: onnxruntime scores just outside the 1e-5 tolerance (or one
NaN) refuse the export and leave the target directory exactly as it was, an existing bundle included; scores just
inside it export a bundle that validates and records the difference the gate saw."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

from aurumq_rl.export.bundle import BundleError, validate_bundle  # noqa: E402


def _skew_onnx_scores(monkeypatch: pytest.MonkeyPatch, skew: Callable[[np.ndarray], np.ndarray]) -> None:
    """The export's onnxruntime scores, passed through `skew`: a known onnx/torch difference for the gate."""
    from aurumq_rl.export import onnx_export

    real = onnx_export.run_session

    def skewed(session: object, factors: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        return skew(real(session, factors, mask))

    monkeypatch.setattr(onnx_export, "run_session", skewed)


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("existing", [False, True], ids=["new-target", "replacing-a-bundle"])
def test_export_refuses_scores_just_outside_the_parity_tolerance(run: tuple[str, Path], tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch,
                                                                 existing: bool) -> None:
    """onnxruntime scores 2e-5 off torch's (tolerance 1e-5): BundleError, and the target's directory holds
    exactly what it held before — no bundle, no `.bundle.*` temp directory, no `.bundle.old`; an existing
    bundle there is left byte for byte."""
    from aurumq_rl.export.onnx_export import export_bundle

    _, out = run
    parent = tmp_path / "out"
    target = parent / "bundle"
    if existing:
        shutil.copytree(out / "bundle", target)
    before = _tree(parent) if existing else {}
    _skew_onnx_scores(monkeypatch, lambda s: s + np.float32(2e-5))
    with pytest.raises(BundleError, match=r"differ from torch by 2(\.\d+)?e-05 \(> 1e-05, .*\); bundle not written"):
        export_bundle(out, target)
    assert sorted(p.name for p in parent.iterdir()) == (["bundle"] if existing else [])
    assert _tree(parent) == before


def test_export_accepts_scores_just_inside_the_parity_tolerance(run: tuple[str, Path], tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """onnxruntime scores 5e-6 off torch's: exported, the bundle validates, and its metadata records the
    difference the gate saw (so the skew did reach the gate)."""
    from aurumq_rl.export.onnx_export import export_bundle

    _, out = run
    real_diff = json.loads((out / "bundle" / "metadata.json").read_text())["golden_max_abs_diff"]
    assert real_diff < 1e-6  # the injected 5e-6 dominates
    _skew_onnx_scores(monkeypatch, lambda s: s + np.float32(5e-6))
    target = export_bundle(out, tmp_path / "out" / "bundle")
    assert sorted(p.name for p in target.parent.iterdir()) == ["bundle"]
    meta = json.loads((target / "metadata.json").read_text())
    assert meta["golden_max_abs_diff"] == pytest.approx(5e-6, abs=1e-6)
    assert validate_bundle(target)["golden_max_abs_diff"] < 1e-6  # golden scores are torch's, not the skewed ones


def test_export_refuses_a_nan_onnx_score(run: tuple[str, Path], tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """One NaN among the onnxruntime scores makes the difference NaN, which is within no tolerance."""
    from aurumq_rl.export.onnx_export import export_bundle

    _, out = run

    def one_nan(s: np.ndarray) -> np.ndarray:
        s = s.copy()
        s[len(s) // 2] = np.nan
        return s

    _skew_onnx_scores(monkeypatch, one_nan)
    parent = tmp_path / "out"
    with pytest.raises(BundleError, match=r"differ from torch by nan .*bundle not written"):
        export_bundle(out, parent / "bundle")
    assert list(parent.iterdir()) == []
