"""A --config file's keys are train's flags and nothing else: `config` (a file naming another, which was silently
not read) and argparse's own `func` and `command` entries are unknown keys; an empty `factors` list is refused
by name (it loaded no factor and the run failed on "universe ... holds no stock with factor values")."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("torch")

from aurumq_rl.cli.main import main  # noqa: E402
from tests.cli.helpers import TINY, _steps  # noqa: E402


@pytest.mark.parametrize(("key", "value", "says"), [
    ("config", "base.toml", "unknown key 'config' (a --config file cannot include another)"),
    ("func", "x", "unknown key 'func'"),
    ("command", "eval", "unknown key 'command'"),  # the top-level parser's subcommand entry: was silently ignored
])
def test_a_config_key_that_is_no_flag_is_refused(data: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                 key: str, value: str, says: str) -> None:
    (tmp_path / "base.toml").write_text("seed = 7\n")
    path = tmp_path / "c.json"
    path.write_text(json.dumps({key: value}))
    out = tmp_path / "run"
    assert main(["train", "--config", str(path), "--data", data, "--out-dir", str(out), *_steps(1), *TINY]) == 2
    err = capsys.readouterr().err
    assert f"error: --config {path}: {says}" in err and "Traceback" not in err, err
    assert not out.exists()  # refused before anything is written


def test_an_empty_factor_list_is_refused_by_name(data: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "c.toml"
    path.write_text("factors = []\n")
    out = tmp_path / "run"
    assert main(["train", "--config", str(path), "--data", data, "--out-dir", str(out), *_steps(1), *TINY]) == 2
    err = capsys.readouterr().err
    assert "error: factors=[]: an empty list selects no factor column" in err and "universe" not in err, err
    assert not (out / "last.pt").exists()
