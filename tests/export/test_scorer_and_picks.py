"""Scoring with a bundle and picking from the scores, on a hand-built bundle (a linear ONNX graph): the scorer
verifies the checksums when it loads, matches factors by name whatever their order, prepares the data with the
model's normalisation; `infer` applies the model's industry cap; and picks break score ties by ts_code."""

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
from aurumq_rl.data.loader import load_panel  # noqa: E402
from aurumq_rl.export.bundle import BundleError  # noqa: E402
from aurumq_rl.infer import load_scorer  # noqa: E402
from aurumq_rl.infer.picks import picks_for_date  # noqa: E402
from aurumq_rl.infer.scorer import Scorer  # noqa: E402
from tests.eval.helpers import make_panel  # noqa: E402
from tests.export.conftest import NAMES, make_bundle  # noqa: E402


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
    return write_demo(str(tmp_path_factory.mktemp("small_market") / "m.parquet"), cfg)[0]


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


def test_picks_order_score_ties_as_eval_judges_them() -> None:
    """Tied scores (an SL model's rank_mean over seeds, a shallow or early-stopped booster: 12-30% of dates tie
    at the K-th place on the sample data) are ordered by the hash of (date, code) that `eval` orders them by
    (`eval.metrics.tie_broken`), so the picks infer serves are the top K eval judged, not the lowest codes."""
    from aurumq_rl.eval.metrics import select_picks, tie_broken

    rng = np.random.default_rng(0)
    p = make_panel(np.zeros((12, 40)))
    scores = rng.integers(0, 4, size=(12, 40)).astype(np.float64)  # four distinct values: ties at the K-th
    valid = np.ones(scores.shape, bool)
    judged = select_picks(tie_broken(scores, valid, p.dates, p.codes), valid, 5, None, None)
    differs = 0
    for t in range(11):
        picks = picks_for_date(p, scores, t, 5, industry_cap=None)
        assert set(picks["ts_code"]) == set(p.codes[judged[t]])
        assert picks["rank"].to_list() == [1, 2, 3, 4, 5]
        assert (np.diff(picks["score"].to_numpy()) <= 0).all()  # ranked by score
        differs += set(picks["ts_code"]) != set(p.codes[np.argsort(-scores[t], kind="stable")[:5]])
    assert differs  # the code order would have picked other names on some dates
    again = picks_for_date(p, scores, 3, 5, industry_cap=None)  # reproducible
    assert again.equals(picks_for_date(p, scores, 3, 5, industry_cap=None))


def test_the_scorer_names_a_factor_count_or_a_factor_the_bundle_needs(tmp_path: Path) -> None:
    from aurumq_rl.errors import DataError

    b = make_bundle(tmp_path / "b")
    scorer = Scorer(b)
    with pytest.raises(DataError, match=r"input has 2 factors, the bundle expects 3 \(alpha_001"):
        scorer.score(np.zeros((4, 2), np.float32))
    cols = {"alpha_001": [1.0, 2.0, 9.0], "alpha_003": [0.0, 0.25, 9.0]}
    with pytest.raises(DataError, match=rf"lacks factor\(s\) alpha_002 that the model {b} needs"):
        scorer.score_panel(_panel_with(["alpha_001", "alpha_003"], cols))


@pytest.mark.parametrize("manifest", ["{not json", "[1, 2]"])
def test_find_model_skips_a_manifest_that_is_no_sl_manifest(tmp_path: Path, manifest: str) -> None:
    """A manifest.json that is not JSON, or not an object, makes its directory no model (not a traceback); a
    bundle/ under the same run directory is still found."""
    from aurumq_rl.infer import find_model

    (tmp_path / "manifest.json").write_text(manifest)
    assert find_model(tmp_path) is None
    b = make_bundle(tmp_path / "bundle")
    assert find_model(tmp_path) == (b, "rl")
