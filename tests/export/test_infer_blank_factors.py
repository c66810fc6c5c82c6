"""A (date, stock) whose factors are all missing is not scored: its inputs are only fill values. Inference on
a date whose factors are not computed yet is an error, not picks in code order; partly blank dates skip the
blank stocks with a warning. The SL scorer follows the same rule."""

from __future__ import annotations

import json
import warnings
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from aurumq_rl.cli.main import main
from aurumq_rl.data.loader import load_panel
from aurumq_rl.infer import load_scorer

FACTOR_PREFIXES = ("alpha_", "gtja_", "mf_", "hk_", "mkt_", "tech_")


def _blank(data: str, out: Path, day: object, codes: list[str] | None = None) -> str:
    df = pl.read_parquet(data)
    cols = [c for c in df.columns if c.startswith(FACTOR_PREFIXES)]
    hit = pl.col("trade_date") == day
    if codes is not None:
        hit = hit & pl.col("ts_code").is_in(codes)
    df.with_columns(pl.when(hit).then(None).otherwise(pl.col(c)).alias(c) for c in cols).write_parquet(out)
    return str(out)


def test_panel_blank_marks_rows_with_every_factor_missing() -> None:
    df = pl.DataFrame({"ts_code": ["600001.SH", "600002.SH"] * 2, "trade_date": [date(2024, 1, 2)] * 2
                       + [date(2024, 1, 3)] * 2, "close": 10.0, "pct_chg": 0.0, "vol": 1.0,
                       "alpha_001": [1.0, None, 2.0, None], "alpha_002": [None, None, 3.0, 4.0]})
    p = load_panel(df.lazy(), universe="all", normalize="raw")
    assert p.blank().tolist() == [[False, True], [False, False]]
    assert p.blank(np.array([0])).tolist() == [[False, True], [False, True]]  # alpha_001 alone


def test_infer_on_a_date_without_factors_is_an_error(run: tuple[str, Path], tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    data, out = run
    last = pl.read_parquet(data)["trade_date"].max()
    bad = _blank(data, tmp_path / "blank.parquet", last)
    picks = tmp_path / "picks.csv"
    assert main(["infer", "--bundle", str(out / "bundle"), "--data", bad, "-o", str(picks)]) == 2
    err = capsys.readouterr().err
    assert f"no stock of the universe has any of the model's factors on {last}" in err and "factors compute" in err
    assert not picks.exists()


def test_blank_stocks_are_not_scored_or_picked(run: tuple[str, Path], tmp_path: Path) -> None:
    data, out = run
    scorer = load_scorer(str(out / "bundle"))
    full = scorer.load_panel(data, universe="all")
    t = len(full.dates) - 1
    s = scorer.score_panel(full)[t]
    top = [str(c) for c in full.codes[np.argsort(-np.nan_to_num(s, nan=-np.inf))[:3]]]  # the three best names
    bad = _blank(data, tmp_path / "part.parquet", full.dates[t].astype(object), top)
    with pytest.warns(UserWarning, match=r"3 universe stock-date\(s\) have none of the model's factors"):
        assert main(["infer", "--bundle", str(out / "bundle"), "--data", bad, "--universe", "all",
                     "-o", str(tmp_path / "p.csv")]) == 0
    picked = pl.read_csv(tmp_path / "p.csv")["ts_code"].to_list()
    assert picked and not set(top) & set(picked)
    panel = scorer.load_panel(bad, universe="all")
    blank = np.isin(panel.codes, top)
    assert np.isnan(scorer.score_panel(panel)[t][blank]).all()


def test_the_golden_cross_section_is_what_the_scorer_scores(run: tuple[str, Path], tmp_path: Path) -> None:
    """Export's golden replay uses the golden date's scored stocks: blank rows (no factor at all) are left out
    there as `score_panel` leaves them out, so the golden scores are the ones inference produces."""
    from aurumq_rl.export.onnx_export import export_bundle

    data, out = run
    scorer = load_scorer(str(out / "bundle"))
    day = scorer.metadata["golden_date"]
    full = scorer.load_panel(data, start=day, end=day)
    codes = [str(c) for c in full.codes[full.in_universe[0]][:2]]
    bad = _blank(data, tmp_path / "part.parquet", date.fromisoformat(day), codes)
    target = export_bundle(out, tmp_path / "b", data=bad, golden_date=day)
    golden = json.loads((target / "golden_codes.json").read_text())
    assert not set(codes) & set(golden)
    blanked = load_scorer(str(target)).load_panel(bad, start=day, end=day)
    s = load_scorer(str(target)).score_panel(blanked)[0]
    scored = [str(c) for c in blanked.codes[np.isfinite(s)]]
    assert golden == scored
    np.testing.assert_allclose(np.load(target / "golden_scores.npy"), s[np.isfinite(s)], rtol=0, atol=1e-5)


def test_infer_names_a_model_factor_empty_on_a_decision_date(tmp_path: Path) -> None:
    """alpha_003 is null for every stock on the last date (the others are there): the stocks are scored with
    it filled by 0, and a warning names the factor and that date only (batch mode over every date)."""
    pytest.importorskip("onnx")
    pytest.importorskip("onnxruntime")
    from tests.export.conftest import make_bundle

    rng = np.random.default_rng(0)
    days = [date(2024, 1, d) for d in (2, 3, 4, 5, 8)]
    df = pl.DataFrame({"ts_code": [f"60000{i}.SH" for i in range(6)] * len(days),
                       "trade_date": [d for d in days for _ in range(6)], "close": 10.0, "pct_chg": 0.0,
                       "vol": 100.0, **{f"alpha_00{k}": rng.normal(size=6 * len(days)) for k in (1, 2, 3)}})
    df = df.with_columns(pl.when(pl.col("trade_date") == days[-1]).then(None).otherwise(pl.col("alpha_003"))
                         .alias("alpha_003"))
    df.write_parquet(data := tmp_path / "d.parquet")
    b = make_bundle(tmp_path / "b", normalize="zscore", market={"min_listed_days": 0})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert main(["infer", "--bundle", str(b), "--data", str(data), "--start", str(days[0]),
                     "--end", str(days[-1]), "-o", str(tmp_path / "p.csv")]) == 0
    said = [str(w.message) for w in caught if "no value for any universe stock" in str(w.message)]
    assert said == [f"{data}: 1 model factor(s) have no value for any universe stock on a decision date, so they "
                    "were filled with the neutral 0 and the model scored without them: alpha_003 on 2024-01-08; "
                    "compute them for those dates, unless the factor has no data then (e.g. a series that starts "
                    "later)"], said
    assert pl.read_csv(tmp_path / "p.csv").filter(pl.col("trade_date") == str(days[-1])).height == 2
