"""`sl train --prune --compare-features`: the other feature mode is trained on the columns of the model kept. It
was trained on every column while the reported figure of the run's own mode came from the pruned model, so the
two ICs differed by the pruning as well as the mode."""

from __future__ import annotations

import json
from pathlib import Path

from aurumq_rl.cli.main import main

FAST = ["--num-boost-round", "40", "--learning-rate", "0.1", "--min-data-in-leaf", "50", "--num-threads", "1",
        "--seeds", "1"]


def test_the_other_mode_uses_the_pruned_columns(market: str, tmp_path: Path) -> None:
    pruned = tmp_path / "pruned"
    assert main(["sl", "train", "--data", market, *FAST, "--prune", "0.5", "--compare-features",
                 "--out-dir", str(pruned)]) == 0
    report = json.loads((pruned / "sl_run.json").read_text())
    assert report["prune"]["model_kept"] == "pruned" and report["prune"]["dropped"]  # this market, these flags
    kept = report["prune"]["kept"]
    rank = tmp_path / "rank"  # the rank-mode model on exactly the kept columns
    assert main(["sl", "train", "--data", market, *FAST, "--features", "rank", "--factors", ",".join(kept),
                 "--out-dir", str(rank)]) == 0
    plain = json.loads((rank / "sl_run.json").read_text())
    assert report["feature_modes"]["rank"] == {"val_rank_ic": plain["val"]["label"]["rank_ic"],
                                               "test_rank_ic": plain["test"]["label"]["rank_ic"]}
    assert report["feature_modes"]["raw"]["val_rank_ic"] == report["val"]["label"]["rank_ic"]
