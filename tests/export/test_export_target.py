"""`aurumq-rl export -o DIR` replaces only a bundle (never the run or other data) and reads both date formats."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("onnxruntime")

from aurumq_rl import io as aurumq_io  # noqa: E402
from aurumq_rl.cli.main import main  # noqa: E402
from aurumq_rl.errors import DataError  # noqa: E402
from aurumq_rl.export.bundle import validate_bundle  # noqa: E402
from aurumq_rl.export.onnx_export import export_bundle  # noqa: E402


def _snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def work(run: tuple[str, Path], tmp_path: Path) -> Path:
    """A copy of the trained run with its data beside it: WORK/run (run.json, checkpoints, bundle), WORK/m.parquet."""
    data, out = run
    work = tmp_path / "work"
    shutil.copytree(out, work / "run", ignore=shutil.ignore_patterns("scratch"))
    shutil.copy(data, work / "m.parquet")
    manifest = json.loads((work / "run" / "run.json").read_text())
    manifest["config"]["data"] = str(work / "m.parquet")
    (work / "run" / "run.json").write_text(json.dumps(manifest))
    return work


def test_export_refuses_the_run_dir_its_parents_and_non_bundles(work: Path, tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    before = _snapshot(work)
    run_dir = work / "run"
    with pytest.raises(DataError, match="is the run directory"):
        export_bundle(run_dir, run_dir)
    with pytest.raises(DataError, match="contains the run directory"):
        export_bundle(run_dir, work)
    assert main(["export", str(run_dir), "-o", str(work)]) == 2
    assert "contains the run directory" in capsys.readouterr().err
    assert _snapshot(work) == before  # run, checkpoints and data untouched

    other = tmp_path / "notes"
    other.mkdir()
    (other / "keep.txt").write_text("mine")
    with pytest.raises(DataError, match="not a bundle.*checksums.json"):
        export_bundle(run_dir, other)
    with pytest.raises(DataError, match="not a directory"):
        export_bundle(run_dir, other / "keep.txt")
    assert (other / "keep.txt").read_text() == "mine" and [p.name for p in other.iterdir()] == ["keep.txt"]


def test_export_replaces_a_bundle_and_reads_both_date_formats(work: Path, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    run_dir = work / "run"
    day = json.loads((run_dir / "run.json").read_text())["val_dates"][0]  # ISO YYYY-MM-DD
    target = tmp_path / "bundle"
    assert main(["export", str(run_dir), "-o", str(target), "--golden-date", day.replace("-", "")]) == 0
    assert json.loads((target / "metadata.json").read_text())["golden_date"] == day
    export_bundle(run_dir, target, golden_date=day)  # over an existing bundle: replaced
    assert validate_bundle(target)["golden_date"] == day
    assert not target.with_name(f".{target.name}.old").exists()

    first = _snapshot(target)
    real = os.replace
    calls = []

    def fail_second(src: str | Path, dst: str | Path) -> None:
        calls.append(dst)
        if len(calls) == 2:  # the new bundle into place
            raise OSError("disk full")
        real(src, dst)

    monkeypatch.setattr(aurumq_io.os, "replace", fail_second)  # the swap is io.atomic_dir's
    with pytest.raises(DataError, match=r"cannot write .*bundle \(disk full\)"):  # one line in the CLI
        export_bundle(run_dir, target)
    monkeypatch.undo()
    assert _snapshot(target) == first  # the previous bundle is back in place
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
