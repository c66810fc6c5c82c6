"""Training checkpoints: last.pt written atomically (a failed write keeps the previous one whole), best.pt the update
with the best validation score of `best_metric` (kept across --resume, even when every score is negative), an
unknown `best_metric` refused, and the export at the end of training taking best.pt unless `export --checkpoint`
names another."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from aurumq_rl.algos.trainer import Trainer  # noqa: E402
from aurumq_rl.cli.main import main  # noqa: E402
from aurumq_rl.envs.market_sim import EnvConfig  # noqa: E402
from aurumq_rl.errors import DataError  # noqa: E402
from aurumq_rl.market.costs import CostModel  # noqa: E402
from tests.cli.helpers import TINY, _cfg, _rows, _steps  # noqa: E402


def test_checkpoints_are_written_atomically(data: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A checkpoint write that fails half-way (disk full) leaves the previous last.pt whole and loadable, no
    temp file, and an error naming the checkpoint."""
    out = tmp_path / "run"
    real = torch.save
    calls: list[str] = []

    def failing(obj: object, f: object, *a: object, **kw: object) -> None:
        if "last.pt" in Path(str(f)).name:
            calls.append(str(f))
            if len(calls) == 2:
                Path(str(f)).write_bytes(b"half a checkpoint")
                raise OSError(28, "No space left on device")
        real(obj, f, *a, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(torch, "save", failing)
    with pytest.raises(DataError, match=f"{out / 'last.pt'}.*No space left"):
        Trainer(_cfg(data, out, 3)).run(progress=False)
    monkeypatch.undo()
    assert torch.load(out / "last.pt", weights_only=False)["updates"] == 1
    assert not [p.name for p in out.iterdir() if p.name.endswith(".tmp")]  # the half-written temp is gone


def test_best_checkpoint_is_the_best_validation_score_even_when_all_are_negative(data: str, tmp_path: Path) -> None:
    """best.pt holds the update with the highest `best_metric` (here val_topk_return, all negative under a
    300 bps round trip), never the last or another metric's; across a --resume the best so far is kept (with
    this seed the best is update 1, before the resume, and no later update beats it)."""
    out = tmp_path / "run"
    env = EnvConfig(top_k=5, episode_length=8, cost=CostModel(300.0))
    for updates in (3, 6):  # 3 updates, then --resume to 6
        cfg = _cfg(data, out, updates, seed=1, env=env, eval_every=1, best_metric="val_topk_return")
        Trainer(cfg).run(resume=updates == 6, progress=False)
    rows = _rows(out)
    assert [r["update"] for r in rows] == [1, 2, 3, 4, 5, 6]
    vals = [r["val_topk_return"] for r in rows]
    assert max(vals) < 0
    best = torch.load(out / "best.pt", weights_only=False)
    assert best["updates"] == rows[int(np.argmax(vals))]["update"]  # first of ties: only a strict gain replaces it
    assert best["best"] == pytest.approx(max(vals))


def test_an_unknown_best_metric_is_refused(data: str, tmp_path: Path) -> None:
    """best_metric must be one of val_rank_ic / val_topk_return: anything else is a DataError naming it."""
    with pytest.raises(DataError, match="best_metric='val_sharpe': choose one of"):
        Trainer(_cfg(data, tmp_path / "run", 1, best_metric="val_sharpe"))


def test_export_uses_best_pt_by_default_and_the_checkpoint_asked_for(data: str, tmp_path: Path) -> None:
    """train ends by exporting best.pt (the export's default, else last.pt); `export --checkpoint last.pt`
    exports that one; the bundle's metadata names the checkpoint it holds."""
    run = tmp_path / "run"
    argv = ["train", "--data", data, "--out-dir", str(run), *_steps(2), *TINY, "--eval-every", "1"]
    assert main([a for a in argv if a != "--no-export"]) == 0
    assert json.loads((run / "bundle" / "metadata.json").read_text())["checkpoint"] == "best.pt"
    assert main(["export", str(run), "-o", str(tmp_path / "b"), "--checkpoint", "last.pt"]) == 0
    assert json.loads((tmp_path / "b" / "metadata.json").read_text())["checkpoint"] == "last.pt"
