"""CLI robustness: unwritable -o paths, synth's -o/--seed checks, odd Parquet shards, Ctrl-C — each one clear
line on stderr and a non-zero exit, never a traceback, and nothing half-written left behind."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from aurumq_rl.cli import synth
from aurumq_rl.cli.main import main
from aurumq_rl.data.synth import generate, preset


def _fails(argv: list[str], capsys: pytest.CaptureFixture[str], *needles: str) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Traceback" not in err
    for needle in needles:
        assert needle in err, err
    return err


def test_unwritable_output_paths(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "d.parquet").mkdir()
    (tmp_path / "file.txt").write_text("keep")
    _fails(["synth", "--preset", "small", "-o", str(tmp_path / "d.parquet")], capsys,
           f"cannot write {tmp_path / 'd.parquet'} (Is a directory); choose a writable file path")
    _fails(["synth", "--preset", "small", "-o", str(tmp_path / "file.txt" / "x.parquet")], capsys,
           f"cannot write {tmp_path / 'file.txt' / 'x.parquet'} ({tmp_path / 'file.txt'} is not a directory)")
    _fails(["factors", "doc", "-o", str(tmp_path / "d.parquet")], capsys, "Is a directory")
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["d.parquet", "file.txt"]  # no temp file left
    assert (tmp_path / "file.txt").read_text() == "keep"


def test_synth_rejects_a_non_parquet_output_and_a_negative_seed(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    _fails(["synth", "--preset", "small", "-o", str(tmp_path / "a.csv")], capsys, "-o ", "a.csv", ".parquet")
    _fails(["synth", "--preset", "small", "--seed", "-1", "-o", str(tmp_path / "a.parquet")], capsys,
           "--seed -1: must be ≥ 0")
    assert list(tmp_path.iterdir()) == []


@pytest.fixture(scope="module")
def shards(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory holding a good panel shard (a few stocks); tests add an odd one beside it."""
    panel = generate(preset("small"))[0]
    codes = panel["ts_code"].unique().sort()[:20]
    d = tmp_path_factory.mktemp("shards")
    panel.filter(pl.col("ts_code").is_in(codes.implode())).write_parquet(d / "a.parquet")
    return d


@pytest.mark.parametrize("odd", ["garbage", "lacks_column"])
def test_data_check_names_an_odd_shard(shards: Path, tmp_path: Path, odd: str,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    d = tmp_path / "d"
    d.mkdir()
    panel = pl.read_parquet(shards / "a.parquet")
    mid = panel["trade_date"].unique().sort()[200]
    panel.filter(pl.col("trade_date") < mid).write_parquet(d / "a.parquet")
    if odd == "garbage":
        (d / "b.parquet").write_bytes(b"garbage!")
        want = "b.parquet is not a readable Parquet"
    else:  # the later dates, one factor column short
        factor = next(c for c in panel.columns if c.startswith("alpha_"))
        panel.filter(pl.col("trade_date") >= mid).drop(factor).write_parquet(d / "b.parquet")
        want = f"b.parquet lacks {factor}"
    _fails(["data", "check", str(d)], capsys, f"{d}: cannot read it", want,
           "must be a Parquet with the same columns")


def test_ctrl_c_prints_interrupted_and_exits_130(monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    def interrupted(args: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(synth, "run", interrupted)  # main's handling is under test, not the command
    try:
        rc = main(["synth", "-o", "unused.parquet"])
    except KeyboardInterrupt:
        pytest.fail("KeyboardInterrupt escaped main()")
    assert rc == 130
    err = capsys.readouterr().err
    assert err == "interrupted\n"


def test_closed_pipe_exits_quietly() -> None:
    """`aurumq-rl factors list | head`: the reader has left (here `true`, gone long before the CLI has started),
    so the listing meets a closed pipe; no traceback, exit 141 like any Unix filter."""
    import subprocess
    import sys

    cmd = f'"{sys.executable}" -c "from aurumq_rl.cli.main import main; import sys; sys.exit(main())" factors list'
    run = subprocess.run(["bash", "-c", f"{cmd} | true; exit ${{PIPESTATUS[0]}}"], capture_output=True, text=True,
                         timeout=120)
    assert "Traceback" not in run.stderr and "BrokenPipe" not in run.stderr, run.stderr
    assert run.returncode == 141
