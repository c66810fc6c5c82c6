"""Output robustness of synth / infer / demo: an unwritable -o fails before any work (the data generator or
the model loader is replaced by a tripwire), and write_demo writes its panel + index pair all or nothing."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import polars as pl
import pytest

import aurumq_rl.data.synth as synth_data
import aurumq_rl.infer as infer_pkg
from aurumq_rl.cli.main import main
from aurumq_rl.errors import DataError


def _tripwire(*args: object, **kw: object) -> None:
    raise AssertionError("the work started before -o was checked")


def bad_outputs(tmp_path: Path, suffix: str) -> list[tuple[Path, str]]:
    """-o paths ending in `suffix` that the writers cannot create, each with the reason the error must give."""
    (tmp_path / f"dir{suffix}").mkdir()
    (tmp_path / "file.txt").write_text("keep")
    cases = [(tmp_path / f"dir{suffix}", "(Is a directory)"),
             (tmp_path / "file.txt" / f"x{suffix}", f"({tmp_path / 'file.txt'} is not a directory)")]
    if os.geteuid() != 0:  # root may write anywhere, so a read-only directory only stops other users
        (tmp_path / "ro").mkdir(mode=0o555)
        cases.append((tmp_path / "ro" / f"x{suffix}", f"(Permission denied: {tmp_path / 'ro'})"))
    return cases


def _fails_at_once(argv: list[str], capsys: pytest.CaptureFixture[str], out: Path, reason: str) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert f"-o: cannot write {out}" in err and reason in err and "choose a writable file path" in err, err


def test_synth_checks_output_before_generating(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(synth_data, "generate", _tripwire)
    for out, reason in bad_outputs(tmp_path, ".parquet"):
        _fails_at_once(["synth", "--preset", "small", "-o", str(out)], capsys, out, reason)


@pytest.mark.parametrize("suffix", [".csv", ".json", ".parquet"])
def test_infer_checks_output_before_loading_the_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      suffix: str, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(infer_pkg, "load_scorer", _tripwire)
    data = tmp_path / "data.parquet"
    data.write_bytes(b"never read")
    for out, reason in bad_outputs(tmp_path, suffix):
        _fails_at_once(["infer", "--bundle", str(tmp_path), "--data", str(data), "-o", str(out)], capsys, out,
                       reason)


def test_demo_checks_its_out_dir_before_generating(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(synth_data, "generate", _tripwire)
    monkeypatch.setattr("aurumq_rl.cli.demo._check_extras", lambda skip_sl: None)
    (tmp_path / "file.txt").write_text("keep")
    assert main(["demo", "-o", str(tmp_path / "file.txt")]) == 2
    err = capsys.readouterr().err
    assert f"-o: cannot write {tmp_path / 'file.txt' / 'market.parquet'}" in err
    assert f"{tmp_path / 'file.txt'} is not a directory" in err


@pytest.mark.parametrize("failing", ["panel", "index"])
def test_write_demo_is_all_or_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str) -> None:
    """A failed write of either file leaves the previous pair as it was and no temp file behind."""
    cfg = dataclasses.replace(synth_data.preset("small"), n_stocks=20, n_days=40)
    out = tmp_path / "market.parquet"
    (tmp_path / "market.parquet").write_text("old panel")
    (tmp_path / "market_index.parquet").write_text("old index")
    real = pl.DataFrame.write_parquet

    def write_parquet(df: pl.DataFrame, file: object, *args: object, **kw: object) -> None:
        if ("open" in df.columns and "alpha_001" not in df.columns) == (failing == "index"):
            raise OSError(28, "No space left on device", str(file))
        real(df, file, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(pl.DataFrame, "write_parquet", write_parquet)
    with pytest.raises(DataError, match="No space left on device"):
        synth_data.write_demo(str(out), cfg)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["market.parquet", "market_index.parquet"]
    assert out.read_bytes() == b"old panel"
    assert (tmp_path / "market_index.parquet").read_bytes() == b"old index"
    monkeypatch.undo()
    panel, index = synth_data.write_demo(str(out), cfg)
    assert pl.read_parquet(panel).height == 20 * 40 and pl.read_parquet(index).height == 40
