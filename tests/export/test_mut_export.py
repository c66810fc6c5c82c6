"""Bundle and inference rules pinned on a hand-built bundle (a linear ONNX graph, no torch), each one a hole a
mutation test found: every file's checksum, the golden-replay tolerance and NaN, the schema hash, the bundle
format, checksums verified when a scorer loads, factors matched by name, the model's normalisation, the
model's industry cap, ties broken by ts_code, and the metadata an export writes."""

from __future__ import annotations

import dataclasses
import json
import shutil
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import polars as pl
import pytest

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

from aurumq_rl.cli.main import main  # noqa: E402
from aurumq_rl.data.loader import load_panel  # noqa: E402
from aurumq_rl.export.bundle import BUNDLE_FILES, BundleError, schema_hash, validate_bundle  # noqa: E402
from aurumq_rl.infer import load_scorer  # noqa: E402
from aurumq_rl.infer.picks import picks_for_date  # noqa: E402
from aurumq_rl.infer.scorer import Scorer  # noqa: E402
from aurumq_rl.provenance import sha256_file  # noqa: E402
from tests.eval.helpers import make_panel  # noqa: E402

NAMES = ["alpha_001", "alpha_002", "alpha_003"]
WEIGHTS = [1.0, 10.0, 100.0]  # score = x1 + 10 x2 + 100 x3: any column mix-up changes it


def _graph(weights: list[float], path: Path) -> None:
    """scores[b, n] = factors[b, n, :] · weights where mask, else 0."""
    from onnx import TensorProto, helper, numpy_helper, save

    f = len(weights)
    inits = [numpy_helper.from_array(np.asarray(weights, np.float32), "w"),
             numpy_helper.from_array(np.zeros((), np.float32), "zero")]
    nodes = [helper.make_node("MatMul", ["factors", "w"], ["raw"]),
             helper.make_node("Where", ["mask", "raw", "zero"], ["scores"])]
    graph = helper.make_graph(
        nodes, "linear",
        [helper.make_tensor_value_info("factors", TensorProto.FLOAT, ["batch", "n_stocks", f]),
         helper.make_tensor_value_info("mask", TensorProto.BOOL, ["batch", "n_stocks"])],
        [helper.make_tensor_value_info("scores", TensorProto.FLOAT, ["batch", "n_stocks"])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    save(model, str(path))


def _seal(root: Path) -> None:
    (root / "checksums.json").write_text(json.dumps({f: sha256_file(root / f) for f in BUNDLE_FILES}))


def make_bundle(root: Path, *, names: list[str] = NAMES, weights: list[float] = WEIGHTS,
                golden_shift: float = 0.0, **meta: object) -> Path:
    """A complete, sealed bundle whose golden scores are the linear map computed here (plus `golden_shift`)."""
    root.mkdir(parents=True)
    _graph(weights, root / "policy.onnx")
    obs = (np.arange(6 * len(names), dtype=np.float32).reshape(6, len(names)) - 9) / 8  # exact in float32
    want = obs.astype(np.float64) @ np.asarray([0.0 if np.isnan(w) else w for w in weights]) + golden_shift
    np.save(root / "golden_obs.npy", obs)
    np.save(root / "golden_scores.npy", want)
    (root / "golden_codes.json").write_text(json.dumps([f"60000{i}.SH" for i in range(6)]))
    md = {"bundle_format": 1, "kind": "rl_onnx", "algorithm": "ppo", "factor_names": names, "normalize": "raw",
          "universe": "all", "market_wide": [], "feature_group_weights": {}, "top_k": 2, "sizing": "equal",
          "industry_cap": 0.3, "golden_date": "2024-01-02", **meta}
    (root / "metadata.json").write_text(json.dumps(md))
    (root / "factor_schema.json").write_text(json.dumps({"factor_names": names, "sha256": schema_hash(names)}))
    _seal(root)
    return root


def test_a_hand_built_bundle_validates(tmp_path: Path) -> None:
    rep = validate_bundle(make_bundle(tmp_path / "b"))
    assert rep["n_factors"] == 3 and rep["golden_stocks"] == 6 and rep["golden_max_abs_diff"] == 0.0


@pytest.mark.parametrize("name", BUNDLE_FILES)
def test_every_bundle_file_is_checksummed(tmp_path: Path, name: str) -> None:
    b = make_bundle(tmp_path / "b")
    with (b / name).open("ab") as fh:
        fh.write(b" ")
    with pytest.raises(BundleError, match=rf"{name}: sha256 does not match"):
        validate_bundle(b)


def test_golden_replay_tolerance_is_1e_5(tmp_path: Path) -> None:
    assert validate_bundle(make_bundle(tmp_path / "ok", golden_shift=2e-6))["golden_max_abs_diff"] < 1e-5
    with pytest.raises(BundleError, match="golden replay differs"):
        validate_bundle(make_bundle(tmp_path / "off", golden_shift=5e-5))


def test_a_graph_scoring_nan_does_not_validate(tmp_path: Path) -> None:
    """NaN weights make every score NaN: the replay cannot match finite golden scores (a NaN difference is not
    within any tolerance)."""
    with pytest.raises(BundleError, match="golden replay differs"):
        validate_bundle(make_bundle(tmp_path / "nan", weights=[np.nan, 10.0, 100.0]))


def test_factor_schema_must_match_its_hash(tmp_path: Path) -> None:
    """Factor lists reordered in both metadata and schema, checksums resealed, stale schema hash: refused."""
    b = make_bundle(tmp_path / "b")
    rev = NAMES[::-1]
    meta = json.loads((b / "metadata.json").read_text())
    (b / "metadata.json").write_text(json.dumps({**meta, "factor_names": rev}))
    (b / "factor_schema.json").write_text(json.dumps({"factor_names": rev, "sha256": schema_hash(NAMES)}))
    _seal(b)
    with pytest.raises(BundleError, match="factor names do not match their sha256"):
        validate_bundle(b)


def test_another_bundle_format_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BundleError, match="bundle_format 2"):
        validate_bundle(make_bundle(tmp_path / "b", bundle_format=2))


def test_scorer_verifies_checksums_on_load(tmp_path: Path) -> None:
    b = make_bundle(tmp_path / "b")
    meta = json.loads((b / "metadata.json").read_text())
    (b / "metadata.json").write_text(json.dumps({**meta, "top_k": 50}))  # edited, not resealed
    with pytest.raises(BundleError, match=r"metadata\.json: sha256 does not match"):
        Scorer(b)
    with pytest.raises(BundleError, match=r"metadata\.json: sha256 does not match"):
        load_scorer(b)


def _panel_with(names: list[str], cols: dict[str, list[float]]):  # noqa: ANN202
    """One date, three stocks, the last one out of the universe; factor columns in the order of `names`."""
    p = make_panel(np.zeros((1, 3)), in_universe=np.array([[True, True, False]]))
    f = np.stack([np.asarray(cols[n], np.float32) for n in names], axis=1)[None]
    return dataclasses.replace(p, factor_names=list(names), factors=f,
                               factor_missing_bits=np.zeros((1, 3, 1), np.uint8))


def test_scorer_matches_factors_by_name(tmp_path: Path) -> None:
    scorer = Scorer(make_bundle(tmp_path / "b"))
    cols = {"alpha_001": [1.0, 2.0, 9.0], "alpha_002": [0.5, 0.0, 9.0], "alpha_003": [0.0, 0.25, 9.0],
            "zz_extra": [7.0, 7.0, 7.0]}
    want = [1.0 + 5.0, 2.0 + 25.0]  # x1 + 10 x2 + 100 x3 of the two universe stocks
    for order in (NAMES, ["alpha_003", "alpha_001", "alpha_002"], ["zz_extra", "alpha_002", "alpha_003", "alpha_001"]):
        got = scorer.score_panel(_panel_with(order, cols))[0]
        np.testing.assert_allclose(got[:2], want, rtol=1e-6)
        assert np.isnan(got[2])


@pytest.fixture(scope="module")
def small_market(tmp_path_factory: pytest.TempPathFactory) -> str:
    from aurumq_rl.data.synth import preset, write_demo

    cfg = dataclasses.replace(preset("small", seed=1), n_stocks=60, n_days=40)
    return write_demo(str(tmp_path_factory.mktemp("mut_export") / "m.parquet"), cfg)[0]


@pytest.mark.parametrize("norm", ["rank", "raw"])
def test_scorer_prepares_data_with_the_models_normalisation(tmp_path: Path, small_market: str, norm: str) -> None:
    scorer = Scorer(make_bundle(tmp_path / "b", names=["alpha_001", "alpha_002"], weights=[1.0, 0.0],
                                normalize=norm))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = scorer.load_panel(small_market)
        want = load_panel(small_market, universe="all", factors=["alpha_001", "alpha_002"], normalize=norm)
    assert got.meta["normalize"] == norm
    np.testing.assert_array_equal(got.factors, want.factors)


def test_infer_applies_the_models_industry_cap(tmp_path: Path, small_market: str) -> None:
    """A model trained with an industry cap of 0.1 picks at most floor(0.1 × 10) = 1 name per industry, where
    the default cap (0.3) would allow 3: the cap comes from the bundle's metadata."""
    b = make_bundle(tmp_path / "b", names=["alpha_001"], weights=[1.0], industry_cap=0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        panel = Scorer(b).load_panel(small_market)
    day = str(panel.dates[20])
    out = tmp_path / "p.parquet"
    assert main(["infer", "--bundle", str(b), "--data", small_market, "--date", day, "--top-k", "10",
                 "-o", str(out)]) == 0
    picks = pl.read_parquet(out)
    assert picks.height == 10 and picks["industry"].n_unique() == 10
    # the discriminating case: the uncapped top 10 of that date repeat an industry
    t = 20
    s = np.where(panel.in_universe[t] & panel.can_buy[t + 1], panel.factors[t, :, 0], -np.inf)
    top = np.argsort(-s, kind="stable")[:10]
    assert len(set(panel.industry[t, top].tolist())) < 10


def test_picks_break_score_ties_by_ts_code() -> None:
    """Scores 0.5, 0.9, 0.9, 0.5, 0.9 with K = 4: the three 0.9s in code order, then the lower code of the
    0.5s."""
    p = make_panel(np.zeros((2, 5)))
    scores = np.array([[0.5, 0.9, 0.9, 0.5, 0.9], [0.0] * 5])
    picks = picks_for_date(p, scores, 0, 4, industry_cap=None)
    assert picks["ts_code"].to_list() == ["600001.SH", "600002.SH", "600004.SH", "600000.SH"]
    assert picks["rank"].to_list() == [1, 2, 3, 4]


def test_export_metadata_carries_the_runs_selection_settings(run: tuple[str, Path]) -> None:
    """top_k, sizing, industry cap and the ordered factor list in the bundle are the trained run's."""
    _, out = run
    manifest = json.loads((out / "run.json").read_text())
    env = manifest["config"]["env"]
    meta = json.loads((out / "bundle" / "metadata.json").read_text())
    assert (meta["top_k"], meta["sizing"], meta["industry_cap"]) == (10, "equal", 0.3)
    assert (meta["top_k"], meta["sizing"], meta["industry_cap"]) == (env["top_k"], env["sizing"],
                                                                      env["industry_cap"])
    assert meta["factor_names"] == manifest["factor_names"]


@pytest.mark.parametrize("name", ["factor_schema.json", "metadata.json"])
def test_a_bundle_json_that_is_not_an_object_is_named(tmp_path: Path, name: str,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """Valid JSON of another type (resealed, so the checksums pass) is a clear error, exit 2, no traceback."""
    from aurumq_rl.cli.main import main

    b = make_bundle(tmp_path / "b")
    (b / name).write_text('["alpha_001"]')
    _seal(b)
    assert main(["bundle", "validate", str(b)]) == 2
    err = capsys.readouterr().err
    assert f"{b / name}: a JSON list, expected a JSON object" in err and "Traceback" not in err, err


def _skew_onnx_scores(monkeypatch: pytest.MonkeyPatch, skew: Callable[[np.ndarray], np.ndarray]) -> None:
    """The export's onnxruntime scores, passed through `skew`: a known onnx/torch difference for the gate."""
    from aurumq_rl.export import onnx_export

    real = onnx_export.run_session

    def skewed(session: object, factors: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        return skew(real(session, factors, mask))

    monkeypatch.setattr(onnx_export, "run_session", skewed)


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("existing", [False, True], ids=["new-target", "replacing-a-bundle"])
def test_export_refuses_scores_just_outside_the_parity_tolerance(run: tuple[str, Path], tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch,
                                                                 existing: bool) -> None:
    """onnxruntime scores 2e-5 off torch's (tolerance 1e-5): BundleError, and the target's directory holds
    exactly what it held before — no bundle, no `.bundle.*` temp directory, no `.bundle.old`; an existing
    bundle there is left byte for byte."""
    from aurumq_rl.export.onnx_export import export_bundle

    _, out = run
    parent = tmp_path / "out"
    target = parent / "bundle"
    if existing:
        shutil.copytree(out / "bundle", target)
    before = _tree(parent) if existing else {}
    _skew_onnx_scores(monkeypatch, lambda s: s + np.float32(2e-5))
    with pytest.raises(BundleError, match=r"differ from torch by 2(\.\d+)?e-05 \(> 1e-05\); bundle not written"):
        export_bundle(out, target)
    assert sorted(p.name for p in parent.iterdir()) == (["bundle"] if existing else [])
    assert _tree(parent) == before


def test_export_accepts_scores_just_inside_the_parity_tolerance(run: tuple[str, Path], tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """onnxruntime scores 5e-6 off torch's: exported, the bundle validates, and its metadata records the
    difference the gate saw (so the skew did reach the gate)."""
    from aurumq_rl.export.onnx_export import export_bundle

    _, out = run
    real_diff = json.loads((out / "bundle" / "metadata.json").read_text())["golden_max_abs_diff"]
    assert real_diff < 1e-6  # the injected 5e-6 dominates
    _skew_onnx_scores(monkeypatch, lambda s: s + np.float32(5e-6))
    target = export_bundle(out, tmp_path / "out" / "bundle")
    assert sorted(p.name for p in target.parent.iterdir()) == ["bundle"]
    meta = json.loads((target / "metadata.json").read_text())
    assert meta["golden_max_abs_diff"] == pytest.approx(5e-6, abs=1e-6)
    assert validate_bundle(target)["golden_max_abs_diff"] < 1e-6  # golden scores are torch's, not the skewed ones


def test_export_refuses_a_nan_onnx_score(run: tuple[str, Path], tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """One NaN among the onnxruntime scores makes the difference NaN, which is within no tolerance."""
    from aurumq_rl.export.onnx_export import export_bundle

    _, out = run

    def one_nan(s: np.ndarray) -> np.ndarray:
        s = s.copy()
        s[len(s) // 2] = np.nan
        return s

    _skew_onnx_scores(monkeypatch, one_nan)
    parent = tmp_path / "out"
    with pytest.raises(BundleError, match=r"differ from torch by nan .*bundle not written"):
        export_bundle(out, parent / "bundle")
    assert list(parent.iterdir()) == []


def test_export_refuses_an_sb3_baseline_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An SB3 run directory of the older layout (sb3_model.zip and metrics.jsonl, no run.json; today's layout
    is covered by test_cli_train_sb3) is named as such, exit 2, nothing written; a directory with neither file
    gets the generic no-run.json message."""
    sb3 = tmp_path / "a2c"
    sb3.mkdir()
    (sb3 / "sb3_model.zip").write_bytes(b"PK\x05\x06" + bytes(18))  # an empty zip archive
    (sb3 / "metrics.jsonl").write_text('{"algorithm": "a2c"}\n')
    assert main(["export", str(sb3), "-o", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert f"error: {sb3}: an SB3 baseline run (flat MLP over a fixed stock list) cannot be exported" in err, err
    assert "--algorithm ppo" in err and "Traceback" not in err
    assert not (tmp_path / "x").exists()
    (tmp_path / "empty").mkdir()
    assert main(["export", str(tmp_path / "empty"), "-o", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert "no run.json" in err and "SB3" not in err
