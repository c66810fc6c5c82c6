"""Figures that must not depend on how the panel's columns happen to be ordered, non-overlapping series of
sources scored on a subset of the decision dates, and a calibrated test of beating the random baseline."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import polars as pl
import pytest

from aurumq_rl.data.panel import Panel
from aurumq_rl.eval.metrics import excess_over_random, series_stats
from aurumq_rl.eval.report import evaluate_scores

from .helpers import make_panel


def _reversed(p: Panel) -> Panel:
    """The same market with the stock columns in the opposite order (each code keeps its own data)."""
    flip = {k: getattr(p, k)[:, ::-1].copy() for k in ("factors", "factor_missing_bits", "pct_chg", "present",
                                                       "tradeable", "can_buy", "can_sell", "in_universe",
                                                       "is_limit_up", "is_limit_down")}
    return replace(p, codes=p.codes[::-1].copy(), board=p.board[::-1].copy(), **flip)


def test_topk_of_tied_scores_does_not_depend_on_column_order() -> None:
    # a score with 3 distinct values (a count, a rounded model): the K-th pick falls inside a tie on every date
    rng = np.random.default_rng(0)
    t_n, n_n = 60, 40
    r = rng.normal(0.0, 0.02, (t_n, n_n))
    r[:, : n_n // 2] += 0.004  # the lowest codes drift up: a column-order tie-break would pick them
    p = make_panel(r)
    scores = rng.integers(0, 3, (t_n, n_n)).astype(np.float64)
    kw = dict(top_k=5, forward_period=3, random_draws=5, industry_cap=None, holds=("fp",))
    a = evaluate_scores(p, scores, **kw)
    b = evaluate_scores(_reversed(p), scores[:, ::-1].copy(), **kw)
    for key in ("mean", "sharpe_overlap", "sharpe_nonoverlap"):
        assert np.isclose(a["topk"]["equal"][key], b["topk"]["equal"][key]), key
    assert np.isclose(a["backtest"]["fp"]["30"]["total_return"], b["backtest"]["fp"]["30"]["total_return"])
    # the rank IC and quantiles never depended on it
    assert np.isclose(a["rank_ic"]["mean"], b["rank_ic"]["mean"])


def test_nonoverlap_series_keeps_the_periods_of_a_weekly_source() -> None:
    """A source scored once a week (fp = 5): a 4-day week must not shift every later period onto unscored
    dates. Scored on 0, 5, 10, 14 (a holiday week), 19, 24, 29: non-overlapping 0, 5, 10, 19, 24, 29 (14 is
    only 4 days after 10)."""
    x = np.full(35, np.nan)
    days = [0, 5, 10, 14, 19, 24, 29]
    x[days] = [0.01, -0.02, 0.03, 0.01, 0.02, -0.01, 0.015]
    st = series_stats(x, 5)
    assert st["n_nonoverlap"] == 6
    kept = x[[0, 5, 10, 19, 24, 29]]
    assert np.isclose(st["total_return_nonoverlap"], np.prod(1 + kept) - 1)
    # a series with a value every day is unchanged: every fp-th date from the first
    y = np.linspace(-0.01, 0.02, 23)
    assert series_stats(y, 5)["n_nonoverlap"] == 5


def test_excess_over_random_t_stat_is_calibrated_where_the_percentile_is_not() -> None:
    """A score with no skill but day-to-day persistence (every real factor and model has it) landed outside the
    random draws' p05..p95 far more often than 10%: the draws are redrawn every date, so their spread is that of
    independent daily books. The excess-over-random t-stat (Hansen-Hodrick, fp - 1 lags) is the test to read:
    under no skill |t| > 1.96 stays rare, while a score that knows part of the forward return is found."""
    rng = np.random.default_rng(7)
    t_n, n_n, fp, rho = 160, 80, 5, 0.95
    p = make_panel(rng.normal(0.0, 0.02, (t_n, n_n)))
    cache: dict = {}
    pct, t_stats = [], []
    for _ in range(30):
        s = np.empty((t_n, n_n))
        s[0] = rng.standard_normal(n_n)
        for t in range(1, t_n):
            s[t] = rho * s[t - 1] + np.sqrt(1 - rho**2) * rng.standard_normal(n_n)
        r = evaluate_scores(p, s, top_k=10, forward_period=fp, random_draws=40, industry_cap=None,
                            holds=("fp",), cost_bps=(30.0,), random_cache=cache)
        pct.append(r["random"]["topk_mean_percentile"])
        t_stats.append(r["random"]["topk_excess"]["t_stat"])
    assert np.mean([(v < 5) | (v > 95) for v in pct]) > 0.25  # the percentile: not a significance test
    assert np.mean(np.abs(t_stats) > 1.96) <= 0.2
    fwd = p.forward_returns(fp)
    skilled = np.where(np.isfinite(fwd), fwd, 0.0) + 0.02 * rng.standard_normal((t_n, n_n))
    r = evaluate_scores(p, skilled, top_k=10, forward_period=fp, random_draws=40, industry_cap=None,
                        holds=("fp",), cost_bps=(30.0,), random_cache=cache)
    assert r["random"]["topk_excess"]["t_stat"] > 3 and r["random"]["topk_excess"]["mean"] > 0


def test_excess_over_random_is_exactly_zero_when_every_draw_holds_the_same_book() -> None:
    """With top-K at least the candidates (a picks file, a thin universe) every draw holds the strategy's book:
    the excess is 0 on every date and there is no t-stat. The mean of the draws' equal values is off by a
    rounding, and that noise (~1e-18) gave excess t-stats such as 2.3, read as beating random."""
    rng = np.random.default_rng(5)
    series = rng.normal(0.001, 0.02, 120)
    series[[3, 40]] = np.nan
    got = excess_over_random(series, np.tile(series, (100, 1)), 5)
    assert got["mean"] == 0.0 and math.isnan(got["t_stat"]) and got["n"] == 118
    p = make_panel(rng.normal(0.001, 0.02, (120, 12)))
    r = evaluate_scores(p, rng.normal(size=(120, 12)), top_k=30, forward_period=5, random_draws=20,
                        industry_cap=None, holds=("fp",), cost_bps=(30.0,))
    assert r["random"]["topk_excess"]["mean"] == 0.0 and r["random"]["topk_excess"]["t_stat"] is None
    # a draw without a value on a date is left out of that date's mean (the others' difference)
    rnd = np.stack([series + 0.01, np.full(120, np.nan), series - 0.03])
    assert excess_over_random(series, rnd, 5)["mean"] == pytest.approx(0.01)


def test_backtest_decisions_follow_a_weekly_source_through_a_short_week() -> None:
    """A source scored on dates 0, 5, 10, 14, 19 (a 4-day week), fp = 5: decisions fell on 0, 5, 10, 15, 20 —
    15 and 20 have no scores, so the book sold out and sat in cash for two periods. They now fall on the
    scored dates a period apart (0, 5, 10, 19) and the book is invested throughout."""
    from aurumq_rl.eval.backtest import simulate
    from aurumq_rl.market.costs import CostModel

    rng = np.random.default_rng(3)
    p = make_panel(rng.normal(0.001, 0.02, (30, 6)))
    scores = np.full((30, 6), np.nan)
    scores[[0, 5, 10, 14, 19]] = rng.standard_normal((5, 6))
    res = simulate(p, scores, top_k=2, hold="fp", forward_period=5, cost=CostModel(round_trip_bps=0),
                   industry_cap=None, start=0, end=19)
    fills = res.trades.filter(pl.col("entry_date").is_not_null())["entry_date"].unique().sort().to_list()
    assert set(fills) <= {p.dates[d + 1].astype(object) for d in (0, 5, 10, 19)}
    # invested every day from the first fill to the last day: a day in cash earns exactly 0
    assert (res.daily_return[1:] != 0).all()
