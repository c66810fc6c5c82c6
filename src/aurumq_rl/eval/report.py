"""`evaluate_scores`: every evaluation figure of one [T, N] score array as a JSON-able dict (for eval.json);
`evaluate_scores_full` also keeps the per-date rank IC and the backtest runs behind the figures (`eval.suite`
charts and writes them instead of computing them again).

The evaluable decision dates are lo..hi: from `start` (default 0) to `end`, clipped to the last date whose
label fits in the panel: T − 2 − fp for the fp-day forward return, and T − 7 when the main-wave hold (up to
5 days after the fill) is evaluated too, so that every figure covers the same dates; then narrowed to the
first and last of those dates where the scores cover a universe stock (a score file written for a test window
is judged on that window, not diluted by the cash it would hold before it). Candidates per date: the
universe of the date where the score is finite; the random baseline draws uniform scores over exactly these
candidates and goes through the same selection (industry cap), fill rule and forward returns.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from aurumq_rl.data.labels import EVAL_LABELS, last_decision_index
from aurumq_rl.data.panel import Panel
from aurumq_rl.eval.backtest import (
    COST_SWEEP_BPS,
    DEFAULT_HIT_THRESHOLD,
    BacktestResult,
    cost_sweep_runs,
    sweep_summaries,
)
from aurumq_rl.eval.ic import ic_series
from aurumq_rl.eval.metrics import (
    buyable_next,
    distribution,
    excess_over_random,
    hit_win_rates,
    ic_report,
    max_gain,
    percentile_of,
    quantile_gap_reason,
    quantile_returns,
    random_baseline,
    select_picks,
    series_stats,
    set_turnover,
    tie_broken,
    topk_returns,
)
from aurumq_rl.eval.windows import window_report
from aurumq_rl.market.selection import INDUSTRY_CAP, SIZINGS

QUANTILE_BUCKETS: tuple[int, ...] = (5, 10)


def to_jsonable(obj: Any) -> Any:
    """Recursively turn numpy scalars/arrays into Python values; NaN/inf become None (strict JSON)."""
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | np.ndarray):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.bool_ | bool):
        return bool(obj)
    if isinstance(obj, np.integer | int):
        return int(obj)
    if isinstance(obj, np.floating | float):
        return float(obj) if math.isfinite(obj) else None
    if isinstance(obj, np.datetime64):
        return str(obj)
    return obj


def _nanmean(x: np.ndarray) -> float:
    v = x[np.isfinite(x)]
    return float(v.mean()) if len(v) else math.nan


@dataclass
class ScoreEvaluation:
    """`evaluate_scores_full`: the JSON-able report and the series behind some of its figures."""

    report: dict[str, Any]  # what `evaluate_scores` returns
    lo: int  # the decision dates evaluated, lo..hi (indices into the panel)
    hi: int
    rank_ic: np.ndarray  # [T] per-date rank IC, NaN outside lo..hi: what report["rank_ic"] summarises
    backtests: dict[str, dict[str, BacktestResult]]  # hold → bps key → the run report["backtest"] summarises
    picks: np.ndarray  # [T, N] the top-K sets every figure and the backtest judge (ties in the hash order)


def evaluate_scores(panel: Panel, scores: np.ndarray, *, top_k: int = 30, forward_period: int = 5,
                    cost_bps: tuple[float, ...] = COST_SWEEP_BPS, random_draws: int = 100, seed: int = 0,
                    hit_threshold: float = DEFAULT_HIT_THRESHOLD, industry_cap: float | None = INDUSTRY_CAP,
                    sizing: str = "equal", start: int | None = None, end: int | None = None,
                    holds: tuple[str, ...] = ("fp", "main_wave"),
                    random_cache: dict[tuple, tuple[np.ndarray, np.ndarray]] | None = None
                    ) -> dict[str, Any]:
    """IC / rank IC, quantile spreads, top-K series stats (equal and strategy_d), hit/win rates, turnover, the
    random baseline, windows and the execution backtest's cost sweep per hold mode (its books sized by
    `sizing`: equal | strategy_d), as a JSON-able dict.

    The arguments are `evaluate_scores_full`'s, spelled out so that `help()` and editors show them (a test
    keeps the two signatures equal)."""
    return evaluate_scores_full(panel, scores, top_k=top_k, forward_period=forward_period, cost_bps=cost_bps,
                                random_draws=random_draws, seed=seed, hit_threshold=hit_threshold,
                                industry_cap=industry_cap, sizing=sizing, start=start, end=end, holds=holds,
                                random_cache=random_cache).report


def scored_range(panel: Panel, scores: np.ndarray, lo: int, hi: int) -> tuple[int, int]:
    """lo..hi narrowed to the first and last decision dates on which `scores` [T, N] cover at least one
    universe stock (ValueError when none in lo..hi does)."""
    covered = (panel.in_universe[lo:hi + 1] & np.isfinite(scores[lo:hi + 1])).any(1)
    if not covered.any():
        raise ValueError(f"the scores cover no universe stock on any decision date {panel.dates[lo]} .. "
                         f"{panel.dates[hi]}: check the score dates and codes against the data")
    at = np.flatnonzero(covered)
    return lo + int(at[0]), lo + int(at[-1])


def evaluate_scores_full(panel: Panel, scores: np.ndarray, *, top_k: int = 30, forward_period: int = 5,
                         cost_bps: tuple[float, ...] = COST_SWEEP_BPS, random_draws: int = 100, seed: int = 0,
                         hit_threshold: float = DEFAULT_HIT_THRESHOLD, industry_cap: float | None = INDUSTRY_CAP,
                         sizing: str = "equal", start: int | None = None, end: int | None = None,
                         holds: tuple[str, ...] = ("fp", "main_wave"),
                         random_cache: dict[tuple, tuple[np.ndarray, np.ndarray]] | None = None
                         ) -> ScoreEvaluation:
    """`evaluate_scores`' report with the per-date rank IC and the backtest runs it summarises.

    `random_cache` (one dict per panel) reuses the random baseline of an earlier call whose candidate mask and
    settings are identical, e.g. several sources or seeds scoring the same universe: it is the costly part."""
    t_n = len(panel.dates)
    fp = forward_period
    # one set of decision dates for every figure: the last one whose label fits, for each hold evaluated
    last = last_decision_index(t_n, fp, EVAL_LABELS if "main_wave" in holds else ("forward_return",))
    lo, hi = (0 if start is None else start), min(last, t_n - 1 if end is None else end)
    if hi < lo:
        raise ValueError(f"no evaluable decision date in {lo}..{hi} with forward_period={fp} ({t_n} dates)")
    scores = np.asarray(scores, dtype=np.float64)
    lo, hi = scored_range(panel, scores, lo, hi)
    in_range = np.zeros(t_n, dtype=bool)
    in_range[lo:hi + 1] = True
    valid = panel.in_universe & in_range[:, None] & np.isfinite(scores)
    fwd = np.where(in_range[:, None], panel.forward_returns(fp), np.nan)
    ind = panel.industry if industry_cap is not None else None
    buy_next = buyable_next(panel.can_buy)

    # ties (a few distinct score values, a constant date) are ordered by a hash of (date, stock), never by code
    picks = select_picks(tie_broken(scores, valid, panel.dates, panel.codes), valid, top_k, ind, industry_cap)
    series = {s: topk_returns(scores, fwd, picks, buy_next, s) for s in SIZINGS}
    hit, win = hit_win_rates(picks, buy_next, fwd, max_gain(panel.log_price(), fp), hit_threshold)
    rank_ic = ic_series(scores, fwd, valid, "rank")
    key = (hashlib.sha1(np.packbits(valid)).hexdigest(), valid.shape, top_k, fp, random_draws, seed, industry_cap)
    if random_cache is not None and key in random_cache:
        rnd_series, rnd_ic = random_cache[key]
    else:
        rnd_series, rnd_ic = random_baseline(valid, fwd, buy_next, top_k, dates=panel.dates, codes=panel.codes,
                                             draws=random_draws, seed=seed, industry=ind, cap_frac=industry_cap)
        if random_cache is not None:
            random_cache[key] = (rnd_series, rnd_ic)
    rnd_means = np.array([_nanmean(r) for r in rnd_series])
    ours_mean, ours_ic = _nanmean(series["equal"]), _nanmean(rank_ic)
    quantiles = {}
    for b in QUANTILE_BUCKETS:
        means, spread = quantile_returns(scores, fwd, valid, b)
        quantiles[str(b)] = {"bucket_means": means, "spread_mean": _nanmean(spread),
                             "spread_sharpe": series_stats(spread, fp)["sharpe_overlap"],
                             "n_days": int(np.isfinite(spread).sum()),
                             "reason": quantile_gap_reason(scores, fwd, valid, b)}
    runs = {h: cost_sweep_runs(panel, scores, cost_bps, top_k=top_k, hold=h, forward_period=fp,
                               industry_cap=industry_cap, sizing=sizing, start=lo, end=hi, picks=picks)
            for h in holds}
    out = {
        "config": {"top_k": top_k, "forward_period": fp, "random_draws": random_draws, "seed": seed,
                   "hit_threshold": hit_threshold, "industry_cap": industry_cap, "backtest_sizing": sizing,
                   "n_stocks": len(panel.codes),
                   "first_decision": str(panel.dates[lo]), "last_decision": str(panel.dates[hi])},
        **ic_report(scores, fwd, valid, forward_period=fp),
        "quantiles": quantiles,
        "topk": {**{s: series_stats(series[s], fp) for s in SIZINGS}, "hit_rate": hit, "win_rate": win,
                 "turnover": {"consecutive_dates": set_turnover(picks, 1), "rebalance_dates": set_turnover(picks, fp)}},
        "random": {"draws": random_draws, "topk_mean": distribution(rnd_means),
                   "topk_excess": excess_over_random(series["equal"], rnd_series, fp),
                   "topk_mean_percentile": percentile_of(ours_mean, rnd_means),
                   "rank_ic_mean": distribution(rnd_ic), "rank_ic_percentile": percentile_of(ours_ic, rnd_ic)},
        "windows": window_report(panel.dates, series["equal"], rnd_series, lo, hi, rank_ic),
        "backtest": {h: sweep_summaries(runs[h], hit_threshold) for h in holds},
    }
    return ScoreEvaluation(to_jsonable(out), lo, hi, rank_ic, runs, picks)
