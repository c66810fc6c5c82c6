"""ONNX bundle: export parity with torch, same preprocessing as training, determinism, new/delisted stocks,
tamper detection, and scoring without torch."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import polars as pl
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("onnxruntime")

from aurumq_rl.algos.validation import policy_scores  # noqa: E402
from aurumq_rl.cli.main import main  # noqa: E402
from aurumq_rl.errors import DataError  # noqa: E402
from aurumq_rl.export.bundle import BundleError, schema_hash, validate_bundle  # noqa: E402
from aurumq_rl.export.onnx_export import load_run  # noqa: E402
from aurumq_rl.infer import load_scorer  # noqa: E402
from aurumq_rl.infer.scorer import Scorer  # noqa: E402
from aurumq_rl.policies.deep_sets import ScoreModule  # noqa: E402
from aurumq_rl.provenance import sha256_file  # noqa: E402


def _torch_scores(run_dir: Path, obs: np.ndarray) -> np.ndarray:
    _, policy, _ = load_run(run_dir)
    with torch.no_grad():
        return ScoreModule(policy)(torch.from_numpy(obs)[None], torch.ones(1, len(obs), dtype=torch.bool))[0].numpy()


def test_train_exports_a_valid_bundle_with_metadata(run: tuple[str, Path]) -> None:
    _, out = run
    rep = validate_bundle(out / "bundle")
    assert rep["golden_max_abs_diff"] <= 1e-5 and rep["golden_stocks"] > 50
    meta = json.loads((out / "bundle" / "metadata.json").read_text())
    for key in ("algorithm", "train_dates", "val_dates", "universe", "top_k", "forward_period", "reward_mode",
                "normalize", "normalize_params", "factor_names", "feature_group_weights", "seed", "versions",
                "git_commit", "market_wide"):
        assert key in meta
    assert meta["feature_group_weights"] == {"alpha_": 0.5, "mf_": 2.0}
    assert meta["market_wide"] == ["mkt_ret5", "mkt_vol20"]
    schema = json.loads((out / "bundle" / "factor_schema.json").read_text())
    assert schema["factor_names"] == meta["factor_names"] and schema["sha256"] == schema_hash(meta["factor_names"])


def test_inference_prepares_input_exactly_as_training(run: tuple[str, Path]) -> None:
    """Bundle scores of validation dates (inference path: one date's data at a time) equal the torch policy's
    scores on the training panel (training path: whole panel, group weights, market-wide detection)."""
    from aurumq_rl.algos.trainer import Trainer
    from aurumq_rl.cli.train import FLAG_DEFAULTS, build_config

    data, out = run
    opts = {**FLAG_DEFAULTS, "data": data, "out_dir": str(out / "scratch"), "top_k": 10, "episode_length": 16,
            "n_envs": 8, "n_steps": 16, "batch_size": 64, "feature_group_weights": "alpha_=0.5,mf_=2"}
    trainer = Trainer(build_config(opts))
    _, policy, _ = load_run(out)
    t_idx = trainer.val_idx[-5:]
    want = policy_scores(policy, trainer.data, t_idx)
    scorer = Scorer(out / "bundle")
    day0, day1 = str(trainer.panel.dates[t_idx[0]]), str(trainer.panel.dates[t_idx[-1]])
    panel = scorer.load_panel(data, start=day0, end=day1)
    got = scorer.score_panel(panel)
    assert len(panel.dates) == len(t_idx)
    cols = np.searchsorted(trainer.panel.codes, panel.codes)
    assert np.array_equal(trainer.panel.codes[cols], panel.codes)
    w = want[:, cols]
    np.testing.assert_array_equal(np.isfinite(got), np.isfinite(w))
    np.testing.assert_allclose(got[np.isfinite(got)], w[np.isfinite(w)], atol=1e-5)


def test_scores_are_deterministic(run: tuple[str, Path], tmp_path: Path) -> None:
    data, out = run
    a, b = Scorer(out / "bundle"), Scorer(out / "bundle")
    panel = a.load_panel(data, start="2021-06-01", end="2021-06-10")
    s1, s2, s3 = a.score_panel(panel), a.score_panel(panel), b.score_panel(panel)
    np.testing.assert_array_equal(s1, s2)
    np.testing.assert_array_equal(s1, s3)
    args = ["infer", "--bundle", str(out), "--data", data, "--date", "2021-06-01", "-o"]
    assert main([*args, str(tmp_path / "p1.csv")]) == 0 and main([*args, str(tmp_path / "p2.csv")]) == 0
    assert (tmp_path / "p1.csv").read_bytes() == (tmp_path / "p2.csv").read_bytes()


def test_new_listings_and_delisted_names_are_scored_by_alignment(run: tuple[str, Path], tmp_path: Path) -> None:
    """Data with names the model never saw and without many it did: every universe stock of the date is scored,
    exactly as the graph scores that cross-section — no padding to, or indexing by, the training stock list."""
    data, out = run
    day = "2021-09-01"
    df = pl.read_parquet(data)
    codes = df["ts_code"].unique().sort()
    gone = codes[::3]  # a third of the names delisted
    donors = codes[1:40:2].to_list()
    fresh = {c: f"6039{i:02d}.SH" for i, c in enumerate(donors)}  # main-board codes absent from the data
    assert not set(fresh.values()) & set(codes.to_list())
    newcomers = df.filter(pl.col("ts_code").is_in(donors)).with_columns(
        pl.col("ts_code").replace_strict(fresh), pl.col("alpha_001") * -1.0 + 0.3)
    mod = pl.concat([df.filter(~pl.col("ts_code").is_in(gone.implode())), newcomers])
    path = tmp_path / "mod.parquet"
    mod.write_parquet(path)
    scorer = Scorer(out / "bundle")
    panel = scorer.load_panel(str(path), start=day, end=day)
    s = scorer.score_panel(panel)[0]
    keep = panel.in_universe[0]
    assert not set(gone.to_list()) & set(panel.codes[keep])
    new_in = [c for c in panel.codes[keep] if c in fresh.values()]
    assert len(new_in) >= 10
    assert np.isfinite(s[keep]).all() and np.isnan(s[~keep]).all()
    want = _torch_scores(out, np.ascontiguousarray(panel.factors[0][keep]))
    np.testing.assert_allclose(s[keep], want, atol=1e-5)


def test_factors_aligned_by_name_and_missing_factor_named(run: tuple[str, Path], tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    data, out = run
    df = pl.read_parquet(data)
    shuffled = df.select(list(reversed(df.columns))).with_columns(pl.lit(1.0).alias("alpha_999"))
    p2 = tmp_path / "reordered.parquet"
    shuffled.write_parquet(p2)
    scorer = Scorer(out / "bundle")
    day = "2021-08-02"
    a = scorer.score_panel(scorer.load_panel(data, start=day, end=day))
    b = scorer.score_panel(scorer.load_panel(str(p2), start=day, end=day))
    np.testing.assert_array_equal(a, b)
    p3 = tmp_path / "missing.parquet"
    df.drop("gtja_003").write_parquet(p3)
    with pytest.raises(DataError, match="gtja_003"):
        scorer.load_panel(str(p3), start=day, end=day)
    assert main(["infer", "--bundle", str(out / "bundle"), "--data", str(p3), "--date", day]) == 2
    assert "gtja_003" in capsys.readouterr().err


def _copy_bundle(src: Path, dst: Path) -> Path:
    dst.mkdir()
    for f in src.iterdir():
        (dst / f.name).write_bytes(f.read_bytes())
    return dst


def _reseal(bundle: Path) -> None:
    sums = json.loads((bundle / "checksums.json").read_text())
    (bundle / "checksums.json").write_text(json.dumps({k: sha256_file(bundle / k) for k in sums}))


def test_tampered_or_incomplete_bundle_is_rejected(run: tuple[str, Path], tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    src = run[1] / "bundle"
    b = _copy_bundle(src, tmp_path / "flip")
    raw = bytearray((b / "policy.onnx").read_bytes())
    raw[-20] ^= 0xFF
    (b / "policy.onnx").write_bytes(bytes(raw))
    with pytest.raises(BundleError, match=r"policy\.onnx: sha256 does not match"):
        validate_bundle(b)
    assert main(["bundle", "validate", str(b)]) == 2
    assert "policy.onnx" in capsys.readouterr().err

    b = _copy_bundle(src, tmp_path / "incomplete")
    (b / "golden_scores.npy").unlink()
    with pytest.raises(BundleError, match="missing golden_scores.npy"):
        validate_bundle(b)

    b = _copy_bundle(src, tmp_path / "schema")  # factor list edited and resealed: the schema hash catches it
    meta = json.loads((b / "metadata.json").read_text())
    meta["factor_names"] = meta["factor_names"][::-1]
    (b / "metadata.json").write_text(json.dumps(meta))
    _reseal(b)
    with pytest.raises(BundleError, match="different factors"):
        validate_bundle(b)

    b = _copy_bundle(src, tmp_path / "golden")  # golden scores edited and resealed: the replay catches it
    g = np.load(b / "golden_scores.npy")
    np.save(b / "golden_scores.npy", g + 1e-3)
    _reseal(b)
    with pytest.raises(BundleError, match="golden replay differs"):
        validate_bundle(b)
    assert main(["bundle", "validate", str(src)]) == 0


def test_infer_without_torch(run: tuple[str, Path], tmp_path: Path) -> None:
    """The core install scores a bundle: the whole infer command runs with torch made unimportable."""
    data, out = run
    picks = tmp_path / "picks.parquet"
    code = ("import sys; sys.modules['torch'] = None; from aurumq_rl.cli.main import main; "
            f"sys.exit(main(['infer', '--bundle', {str(out / 'bundle')!r}, '--data', {data!r}, '--date', "
            f"'2021-06-01', '-o', {str(picks)!r}]))")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert pl.read_parquet(picks).height == 10


def test_eval_scores_a_run_directory_through_its_bundle(run: tuple[str, Path], tmp_path: Path) -> None:
    """`eval --scores RUN_DIR` gives the same figures as the bundle's scores written to a score Parquet."""
    data, out = run
    scorer = Scorer(out / "bundle")
    panel = scorer.load_panel(data, start="2021-08-02", end="2021-10-29")
    s = scorer.score_panel(panel)
    t, n = np.nonzero(np.isfinite(s))
    pl.DataFrame({"ts_code": panel.codes[n], "trade_date": panel.dates[t], "score": s[t, n]}).write_parquet(
        tmp_path / "scores.parquet")
    common = ["--data", data, "--start", "2021-08-02", "--end", "2021-10-22", "--top-k", "10", "--random-draws",
              "20", "--universe", "main_board_non_st"]
    assert main(["eval", "--scores", str(out), *common, "-o", str(tmp_path / "a")]) == 0
    assert main(["eval", "--scores", str(tmp_path / "scores.parquet"), *common, "-o", str(tmp_path / "b")]) == 0
    a = json.loads((tmp_path / "a" / "eval.json").read_text())
    b = json.loads((tmp_path / "b" / "eval.json").read_text())
    ra, rb = a["results"][a["sources"][0]["name"]], b["results"][b["sources"][0]["name"]]
    assert ra["rank_ic"]["n_days"] > 50
    assert ra["rank_ic"]["mean"] == pytest.approx(rb["rank_ic"]["mean"], abs=1e-6)
    assert ra["topk"]["equal"] == pytest.approx(rb["topk"]["equal"], abs=1e-6)


def test_load_scorer_rejects_a_non_model(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="not a model"):
        load_scorer(tmp_path)


def test_checksums_that_are_not_an_object_are_rejected(run: tuple[str, Path], tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    b = _copy_bundle(run[1] / "bundle", tmp_path / "list")
    (b / "checksums.json").write_text('["x"]\n')
    with pytest.raises(BundleError, match=r"checksums\.json: a JSON list.*re-run `aurumq-rl export`"):
        validate_bundle(b)
    assert main(["bundle", "validate", str(b)]) == 2
    assert "checksums.json" in capsys.readouterr().err


def test_factor_hint_only_for_a_missing_factor(run: tuple[str, Path], tmp_path: Path) -> None:
    """A missing required column (vol) is reported as such; only a missing factor says the model needs it."""
    data, out = run
    scorer = Scorer(out / "bundle")
    df = pl.read_parquet(data)
    no_vol, no_factor = tmp_path / "no_vol.parquet", tmp_path / "no_factor.parquet"
    df.drop("vol").write_parquet(no_vol)
    df.drop("gtja_003").write_parquet(no_factor)
    with pytest.raises(DataError, match="missing required column") as exc:
        scorer.load_panel(str(no_vol), start="2021-08-02", end="2021-08-02")
    assert "trained on these factors" not in str(exc.value)
    with pytest.raises(DataError, match="gtja_003.*trained on these factors"):
        scorer.load_panel(str(no_factor), start="2021-08-02", end="2021-08-02")
