"""`evaluate_scores`: a strict-JSON dict of plain Python values, with the planted signal beating random."""

from __future__ import annotations

import json
import math

import numpy as np
import polars as pl
import pytest

from aurumq_rl.eval.backtest import DEFAULT_HIT_THRESHOLD
from aurumq_rl.eval.report import evaluate_scores, evaluate_scores_full, to_jsonable
from tests.eval.helpers import make_panel, signal_scores, synth_panel


def _plain(obj: object) -> bool:
    if isinstance(obj, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in obj.items())
    if isinstance(obj, list):
        return all(_plain(v) for v in obj)
    return obj is None or type(obj) in (bool, int, float, str)


def test_evaluate_scores_takes_exactly_evaluate_scores_full_s_arguments() -> None:
    """evaluate_scores spells out evaluate_scores_full's parameters (it took **kwargs, so help() showed none):
    the same names, order, kinds, defaults and annotations, so the two cannot drift apart."""
    import inspect

    short, full = (inspect.signature(f).parameters for f in (evaluate_scores, evaluate_scores_full))
    assert list(short.values()) == list(full.values())
    assert not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in short.values())
    assert {n: p.kind for n, p in short.items() if p.default is not inspect.Parameter.empty} == dict.fromkeys(
        ["top_k", "forward_period", "cost_bps", "random_draws", "seed", "hit_threshold", "industry_cap", "sizing",
         "start", "end", "holds", "random_cache"], inspect.Parameter.KEYWORD_ONLY)


def test_evaluate_scores_forwards_every_argument_by_name() -> None:
    """Each argument reaches evaluate_scores_full: the short form's report equals the full one's with the same
    non-default settings."""
    panel = synth_panel()
    scores = signal_scores(panel)
    kw = {"top_k": 5, "forward_period": 3, "cost_bps": (0.0, 50.0), "random_draws": 7, "seed": 4,
          "hit_threshold": 0.02, "industry_cap": None, "sizing": "strategy_d", "start": 5, "end": 60,
          "holds": ("fp",)}
    def text(report: dict) -> str:
        return json.dumps(to_jsonable(report), sort_keys=True)

    assert text(evaluate_scores(panel, scores, **kw)) == text(evaluate_scores_full(panel, scores, **kw).report)
    assert text(evaluate_scores(panel, scores, **kw)) != text(evaluate_scores(panel, scores))  # they matter


def test_to_jsonable() -> None:
    out = to_jsonable({"a": np.float32(0.5), "b": [np.int64(2), math.nan], "c": np.bool_(True), 1: np.arange(2)})
    assert out == {"a": 0.5, "b": [2, None], "c": True, "1": [0, 1]} and _plain(out)



def test_to_jsonable_writes_dates_as_iso_strings() -> None:
    days = np.array(["2024-01-02", "2024-02-29"], dtype="datetime64[D]")
    assert to_jsonable({"first": days[0], "all": days}) == {"first": "2024-01-02", "all": ["2024-01-02", "2024-02-29"]}


def test_evaluate_scores_names_a_window_with_no_evaluable_date() -> None:
    """12 dates, forward period 2: a decision at t fills at t+1 and its label ends at t+3 ≤ 11, so the last
    evaluable decision is 8; a window starting at 9 has none."""
    panel = make_panel(np.zeros((12, 10)))
    scores = np.tile(np.arange(10.0), (12, 1))
    kw = {"top_k": 2, "forward_period": 2, "random_draws": 2, "cost_bps": (30.0,), "holds": ("fp",)}
    assert evaluate_scores(panel, scores, start=8, **kw)["config"]["last_decision"] == str(panel.dates[8])
    with pytest.raises(ValueError, match=r"no evaluable decision date in 9\.\.8 with forward_period=2 \(12 dates\)"):
        evaluate_scores(panel, scores, start=9, **kw)

def test_evaluate_scores_on_the_planted_signal() -> None:
    p = synth_panel()
    out = evaluate_scores(p, signal_scores(p), top_k=10, forward_period=5, random_draws=20, holds=("fp",))
    assert _plain(out)
    json.dumps(out, allow_nan=False)
    assert set(out) == {"config", "ic", "rank_ic", "quantiles", "topk", "random", "windows", "backtest"}
    assert out["config"]["last_decision"] == str(p.dates[len(p.dates) - 2 - 5])
    assert out["rank_ic"]["mean"] > 0.02 and out["rank_ic"]["t_stat"] > 3  # alpha_001: rank IC ≈ 0.05 at fp 5
    assert out["quantiles"]["5"]["spread_mean"] > 0 and len(out["quantiles"]["10"]["bucket_means"]) == 10
    assert out["random"]["topk_mean_percentile"] >= 95 and out["random"]["rank_ic_percentile"] >= 95
    assert out["topk"]["equal"]["mean"] > out["random"]["topk_mean"]["p95"]
    assert out["windows"]["share_beats_random_p50"]["rolling"] > 0.5
    assert list(out["backtest"]["fp"]) == ["30", "60", "100"]


def test_random_cache_reuses_the_baseline_of_identical_candidates() -> None:
    p = synth_panel()
    s = signal_scores(p)
    kw = {"top_k": 10, "random_draws": 4, "start": 150, "end": 200, "holds": ("fp",)}
    cache: dict = {}
    plain = evaluate_scores(p, s, **kw)
    assert evaluate_scores(p, s, random_cache=cache, **kw) == plain and len(cache) == 1
    (key, (series, ic)), = cache.items()
    cache[key] = (series + 1.0, ic)  # a hit must use the cached draws
    assert evaluate_scores(p, -s, random_cache=cache, **kw)["random"]["topk_mean"]["p50"] > 0.5
    other = np.where(np.arange(len(p.dates))[:, None] < 170, s, np.nan)  # other candidates: a new entry
    evaluate_scores(p, other, random_cache=cache, **kw)
    assert len(cache) == 2


def test_every_figure_covers_the_same_decision_dates() -> None:
    """With fp < 5 the main-wave hold (up to 5 days after the T+1 fill) ends the evaluable dates earlier than
    the fp label; every figure then stops at that date, not only the main-wave backtest."""
    p = synth_panel()
    t_n, s = len(p.dates), signal_scores(p)
    kw = {"top_k": 10, "forward_period": 2, "random_draws": 2}
    only_fp = evaluate_scores(p, s, holds=("fp",), **kw)
    both = evaluate_scores(p, s, holds=("fp", "main_wave"), **kw)
    assert only_fp["config"]["last_decision"] == str(p.dates[t_n - 2 - 2])
    assert both["config"]["last_decision"] == str(p.dates[t_n - 2 - 5])
    assert both["rank_ic"]["n_days"] == only_fp["rank_ic"]["n_days"] - 3


def test_hit_threshold_reaches_the_backtest_hit_rate() -> None:
    """`hit_threshold` is the trade hit rate's threshold in every backtest summary of the report, not only in
    the config it echoes."""
    p = synth_panel()
    kw = {"top_k": 10, "random_draws": 2, "start": 150, "end": 200, "holds": ("fp",), "cost_bps": (30.0,)}
    ev = evaluate_scores_full(p, signal_scores(p), hit_threshold=0.02, **kw)
    trades = ev.backtests["fp"]["30"].trades
    closed = trades.filter(pl.col("entry_date").is_not_null() & pl.col("exit_date").is_not_null())["max_gain"]
    assert float((closed >= 0.02).mean()) != float((closed >= DEFAULT_HIT_THRESHOLD).mean())  # the two differ
    assert ev.report["config"]["hit_threshold"] == 0.02
    assert ev.report["backtest"]["fp"]["30"]["hit_rate"] == pytest.approx(float((closed >= 0.02).mean()))
