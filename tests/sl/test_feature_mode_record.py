"""An SL model trained with `--features zscore` records the z-score transform it was trained on, and `SLScorer`
refuses a record other than what this version applies (as the RL scorer does for a bundle): a model saved before
the winsorisation would otherwise be scored on winsorised z-scores it never saw, with no word."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("lightgbm")

from aurumq_rl.data.normalize import ZSCORE_CLIP  # noqa: E402
from aurumq_rl.errors import DataError  # noqa: E402
from aurumq_rl.sl.dataset import Dataset  # noqa: E402
from aurumq_rl.sl.model_io import SLScorer, save_model  # noqa: E402
from aurumq_rl.sl.models import Ensemble, GBDTParams, train_model  # noqa: E402


def _model(out: Path, features: str) -> Path:
    x = np.random.default_rng(0).normal(size=(300, 3)).astype(np.float32)
    ds = Dataset(x, x[:, 0].astype(np.float64), np.zeros(300, np.int64), np.arange(300), ["a", "b", "c"])
    member = train_model(ds, None, GBDTParams(num_boost_round=3, num_threads=1, min_data_in_leaf=5), 1, "lightgbm")
    save_model(out, Ensemble([member], ["a", "b", "c"]), features=features, universe="all",
               label={"name": "forward_return"}, forward_period=5, windows={})
    return out


def _drop_record(out: Path) -> None:
    meta = json.loads((out / "manifest.json").read_text())
    meta.pop("normalize_params", None)
    (out / "manifest.json").write_text(json.dumps(meta))


def test_a_zscore_model_records_its_transform_and_loads(tmp_path: Path) -> None:
    out = _model(tmp_path / "m", "zscore")
    params = json.loads((out / "manifest.json").read_text())["normalize_params"]
    assert params["zscore_clip"] == params["zscore_winsor_mad"] == ZSCORE_CLIP
    assert SLScorer(out).metadata["features"] == "zscore"


def test_a_zscore_model_from_before_the_winsorisation_is_refused(tmp_path: Path) -> None:
    out = _model(tmp_path / "m", "zscore")
    _drop_record(out)  # a manifest written before the transform was recorded
    with pytest.raises(DataError, match=r"not winsorised .*manifest\.json normalize_params.*retrain"):
        SLScorer(out)


@pytest.mark.parametrize("features", ["raw", "rank"])
def test_raw_and_rank_models_do_not_depend_on_the_zscore_record(tmp_path: Path, features: str) -> None:
    out = _model(tmp_path / "m", features)
    _drop_record(out)
    assert SLScorer(out).metadata["features"] == features
