"""`eval` of a model judges its top K under the industry cap the model recorded, as `infer` picks under it
(docs/EVAL.md: "industry cap as in training"): the two must not serve one book and judge another."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import polars as pl
import pytest

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

from aurumq_rl.cli.main import main  # noqa: E402
from tests.export.conftest import make_bundle, small_market_file  # noqa: E402


@pytest.fixture(scope="module")
def market(tmp_path_factory: pytest.TempPathFactory) -> str:
    return small_market_file(tmp_path_factory.mktemp("cap_market"), n_days=80)


@pytest.mark.parametrize("cap", [0.1, None])
def test_eval_of_a_model_uses_its_recorded_industry_cap(tmp_path: Path, market: str, cap: float | None) -> None:
    b = make_bundle(tmp_path / "b", names=["alpha_001"], weights=[1.0], industry_cap=cap, top_k=10)
    out = tmp_path / "ev"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["eval", "--scores", str(b), "--data", market, "--top-k", "10", "--random-draws", "2",
                     "-o", str(out)]) == 0
    report = json.loads((out / "eval.json").read_text())
    assert report["settings"]["industry_cap"] == cap
    # the picks the backtest bought on its first decision date are infer's picks of that date (with the
    # next session known, infer leaves out the unbuyable names the backtest skips, so compare the bought ones)
    trades = pl.read_parquet(out / "trades.parquet")
    first = trades["decision_date"].min()
    bought = set(trades.filter((pl.col("decision_date") == first) & pl.col("entry_date").is_not_null())["ts_code"])
    picks = tmp_path / "p.parquet"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["infer", "--bundle", str(b), "--data", market, "--date", str(first), "--top-k", "10",
                     "-o", str(picks)]) == 0
    assert bought <= set(pl.read_parquet(picks)["ts_code"])
    assert len(bought) > 0 and np.isfinite(report["results"][b.name]["topk"]["equal"]["mean"])
