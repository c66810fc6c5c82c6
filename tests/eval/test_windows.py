"""Windows (quarters, rolling), window stats against the random median, ensembles and top-K overlap."""

from __future__ import annotations

import math

import numpy as np
import pytest

from aurumq_rl.eval.windows import ensemble_scores, picks_overlap, quarter_windows, rolling_windows, window_report

R15 = math.sqrt(1.5)  # z-score of the extremes of three equally spaced values (ddof 0)


def test_quarter_windows_split_on_calendar_quarters() -> None:
    dates = np.array(["2021-03-30", "2021-03-31", "2021-04-01", "2021-06-30", "2021-07-01"], dtype="datetime64[D]")
    assert quarter_windows(dates, 1, 4) == [("2021Q1", 1, 1), ("2021Q2", 2, 3), ("2021Q3", 4, 4)]
    assert quarter_windows(dates, 3, 2) == []


def test_rolling_windows_60_step_20() -> None:
    # anchored at the last date: 130 dates leave the oldest 10 out, never the most recent ones
    assert [(a, b) for _, a, b in rolling_windows(0, 129)] == [(10, 69), (30, 89), (50, 109), (70, 129)]
    assert [(a, b) for _, a, b in rolling_windows(0, 119)] == [(0, 59), (20, 79), (40, 99), (60, 119)]
    assert [(a, b) for _, a, b in rolling_windows(5, 64)] == [(5, 64)]
    assert rolling_windows(0, 58) == []


def test_window_report_against_random_median() -> None:
    dates = np.array(["2022-03-01", "2022-03-02", "2022-03-03", "2022-03-04",
                      "2022-04-01", "2022-04-04", "2022-04-05", "2022-04-06"], dtype="datetime64[D]")
    series = np.r_[[0.01] * 4, [-0.01] * 4]
    rnd = np.tile(np.array([[0.0], [0.005], [0.02]]), (1, 8))  # three draws, constant per date: median .005
    rep = window_report(dates, series, rnd, 0, 7, rank_ic=np.r_[[0.1] * 4, [0.0] * 4])
    q1, q2 = rep["quarters"]
    assert (q1["window"], q1["mean"], q1["random_p50"], q1["beats_random_p50"], q1["positive"]) == (
        "2022Q1", pytest.approx(0.01), pytest.approx(0.005), True, True)
    assert (q2["beats_random_p50"], q2["positive"], q2["n_dates"]) == (False, False, 4)
    assert q1["rank_ic_mean"] == pytest.approx(0.1) and q1["start"] == "2022-03-01" and q2["end"] == "2022-04-06"
    assert rep["share_beats_random_p50"]["quarters"] == 0.5 and rep["share_positive"]["quarters"] == 0.5
    assert rep["rolling"] == [] and math.isnan(rep["share_positive"]["rolling"])
    assert rep["full"]["mean"] == pytest.approx(0.0) and rep["full"]["beats_random_p50"] is False


def test_a_window_without_dated_figures_is_left_out_of_the_shares() -> None:
    """A quarter in a gap of the scores (no decision date with a figure) says neither 'beats random' nor
    'positive': the shares count the windows that hold data."""
    dates = np.array(["2022-03-01", "2022-03-02", "2022-04-01", "2022-04-04", "2022-07-01", "2022-07-04"],
                     dtype="datetime64[D]")
    series = np.array([0.01, 0.02, np.nan, np.nan, 0.03, 0.01])
    rnd = np.zeros((3, 6))
    rep = window_report(dates, series, rnd, 0, 5)
    assert [q["n_dates"] for q in rep["quarters"]] == [2, 0, 2]
    assert rep["share_beats_random_p50"]["quarters"] == 1.0 and rep["share_positive"]["quarters"] == 1.0
    empty = window_report(dates, np.full(6, np.nan), rnd, 0, 5)
    assert math.isnan(empty["share_beats_random_p50"]["quarters"])


def test_ensembles_by_hand() -> None:
    a, b, c = np.array([[1.0, 2.0, 3.0]]), np.array([[30.0, 10.0, 20.0]]), np.array([[3.0, 2.0, 1.0]])
    mask = np.ones((1, 3), bool)
    # average rank / n: a → 1/3 2/3 1; b → 1 1/3 2/3
    np.testing.assert_allclose(ensemble_scores([a, b], mask, "rank_mean"), [[2 / 3, 1 / 2, 5 / 6]], atol=1e-12)
    # z: a → −√1.5 0 √1.5; b → √1.5 −√1.5 0; c → √1.5 0 −√1.5
    np.testing.assert_allclose(ensemble_scores([a, b], mask, "z_mean"), [[0, -R15 / 2, R15 / 2]], atol=1e-12)
    np.testing.assert_allclose(ensemble_scores([a, b, c], mask, "z_median"), [[R15, 0, 0]], atol=1e-12)
    mask[0, 1] = False  # out of the mask: NaN, and the others are ranked without it
    out = ensemble_scores([a, b], mask, "rank_mean")
    assert np.isnan(out[0, 1]) and out[0, 0] == pytest.approx((1 / 2 + 1) / 2) and out[0, 2] == pytest.approx(0.75)
    with pytest.raises(ValueError, match="rank_mean"):
        ensemble_scores([a], mask, "mean")


def test_z_ensembles_give_a_constant_set_zero() -> None:
    """A set with one score for every stock on a date (a seed's constant output) has z = 0 there, as documented:
    its float std is a rounding, not 0, and gave every stock z = ±1, which moves the z_median's picks."""
    rng = np.random.default_rng(1)
    n_n = 300
    const = np.full((1, n_n), 0.1)
    b, c = rng.standard_normal((1, n_n)), rng.standard_normal((1, n_n))
    mask = np.ones((1, n_n), bool)
    zb, zc = ((x - x.mean()) / x.std() for x in (b, c))
    np.testing.assert_allclose(ensemble_scores([const, b], mask, "z_mean"), zb / 2, atol=1e-12)
    np.testing.assert_allclose(ensemble_scores([const, b, c], mask, "z_median"),
                               np.median(np.stack([np.zeros((1, n_n)), zb, zc]), axis=0), atol=1e-12)


def test_picks_overlap_jaccard() -> None:
    a = np.array([[1, 1, 0, 0], [1, 1, 0, 0]], bool)
    b = np.array([[0, 1, 1, 0], [1, 1, 0, 0]], bool)
    j = picks_overlap(np.stack([a, b]))
    # date 0: {0,1} vs {1,2} → 1/3; date 1: identical → 1
    np.testing.assert_allclose(j, [[1, 2 / 3], [2 / 3, 1]], atol=1e-12)
