"""The rank IC t-stat of overlapping fp-day returns: a Hansen–Hodrick standard error (uniform weights, fp − 1
lags), Newey–West when that comes out ≤ 0."""

from __future__ import annotations

import math

import numpy as np
import pytest

from aurumq_rl.eval.metrics import newey_west_var, overlap_var, summarize_ic
from aurumq_rl.eval.report import evaluate_scores_full
from tests.eval.helpers import signal_scores, synth_panel


def test_t_stat_by_hand_one_lag() -> None:
    # x = 1, 2, 3, 6 with fp = 2 (one lag): mean 3, e = −2, −1, 0, 3
    # S0 = 4 + 1 + 0 + 9 = 14, S1 = (−2)(−1) + (−1)(0) + (0)(3) = 2, uniform weight of lag 1: 1
    # var(mean) = (S0 + 2·S1) / (n(n − 1)) = 18 / 12, t = 3 / √(3/2) = 2.449…; naive t = 3 / √(14/12) = 2.777…
    s = summarize_ic(np.array([1.0, 2.0, 3.0, 6.0]), 2)
    assert s["t_stat"] == pytest.approx(3 / math.sqrt(18 / 12), abs=1e-12)
    assert s["icir"] == pytest.approx(3 / math.sqrt(14 / 3), abs=1e-12)  # ICIR stays mean / std
    assert summarize_ic(np.array([1.0, 2.0, 3.0, 6.0]))["t_stat"] == pytest.approx(3 / math.sqrt(14 / 12), abs=1e-12)


def test_t_stat_lags_count_dates_not_values() -> None:
    # a missing date: lag 1 pairs only dates one apart. x = 1, NaN, 2, 5 (fp = 2): mean 8/3, e = −5/3, ·, −2/3, 7/3
    # S0 = (25 + 4 + 49)/9 = 78/9; S1 = e2·e3 = −14/9 (dates 0 and 2 are two apart: not a lag-1 pair)
    # var(mean) = (78/9 − 2·14/9) / (3·2) = (50/9) / 6
    s = summarize_ic(np.array([1.0, np.nan, 2.0, 5.0]), 2)
    assert s["n_days"] == 3
    assert s["t_stat"] == pytest.approx((8 / 3) / math.sqrt(50 / 54), abs=1e-12)


def test_a_non_positive_hansen_hodrick_variance_falls_back_to_newey_west() -> None:
    # alternating signs: S1 strongly negative. x = 1, −1, 1, −1, 2 (fp = 2): mean 0.4, e = .6, −1.4, .6, −1.4, 1.6
    # S0 = .36 + 1.96 + .36 + 1.96 + 2.56 = 7.2; S1 = −.84 −.84 −.84 −2.24 = −4.76: S0 + 2·S1 < 0
    # Newey–West: (7.2 + 2·½·(−4.76)) / (5·4) = 2.44 / 20
    x = np.array([1.0, -1.0, 1.0, -1.0, 2.0])
    assert overlap_var(x, 1) == pytest.approx(newey_west_var(x, 1)) == pytest.approx(2.44 / 20)
    assert summarize_ic(x, 2)["t_stat"] == pytest.approx(0.4 / math.sqrt(2.44 / 20))


def test_under_no_skill_the_t_stat_has_unit_spread() -> None:
    """Overlapping fp-day 'ICs' with no skill (MA(fp − 1) of iid shocks): |t| > 1.96 about 5% of the time. The
    Newey–West t the evaluation used before had a spread of about 1.25 at fp = 5 (12% rejections)."""
    rng = np.random.default_rng(3)
    for fp in (5, 20):
        t = []
        for _ in range(800):
            shocks = rng.normal(size=500 + fp - 1)
            t.append(summarize_ic(np.convolve(shocks, np.ones(fp) / fp, mode="valid"), fp)["t_stat"])
        t = np.array(t)
        assert 0.93 < t.std() < 1.12, fp
        assert np.mean(np.abs(t) > 1.96) < 0.085, fp


def _finite(x: np.ndarray) -> np.ndarray:
    assert np.isfinite(x[np.isfinite(x).argmax():]).all()  # no gap inside the series
    return x[np.isfinite(x)]


def _hansen_hodrick_t(x: np.ndarray, lags: int) -> float:
    """Textbook loop: t = mean / √((γ0 + 2 Σ γk) / (n − 1)), γk = Σ e_t e_{t+k} / n."""
    n, e = len(x), x - x.mean()
    gamma = [float(np.dot(e[:n - k], e[k:])) / n for k in range(lags + 1)]
    return float(x.mean() / math.sqrt((gamma[0] + 2 * sum(gamma[1:])) / (n - 1)))


def test_overlapping_series_naive_t_is_inflated_corrected_t_is_not() -> None:
    # daily "IC" of fp-day overlapping windows: the mean of 5 consecutive iid shocks (an MA(4), lag-1 corr 0.8)
    fp, n = 5, 4000
    rng = np.random.default_rng(7)
    shocks = rng.normal(0.0, 1.0, n + fp - 1)
    x = 0.02 + np.convolve(shocks, np.ones(fp) / fp, mode="valid")
    naive = x.mean() / x.std(ddof=1) * math.sqrt(n)
    got = summarize_ic(x, fp)
    assert got["t_stat"] == pytest.approx(_hansen_hodrick_t(x, fp - 1), rel=1e-9)
    # MA(4) autocorrelations 4/5 … 1/5: long-run / short-run variance 1 + 2·(4+3+2+1)/5 = 5
    assert naive / got["t_stat"] == pytest.approx(math.sqrt(5), rel=0.1)
    assert got["icir"] == pytest.approx(naive / math.sqrt(n), rel=1e-12)


def test_evaluate_scores_t_stat_uses_the_forward_period() -> None:
    panel, fp = synth_panel(), 5
    scores = signal_scores(panel)
    ev = evaluate_scores_full(panel, scores, forward_period=fp, random_draws=2, cost_bps=(30.0,), holds=("fp",))
    ic = _finite(ev.rank_ic[ev.lo:ev.hi + 1])  # synthetic IC: a value on every date
    r = ev.report["rank_ic"]
    assert r["t_stat"] == pytest.approx(_hansen_hodrick_t(ic, fp - 1), rel=1e-9)
    assert r["t_stat"] < 0.8 * r["icir"] * math.sqrt(r["n_days"])  # the naive ICIR·√n overstates it
