"""The whole pipeline on real A-share bars (shared/data/real, CSI 300 sample): factors → train → bundle →
infer → eval → SL → compare, through the CLI a user types. Real data is not expected to carry the planted
signal; this proves every stage runs on real bars with their quirks (adjusted prices, missing suspension rows,
the ChiNext limit switch, 2023 industry snapshot)."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

pytest.importorskip("torch")
pytest.importorskip("lightgbm")

from aurumq_rl.cli.main import main  # noqa: E402
from aurumq_rl.export.bundle import validate_bundle  # noqa: E402

FACTORS = "alpha_001,alpha_006,alpha_012,alpha_101,gtja_002,gtja_014,gtja_031"


@pytest.fixture(scope="module")
def market(shared: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = shared / "data" / "real"
    bars = pl.read_parquet(d / "real_panel_sample_csi300_2019_2023.parquet").filter(
        pl.col("trade_date").cast(pl.String).str.replace_all("-", "") >= "20210101")
    basic = pl.read_parquet(d / "stock_basic_2023.parquet").select(
        "ts_code", "list_date", "name", pl.col("industry").alias("industry_code"))
    raw = tmp_path_factory.mktemp("real") / "bars.parquet"
    bars.join(basic, on="ts_code", how="left").write_parquet(raw)
    out = raw.with_name("market.parquet")
    assert main(["factors", "compute", str(raw), "-o", str(out), "--family", "tech", "--only", FACTORS,
                 "--no-progress"]) == 0
    return out


def test_pipeline_runs_on_real_bars(market: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cols = pl.scan_parquet(market).collect_schema().names()
    assert set(FACTORS.split(",")) <= set(cols) and sum(c.startswith("tech_") for c in cols) >= 10
    run = tmp_path / "rl"
    dates = ["--train-start", "2021-01-04", "--train-end", "2022-06-30", "--val-start", "2022-07-15",
             "--val-end", "2022-12-30"]
    assert main(["train", "--data", str(market), "--out-dir", str(run), *dates, "--universe", "all",
                 "--total-timesteps", "1024", "--n-envs", "8", "--n-steps", "16", "--batch-size", "64",
                 "--top-k", "10", "--episode-length", "16", "--no-progress", "--threads", "1"]) == 0
    rep = validate_bundle(run / "bundle")
    assert rep["golden_stocks"] > 200 and rep["golden_max_abs_diff"] <= 1e-5

    picks = tmp_path / "picks.csv"
    assert main(["infer", "--bundle", str(run), "--data", str(market), "--date", "2023-03-01", "-o", str(picks)]) == 0
    p = pl.read_csv(picks)
    assert p.height == 10 and p["next_day_known"].all()
    assert p.group_by("industry").len()["len"].max() <= 3  # 30% industry cap of K = 10

    window = ["--data", str(market), "--start", "2023-01-03", "--end", "2023-03-17", "--top-k", "10",
              "--random-draws", "20", "--universe", "all"]
    assert main(["eval", "--scores", str(run), *window, "-o", str(tmp_path / "eval")]) == 0
    ev = json.loads((tmp_path / "eval" / "eval.json").read_text())
    res = ev["results"][ev["sources"][0]["name"]]
    assert res["rank_ic"]["n_days"] >= 40 and (tmp_path / "eval" / "report.html").is_file()

    sl = tmp_path / "sl"
    assert main(["sl", "train", "--data", str(market), "--universe", "all", "--label", "forward_return",
                 *dates, "--test-start", "2023-01-03", "--test-end", "2023-03-17", "--seeds", "1",
                 "--num-boost-round", "50", "--out-dir", str(sl)]) == 0
    assert main(["compare", str(run), str(sl), "factor:alpha_012", *window, "-o", str(tmp_path / "cmp")]) == 0
    cmp = json.loads((tmp_path / "cmp" / "compare.json").read_text())
    assert len(cmp["sources"]) == 3 and cmp["decision_dates"]["n"] >= 40
    out = capsys.readouterr().out
    assert "compare.html" in out
