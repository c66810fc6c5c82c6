"""metrics.jsonl is JSON Lines that strict readers parse: a metric with no value (val_rank_ic on a universe of fewer
than the 10 stocks a rank IC needs) is written as null. Python's json wrote the token NaN, which is no JSON:
polars.read_ndjson (the project's own dataframe library), jq and JavaScript refused the whole log."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import polars as pl
import pytest

pytest.importorskip("torch")

from aurumq_rl.cli.main import main  # noqa: E402
from aurumq_rl.data.synth import preset, write_demo  # noqa: E402
from aurumq_rl.eval.ic import MIN_STOCKS  # noqa: E402


def _strict(line: str) -> dict:
    def refuse(token: str) -> None:
        raise ValueError(f"not JSON: {token}")

    return json.loads(line, parse_constant=refuse)


def test_a_metric_without_value_is_null_and_the_log_reads_strictly(tmp_path: Path) -> None:
    cfg = dataclasses.replace(preset("small", seed=2), n_stocks=MIN_STOCKS - 1, n_days=120)
    data, _ = write_demo(str(tmp_path / "m.parquet"), cfg)
    out = tmp_path / "run"
    argv = ["train", "--data", data, "--out-dir", str(out), "--universe", "all", "--best-metric", "val_topk_return",
            "--total-timesteps", "64", "--n-envs", "4", "--n-steps", "8", "--batch-size", "16", "--top-k", "2",
            "--episode-length", "8", "--eval-every", "1", "--no-progress", "--no-export", "--threads", "1"]
    assert main(argv) == 0
    lines = (out / "metrics.jsonl").read_text().splitlines()
    rows = [_strict(x) for x in lines]
    assert [r["update"] for r in rows] == [1, 2]
    assert all(r["val_rank_ic"] is None and r["val_ic"] is None for r in rows)  # < MIN_STOCKS stocks: no IC
    assert all(isinstance(r["val_topk_return"], float) for r in rows)
    frame = pl.read_ndjson(out / "metrics.jsonl")
    assert frame["update"].to_list() == [1, 2] and frame["val_rank_ic"].null_count() == 2


def test_json_line_writes_non_finite_numbers_as_null() -> None:
    from aurumq_rl.io import json_line

    row = {"a": float("nan"), "b": float("inf"), "c": -float("inf"), "d": 1.5, "e": 3, "f": "x"}
    assert _strict(json_line(row)) == {"a": None, "b": None, "c": None, "d": 1.5, "e": 3, "f": "x"}
    assert json_line(row).endswith("}\n") and json_line(row).count("\n") == 1
