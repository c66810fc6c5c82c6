"""`aurumq-rl sl ...`: train end to end (score contract), score, walk-forward, null-test, audit, bad flags."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from aurumq_rl.cli.main import main
from aurumq_rl.cli.sl import DATE_FLAGS
from aurumq_rl.data.scores import SCORE_SCHEMA
from aurumq_rl.errors import DataError

FAST = ["--num-boost-round", "40", "--learning-rate", "0.1", "--min-data-in-leaf", "50", "--num-threads", "1"]


@pytest.fixture(scope="module")
def trained(market: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cli") / "run"
    assert main(["sl", "train", "--data", market, "--label", "forward_return", "--model", "lightgbm",
                 "--seeds", "1,2", "--forward-period", "5", "--features", "raw", "--out-dir", str(out), *FAST]) == 0
    return out


def test_sl_train_writes_run_dir_and_score_contract(trained: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (trained / "model" / "manifest.json").is_file() and (trained / "model" / "model_seed1.txt").is_file()
    scores = pl.read_parquet(trained / "scores.parquet")
    assert dict(scores.schema) == SCORE_SCHEMA and scores.height > 0
    run = json.loads((trained / "sl_run.json").read_text())
    lo, hi = (np.datetime64(d) for d in run["windows"]["test"])
    dates = scores["trade_date"].to_numpy().astype("datetime64[D]")
    assert dates.min() == lo and dates.max() == hi  # test-window dates only
    assert run["test"]["label"]["rank_ic"] > 0.08 and run["seeds"] == [1, 2]
    assert scores.select(pl.col("score").is_finite().all()).item()
    assert not scores.select(pl.struct("ts_code", "trade_date").is_duplicated().any()).item()


def test_sl_manifest_records_the_data_hash(market: str, trained: Path) -> None:
    """The model manifest records `--data` like run.json does (`provenance.data_provenance`)."""
    meta = json.loads((trained / "model" / "manifest.json").read_text())
    digest = hashlib.sha256(Path(market).read_bytes()).hexdigest()
    assert meta["source"] == market and meta["data_sha256"] == digest
    assert meta["data_files"] == [{"path": Path(market).name, "sha256": digest, "bytes": Path(market).stat().st_size}]


def test_sl_score_matches_training_scores(trained: Path, market: str, tmp_path: Path) -> None:
    run = json.loads((trained / "sl_run.json").read_text())
    out = tmp_path / "s.parquet"
    lo, hi = run["windows"]["test"]
    assert main(["sl", "score", "--model", str(trained / "model"), "--data", market, "--start", lo, "--end", hi,
                 "-o", str(out)]) == 0
    assert pl.read_parquet(out).equals(pl.read_parquet(trained / "scores.parquet"))


def test_infer_picks_from_an_sl_run_are_its_top_scores(trained: Path, market: str, tmp_path: Path) -> None:
    """`aurumq-rl infer` works unchanged on an SL run: its picks of a test date are the highest of the run's
    own test-window scores among the names buyable on the next session."""
    scores = pl.read_parquet(trained / "scores.parquet")
    day = scores["trade_date"].unique().sort()[3]
    out = tmp_path / "picks.parquet"
    assert main(["infer", "--bundle", str(trained), "--data", market, "--date", str(day), "--top-k", "5",
                 "-o", str(out)]) == 0
    picks = pl.read_parquet(out)
    assert picks.height == 5 and picks["next_day_known"].all()
    mine = scores.filter(pl.col("trade_date") == day).join(picks.select("ts_code", "score"), on="ts_code")
    np.testing.assert_allclose(mine["score"].to_numpy(), mine["score_right"].to_numpy())
    assert picks["score"].min() >= scores.filter(pl.col("trade_date") == day)["score"].sort()[-40]


@pytest.mark.parametrize(("kind", "suffix"), [("xgboost", ".json"), ("catboost", ".cbm")])
def test_optional_booster_trains_saves_scores_and_learns(market: str, tmp_path: Path, kind: str, suffix: str) -> None:
    """The optional boosters (the [xgboost] / [catboost] extras, both installed with [dev]) go the same way as
    LightGBM: trained, saved with their manifest, rescored identically by `sl score`, and they learn the
    planted signal."""
    pytest.importorskip(kind, reason=f"the [{kind}] extra is part of [dev]; install it to test this path")
    out = tmp_path / kind
    lgbm_only = FAST.index("--min-data-in-leaf")  # a LightGBM setting: refused with another booster
    assert main(["sl", "train", "--data", market, "--model", kind, "--seeds", "1", "--out-dir", str(out),
                 *FAST[:lgbm_only], *FAST[lgbm_only + 2:]]) == 0
    meta = json.loads((out / "model" / "manifest.json").read_text())
    assert meta["booster"] == kind and set(meta["files"]) == {f"model_seed1{suffix}"}
    run = json.loads((out / "sl_run.json").read_text())
    assert run["test"]["label"]["rank_ic"] > 0.08
    lo, hi = run["windows"]["test"]
    assert main(["sl", "score", "--model", str(out / "model"), "--data", market, "--start", lo, "--end", hi,
                 "-o", str(tmp_path / "s.parquet")]) == 0
    a, b = pl.read_parquet(tmp_path / "s.parquet"), pl.read_parquet(out / "scores.parquet")
    assert a.select("ts_code", "trade_date").equals(b.select("ts_code", "trade_date"))
    np.testing.assert_allclose(a["score"].to_numpy(), b["score"].to_numpy(), atol=1e-9)


def test_sl_walk_forward_null_test_audit(market: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "wf"
    assert main(["sl", "walk-forward", "--data", market, "--seeds", "1", "--test-days", "60",
                 "--min-train-days", "100", "--out-dir", str(out), *FAST]) == 0
    scores = pl.read_parquet(out / "scores.parquet")
    assert dict(scores.schema) == SCORE_SCHEMA
    rep = json.loads((out / "sl_walk_forward.json").read_text())
    first_test = np.datetime64(rep["windows"][0]["test"][0])
    assert scores["trade_date"].to_numpy().astype("datetime64[D]").min() == first_test
    assert "OOS rank IC" in capsys.readouterr().out
    # stack the walk-forward scores with a second base needing no fit: a raw factor on the same dates
    factor = tmp_path / "a002" / "scores.parquet"
    factor.parent.mkdir()
    keys = scores.select("ts_code", "trade_date")
    data = pl.read_parquet(market, columns=["ts_code", "trade_date", "alpha_002"])
    keys.join(data, on=["ts_code", "trade_date"], how="left").rename({"alpha_002": "score"}).write_parquet(factor)
    assert main(["sl", "stack", str(out / "scores.parquet"), str(factor), "--data", market, "--step", "20",
                 "--min-fit-dates", "30", "--out-dir", str(tmp_path / "stack")]) == 0
    stacked = pl.read_parquet(tmp_path / "stack" / "scores.parquet").drop_nulls("score")
    stack_rep = json.loads((tmp_path / "stack" / "sl_stack.json").read_text())
    first_fit = np.datetime64(stack_rep["scored_dates"][0])
    assert stacked["trade_date"].to_numpy().astype("datetime64[D]").min() == first_fit
    assert first_fit >= first_test + 30  # only after enough earlier out-of-sample dates to fit on
    assert stack_rep["rank_ic_vs_label"]["stacked"]["mean"] > 0.02  # the planted signal survives the stack
    assert (stack_rep["universe"], stack_rep["market"]) == ("main_board_non_st", {"min_listed_days": 60,
                                                                                  "limit_method": "auto"})
    assert "rank IC vs label  stacked" in capsys.readouterr().out
    assert main(["sl", "stack", str(factor), "--data", market, "--out-dir", str(tmp_path / "s1")]) == 2
    assert main(["sl", "stack", str(factor), str(factor), "--label", "binary", "--data", market,
                 "--out-dir", str(tmp_path / "s2")]) == 2
    assert "--label binary" in capsys.readouterr().err and not (tmp_path / "s2").exists()
    assert main(["sl", "null-test", "--data", market, "--seeds", "1", *FAST, "--limit-method", "pct",
                 "-o", str(tmp_path / "null.json")]) == 0
    assert json.loads((tmp_path / "null.json").read_text())["market"] == {"min_listed_days": 60, "limit_method": "pct"}
    text = capsys.readouterr().out
    assert "label_shuffle" in text and "date_shuffle" in text and "real beats nulls: True" in text
    assert "top-decile lift n/a (not a binary label)" in text and "lift nan" not in text  # forward_return
    assert main(["sl", "audit", "--data", market, "-o", str(tmp_path / "audit.json"), "--min-listed-days", "0"]) == 0
    audit = json.loads((tmp_path / "audit.json").read_text())
    assert audit["flagged"] == []
    assert audit["market"] == {"min_listed_days": 0, "limit_method": "auto"}  # the rules it ran under
    assert audit["universe"] == "main_board_non_st"


@pytest.mark.parametrize(("flags", "message"), [
    (["--label", "bogus"], "--label bogus: choose one of forward_return"),
    (["--features", "ranked"], "--features ranked: choose one of raw, rank"),
    (["--seeds", "a,b"], "--seeds 'a,b'"),
    (["--model", "xgboost_nope"], "--model xgboost_nope: choose one of lightgbm"),
    (["--test-start", "2030-01-01"], "test window (--test-start/--test-end)"),
    (["--val-end", "someday"], "--val-end='someday' is not a date"),
    (["--train-end", "2021-13-01"], "--train-end='2021-13-01' is not a date"),
    (["--train-end", "2021-03-01", "--val-start", "2021-02-01"],  # it cut the training window silently
     "--val-start 2021-02-01 is not after --train-end 2021-03-01: the validation window must follow the training"),
    (["--val-end", "20210501", "--test-start", "2021-04-01"],
     "--test-start 2021-04-01 is not after --val-end 2021-05-01: the test window must follow the validation window"),
    (["--factors", "alpha_*,mf_0001"], "matches 'mf_0001' (did you mean"),  # a typo was silently dropped
    (["--num-boost-round", "0"], "--num-boost-round 0: must be ≥ 1"),
    (["--learning-rate", "-1"], "--learning-rate -1: must be > 0"),
    (["--learning-rate", "nan"], "--learning-rate nan: must be > 0"),
    (["--num-leaves", "0"], "--num-leaves 0: must be ≥ 2"),
    (["--min-data-in-leaf", "-1"], "--min-data-in-leaf -1: must be ≥ 0"),
    (["--early-stopping-rounds", "0"], "--early-stopping-rounds 0: must be ≥ 1"),
    (["--num-threads", "0"], "--num-threads 0: must be ≥ 1"),
    (["--seeds", ","], "--seeds: give at least one seed"),
    (["--seeds", "1,2,1"], "--seeds '1,2,1': seed(s) 1 given twice"),  # the ensemble weighed seed 1 twice
    # a test window past the last labelled date: every test figure was NaN, exit 0
    (["--test-start", "2021-07-20", "--forward-period", "5"],
     "the test window 2021-07-20 … 2021-07-23 has no date with a label for two universe stocks (label "
     "forward_return reads 6 trading day(s) past its decision date; the data ends 2021-07-23)"),
    (["--forward-period", "0"], "--forward-period 0: must be ≥ 1"),
    (["--target", "logit"], "--target logit: choose rank or raw"),
    (["--label", "binary", "--positive-rate", "1.5"], "--positive-rate 1.5: must lie in (0, 1)"),  # named no flag
    (["--label", "binary", "--positive-rate", "nan"], "--positive-rate nan: must lie in (0, 1)"),
    (["--label", "binary", "--positive-rate", "0"], "--positive-rate 0: must lie in (0, 1)"),  # the open bounds
    (["--label", "binary", "--positive-rate", "1"], "--positive-rate 1: must lie in (0, 1)"),
    # a label that does not read the rate ignores it: the next refusal is the one named
    (["--label", "main_wave", "--positive-rate", "2", "--forward-period", "0"], "--forward-period 0: must be ≥ 1"),
])
def test_sl_train_bad_flags(market: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], flags: list[str],
                            message: str) -> None:
    assert main(["sl", "train", "--data", market, "--out-dir", str(tmp_path / "x"), *FAST, *flags]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize(("flags", "message"), [
    (["--train-days", "100"], "--train-days 100 is below --min-train-days 120 (defaults 1260 and 120)"),
    (["--train-days", "300", "--min-train-days", "400"], "--train-days 300 is below --min-train-days 400"),
    (["--test-days", "0"], "--test-days 0: must be ≥ 1 (default 63)"),
    (["--min-train-days", "0"], "--min-train-days 0: must be ≥ 1 (default 120)"),  # said "lower --min-train-days"
    (["--min-train-days", "5"], "walk-forward: the first training window (5 dates before the gap) is too short: "
                                "it must hold the validation part (2), the embargo (7) and at least 2 fit dates; "
                                "start the test later (--first-test) or raise --min-train-days"),
    (["--first-test", "2099-01-05"], "--first-test 2099-01-05: after the last date"),  # said "lower --min-train-days"
])
def test_sl_walk_forward_bad_lengths_name_the_flag(market: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                   flags: list[str], message: str) -> None:
    """It said "need test_days ≥ 1, train_days ≥ min_train_days and 0 < val_share < 1", naming no flag."""
    assert main(["sl", "walk-forward", "--data", market, "--out-dir", str(tmp_path / "x"), *FAST, *flags]) == 2
    assert f"error: {message}" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_walk_forward_config_names_a_bad_val_share() -> None:
    from aurumq_rl.sl.walk_forward import WalkForwardConfig

    with pytest.raises(DataError, match=r"val_share 1.0: must lie strictly between 0 and 1 \(default 0.2\)"):
        WalkForwardConfig(val_share=1.0)


def test_sl_train_compact_dates_mean_the_same_days(market: str, tmp_path: Path) -> None:
    """YYYYMMDD dates select the same windows as YYYY-MM-DD (they were read as the year 20200630)."""
    iso = ["2020-06-01", "2020-12-31", "2021-01-15", "2021-03-31", "2021-04-15", "2021-06-30"]
    windows = []
    for i, dates in enumerate((iso, [d.replace("-", "") for d in iso])):
        flags = [x for name, d in zip(DATE_FLAGS, dates, strict=True) for x in (f"--{name}", d)]
        out = tmp_path / str(i)
        assert main(["sl", "train", "--data", market, "--seeds", "1", "--out-dir", str(out), *FAST, *flags]) == 0
        windows.append(json.loads((out / "sl_run.json").read_text())["windows"])
    assert windows[0] == windows[1]
    assert "2021-04-15" <= windows[0]["test"][0] and windows[0]["test"][1] <= "2021-06-30"


def test_sl_walk_forward_first_test_accepts_both_date_forms(market: str, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    """`--first-test 20210104` is the same anchor as 2021-01-04; a bad one is an error naming --first-test."""
    import aurumq_rl.sl.walk_forward as wf

    seen: list[int | None] = []

    def stop(panel: object, label: object, params: object, seeds: object, cfg: wf.WalkForwardConfig,
             **kw: object) -> None:
        seen.append(cfg.first_test)
        raise DataError("stop here")

    monkeypatch.setattr(wf, "walk_forward", stop)
    for day in ("2021-01-04", "20210104"):
        assert main(["sl", "walk-forward", "--data", market, "--first-test", day, "--out-dir",
                     str(tmp_path / "wf"), *FAST]) == 2
        assert "stop here" in capsys.readouterr().err
    assert seen[0] == seen[1] and 0 < seen[0] < 300
    assert main(["sl", "walk-forward", "--data", market, "--first-test", "2021-13-01", "--out-dir",
                 str(tmp_path / "wf"), *FAST]) == 2
    assert "--first-test='2021-13-01' is not a date" in capsys.readouterr().err
    assert not (tmp_path / "wf").exists()


def test_sl_score_refuses_to_overwrite_its_input_or_write_parquet_as_csv(trained: Path, market: str,
                                                                         tmp_path: Path,
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data.parquet"
    data.write_bytes(Path(market).read_bytes())
    before = data.read_bytes()
    assert main(["sl", "score", "--model", str(trained / "model"), "--data", str(data), "-o", str(data)]) == 2
    assert f"-o {data}: is the input file" in capsys.readouterr().err
    assert data.read_bytes() == before
    assert main(["sl", "score", "--model", str(trained / "model"), "--data", str(data), "-o",
                 str(tmp_path / "h.csv")]) == 2
    assert "-o " in (err := capsys.readouterr().err) and "give a .parquet path" in err
    assert not (tmp_path / "h.csv").exists()


def test_sl_bad_files(trained: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], market: str) -> None:
    assert main(["sl", "train", "--data", str(tmp_path / "nope.parquet"), "--out-dir", str(tmp_path)]) == 2
    assert "data file not found" in capsys.readouterr().err
    thin = tmp_path / "thin.parquet"
    pl.read_parquet(market).drop("alpha_001").write_parquet(thin)
    assert main(["sl", "score", "--model", str(trained / "model"), "--data", str(thin), "-o",
                 str(tmp_path / "s.parquet")]) == 2
    assert "alpha_001" in capsys.readouterr().err
    assert main(["sl", "score", "--model", str(tmp_path), "--data", market, "-o", str(tmp_path / "s.parquet")]) == 2
    assert "no SL model manifest" in capsys.readouterr().err


@pytest.mark.parametrize("label", ["main_wave", "binary", "triple_barrier", "trend_scan"])
def test_sl_train_every_label(market: str, tmp_path: Path, label: str, capsys: pytest.CaptureFixture[str]) -> None:
    extra = ["--positive-rate", "0.05", "--compare-features", "--prune", "0.5"] if label == "binary" else []
    assert main(["sl", "train", "--data", market, "--label", label, "--seeds", "1", "--out-dir", str(tmp_path),
                 *FAST, *extra]) == 0
    run = json.loads((tmp_path / "sl_run.json").read_text())
    manifest = json.loads((tmp_path / "model" / "manifest.json").read_text())
    assert run["label"]["name"] == label == manifest["label"]["name"]
    assert run["test"]["forward_return"]["rank_ic"] > 0.03  # every label carries the planted signal
    w = run["windows"]
    assert np.datetime64(w["train"][1]) < np.datetime64(w["val"][0])
    if label == "binary":
        assert manifest["calibration"] and manifest["combine"] == "mean"
        assert set(run["feature_modes"]) == {"raw", "rank"} and run["prune"]["retrained"]
        scores = pl.read_parquet(tmp_path / "scores.parquet")["score"]
        assert scores.min() >= 0 and scores.max() <= 1
        out = capsys.readouterr().out
        assert "features=rank" in out
        p = run["prune"]  # the pruned model is kept only when it dropped something and validated no worse
        want = "pruned" if p["dropped"] and p["val_rank_ic_after"] >= p["val_rank_ic_before"] else "full"
        assert p["model_kept"] == want
        assert (f"kept the {want} model" if p["dropped"] else "the full model stands") in out


def test_sl_train_prune_that_drops_nothing_says_so(market: str, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """One factor has exactly the mean importance, so --prune 0.5 drops nothing: the report and the printed line
    say the full model stands (not "kept the pruned model")."""
    assert main(["sl", "train", "--data", market, "--seeds", "1", "--factors", "1", "--prune", "0.5",
                 "--out-dir", str(tmp_path), *FAST]) == 0
    p = json.loads((tmp_path / "sl_run.json").read_text())["prune"]
    assert p["dropped"] == [] and p["model_kept"] == "full"
    out = capsys.readouterr().out
    assert "prune: no column below the threshold; the full model stands" in out and "kept the" not in out


def test_sl_train_no_calibrate_reaches_prune_and_compare_features(market: str, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """`--no-calibrate` holds for every model `sl train` fits: the base run, the pruning retrain and the
    other feature mode; the saved model is uncalibrated whichever of base / pruned is kept."""
    import aurumq_rl.sl.pipeline as pipeline
    import aurumq_rl.sl.prune as prune_mod

    seen: list[object] = []
    real = pipeline.train_split

    def spy(*args: object, **kw: object) -> object:
        run = real(*args, **kw)  # type: ignore[arg-type]
        seen.append(run.ensemble.calibration)
        return run

    monkeypatch.setattr(pipeline, "train_split", spy)
    monkeypatch.setattr(prune_mod, "train_split", spy)
    assert main(["sl", "train", "--data", market, "--label", "binary", "--positive-rate", "0.05", "--seeds", "1",
                 "--no-calibrate", "--prune", "0.5", "--compare-features", "--out-dir", str(tmp_path), *FAST]) == 0
    assert len(seen) == 3 and all(c is None for c in seen)  # base, pruned, other feature mode
    manifest = json.loads((tmp_path / "model" / "manifest.json").read_text())
    assert manifest["calibration"] is None


def test_sl_stack_keeps_every_base_when_files_share_a_directory(market: str, tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    """Bases saved side by side (bases/a.parquet, bases/b.parquet) are each reported under their own name: the
    per-base rank ICs of sl_stack.json and the terminal were keyed by the directory name, so one base
    overwrote the other; a repeated name gets #2."""
    folder = tmp_path / "bases"
    folder.mkdir()
    files = []
    for name in ("alpha_001", "alpha_002"):
        f = folder / f"{name}.parquet"
        pl.read_parquet(market, columns=["ts_code", "trade_date", name]).rename({name: "score"}).write_parquet(f)
        files.append(str(f))
    out = tmp_path / "stack"
    assert main(["sl", "stack", *files, files[0], "--data", market, "--step", "40", "--min-fit-dates", "60",
                 "--out-dir", str(out)]) == 0
    ic = json.loads((out / "sl_stack.json").read_text())["rank_ic_vs_label"]
    assert list(ic) == ["alpha_001", "alpha_002", "alpha_001#2", "stacked"]
    assert ic["alpha_001"]["mean"] != ic["alpha_002"]["mean"] and ic["alpha_001"] == ic["alpha_001#2"]
    assert "rank IC vs label  alpha_002" in capsys.readouterr().out


def _factor_scores(market: str, folder: Path, name: str, shift_days: int = 0) -> str:
    """A factor column of the market written as a scores Parquet, its dates moved by `shift_days`."""
    f = folder / f"{name}.parquet"
    frame = pl.read_parquet(market, columns=["ts_code", "trade_date", name]).rename({name: "score"})
    frame.with_columns(pl.col("trade_date").cast(pl.Date) + pl.duration(days=shift_days)).write_parquet(f)
    return str(f)


def test_sl_stack_refuses_a_base_with_no_score_on_the_data_dates(market: str, tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    good = _factor_scores(market, tmp_path, "alpha_001")
    elsewhere = _factor_scores(market, tmp_path, "alpha_002", shift_days=10_000)  # after the data
    out = tmp_path / "stack"
    assert main(["sl", "stack", good, elsewhere, "--data", market, "--out-dir", str(out)]) == 2
    assert f"error: {elsewhere}: no score on any date of {market}" in capsys.readouterr().err
    assert not out.exists()


def test_sl_stack_with_too_few_fit_dates_names_the_flag(market: str, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    files = [_factor_scores(market, tmp_path, name) for name in ("alpha_001", "alpha_002")]
    out = tmp_path / "stack"
    assert main(["sl", "stack", *files, "--data", market, "--min-fit-dates", "100000", "--out-dir", str(out)]) == 2
    assert "error: sl stack: fewer than --min-fit-dates 100000 out-of-sample dates" in capsys.readouterr().err
    assert not out.exists()


def test_sl_audit_refuses_a_threshold_outside_0_1(market: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sl", "audit", "--data", market, "--threshold", "-1"]) == 2
    assert "--threshold -1: a |rank IC| in (0, 1]" in capsys.readouterr().err


def test_sl_stack_names_score_rows_it_cannot_place(market: str, tmp_path: Path) -> None:
    """Rows of a base for a stock outside the panel, or dated on a weekend, took no part in the stack without a
    word (eval warned about the same rows); the stack now says how many and why, as eval does."""
    base = pl.read_parquet(market, columns=["ts_code", "trade_date", "alpha_002"]).rename({"alpha_002": "score"})
    friday = base.filter(pl.col("trade_date").dt.weekday() == 5).sort("trade_date").row(5, named=True)
    extra = pl.DataFrame({"ts_code": ["600999.SH", friday["ts_code"]],
                          "trade_date": [friday["trade_date"], friday["trade_date"] + timedelta(days=1)],
                          "score": [1.0, 1.0]}).cast(base.schema)
    odd = tmp_path / "odd.parquet"
    pl.concat([base, extra]).write_parquet(odd)
    good = _factor_scores(market, tmp_path, "alpha_001")
    with pytest.warns(UserWarning) as seen:
        assert main(["sl", "stack", good, str(odd), "--data", market, "--step", "40", "--min-fit-dates", "60",
                     "--out-dir", str(tmp_path / "stack")]) == 0
    text = " | ".join(str(w.message) for w in seen)
    outside = {path: int(n) for path, n in re.findall(r"([^ |]+\.parquet): (\d+) score row\(s\) for stocks outside "
                                                      r"the panel \(never in universe 'main_board_non_st'", text)}
    assert outside[str(odd)] == outside[good] + 1  # the unknown stock, beside the stocks outside the universe
    assert f"{odd}: 1 score row(s) dated on days that are not trading dates of {market} ignored" in text
    assert f"{good}: 1 score row(s) dated" not in text


def test_sl_walk_forward_with_no_labelled_test_date_says_why_its_figures_are_nan(market: str, tmp_path: Path) -> None:
    """A --first-test within the label's reach of the data's end: every out-of-sample figure is NaN. It printed
    "OOS rank IC vs label nan" and exited 0 with no word of why (`sl train` refuses such a test window)."""
    days = np.sort(pl.read_parquet(market, columns=["trade_date"])["trade_date"].unique().to_numpy())
    with pytest.warns(UserWarning, match=rf"no out-of-sample date has a label .*reads 6 trading day\(s\) past its "
                                         rf"decision date; the data ends {days[-1]}\).*move --first-test earlier"):
        assert main(["sl", "walk-forward", "--data", market, "--seeds", "1", "--out-dir", str(tmp_path / "wf"),
                     "--first-test", str(days[-3]), *FAST]) == 0
