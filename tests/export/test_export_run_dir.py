"""What `export` takes from a run directory: the bundle's metadata carries the trained run's selection settings
(top_k, sizing, industry cap) and ordered factor list, and an SB3 baseline run is refused by name (a directory
without run.json gets the generic message)."""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from pathlib import Path

import pytest

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

from aurumq_rl.cli.main import main  # noqa: E402


def test_export_metadata_carries_the_runs_selection_settings(run: tuple[str, Path]) -> None:
    """top_k, sizing, industry cap and the ordered factor list in the bundle are the trained run's."""
    _, out = run
    manifest = json.loads((out / "run.json").read_text())
    env = manifest["config"]["env"]
    meta = json.loads((out / "bundle" / "metadata.json").read_text())
    assert (meta["top_k"], meta["sizing"], meta["industry_cap"]) == (10, "equal", 0.3)
    assert (meta["top_k"], meta["sizing"], meta["industry_cap"]) == (env["top_k"], env["sizing"],
                                                                      env["industry_cap"])
    assert meta["factor_names"] == manifest["factor_names"]


def test_export_refuses_an_sb3_baseline_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An SB3 run directory of the older layout (sb3_model.zip and metrics.jsonl, no run.json; today's layout
    is covered by test_cli_train_sb3) is named as such, exit 2, nothing written; a directory with neither file
    gets the generic no-run.json message."""
    sb3 = tmp_path / "a2c"
    sb3.mkdir()
    (sb3 / "sb3_model.zip").write_bytes(b"PK\x05\x06" + bytes(18))  # an empty zip archive
    (sb3 / "metrics.jsonl").write_text('{"algorithm": "a2c"}\n')
    assert main(["export", str(sb3), "-o", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert f"error: {sb3}: an SB3 baseline run (flat MLP over a fixed stock list) cannot be exported" in err, err
    assert "--algorithm ppo" in err and "Traceback" not in err
    assert not (tmp_path / "x").exists()
    (tmp_path / "empty").mkdir()
    assert main(["export", str(tmp_path / "empty"), "-o", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert "no run.json" in err and "SB3" not in err


def test_export_without_torch_names_the_train_extra(run: tuple[str, Path], tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)
    monkeypatch.delitem(sys.modules, "aurumq_rl.export.onnx_export", raising=False)  # re-imported: needs torch
    assert main(["export", str(run[1]), "-o", str(tmp_path / "b")]) == 2
    err = capsys.readouterr().err
    assert "error: export needs the [train] extra (torch missing): pip install -e '.[train]'" in err, err
    assert not (tmp_path / "b").exists()


def test_export_names_a_missing_checkpoint(run: tuple[str, Path], tmp_path: Path) -> None:
    """A run directory without best.pt/last.pt (training stopped before the first update), or a --checkpoint
    the run lacks, is named; nothing is written."""
    from aurumq_rl.errors import DataError
    from aurumq_rl.export.onnx_export import export_bundle

    bare = tmp_path / "bare"
    bare.mkdir()
    (bare / "run.json").write_text((run[1] / "run.json").read_text())
    with pytest.raises(DataError, match=r"no checkpoint best\.pt or last\.pt"):
        export_bundle(bare, tmp_path / "b")
    with pytest.raises(DataError, match=r"no checkpoint epoch3\.pt"):
        export_bundle(run[1], tmp_path / "b", checkpoint="epoch3.pt")
    assert not (tmp_path / "b").exists()


def test_export_names_a_golden_date_that_is_no_trading_date_of_the_data(run: tuple[str, Path],
                                                                      tmp_path: Path) -> None:
    """--golden-date on a day the data has no row for (a weekend inside its range) is an error naming the flag,
    the data and the date, and nothing is written."""
    import polars as pl

    from aurumq_rl.errors import DataError
    from aurumq_rl.export.onnx_export import export_bundle

    data = run[0]
    days = pl.read_parquet(data, columns=["trade_date"])["trade_date"].unique().sort().to_list()
    days = [d if isinstance(d, dt.date) else dt.datetime.strptime(str(d), "%Y%m%d").date() for d in days]
    gap = next(a + dt.timedelta(days=1) for a, b in zip(days, days[1:], strict=False) if b - a > dt.timedelta(days=1))
    with pytest.raises(DataError, match=rf"^golden date {gap} \(--golden-date\): {re.escape(data)}: .*{gap}.*; pass "
                                        "--golden-date with a trading date of the data$"):
        export_bundle(run[1], tmp_path / "b", golden_date=str(gap))
    assert not (tmp_path / "b").exists()


def test_export_names_the_default_golden_date_when_the_data_lacks_it(run: tuple[str, Path], tmp_path: Path) -> None:
    """Without --golden-date the golden date is the run's last validation date: data without that day is an
    error saying where the date came from (the default of --golden-date), and nothing is written."""
    import polars as pl

    from aurumq_rl.errors import DataError
    from aurumq_rl.export.onnx_export import export_bundle

    day = json.loads((run[1] / "run.json").read_text())["val_dates"][1]
    bars = pl.read_parquet(run[0])
    kept = bars.filter(pl.col("trade_date").cast(pl.String).str.replace_all("-", "") != day.replace("-", ""))
    assert 0 < kept.height < bars.height
    kept.write_parquet(tmp_path / "holed.parquet")
    with pytest.raises(DataError, match=rf"^golden date {day} \(the run's last validation date, the default "
                                        r"--golden-date\): .*; pass --golden-date with a trading date of the data$"):
        export_bundle(run[1], tmp_path / "b", data=str(tmp_path / "holed.parquet"))
    assert not (tmp_path / "b").exists()


def test_export_refuses_a_checkpoint_of_another_run(run: tuple[str, Path], tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """--checkpoint names a file of another run (or no checkpoint at all): a one-line error naming it, never a
    traceback, and never a bundle of the other run's weights under this run's factor names. A checkpoint of
    the same shape trained on other factors exported silently before; another shape was a RuntimeError
    traceback from load_state_dict; a JSON file an UnpicklingError traceback."""
    import shutil

    import torch

    _, out = run
    copy = tmp_path / "run"
    shutil.copytree(out, copy, ignore=shutil.ignore_patterns("bundle", "tb"))
    state = torch.load(copy / "last.pt", map_location="cpu", weights_only=False)
    other = {**state, "resume_key": {**state["resume_key"], "factors": "3 (digest 00000000)"},
             "config": {**state["config"], "factors": "alpha_00*"}}
    torch.save(other, copy / "other.pt")  # same weights' shapes, another run's record
    torch.save({"policy": {"encoder.0.weight": torch.zeros(4, 4)}}, copy / "shape.pt")  # another architecture
    for name, says in (("other.pt", "a checkpoint of another run than"),
                       ("shape.pt", "its weights do not fit the policy"),
                       ("run.json", "not a checkpoint written by `aurumq-rl train`")):
        target = tmp_path / f"b_{name}"
        assert main(["export", str(copy), "-o", str(target), "--checkpoint", name]) == 2, name
        err = capsys.readouterr().err
        assert f"error: {copy / name}: {says}" in err and "Traceback" not in err, err
        assert not target.exists(), name
    assert main(["export", str(copy), "-o", str(tmp_path / "ok"), "--checkpoint", "last.pt"]) == 0  # its own: fine


def test_export_into_another_run_directory_is_refused(run: tuple[str, Path], tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """`export run1 -o run2/bundle` put run1's weights where `infer --bundle run2` and eval read run2's model;
    it is refused naming both, nothing written. Into its own run directory or anywhere else it is fine."""
    _, out = run
    other = tmp_path / "run2"
    other.mkdir()
    (other / "run.json").write_text("{}")
    assert main(["export", str(out), "-o", str(other / "bundle")]) == 2
    err = capsys.readouterr().err
    assert f"-o {other / 'bundle'}: inside the run directory {other.resolve()}" in err and "Traceback" not in err
    assert not (other / "bundle").exists()
    assert main(["export", str(out), "-o", str(tmp_path / "elsewhere")]) == 0
