"""An unusable --out-dir (an existing file, a path under a file) fails before any work in every command that
writes a directory: sl train / walk-forward / stack, eval, compare and train. The loaders are replaced by a
tripwire, so a check that comes after the work fails the test."""

from __future__ import annotations

from pathlib import Path

import pytest

import aurumq_rl.algos.trainer as trainer
import aurumq_rl.cli.eval as eval_cli
import aurumq_rl.cli.sl_steps as sl_steps
from aurumq_rl.cli.main import main
from aurumq_rl.errors import DataError
from aurumq_rl.io import check_writable


def _tripwire(*args: object, **kw: object) -> None:
    raise AssertionError("the work started before --out-dir was checked")


COMMANDS = {  # argv, the output-directory flag
    "sl train": (["sl", "train", "--data", "{data}"], "--out-dir"),
    "sl walk-forward": (["sl", "walk-forward", "--data", "{data}"], "--out-dir"),
    "sl stack": (["sl", "stack", "--data", "{data}", "{data}"], "--out-dir"),
    "eval": (["eval", "--scores", "{data}", "--data", "{data}"], "-o"),
    "compare": (["compare", "{data}", "{data}", "--data", "{data}"], "-o"),
    "train": (["train", "--data", "{data}"], "--out-dir"),
}


@pytest.mark.parametrize("command", list(COMMANDS))
def test_out_dir_checked_before_the_work(command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    for module, name in ((sl_steps, "load"), (eval_cli, "evaluate"), (trainer, "Trainer")):
        monkeypatch.setattr(module, name, _tripwire)  # raising=True: a renamed target fails here, not silently
    data = tmp_path / "data.parquet"
    data.write_bytes(b"never read")
    args, flag = COMMANDS[command]
    argv = [a.format(data=data) for a in args]
    for out, reason in ((data, "(Not a directory)"), (data / "run", f"({data} is not a directory)")):
        assert main([*argv, flag, str(out)]) == 2, command
        err = capsys.readouterr().err
        assert f"{flag}: cannot write {out} {reason}; choose a writable directory" in err, err


def test_check_writable_accepts_existing_and_new_directories(tmp_path: Path) -> None:
    check_writable(tmp_path, flag="--out-dir", directory=True)
    check_writable(tmp_path / "new" / "deeper", flag="--out-dir", directory=True)
    (tmp_path / "f.json").write_text("{}")
    check_writable(tmp_path / "f.json")  # an existing file may be replaced
    with pytest.raises(DataError, match="Is a directory"):
        check_writable(tmp_path)


@pytest.mark.parametrize(("first", "then"), [("eval", "compare"), ("compare", "eval")])
def test_eval_and_compare_do_not_share_a_report_directory(first: str, then: str, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    """eval and compare both write trades.parquet, equity.parquet and the charts: `compare -o R` after `eval -o R`
    replaced them under eval.json and report.html, a report left beside another run's files without a word.
    The second command is refused before any work, naming the other report."""
    monkeypatch.setattr(eval_cli, "evaluate", _tripwire)
    data = tmp_path / "data.parquet"
    data.write_bytes(b"never read")
    out = tmp_path / "reports"
    out.mkdir()
    (out / f"{first}.json").write_text("{}")
    args = COMMANDS[then][0]
    assert main([a.replace("{data}", str(data)) for a in args] + ["-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"error: -o {out}: holds {first}.json, an `aurumq-rl {first}` report" in err and "Traceback" not in err
