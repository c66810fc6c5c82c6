"""`sl walk-forward`'s report names the label it measured: its out-of-sample ICs were spread over the report's
top level, and their "label" key (the label IC) replaced the label's name, so sl_walk_forward.json never said
which label (or horizon) its figures were for."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aurumq_rl.cli.main import main
from tests.sl.test_cli_sl import FAST


def test_walk_forward_report_records_the_label_and_its_oos_ics_apart(market: str, tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "wf"
    assert main(["sl", "walk-forward", "--data", market, "--label", "triple_barrier", "--forward-period", "3",
                 "--seeds", "1", "--test-days", "60", "--min-train-days", "100", "--out-dir", str(out), *FAST]) == 0
    printed = capsys.readouterr().out
    rep = json.loads((out / "sl_walk_forward.json").read_text())
    assert rep["label"] == "triple_barrier" and rep["forward_period"] == 3
    oos = rep["test"]
    assert set(oos) == {"label", "forward_return"} and rep["n_windows"] == len(rep["windows"])
    assert oos["label"]["n_days"] > 0 and oos["forward_return"]["n_days"] > 0
    assert f"OOS rank IC vs label {oos['label']['rank_ic']:+.4f}" in printed  # what the command printed
    assert f"vs 3d return {oos['forward_return']['rank_ic']:+.4f}" in printed
