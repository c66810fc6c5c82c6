"""`Scorer.score` on factors holding a NaN: the trained graph pools a context (mean, max) over the cross-section,
so one NaN among the scored stocks made every stock's score NaN, silently. It is an error naming the factor; a
NaN in a stock left out of the mask changes nothing, and `score_panel` (filled input) is unaffected."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("onnxruntime")

from aurumq_rl.errors import DataError  # noqa: E402
from aurumq_rl.infer.scorer import Scorer  # noqa: E402


def test_a_nan_among_the_scored_stocks_is_an_error_naming_the_factor(run: tuple[str, Path]) -> None:
    scorer = Scorer(run[1] / "bundle")
    f_n = len(scorer.factor_names)
    x = np.random.default_rng(0).normal(size=(12, f_n)).astype(np.float32)
    clean = scorer.score(x)
    assert np.isfinite(clean).all()
    x[3, 2] = np.nan
    with pytest.raises(DataError, match=rf"1 NaN/inf value\(s\).*factor {scorer.factor_names[2]}"):
        scorer.score(x)
    x[3, 2] = np.inf
    with pytest.raises(DataError, match="NaN/inf"):
        scorer.score(x[None], np.ones((1, 12), dtype=bool))


def test_a_nan_outside_the_mask_is_accepted_and_changes_no_score(run: tuple[str, Path]) -> None:
    scorer = Scorer(run[1] / "bundle")
    x = np.random.default_rng(1).normal(size=(1, 10, len(scorer.factor_names))).astype(np.float32)
    mask = np.ones((1, 10), dtype=bool)
    mask[0, 9] = False
    want = scorer.score(x, mask)[0, :9]
    x[0, 9, :] = np.nan  # a padded slot
    got = scorer.score(x, mask)[0, :9]
    assert np.isfinite(got).all()
    np.testing.assert_array_equal(got, want)


def test_a_float64_value_beyond_float32_is_an_error_not_nan_scores(run: tuple[str, Path]) -> None:
    """float64 input is cast to the graph's float32; a value finite in float64 but beyond float32's range
    (1e39) passed the NaN/inf check, became inf in the cast and made every stock's score NaN, silently."""
    scorer = Scorer(run[1] / "bundle")
    x = np.random.default_rng(2).normal(size=(8, len(scorer.factor_names)))  # float64
    assert np.allclose(scorer.score(x), scorer.score(x.astype(np.float32)))  # float64 input is cast, not refused
    x[5, 4] = 1e39
    with pytest.raises(DataError, match=rf"1 NaN/inf value\(s\).*factor {scorer.factor_names[4]}"):
        scorer.score(x)
