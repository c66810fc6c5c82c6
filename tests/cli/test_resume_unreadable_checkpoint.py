"""--resume from a last.pt that is no training checkpoint (cut short by an interrupted copy of the run directory, a
file of another tool): one error line naming the file and the fix, exit 2, nothing trained or rewritten (it was
torch's traceback, a RuntimeError or an UnpicklingError)."""

from __future__ import annotations

from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from aurumq_rl.cli.main import main  # noqa: E402
from tests.cli.helpers import TINY, _rows, _steps  # noqa: E402


@pytest.mark.parametrize("damage", ["truncated", "json", "weights_only"])
def test_resume_from_an_unreadable_checkpoint_is_one_error_line(
    data: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], damage: str
) -> None:
    out = tmp_path / "run"
    argv = ["train", "--data", data, "--out-dir", str(out), *TINY, "--seed", "3"]
    assert main([*argv, *_steps(1)]) == 0  # one update done, then a resume to two
    last = out / "last.pt"
    whole = last.read_bytes()
    if damage == "truncated":  # the copy stopped half-way
        last.write_bytes(whole[: len(whole) // 2])
    elif damage == "json":
        last.write_text("{}")
    else:  # a policy state_dict saved by hand, no optimiser, counters or random states
        torch.save(torch.load(out / "best.pt", weights_only=False)["policy"], last)
    manifest = (out / "run.json").read_text()
    capsys.readouterr()
    assert main([*argv, *_steps(2), "--resume"]) == 2
    err = capsys.readouterr().err
    assert f"error: --resume: {last} is not a" in err and "Traceback" not in err, err
    assert "new --out-dir" in err
    assert [r["update"] for r in _rows(out)] == [1]  # nothing trained
    assert (out / "run.json").read_text() == manifest
