"""Leakage audit, null-test shufflers, model save/load round trip and the score contract."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from aurumq_rl.data.panel import Panel
from aurumq_rl.data.scores import SCORE_SCHEMA, scores_frame
from aurumq_rl.errors import DataError
from aurumq_rl.sl.audit import leakage_audit, shuffle_dates, shuffle_within_dates
from aurumq_rl.sl.dataset import Dataset, Split
from aurumq_rl.sl.labels import Label
from aurumq_rl.sl.model_io import SLScorer, save_model
from aurumq_rl.sl.models import Ensemble, FittedModel, GBDTParams, train_model
from aurumq_rl.sl.pipeline import SLRun, score_window


def _with_column(panel: Panel, name: str, values: np.ndarray) -> Panel:
    """The panel plus one factor column (NaN → missing)."""
    ok = np.isfinite(values)
    factors = np.concatenate([panel.factors, np.where(ok, values, 0)[:, :, None].astype(np.float32)], axis=2)
    missing = np.concatenate([panel.factor_missing, ~ok[:, :, None]], axis=2)
    return dataclasses.replace(panel, factor_names=[*panel.factor_names, name], factors=factors,
                               factor_missing_bits=np.packbits(missing, axis=2))


def test_leakage_audit_flags_future_and_passes_clean(panel: Panel, label: Label) -> None:
    rng = np.random.default_rng(0)
    leak = label.values + rng.normal(0, 0.02, label.values.shape)  # the future label shifted into t
    nxt = np.full(panel.pct_chg.shape, np.nan)
    nxt[:-1] = panel.pct_chg[1:]  # tomorrow's return
    p = _with_column(_with_column(panel, "alpha_leak", leak), "alpha_tomorrow", nxt)
    rep = leakage_audit(p, label)
    assert set(rep["flagged"]) == {"alpha_leak", "alpha_tomorrow"}
    assert rep["features"]["alpha_leak"]["future_label"] > 0.5
    # momentum-like features correlate with the past, not the future: not flagged
    assert rep["features"]["tech_ma20_ratio"]["past_past_return"] > 0.5
    clean = leakage_audit(panel, label)
    assert clean["flagged"] == []


def test_shufflers_keep_values_and_break_alignment() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(50, 30))
    x[rng.random(x.shape) < 0.2] = np.nan
    s = shuffle_within_dates(x, np.random.default_rng(2))
    np.testing.assert_array_equal(np.isnan(s), np.isnan(x))
    np.testing.assert_allclose(np.sort(np.nan_to_num(s, nan=9), 1), np.sort(np.nan_to_num(x, nan=9), 1))
    assert not np.allclose(np.nan_to_num(s), np.nan_to_num(x))
    d = shuffle_dates(x, [(0, 39)], np.random.default_rng(3))
    np.testing.assert_array_equal(d[40:], x[40:])
    moved = [int(np.flatnonzero([np.array_equal(d[t], x[u], equal_nan=True) for u in range(40)])[0])
             for t in range(40)]
    assert sorted(moved) == list(range(40))
    assert min(min(abs(t - u), 40 - abs(t - u)) for t, u in enumerate(moved)) >= 10  # rows land far away


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory, run: SLRun) -> Path:
    out = tmp_path_factory.mktemp("model") / "model"
    save_model(out, run.ensemble, features="raw", universe="main_board_non_st",
               label={"name": "forward_return"}, forward_period=5, windows={})
    return out


def test_round_trip_scores_equal_in_memory(panel: Panel, run: SLRun, model_dir: Path) -> None:
    scorer = SLScorer(model_dir)
    meta = scorer.metadata
    assert meta["kind"] == "sl_gbdt" and meta["seeds"] == [1, 2] and scorer.factor_names == panel.factor_names
    assert set(meta["files"]) == {"model_seed1.txt", "model_seed2.txt"} and all(len(h) == 64
                                                                                for h in meta["files"].values())
    assert meta["versions"]["lightgbm"] and "numpy" in meta["versions"]
    got = scorer.score_panel(panel)
    want = score_window(run.ensemble, panel, 0, len(panel.dates) - 1, "raw", run.columns)
    np.testing.assert_array_equal(got, want)
    assert np.isnan(got[~panel.in_universe]).all() and np.isfinite(got[panel.in_universe]).all()


def test_scoring_aligns_factors_by_name(panel: Panel, model_dir: Path) -> None:
    scorer = SLScorer(model_dir)
    base = scorer.score_panel(panel)
    perm = np.random.default_rng(0).permutation(len(panel.factor_names))
    shuffled = dataclasses.replace(panel, factor_names=[panel.factor_names[i] for i in perm],
                                   factors=panel.factors[:, :, perm],
                                   factor_missing_bits=np.packbits(panel.factor_missing[:, :, perm], axis=2))
    extra = _with_column(shuffled, "alpha_999", np.ones(panel.pct_chg.shape))
    np.testing.assert_array_equal(scorer.score_panel(extra), base)
    keep = [i for i, n in enumerate(panel.factor_names) if n != "mf_001"]
    lacking = dataclasses.replace(panel, factor_names=[panel.factor_names[i] for i in keep],
                                  factors=panel.factors[:, :, keep],
                                  factor_missing_bits=np.packbits(panel.factor_missing[:, :, keep], axis=2))
    with pytest.raises(DataError, match="mf_001"):
        scorer.score_panel(lacking)


def test_scorer_loads_parquet_with_training_preprocessing(market: str, panel: Panel, model_dir: Path,
                                                          split: Split) -> None:
    scorer = SLScorer(model_dir)
    lo, hi = split.test
    sub = scorer.load_panel(market, start=str(panel.dates[lo]), end=str(panel.dates[hi]))
    got = scorer.score_panel(sub)
    full = scorer.score_panel(panel)
    a = scores_frame(sub, got)
    b = scores_frame(panel, full, lo, hi)
    assert dict(a.schema) == SCORE_SCHEMA and dict(b.schema) == SCORE_SCHEMA
    assert a.equals(b)  # per-date scoring: the same rows, the same values


def test_tampered_or_missing_model_file(model_dir: Path, tmp_path: Path) -> None:
    import shutil

    bad = tmp_path / "bad"
    shutil.copytree(model_dir, bad)
    with (bad / "model_seed2.txt").open("a") as fh:
        fh.write("\n")
    with pytest.raises(DataError, match="model_seed2.txt: sha256 differs"):
        SLScorer(bad)
    (bad / "model_seed2.txt").unlink()
    with pytest.raises(DataError, match="missing"):
        SLScorer(bad)
    with pytest.raises(DataError, match="no SL model manifest"):
        SLScorer(tmp_path)


def test_scoring_rejects_normalised_panels(panel: Panel, model_dir: Path) -> None:
    z = dataclasses.replace(panel, meta={**panel.meta, "normalize": "zscore"})
    with pytest.raises(DataError, match="normalised with 'zscore'"):
        SLScorer(model_dir).score_panel(z)


def test_scorer_needs_no_torch_or_sklearn(model_dir: Path, market: str) -> None:
    import subprocess
    import sys

    code = ("import sys; sys.modules['torch'] = None; sys.modules['sklearn'] = None\n"
            "from aurumq_rl.sl.model_io import SLScorer\n"
            f"s = SLScorer({str(model_dir)!r}); p = s.load_panel({market!r}); import numpy as np\n"
            "print(int(np.isfinite(s.score_panel(p)).sum()))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert int(out.stdout.strip().splitlines()[-1]) > 0


def test_manifest_factor_names_must_match_the_booster(model_dir: Path, tmp_path: Path) -> None:
    """Swapping two names in the manifest would feed each factor to the other's input: refused at load."""
    bad = tmp_path / "swapped"
    shutil.copytree(model_dir, bad)
    meta = json.loads((bad / "manifest.json").read_text())
    names = meta["factor_names"]
    names[0], names[1] = names[1], names[0]
    (bad / "manifest.json").write_text(json.dumps(meta))
    with pytest.raises(DataError, match=rf"model_seed1\.txt: .*features differ .*manifest\.json.*{names[1]}"):
        SLScorer(bad)


def _tiny_model(kind: str, out: Path, member: FittedModel | None = None) -> Path:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 3)).astype(np.float32)
    ds = Dataset(x, x[:, 0].astype(np.float64), np.zeros(300, np.int64), np.arange(300), ["a", "b", "c"])
    member = member or train_model(ds, None, GBDTParams(num_boost_round=3, num_threads=1, min_data_in_leaf=5), 1,
                                   kind)
    save_model(out, Ensemble([member], ["a", "b", "c"]), features="raw",
               universe="main_board_non_st", label={"name": "forward_return"}, forward_period=5, windows={})
    return out


def _edit_names(out: Path, names: list[str]) -> None:
    meta = json.loads((out / "manifest.json").read_text())
    meta["factor_names"] = names
    (out / "manifest.json").write_text(json.dumps(meta))


@pytest.mark.parametrize("kind", ["xgboost", "catboost"])
def test_every_booster_kind_stores_its_feature_names(kind: str, tmp_path: Path) -> None:
    """XGBoost and CatBoost are fitted with the factor names too, so swapped names are refused as for LightGBM."""
    pytest.importorskip(kind)
    out = _tiny_model(kind, tmp_path / "model")
    SLScorer(out)  # the untouched manifest loads
    _edit_names(out, ["b", "a", "c"])
    with pytest.raises(DataError, match=r"features differ .*b \(booster\) vs a \(manifest\)"):
        SLScorer(out)


def test_manifest_factor_count_must_match_an_unnamed_booster(tmp_path: Path) -> None:
    """A booster saved without names (fitted on a bare array) can only be checked by its feature count."""
    xgb = pytest.importorskip("xgboost")
    x = np.random.default_rng(0).normal(size=(300, 3)).astype(np.float32)
    booster = xgb.train({"nthread": 1}, xgb.DMatrix(x, label=x[:, 0]), 3)
    out = _tiny_model("xgboost", tmp_path / "model", FittedModel("xgboost", booster, 1, 3))
    SLScorer(out)
    _edit_names(out, ["a", "b"])
    with pytest.raises(DataError, match="takes 3 features.*lists 2 factor_names"):
        SLScorer(out)


def test_a_stock_with_every_factor_missing_is_not_scored(panel: Panel, model_dir: Path) -> None:
    """A (date, stock) whose factors are all missing would be scored from fill values alone; it is left NaN
    (`Panel.blank`), as the RL bundle's scorer leaves it, so no pick or IC uses it. Nor does it move the other
    stocks' scores through the ensemble's per-date rank combine: they equal the scores of a panel without it."""
    scorer = SLScorer(model_dir)
    t, n = np.argwhere(panel.in_universe)[7]
    bits = panel.factor_missing_bits.copy()
    bits[t, n] = np.packbits(np.ones(len(panel.factor_names), bool))
    blanked = dataclasses.replace(panel, factor_missing_bits=bits)
    absent = panel.in_universe.copy()
    absent[t, n] = False
    base, got = scorer.score_panel(panel), scorer.score_panel(blanked)
    assert np.isfinite(base[t, n]) and np.isnan(got[t, n])
    np.testing.assert_array_equal(got, scorer.score_panel(dataclasses.replace(panel, in_universe=absent)))
    other_dates = np.arange(len(panel.dates)) != t
    np.testing.assert_array_equal(got[other_dates], base[other_dates])


def _edited_manifest(model_dir: Path, out: Path, text: str | None = None, **changes: object) -> Path:
    """A copy of `model_dir` whose manifest is `text`, or the manifest with `changes` (a None value drops the key)."""
    shutil.copytree(model_dir, out)
    if text is None:
        meta = json.loads((out / "manifest.json").read_text())
        meta.update(changes)
        text = json.dumps({k: v for k, v in meta.items() if v is not None})
    (out / "manifest.json").write_text(text)
    return out


@pytest.mark.parametrize(("text", "changes", "message"), [
    ('{"kind": "sl_gbdt",', {}, "not valid JSON"),
    ('["sl_gbdt"]', {}, "a JSON list, expected the manifest object"),  # was an AttributeError traceback
    (None, {"kind": "rl_onnx"}, "kind 'rl_onnx' is not sl_gbdt"),
    (None, {"files": None, "combine": None}, "manifest lacks files, combine"),  # was a KeyError traceback
    (None, {"factor_names": None, "objective": None, "features": None, "universe": None},
     "manifest lacks factor_names, objective, features, universe"),
    (None, {"booster": "sklearn"}, "booster 'sklearn' is not one this version loads"),
])
def test_sl_score_refuses_a_bad_manifest_naming_it(model_dir: Path, market: str, tmp_path: Path, text: str | None,
                                                   changes: dict[str, object], message: str,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    from aurumq_rl.cli.main import main

    bad = _edited_manifest(model_dir, tmp_path / "bad", text, **changes)
    out = tmp_path / "s.parquet"
    assert main(["sl", "score", "--model", str(bad), "--data", market, "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"error: {bad / 'manifest.json'}: {message}" in err and "Traceback" not in err, err
    assert not out.exists()


def test_models_of_different_kinds_are_not_saved_together(tmp_path: Path) -> None:
    pytest.importorskip("xgboost")
    light = json.loads((_tiny_model("lightgbm", tmp_path / "a") / "manifest.json").read_text())
    assert light["booster"] == "lightgbm"
    members = [SLScorer(tmp_path / "a").ensemble.members[0], SLScorer(_tiny_model("xgboost", tmp_path / "b"))
               .ensemble.members[0]]
    with pytest.raises(DataError, match=r"models of kind \['lightgbm', 'xgboost'\] cannot be saved together"):
        save_model(tmp_path / "mixed", Ensemble(members, ["a", "b", "c"]), features="raw", universe="all",
                   label={}, forward_period=5, windows={})
    assert not (tmp_path / "mixed").exists()


def test_manifest_factor_count_must_match_an_unnamed_catboost_model(tmp_path: Path) -> None:
    """CatBoost fitted on a bare array names its features 0, 1, 2: only the count can be checked."""
    cb = pytest.importorskip("catboost")
    x = np.random.default_rng(0).normal(size=(300, 3)).astype(np.float32)
    model = cb.CatBoostRegressor(iterations=3, thread_count=1, verbose=False, allow_writing_files=False)
    model.fit(x, x[:, 0])
    out = _tiny_model("catboost", tmp_path / "model", FittedModel("catboost", model, 1, 3))
    SLScorer(out)  # its default names are not compared with a, b, c
    _edit_names(out, ["a", "b"])
    with pytest.raises(DataError, match="takes 3 features.*lists 2 factor_names"):
        SLScorer(out)


def test_a_package_that_is_not_installed_has_no_version_in_the_manifest(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.metadata

    real = importlib.metadata.version

    def version(pkg: str) -> str:
        if pkg == "scikit-learn":
            raise importlib.metadata.PackageNotFoundError(pkg)
        return real(pkg)

    monkeypatch.setattr(importlib.metadata, "version", version)
    versions = json.loads((_tiny_model("lightgbm", tmp_path / "m") / "manifest.json").read_text())["versions"]
    assert versions["scikit-learn"] is None and versions["lightgbm"] == real("lightgbm")
