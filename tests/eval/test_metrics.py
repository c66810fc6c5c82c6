"""Known-answer tests of the evaluation metrics on hand-built arrays, and oracle/random checks on a panel."""

from __future__ import annotations

import math
import statistics

import numpy as np
import pytest

from aurumq_rl.eval.ic import ic_series
from aurumq_rl.eval.metrics import (
    annualised_sharpe,
    buyable_next,
    distribution,
    hit_win_rates,
    ic_report,
    max_drawdown,
    max_gain,
    nonoverlap_index,
    percentile_of,
    quantile_returns,
    random_baseline,
    random_score_keys,
    random_scores,
    select_picks,
    series_stats,
    set_turnover,
    summarize_ic,
    topk_returns,
)
from tests.eval.helpers import synth_panel

X = np.arange(1.0, 11.0)  # 10 stocks: ic_series needs ≥ 10 per date


def test_ic_three_dates_by_hand() -> None:
    y0 = np.r_[np.arange(1.0, 10.0), 100.0]  # monotone in x: rank IC 1, Pearson < 1
    y2 = X.copy()
    y2[[0, 1]] = y2[[1, 0]]  # one adjacent swap
    scores, fwd = np.stack([X, X, X]), np.stack([y0, -X, y2])
    rep = ic_report(scores, fwd, np.ones((3, 10), bool), forward_period=1)  # fp 1: t = ICIR·√n
    # date 0: Sxy = Σxy − n·x̄·ȳ = 1285 − 10·5.5·14.5 = 487.5; Sxx = 82.5; Syy = 10285 − 10·14.5² = 8182.5
    # date 2: Sxy = 384 − 302.5 = 81.5 = Sxx − 1
    pearson = [487.5 / math.sqrt(82.5 * 8182.5), -1.0, 81.5 / 82.5]
    rank = [1.0, -1.0, 81.5 / 82.5]
    for got, vals in ((rep["ic"], pearson), (rep["rank_ic"], rank)):
        mean, std = statistics.fmean(vals), statistics.stdev(vals)
        assert got["mean"] == pytest.approx(mean, abs=1e-12)
        assert got["std"] == pytest.approx(std, abs=1e-12)
        assert got["icir"] == pytest.approx(mean / std, abs=1e-12)
        assert got["t_stat"] == pytest.approx(mean / std * math.sqrt(3), abs=1e-12)
        assert got["positive_share"] == pytest.approx(2 / 3)
        assert got["n_days"] == 3
    assert rep["ic"]["mean"] == pytest.approx((0.593341 - 1 + 0.987879) / 3, abs=1e-6)



def test_ic_series_names_an_unknown_method() -> None:
    with pytest.raises(ValueError, match="method='spearman'"):
        ic_series(X[None], X[None], method="spearman")


def test_pearson_ic_is_undefined_on_a_date_of_equal_scores() -> None:
    """A date whose candidates all have one score (a market-wide column, a model's constant output) has no IC:
    DOMAIN's correlation with zero variance is null. The float mean of equal values is off by a rounding, and
    correlating that noise gave a Pearson IC of ~1e-17 counted as a date (a t-stat of pure noise) while the
    rank IC of the same dates was NaN."""
    rng = np.random.default_rng(0)
    t_n, n_n = 60, 300
    scores = np.repeat(0.1 + 0.37 * rng.standard_normal((t_n, 1)), n_n, axis=1)  # one value per date
    fwd = 0.03 * rng.standard_normal((t_n, n_n))
    assert np.isnan(ic_series(scores, fwd, None, "pearson")).all()
    rep = ic_report(scores, fwd, np.ones((t_n, n_n), bool), forward_period=5)
    assert rep["ic"]["n_days"] == rep["rank_ic"]["n_days"] == 0
    assert math.isnan(rep["ic"]["t_stat"]) and math.isnan(rep["ic"]["icir"])
    # constant returns on a date (every candidate flat) are no IC either
    flat = np.tile(np.arange(1.0, 13.0), (2, 1))
    assert np.isnan(ic_series(flat, np.full((2, 12), 0.013), None, "pearson")).all()


def test_summarize_ic_skips_nan_days() -> None:
    s = summarize_ic(np.array([0.1, np.nan, 0.3]))
    assert s["n_days"] == 2 and s["mean"] == pytest.approx(0.2) and s["std"] == pytest.approx(math.sqrt(0.02))


def test_quantile_buckets_by_hand() -> None:
    fwd1 = np.array([0.01, 0.03, 0.0, 0.02, -0.01, 0.05, 0.04, 0.04, 0.1, 0.2])
    scores = np.stack([X, -X, X])
    fwd = np.stack([fwd1, fwd1, fwd1])
    mask = np.ones((3, 10), bool)
    mask[2, 3:] = False  # 3 stocks < 5 buckets: date left out
    means, spread = quantile_returns(scores, fwd, mask, 5)
    # date 0 buckets (pairs by ascending score): .02 .01 .02 .04 .15; date 1 reversed order: .15 .04 .02 .01 .02
    np.testing.assert_allclose(means, [0.085, 0.025, 0.02, 0.025, 0.085], atol=1e-12)
    np.testing.assert_allclose(spread[:2], [0.13, -0.13], atol=1e-12)
    assert np.isnan(spread[2])
    means10, _ = quantile_returns(scores[:1], fwd[:1], mask[:1], 10)
    np.testing.assert_allclose(means10, fwd1, atol=1e-12)  # one stock per bucket


def test_select_picks_industry_cap_and_validity() -> None:
    scores = np.array([[6.0, 5.0, 4.0, 3.0, 2.0, 1.0]])
    industry = np.array([[0, 0, 1, 1, 2, 3]])
    valid = np.ones((1, 6), bool)
    # K=4: cap floor(0.3·4)=1 per industry → 0, 2, 4, 5
    assert select_picks(scores, valid, 4, industry).nonzero()[1].tolist() == [0, 2, 4, 5]
    assert select_picks(scores, valid, 4).nonzero()[1].tolist() == [0, 1, 2, 3]
    valid[0, 0] = False
    scores[0, 3] = np.nan  # a NaN score is not a candidate
    assert select_picks(scores, valid, 3).nonzero()[1].tolist() == [1, 2, 4]


def test_topk_return_unbuyable_pick_is_cash() -> None:
    scores = np.array([[4.0, 3.0, 2.0, 1.0], [1.0, 1.0, 1.0, 1.0]])
    fwd = np.array([[0.1, 0.2, 0.3, 0.4], [np.nan] * 4])
    tradeable = np.ones((2, 4), bool)
    limit_up = np.zeros((2, 4), bool)
    limit_up[1, 1] = True  # stock 1 is limit-up on the fill day (t+1 = 1)
    buy_next = buyable_next(tradeable & ~limit_up)
    assert buy_next[0].tolist() == [True, False, True, True] and not buy_next[1].any()
    picks = select_picks(scores, np.ones((2, 4), bool), 2)
    eq = topk_returns(scores, fwd, picks, buy_next, "equal")
    assert eq[0] == pytest.approx(0.5 * 0.1) and np.isnan(eq[1])  # date 1: no forward return known
    sd = topk_returns(scores, fwd, picks, buy_next, "strategy_d")
    assert sd[0] == pytest.approx(4 / 7 * 0.1)  # weights ∝ score: 4/7, 3/7


def test_sharpe_annualised_by_sqrt_252_over_fp() -> None:
    r = np.array([0.01, 0.03, 0.02, 0.04])  # mean .025, ddof-1 var (2·.015² + 2·.005²)/3 = 5e-4/3
    base = 0.025 / math.sqrt(5e-4 / 3)
    assert annualised_sharpe(r, 5) == pytest.approx(base * math.sqrt(252 / 5))
    assert annualised_sharpe(r, 1) == pytest.approx(base * math.sqrt(252))
    assert math.isnan(annualised_sharpe(np.array([0.01]), 5))


def test_nonoverlap_sampling_dates() -> None:
    r = np.array([np.nan, np.nan, 0.1, 0.2, 0.3, 0.4, np.nan, 0.6, 0.7, 0.8])
    assert nonoverlap_index(r, 3).tolist() == [2, 5, 8]  # every fp-th date from the first finite one
    assert nonoverlap_index(r, 3, offset=1).tolist() == [3, 7]  # date 6 is NaN: the next dated value, 7
    st = series_stats(r, 3)
    assert st["n_nonoverlap"] == 3 and st["n_dates"] == 7
    assert st["total_return_nonoverlap"] == pytest.approx(1.1 * 1.4 * 1.7 - 1)
    assert st["annual_vol"] == pytest.approx(0.3 * math.sqrt(252 / 3))  # std of .1 .4 .7 is .3
    assert st["sharpe_nonoverlap"] == pytest.approx(0.4 / 0.3 * math.sqrt(84))
    assert st["max_drawdown"] == 0.0


def test_max_drawdown_known_curve() -> None:
    # equity 1 → 1.1 → .88 → .924 → .462 → .924: trough .462 under the 1.1 peak
    assert max_drawdown(np.array([0.1, -0.2, 0.05, -0.5, 1.0])) == pytest.approx(1 - 0.462 / 1.1)
    assert max_drawdown(np.array([-0.1, 0.5])) == pytest.approx(0.1)  # measured from the starting 1
    assert max_drawdown(np.array([0.01, 0.02])) == 0.0


def test_max_gain_and_hit_win_by_hand() -> None:
    pct = np.zeros((5, 1))
    pct[:, 0] = [0.0, 0.0, 0.1, -0.2, 0.3]
    g = max_gain(np.cumsum(np.log1p(pct), axis=0), 2)[:, 0]
    # t=0: entry close 1, path 1.1, 0.88 → 0.1; t=1: entry close 2, path 0.8, 1.04 → 0.04; t≥2 leaves the panel
    np.testing.assert_allclose(g[:2], [0.1, 0.04], atol=1e-12)
    assert np.isnan(g[2:]).all()

    picks = np.ones((1, 6), bool)
    buy = np.array([[True, True, True, True, False, True]])
    fwd = np.array([[0.01, -0.02, 0.0, 0.03, 0.5, np.nan]])
    gain = np.array([[0.06, 0.02, 0.05, 0.1, 0.5, 0.5]])
    hit, win = hit_win_rates(picks, buy, fwd, gain, 0.05)
    assert (hit, win) == (0.75, 0.5)  # stock 4 unfilled and stock 5 unknown are left out; 0 is not a win


def test_set_turnover_by_hand() -> None:
    picks = np.zeros((4, 4), bool)
    picks[0, [0, 1]] = picks[1, [1, 2]] = picks[2, [1, 2]] = True  # date 3: no picks (end of data)
    assert set_turnover(picks, 1) == pytest.approx((0.5 + 0.0) / 2)
    assert set_turnover(picks, 2) == pytest.approx(0.5)



@pytest.mark.filterwarnings("error")  # NaN by rule, not numpy's "mean of empty slice"
def test_hit_and_win_rates_are_undefined_without_a_filled_pick_with_a_return() -> None:
    """Pick 0 is never filled, pick 1 has no known return: no pick counts, so both rates are NaN, not 0."""
    picks = np.array([[True, True, False]])
    buy = np.array([[False, True, True]])
    fwd = np.array([[0.1, np.nan, 0.2]])
    gain = np.array([[0.1, 0.1, 0.2]])
    hit, win = hit_win_rates(picks, buy, fwd, gain, 0.05)
    assert math.isnan(hit) and math.isnan(win)


@pytest.mark.filterwarnings("error")  # NaN by rule, not numpy's "mean of empty slice"
def test_set_turnover_is_undefined_without_two_consecutive_dates_with_picks() -> None:
    """No picks, or one date with picks: nothing to compare. Picks on dates 0 and 2 only, compared a date
    apart: each pair has an empty side, so NaN; two dates apart they are a pair (1 new name of 2: 0.5)."""
    assert math.isnan(set_turnover(np.zeros((3, 2), bool), 1))
    one = np.zeros((3, 2), bool)
    one[1, 0] = True
    assert math.isnan(set_turnover(one, 1))
    gap = np.zeros((3, 2), bool)
    gap[0, 0] = gap[2, [0, 1]] = True
    assert math.isnan(set_turnover(gap, 1))
    assert set_turnover(gap, 2) == pytest.approx(0.5)

def test_percentile_and_distribution() -> None:
    d = np.array([1.0, 2.0, 3.0, 4.0])
    assert percentile_of(3.0, d) == 62.5  # 2 below + half of 1 equal, of 4
    assert percentile_of(5.0, d) == 100.0 and percentile_of(0.0, d) == 0.0
    assert distribution(np.arange(101.0)) == {"p05": 5.0, "p50": 50.0, "p95": 95.0}


def _eval_arrays(fp: int = 5) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    p = synth_panel()
    fwd = p.forward_returns(fp)
    valid = p.in_universe & np.isfinite(fwd)
    return fwd, valid, buyable_next(p.can_buy), p.industry


def _keys(t: slice = slice(None), n: slice = slice(None)) -> dict[str, np.ndarray]:
    p = synth_panel()
    return {"dates": p.dates[t], "codes": p.codes[n]}


def test_random_baseline_is_seeded() -> None:
    fwd, valid, buy, _ = _eval_arrays()
    kw = _keys(slice(0, 60))
    a, ia = random_baseline(valid[:60], fwd[:60], buy[:60], 10, draws=3, seed=7, **kw)
    b, ib = random_baseline(valid[:60], fwd[:60], buy[:60], 10, draws=3, seed=7, **kw)
    c, _ = random_baseline(valid[:60], fwd[:60], buy[:60], 10, draws=3, seed=8, **kw)
    assert a.shape == (3, 60) and np.array_equal(a, b, equal_nan=True) and np.array_equal(ia, ib)
    assert not np.array_equal(a, c, equal_nan=True)


def test_random_baseline_uses_the_callers_industry_cap() -> None:
    """The random baseline picks under the same cap as the scores it is compared with."""
    fwd, valid, buy, ind = _eval_arrays()
    kw = {"draws": 2, "seed": 3, **_keys(slice(0, 40))}
    args = (valid[:40], fwd[:40], buy[:40], 20)
    uncapped, _ = random_baseline(*args, **kw)
    assert np.array_equal(random_baseline(*args, industry=ind[:40], cap_frac=None, **kw)[0], uncapped, equal_nan=True)
    tight, _ = random_baseline(*args, industry=ind[:40], cap_frac=0.05, **kw)  # one name per industry
    assert not np.array_equal(tight, uncapped, equal_nan=True)
    for draw in range(2):
        s = random_scores(random_score_keys(seed=3, **_keys(slice(0, 40))), draw)
        want = topk_returns(s, fwd[:40], select_picks(s, valid[:40], 20, ind[:40], 0.05), buy[:40])
        assert np.array_equal(tight[draw], want, equal_nan=True)


def test_random_draws_do_not_depend_on_the_loaded_window() -> None:
    """A stock's random score on a date is the same whatever dates and stocks were loaded around it, so the
    random baseline of overlapping windows agrees on the common dates."""
    fwd, valid, buy, _ = _eval_arrays()
    full, _ = random_baseline(valid[:80], fwd[:80], buy[:80], 10, draws=3, seed=7, **_keys(slice(0, 80)))
    late, _ = random_baseline(valid[20:80], fwd[20:80], buy[20:80], 10, draws=3, seed=7, **_keys(slice(20, 80)))
    assert np.array_equal(full[:, 20:], late, equal_nan=True)
    keys_all, keys_some = random_score_keys(**_keys(slice(20, 80)), seed=7), random_score_keys(
        **_keys(slice(30, 50), slice(5, 40)), seed=7)
    for draw in (0, 4):
        u = random_scores(keys_all, draw)
        assert np.array_equal(u[10:30, 5:40], random_scores(keys_some, draw))
        assert u.min() >= 0 and u.max() < 1 and abs(u.mean() - 0.5) < 0.01
    assert not np.array_equal(random_scores(keys_all, 0), random_scores(keys_all, 1))


def test_oracle_beats_random_p95_and_random_scorer_sits_mid() -> None:
    fwd, valid, buy, ind = _eval_arrays()
    rnd, rnd_ic = random_baseline(valid, fwd, buy, 10, draws=100, seed=0, industry=ind, **_keys())
    means = np.nanmean(rnd, axis=1)

    def topk_mean(s: np.ndarray) -> float:
        return float(np.nanmean(topk_returns(s, fwd, select_picks(s, valid, 10, ind), buy)))

    oracle = topk_mean(fwd)
    assert oracle > distribution(means)["p95"] and percentile_of(oracle, means) >= 99
    oracle_ic = np.nanmean(ic_report(fwd, fwd, valid, forward_period=5)["rank_ic"]["mean"])
    assert percentile_of(oracle_ic, rnd_ic) >= 99
    pct = [percentile_of(topk_mean(np.random.default_rng(100 + i).random(valid.shape)), means) for i in range(5)]
    assert 10 <= statistics.median(pct) <= 90


def test_random_baseline_rank_ic_ranks_the_returns_once_with_the_same_figures() -> None:
    """The random baseline ranks the forward returns once for all its draws (`rank_ic_on`); each draw's mean
    rank IC is exactly `ic_series(draw, fwd, valid, "rank")`'s, with NaN returns, off-universe stocks and a
    thin date in the data."""
    from aurumq_rl.eval.metrics import random_baseline, random_score_keys, random_scores

    rng = np.random.default_rng(3)
    t, n = 12, 40
    dates = np.arange(np.datetime64("2023-01-02"), np.datetime64("2023-01-02") + t)
    codes = np.array([f"{600000 + i}.SH" for i in range(n)])
    fwd = rng.normal(0, 0.02, (t, n))
    fwd[rng.random((t, n)) < 0.1] = np.nan
    fwd[4, :5] = 0.01  # ties in the returns
    valid = rng.random((t, n)) < 0.8
    valid[7, 8:] = False  # a date with fewer than MIN_STOCKS stocks: NaN IC
    _, rank_ic = random_baseline(valid, fwd, np.ones((t, n), bool), 5, dates=dates, codes=codes, draws=4, seed=1)
    keys = random_score_keys(dates, codes, 1)
    for i in range(4):
        ic = ic_series(random_scores(keys, i), fwd, valid, "rank")
        assert rank_ic[i] == np.nanmean(ic)
