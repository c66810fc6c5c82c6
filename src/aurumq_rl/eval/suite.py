"""Evaluate several aligned score sets side by side: `evaluate_scores` per source (and per ensemble), pairwise
top-K overlap, the execution curves and trade logs, and the series behind the report's charts.

Every source is evaluated on the same decision dates (`dates`: the dates where every source has scores),
universe, costs and rules: a source's scores are blanked on the other dates, so it holds cash there. The
daily rank IC, the equity curves and the trade logs are those `evaluate_scores_full` computed for the report
(the fp hold at the first cost level), never recomputed.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import polars as pl

from aurumq_rl.data.labels import last_decision_index
from aurumq_rl.errors import DataError
from aurumq_rl.eval.backtest import COST_SWEEP_BPS, simulate
from aurumq_rl.eval.metrics import random_score_keys, random_scores, select_picks
from aurumq_rl.eval.report import evaluate_scores_full, to_jsonable
from aurumq_rl.eval.sources import EvalPanel, ScoreSet
from aurumq_rl.eval.windows import ENSEMBLE_METHODS, ensemble_scores, picks_overlap
from aurumq_rl.market.costs import CostModel
from aurumq_rl.market.selection import INDUSTRY_CAP

ROLLING_IC = 20  # dates in the rolling mean of the IC chart
ENSEMBLE_PREFIX = "ensemble:"


@dataclass
class EvalSettings:
    """The rules every source is evaluated under."""

    top_k: int = 30
    forward_period: int = 5
    cost_bps: tuple[float, ...] = COST_SWEEP_BPS
    random_draws: int = 100
    seed: int = 0
    industry_cap: float | None = INDUSTRY_CAP
    sizing: str = "equal"  # the execution backtest's (and its random band's) weights: equal | strategy_d


@dataclass
class SuiteResult:
    """The JSON-able report plus the frames written beside it."""

    report: dict[str, Any]
    trades: pl.DataFrame  # per-trade log of every source at the first cost level (column `source`)
    equity: pl.DataFrame  # daily net equity of every source at the first cost level
    names: list[str] = field(default_factory=list)  # sources then ensembles, report order


def rolling_nanmean(x: np.ndarray, window: int) -> np.ndarray:
    """Trailing mean over the last `window` values, ignoring NaN (NaN until `window` values were seen and
    where the window holds no finite value)."""
    v = np.where(np.isfinite(x), x, 0.0)
    n = np.isfinite(x).astype(np.float64)
    cs, cn = np.concatenate([[0.0], np.cumsum(v)]), np.concatenate([[0.0], np.cumsum(n)])
    s = cs[window:] - cs[:-window]
    c = cn[window:] - cn[:-window]
    out = np.full(len(x), np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        out[window - 1:] = np.where(c > 0, s / c, np.nan)
    return out


def _picks(ep: EvalPanel, scores: np.ndarray, valid: np.ndarray, st: EvalSettings) -> np.ndarray:
    ind = ep.panel.industry if st.industry_cap is not None else None
    return select_picks(scores, valid, st.top_k, ind, st.industry_cap)


def random_equity_band(ep: EvalPanel, valid: np.ndarray, st: EvalSettings) -> tuple[np.ndarray, np.ndarray]:
    """(days, [3, D] p05/p50/p95) of the net equity of `draws` random-score books: uniform scores over
    `valid`, the same selection, sizing, fills, costs (first level) and fp hold as the sources' execution
    backtest.
    Draw i uses the same random numbers as draw i of `evaluate_scores`' random baseline (same seed)."""
    keys = random_score_keys(ep.panel.dates, ep.panel.codes, st.seed)
    cost = CostModel(round_trip_bps=st.cost_bps[0])
    curves, days = [], np.zeros(0, dtype="datetime64[D]")
    for i in range(st.random_draws):
        s = np.where(valid, random_scores(keys, i), np.nan)
        res = simulate(ep.panel, s, top_k=st.top_k, hold="fp", forward_period=st.forward_period, cost=cost,
                       industry_cap=st.industry_cap, sizing=st.sizing, start=ep.lo, end=ep.hi,
                       picks=_picks(ep, s, valid, st))
        curves.append(res.equity)
        days = res.dates
    if not curves:
        return days, np.zeros((3, 0))
    return days, np.percentile(np.stack(curves), [5, 50, 95], axis=0)


def _no_common_stock(common: np.ndarray, dates: np.ndarray, days: np.ndarray) -> str | None:
    """Why the cells every source scores (`common` [T, N]) do not cover every decision date (None when they
    do): an ensemble combines only those cells (`ensemble_scores`) and the random band draws from them, so on a
    date without one they have no pick (nothing at all for sources of disjoint stocks, e.g. one model per
    board)."""
    bare = np.flatnonzero(dates & ~common.any(1))
    if not len(bare):
        return None
    return (f"the sources score no universe stock in common on {len(bare)} of the {int(dates.sum())} decision "
            f"dates (e.g. {days[bare[0]]})")


def _blank(scores: np.ndarray, dates: np.ndarray) -> np.ndarray:
    return np.where(dates[:, None], scores, np.nan)


def evaluate_sources(ep: EvalPanel, sets: Sequence[ScoreSet], dates: np.ndarray, st: EvalSettings, *,
                     ensembles: bool = False) -> SuiteResult:
    """Evaluate every score set (plus rank_mean / z_mean / z_median ensembles when `ensembles` and there are
    several sets) on the decision dates `dates` [T] bool; see the module docstring."""
    panel, fp = ep.panel, st.forward_period
    # one end for every figure, `evaluate_scores`' own: the last decision whose forward window and main-wave
    # hold fit (`load_eval_panel` already ends there; an EvalPanel built by hand may not)
    hi = min(ep.hi, last_decision_index(len(panel.dates), fp))
    idx = np.arange(len(dates))
    dates = dates & (idx >= ep.lo) & (idx <= hi)
    if not dates.any():
        raise DataError(f"no decision date in {panel.dates[ep.lo]} .. {panel.dates[min(hi, len(idx) - 1)]} where "
                        f"every source has scores and the {fp}-day forward window fits: widen --start/--end or "
                        "check the sources' dates")
    # the window every figure covers: the first to the last common decision date (a source scored on a test
    # window only is not charged for the cash it would hold before it)
    ep = replace(ep, lo=int(np.flatnonzero(dates)[0]), hi=int(np.flatnonzero(dates)[-1]))
    named = {s.name: _blank(s.scores, dates) for s in sets}
    kinds = {s.name: s.kind for s in sets}
    universe_valid = panel.in_universe & dates[:, None]
    # the cells every source scores: what the ensembles combine and the random band draws from
    scored = universe_valid & np.logical_and.reduce([np.isfinite(named[s.name]) for s in sets])
    gap = _no_common_stock(scored, dates, panel.dates)
    if ensembles and len(sets) > 1 and gap:
        warnings.warn(f"ensembles left out: {gap}, and an ensemble combines only the stocks every source scores",
                      stacklevel=2)
    elif ensembles and len(sets) > 1:
        for m in ENSEMBLE_METHODS:
            named[ENSEMBLE_PREFIX + m] = ensemble_scores(list(named.values())[:len(sets)], universe_valid, m)
            kinds[ENSEMBLE_PREFIX + m] = "ensemble"
    results, trades, equity, ics, picks = {}, [], [], {}, {}
    days = np.zeros(0, dtype="datetime64[D]")
    cache: dict = {}  # sources with the same candidates share one random baseline
    for name, sc in named.items():
        ev = evaluate_scores_full(panel, sc, top_k=st.top_k, forward_period=fp, cost_bps=st.cost_bps,
                                  random_draws=st.random_draws, seed=st.seed, industry_cap=st.industry_cap,
                                  sizing=st.sizing, start=ep.lo, end=ep.hi, random_cache=cache)
        results[name], ics[name], picks[name] = ev.report, ev.rank_ic, ev.picks
        bt = ev.backtests["fp"][f"{st.cost_bps[0]:g}"]  # the run of report["backtest"]["fp"] at the first cost
        days = bt.dates
        trades.append(bt.trades.select(pl.lit(name).alias("source"), pl.all()))
        equity.append(pl.DataFrame({"source": name, "date": bt.dates, "equity": bt.equity,
                                    "daily_return": bt.daily_return, "turnover": bt.turnover, "cost": bt.cost}))
    # the band draws from the cells every source scores, as each source's own random baseline draws from its
    # scored cells (for sources that score the whole universe, the universe); none when they share no stock
    if scored.any():
        band_days, band = random_equity_band(ep, scored, st)
    else:
        warnings.warn(f"no random equity band: {gap}", stacklevel=2)
        band_days, band = np.zeros(0, dtype="datetime64[D]"), np.zeros((3, 0))
    window = slice(ep.lo, ep.hi + 1)
    src = [s.name for s in sets]
    overlap = None
    if len(sets) > 1:
        jac = picks_overlap(np.stack([picks[n] for n in src]))  # the picks the report judged
        overlap = {"names": src, "jaccard": jac}
    decision = panel.dates[dates]
    report = {
        "settings": {"top_k": st.top_k, "forward_period": fp, "cost_bps": list(st.cost_bps),
                     "random_draws": st.random_draws, "seed": st.seed, "industry_cap": st.industry_cap,
                     "backtest_sizing": st.sizing, "universe": ep.universe},
        "decision_dates": {"first": str(decision[0]), "last": str(decision[-1]), "n": int(dates.sum()),
                           "rule": "dates in --start..--end with a full forward window where every source has "
                                   "scores"},
        "sources": [{"name": s.name, "kind": s.kind, "spec": s.spec, **s.info} for s in sets],
        "kinds": kinds,
        "results": results,
        "ensembles": [n for n in named if kinds[n] == "ensemble"],
        "overlap": overlap,
        "series": {
            "decision_dates": [str(d) for d in panel.dates[window]],
            "rank_ic": {n: ics[n][window] for n in named},
            "rank_ic_rolling": {n: rolling_nanmean(ics[n][window], ROLLING_IC) for n in named},
            "equity_dates": [str(d) for d in days],
            "equity": {n: e["equity"].to_numpy() for n, e in zip(named, equity, strict=True)},
            "random_band_dates": [str(d) for d in band_days],
            "random_band": {"p05": band[0], "p50": band[1], "p95": band[2]} if band.size else None,
        },
    }
    trades_df = pl.concat(trades, how="vertical") if trades else pl.DataFrame()
    return SuiteResult(to_jsonable(report), trades_df, pl.concat(equity, how="vertical"), list(named))


# ---------------------------------------------------------------- the summary table
def _get(d: Any, *path: str) -> Any:
    for k in path:
        if not isinstance(d, dict) or k not in d:
            return None
        d = d[k]
    return d


def quantile_days(q: dict[str, Any]) -> str:
    """The dates a quantile figure uses, with the reason when there is none."""
    return f"{q['n_days']}" if q["n_days"] else f"0 ({q['reason']})"


def _fmt(v: Any, kind: str) -> str:
    if kind == "days" and isinstance(v, dict):
        return quantile_days(v)
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "n/a"
    if kind == "pct":
        return f"{100 * v:.2f}%"
    return f"{v:.{kind[1:]}f}"


def summary_rows(report: dict[str, Any]) -> list[tuple[str, tuple[str, ...], str]]:
    """(label, path into a source's evaluate_scores dict, format) of the summary table, in display order."""
    st = report["settings"]
    fp, bps = st["forward_period"], [f"{b:g}" for b in st["cost_bps"]]
    rows = [("rank IC mean", ("rank_ic", "mean"), "f4"), ("rank ICIR", ("rank_ic", "icir"), "f3"),
            ("rank IC t-stat", ("rank_ic", "t_stat"), "f2"), ("IC mean", ("ic", "mean"), "f4"),
            (f"top-K mean {fp}d return", ("topk", "equal", "mean"), "pct"),
            ("Sharpe overlapping", ("topk", "equal", "sharpe_overlap"), "f2"),
            ("Sharpe non-overlapping", ("topk", "equal", "sharpe_nonoverlap"), "f2"),
            ("max DD non-overlapping", ("topk", "equal", "max_drawdown"), "pct"),
            ("long-short 10 buckets", ("quantiles", "10", "spread_mean"), "pct"),
            ("long-short 10 buckets dates", ("quantiles", "10"), "days"),
            ("hit rate", ("topk", "hit_rate"), "pct"), ("win rate", ("topk", "win_rate"), "pct"),
            ("name turnover / rebalance", ("topk", "turnover", "rebalance_dates"), "pct"),
            ("top-K excess vs random t", ("random", "topk_excess", "t_stat"), "f2"),
            ("random pct top-K", ("random", "topk_mean_percentile"), "f1"),
            ("random p50 top-K", ("random", "topk_mean", "p50"), "pct"),
            ("random p95 top-K", ("random", "topk_mean", "p95"), "pct"),
            ("random pct rank IC", ("random", "rank_ic_percentile"), "f1")]
    rows += [(f"net return @{b}bps", ("backtest", "fp", b, "total_return"), "pct") for b in bps]
    rows += [(f"net Sharpe @{bps[0]}bps", ("backtest", "fp", bps[0], "sharpe_daily"), "f2"),
             (f"net max DD @{bps[0]}bps", ("backtest", "fp", bps[0], "max_drawdown"), "pct"),
             ("rolling windows > random", ("windows", "share_beats_random_p50", "rolling"), "pct")]
    return rows


def summary_table(report: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    """(header: metric + one column per source/ensemble, rows of formatted cells)."""
    names = list(report["results"])
    rows = [[label, *(_fmt(_get(report["results"][n], *path), kind) for n in names)]
            for label, path, kind in summary_rows(report)]
    return ["metric", *names], rows


def format_text_table(header: list[str], rows: list[list[str]]) -> str:
    """A plain fixed-width table for the terminal."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    line = "  ".join(("{:<%d}" if i == 0 else "{:>%d}") % w for i, w in enumerate(widths))
    sep = "  ".join("-" * w for w in widths)
    return "\n".join([line.format(*header), sep, *(line.format(*r) for r in rows)])
