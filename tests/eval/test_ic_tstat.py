"""The rank IC t-stat of overlapping fp-day returns: a Newey–West (Bartlett, fp − 1 lags) standard error."""

from __future__ import annotations

import math

import numpy as np
import pytest

from aurumq_rl.eval.metrics import summarize_ic
from aurumq_rl.eval.report import evaluate_scores_full
from tests.eval.helpers import signal_scores, synth_panel


def test_t_stat_by_hand_one_lag() -> None:
    # x = 1, 2, 3, 6 with fp = 2 (one lag): mean 3, e = −2, −1, 0, 3
    # S0 = 4 + 1 + 0 + 9 = 14, S1 = (−2)(−1) + (−1)(0) + (0)(3) = 2, Bartlett weight of lag 1: 1 − 1/2 = 1/2
    # var(mean) = (S0 + 2·½·S1) / (n(n − 1)) = 16 / 12, t = 3 / √(4/3) = 2.598…; naive t = 3 / √(14/12) = 2.777…
    s = summarize_ic(np.array([1.0, 2.0, 3.0, 6.0]), 2)
    assert s["t_stat"] == pytest.approx(3 / math.sqrt(16 / 12), abs=1e-12)
    assert s["icir"] == pytest.approx(3 / math.sqrt(14 / 3), abs=1e-12)  # ICIR stays mean / std
    assert summarize_ic(np.array([1.0, 2.0, 3.0, 6.0]))["t_stat"] == pytest.approx(3 / math.sqrt(14 / 12), abs=1e-12)


def test_t_stat_lags_count_dates_not_values() -> None:
    # a missing date: lag 1 pairs only dates one apart. x = 1, NaN, 2, 5 (fp = 2): mean 8/3, e = −5/3, ·, −2/3, 7/3
    # S0 = (25 + 4 + 49)/9 = 78/9; S1 = e2·e3 = −14/9 (dates 0 and 2 are two apart: not a lag-1 pair)
    # var(mean) = (78/9 + 2·½·(−14/9)) / (3·2) = (64/9) / 6
    s = summarize_ic(np.array([1.0, np.nan, 2.0, 5.0]), 2)
    assert s["n_days"] == 3
    assert s["t_stat"] == pytest.approx((8 / 3) / math.sqrt(64 / 54), abs=1e-12)


def _finite(x: np.ndarray) -> np.ndarray:
    assert np.isfinite(x[np.isfinite(x).argmax():]).all()  # no gap inside the series
    return x[np.isfinite(x)]


def _newey_west_t(x: np.ndarray, lags: int) -> float:
    """Textbook loop: t = mean / √((γ0 + 2 Σ (1 − k/(L+1)) γk) / (n − 1)), γk = Σ e_t e_{t+k} / n."""
    n, e = len(x), x - x.mean()
    gamma = [float(np.dot(e[:n - k], e[k:])) / n for k in range(lags + 1)]
    lrv = gamma[0] + 2 * sum((1 - k / (lags + 1)) * gamma[k] for k in range(1, lags + 1))
    return float(x.mean() / math.sqrt(lrv / (n - 1)))


def test_overlapping_series_naive_t_is_inflated_corrected_t_is_not() -> None:
    # daily "IC" of fp-day overlapping windows: the mean of 5 consecutive iid shocks (an MA(4), lag-1 corr 0.8)
    fp, n = 5, 4000
    rng = np.random.default_rng(7)
    shocks = rng.normal(0.0, 1.0, n + fp - 1)
    x = 0.02 + np.convolve(shocks, np.ones(fp) / fp, mode="valid")
    naive = x.mean() / x.std(ddof=1) * math.sqrt(n)
    got = summarize_ic(x, fp)
    assert got["t_stat"] == pytest.approx(_newey_west_t(x, fp - 1), rel=1e-9)
    # Bartlett weights on the MA(4) autocorrelations 4/5 … 1/5: long-run / short-run variance 1 + 2·(16+9+4+1)/25
    assert naive / got["t_stat"] == pytest.approx(math.sqrt(3.4), rel=0.1)
    assert got["icir"] == pytest.approx(naive / math.sqrt(n), rel=1e-12)


def test_evaluate_scores_t_stat_uses_the_forward_period() -> None:
    panel, fp = synth_panel(), 5
    scores = signal_scores(panel)
    ev = evaluate_scores_full(panel, scores, forward_period=fp, random_draws=2, cost_bps=(30.0,), holds=("fp",))
    ic = _finite(ev.rank_ic[ev.lo:ev.hi + 1])  # synthetic IC: a value on every date
    r = ev.report["rank_ic"]
    assert r["t_stat"] == pytest.approx(_newey_west_t(ic, fp - 1), rel=1e-9)
    assert r["t_stat"] < 0.8 * r["icir"] * math.sqrt(r["n_days"])  # the naive ICIR·√n overstates it
