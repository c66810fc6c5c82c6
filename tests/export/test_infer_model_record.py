"""What a model records that inference must honour: an industry cap the data cannot apply, decision dates
inside its training window, the z-score clip of its inputs, factors it never saw a value of; and exports that
fail clearly (a golden date without factors, onnx missing)."""

from __future__ import annotations

import dataclasses
import json
import warnings
from pathlib import Path

import numpy as np
import polars as pl
import pytest

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

from aurumq_rl.cli.main import main  # noqa: E402
from aurumq_rl.errors import DataError  # noqa: E402
from aurumq_rl.infer.scorer import Scorer  # noqa: E402
from tests.export.conftest import make_bundle, small_market_file  # noqa: E402


@pytest.fixture(scope="module")
def small_market(tmp_path_factory: pytest.TempPathFactory) -> str:
    return small_market_file(tmp_path_factory.mktemp("small_market"))


def test_infer_does_not_silently_drop_the_industry_cap(tmp_path: Path, small_market: str) -> None:
    """A model with an industry cap (0.1 → 1 name per industry at K = 10), scored on data without
    `industry_code`: the cap can no longer be applied, and infer says nothing — the picks repeat an industry."""
    b = make_bundle(tmp_path / "b", names=["alpha_001"], weights=[1.0], industry_cap=0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        panel = Scorer(b).load_panel(small_market)
    day = str(panel.dates[20])
    df = pl.read_parquet(small_market)
    no_ind = tmp_path / "no_industry.parquet"
    df.drop("industry_code").write_parquet(no_ind)
    out = tmp_path / "p.parquet"
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        assert main(["infer", "--bundle", str(b), "--data", str(no_ind), "--date", day, "--top-k", "10",
                     "-o", str(out)]) == 0
    picks = pl.read_parquet(out).join(df.select("ts_code", "trade_date", "industry_code"),
                                      on=["ts_code", "trade_date"])
    violated = picks["industry_code"].n_unique() < picks.height  # > floor(0.1 × 10) = 1 name in an industry
    assert violated  # the picks break the model's cap ...
    assert any("industry" in str(w.message) for w in rec), "... and no warning says the cap was not applied"


def test_infer_warns_on_a_decision_date_inside_the_models_training_window(tmp_path: Path,
                                                                          small_market: str) -> None:
    """The bundle records `train_dates` / `val_dates`; picks (or a replay of them) on those dates are
    in-sample, yet infer scores them without a word."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        probe = Scorer(make_bundle(tmp_path / "probe", names=["alpha_001"], weights=[1.0])).load_panel(small_market)
    lo, hi = str(probe.dates[5]), str(probe.dates[30])
    b = make_bundle(tmp_path / "b", names=["alpha_001"], weights=[1.0], train_dates=[lo, hi],
                    val_dates=[str(probe.dates[32]), str(probe.dates[36])])
    day = str(probe.dates[20])  # a training date of the model
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        assert main(["infer", "--bundle", str(b), "--data", small_market, "--date", day,
                     "-o", str(tmp_path / "p.csv")]) == 0
    assert any("train" in str(w.message) for w in rec), [str(w.message)[:80] for w in rec]


def test_scorer_refuses_a_recorded_zscore_clip_it_does_not_apply(tmp_path: Path, small_market: str) -> None:
    """metadata.json records `normalize_params.zscore_clip`; a bundle recorded with another clip than this
    version applies would be fed inputs it never saw, so it is refused with what to do."""
    b = make_bundle(tmp_path / "b", names=["alpha_001"], weights=[1.0], normalize="zscore",
                    normalize_params={"zscore_clip": 2.0, "zscore_winsor_mad": 5.0, "fill": 0.0,
                                      "per_date_over": "universe"})
    with pytest.raises(DataError, match=r"clipped at ±2.0, winsorised at ±5.0 .*clips at ±5.*retrain"):
        Scorer(b).load_panel(small_market)


def test_scorer_refuses_a_zscore_bundle_from_before_the_winsorisation(tmp_path: Path, small_market: str) -> None:
    """A bundle whose metadata lacks `zscore_winsor_mad` was trained on z-scores without the robust
    winsorisation: fed winsorised inputs, its scores would shift on every date with an outlier."""
    b = make_bundle(tmp_path / "b", names=["alpha_001"], weights=[1.0], normalize="zscore",
                    normalize_params={"zscore_clip": 5.0, "fill": 0.0, "per_date_over": "universe"})
    with pytest.raises(DataError, match=r"not winsorised .*median ± 5.0 robust σ"):
        Scorer(b).load_panel(small_market)


def test_export_names_a_golden_date_without_any_factor_value(run: tuple[str, Path], tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    """`export --golden-date D` where no universe stock has any of the model's factors on D (factors not
    computed yet for the latest date): an IndexError traceback from torch's max() over an empty stock axis,
    instead of a DataError naming the date (or a golden cross-section of 0 stocks, which would prove nothing)."""
    data, out = run
    names = json.loads((out / "bundle" / "metadata.json").read_text())["factor_names"]
    day = "2021-12-01"
    d = pl.lit(day).str.to_date()
    path = tmp_path / "blank_day.parquet"
    (pl.read_parquet(data)
     .with_columns([pl.when(pl.col("trade_date") == d).then(None).otherwise(pl.col(c)).alias(c) for c in names])
     .write_parquet(path))
    rc = main(["export", str(out), "-o", str(tmp_path / "b"), "--data", str(path), "--golden-date", day])
    assert rc != 0 and day in capsys.readouterr().err


def test_export_without_onnx_names_the_train_extra(run: tuple[str, Path], tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """torch present, the `onnx` package absent (torch installed by hand, the core install has onnxruntime
    only): export — and `train`'s export after a full training run — dies with a ModuleNotFoundError traceback
    from `build_metadata`, not the "[train] extra" message run_export gives for a missing torch."""
    import sys

    _, out = run
    monkeypatch.setitem(sys.modules, "onnx", None)
    monkeypatch.delitem(sys.modules, "aurumq_rl.export.onnx_export", raising=False)  # re-imported, as for torch
    rc = main(["export", str(out), "-o", str(tmp_path / "b")])
    assert rc != 0 and "[train]" in capsys.readouterr().err
    assert not (tmp_path / "b").exists()


def test_infer_warns_about_a_factor_the_model_never_saw_a_value_of(tmp_path: Path) -> None:
    """A factor with no value during the whole training run (hm_ before 2023-08-16, a series that starts later)
    is filled with 0 everywhere in training, so its encoder weights never get a gradient and stay at their
    random initialisation (plain Adam, no decay). Training warns; the bundle does not record it, and infer on a
    later date where the factor has values feeds it through those random weights, silently: the scores move."""
    from datetime import date

    from tests.export.conftest import TRAIN

    pytest.importorskip("torch")
    from aurumq_rl.data.synth import preset, write_demo

    data = write_demo(str(tmp_path / "m.parquet"), preset("small", seed=5))[0]
    path = tmp_path / "late_factor.parquet"
    (pl.read_parquet(data)
     .with_columns(pl.when(pl.col("trade_date") <= date(2021, 8, 31)).then(None).otherwise(pl.col("hk_001"))
                   .alias("hk_001"))
     .write_parquet(path))
    out = tmp_path / "run"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["train", "--data", str(path), "--out-dir", str(out), "--train-end", "2021-03-31",
                     "--val-start", "2021-04-15", "--val-end", "2021-07-30", *TRAIN]) == 0
    assert json.loads((out / "bundle" / "metadata.json").read_text())["unseen_factors"] == ["hk_001"]
    scorer = Scorer(out / "bundle")
    day = "2021-12-01"
    panel = scorer.load_panel(str(path), start=day, end=day)
    j = panel.factor_names.index("hk_001")
    assert (~panel.missing_col(j)[0] & panel.in_universe[0]).sum() > 20  # the factor has values now
    muted = panel.factors.copy()
    muted[..., j] = 0.0  # what the model saw in training
    s = scorer.score_panel(panel)[0]
    s0 = scorer.score_panel(dataclasses.replace(panel, factors=muted))[0]
    ok = np.isfinite(s)
    # on the current code: max |score change| 0.015 against a cross-sectional score std of 0.022, and one of
    # the 10 picks changes, all from encoder weights that were never trained
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        assert main(["infer", "--bundle", str(out), "--data", str(path), "--date", day,
                     "-o", str(tmp_path / "p.csv")]) == 0
    assert any("hk_001" in str(w.message) for w in rec), [str(w.message)[:90] for w in rec]
    np.testing.assert_allclose(s[ok], s0[ok], atol=1e-6)  # scored as in training: the fill the model learnt on
