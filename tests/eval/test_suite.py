"""`evaluate_sources`: identical dates for every source, its extra series being `evaluate_scores`' own (also at
the end of the data), the random equity band, ensembles/overlap, and the summary table."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from functools import lru_cache

import numpy as np
import pytest

from aurumq_rl.errors import DataError
from aurumq_rl.eval.report import evaluate_scores, evaluate_scores_full, to_jsonable
from aurumq_rl.eval.sources import EvalPanel, ScoreSet
from aurumq_rl.eval.suite import (
    EvalSettings,
    SuiteResult,
    evaluate_sources,
    format_text_table,
    random_equity_band,
    rolling_nanmean,
    summary_table,
)
from tests.eval.helpers import signal_scores, synth_panel

LO, HI = 150, 230
SETTINGS = EvalSettings(top_k=10, forward_period=5, cost_bps=(30.0, 100.0), random_draws=6, seed=1)


def _ep() -> EvalPanel:
    return EvalPanel(synth_panel(), LO, HI, "main_board_non_st")


@lru_cache(maxsize=1)
def _suite() -> tuple[SuiteResult, np.ndarray]:
    p = synth_panel()
    sig = signal_scores(p)
    late = np.where(np.arange(len(p.dates))[:, None] >= LO + 20, signal_scores(p, "gtja_001"), np.nan)
    dates = np.zeros(len(p.dates), bool)
    dates[LO + 20:HI + 1] = True  # where both sources have scores
    sets = [ScoreSet("sig", "factor", "alpha_001", sig), ScoreSet("late", "factor", "gtja_001", late)]
    return evaluate_sources(_ep(), sets, dates, SETTINGS, ensembles=True), sig


def test_rolling_nanmean_by_hand() -> None:
    out = rolling_nanmean(np.array([1.0, np.nan, 3.0, 5.0, np.nan, np.nan]), 2)
    np.testing.assert_allclose(out, [np.nan, 1.0, 3.0, 4.0, 5.0, np.nan])


def test_the_rank_ic_series_is_what_evaluate_scores_summarises() -> None:
    p = synth_panel()
    s = signal_scores(p)
    ev = evaluate_scores_full(p, s, top_k=10, random_draws=2, start=LO, end=HI, holds=("fp",))
    assert (ev.lo, ev.hi) == (LO, HI) and np.isnan(ev.rank_ic[:LO]).all() and np.isnan(ev.rank_ic[HI + 1:]).all()
    assert np.nanmean(ev.rank_ic) == pytest.approx(ev.report["rank_ic"]["mean"], rel=1e-12)
    assert ev.report == evaluate_scores(p, s, top_k=10, random_draws=2, start=LO, end=HI, holds=("fp",))


def test_the_series_are_the_results_own_up_to_the_end_of_the_data() -> None:
    """--end at the last date load_eval_panel allows (T − 2 − fp) with fp < 5: evaluate_scores stops the
    decisions where the main-wave label still fits (T − 7). The charted rank IC, the written curves and trade
    logs and the random band are its figures, on its dates (they used to be recomputed through T − 2 − fp)."""
    p = synth_panel()
    t_n, fp = len(p.dates), 2
    lo, hi = t_n - 60, t_n - 2 - fp
    st = EvalSettings(top_k=10, forward_period=fp, cost_bps=(30.0,), random_draws=3, seed=1)
    dates = np.zeros(t_n, bool)
    dates[lo:hi + 1] = True
    res = evaluate_sources(EvalPanel(p, lo, hi, "main_board_non_st"),
                           [ScoreSet("sig", "factor", "alpha_001", signal_scores(p))], dates, st)
    rep = res.report
    got = rep["results"]["sig"]
    assert got["config"]["last_decision"] == str(p.dates[t_n - 7])
    assert rep["decision_dates"]["last"] == rep["series"]["decision_dates"][-1] == str(p.dates[t_n - 7])
    assert rep["decision_dates"]["n"] == t_n - 7 - lo + 1
    ic = np.array([np.nan if v is None else v for v in rep["series"]["rank_ic"]["sig"]])
    assert np.isfinite(ic).sum() == got["rank_ic"]["n_days"]
    assert np.nanmean(ic) == pytest.approx(got["rank_ic"]["mean"], rel=1e-12)
    assert res.equity["equity"][-1] - 1 == pytest.approx(got["backtest"]["fp"]["30"]["total_return"], abs=1e-15)
    assert str(res.equity["date"][-1]) == got["backtest"]["fp"]["30"]["end"]
    assert rep["series"]["random_band_dates"] == rep["series"]["equity_dates"]
    assert res.trades["decision_date"].max() <= p.dates[t_n - 7].astype(object)


def test_random_equity_band_is_ordered_and_seeded() -> None:
    ep = _ep()
    valid = ep.panel.in_universe.copy()
    days, band = random_equity_band(ep, valid, SETTINGS)
    assert band.shape == (3, len(days)) and str(days[0]) == str(ep.panel.dates[LO + 1])
    assert (band[0] <= band[1] + 1e-12).all() and (band[1] <= band[2] + 1e-12).all()
    assert np.ptp(band[2] - band[0]) > 0  # draws differ
    np.testing.assert_array_equal(random_equity_band(ep, valid, SETTINGS)[1], band)



def test_random_equity_band_of_no_draws_is_empty() -> None:
    ep = _ep()
    days, band = random_equity_band(ep, ep.panel.in_universe.copy(), replace(SETTINGS, random_draws=0))
    assert len(days) == 0 and band.shape == (3, 0)

def test_sources_share_dates_and_curves_match_the_backtest() -> None:
    res, _ = _suite()
    rep = res.report
    json.dumps(rep, allow_nan=False)
    assert res.names == ["sig", "late", "ensemble:rank_mean", "ensemble:z_mean", "ensemble:z_median"]
    assert rep["decision_dates"]["n"] == HI - LO - 20 + 1
    assert rep["decision_dates"]["first"] == str(synth_panel().dates[LO + 20])
    n_days = {n: r["rank_ic"]["n_days"] for n, r in rep["results"].items()}
    assert len(set(n_days.values())) == 1  # identical decision dates for every source
    for name in res.names:  # the written equity curve is the backtest of eval.json at the first cost level
        eq = res.equity.filter(res.equity["source"] == name)["equity"].to_numpy()
        assert eq[-1] - 1 == pytest.approx(rep["results"][name]["backtest"]["fp"]["30"]["total_return"], abs=1e-12)
    assert set(res.trades["source"].unique()) == set(res.names)
    jac = np.array(rep["overlap"]["jaccard"])
    assert rep["overlap"]["names"] == ["sig", "late"] and jac.shape == (2, 2)
    assert jac[0, 0] == 1.0 and 0 <= jac[0, 1] < 0.5
    assert len(rep["series"]["equity"]["sig"]) == len(rep["series"]["random_band"]["p50"])


def test_blanked_dates_equal_evaluating_the_source_alone_on_those_dates() -> None:
    res, sig = _suite()
    alone = evaluate_scores(synth_panel(), sig, top_k=10, cost_bps=(30.0, 100.0), random_draws=6, seed=1,
                            start=LO + 20, end=HI)
    # every figure, backtests and windows included: the suite's window starts at the first common date
    assert res.report["results"]["sig"] == to_jsonable(alone)
    assert res.report["series"]["equity_dates"][0] == str(synth_panel().dates[LO + 21])  # first fill


def test_scores_on_part_of_the_window_are_judged_on_that_part() -> None:
    """Scores that start after --start (an SL run writes its test window's only) are evaluated from their first
    scored date: the report equals the one with --start there (backtests were diluted by the cash before)."""
    p = synth_panel()
    late = np.where(np.arange(len(p.dates))[:, None] >= LO + 30, signal_scores(p), np.nan)
    late[HI - 10:] = np.nan  # and end before --end
    kw = dict(top_k=10, cost_bps=(30.0,), random_draws=3, seed=1, holds=("fp",))
    got = evaluate_scores(p, late, start=LO, end=HI, **kw)
    assert got == evaluate_scores(p, late, start=LO + 30, end=HI - 11, **kw)
    assert got["config"]["first_decision"] == str(p.dates[LO + 30])
    assert got["backtest"]["fp"]["30"]["start"] == str(p.dates[LO + 31])
    with pytest.raises(ValueError, match="cover no universe stock"):
        evaluate_scores(p, late, start=LO, end=LO + 29, **kw)


def test_the_random_band_draws_over_the_stocks_the_sources_score() -> None:
    """A source scoring half the stocks is charted against random books drawn from that half (its own random
    baseline's candidates), not from the whole universe."""
    ep = _ep()
    p = ep.panel
    half = np.where(np.arange(len(p.codes))[None, :] % 2 == 0, signal_scores(p), np.nan)
    dates = np.zeros(len(p.dates), bool)
    dates[LO:HI + 1] = True
    st = replace(SETTINGS, random_draws=3)
    rep = evaluate_sources(ep, [ScoreSet("half", "factor", "alpha_001", half)], dates, st).report
    days, band = random_equity_band(ep, p.in_universe & dates[:, None] & np.isfinite(half), st)
    np.testing.assert_allclose(rep["series"]["random_band"]["p50"], band[1], rtol=0, atol=0)
    _, whole = random_equity_band(ep, p.in_universe & dates[:, None], st)
    assert not np.array_equal(whole[1], band[1])


def test_no_common_decision_date_is_a_clear_error() -> None:
    p = synth_panel()
    dates = np.zeros(len(p.dates), bool)
    dates[HI + 5] = True  # outside --start .. --end
    with pytest.raises(DataError, match="no decision date .* where every source has scores"):
        evaluate_sources(_ep(), [ScoreSet("sig", "factor", "alpha_001", signal_scores(p))], dates, SETTINGS)


def test_summary_table_has_every_source_and_cost() -> None:
    res, _ = _suite()
    header, rows = summary_table(res.report)
    assert header == ["metric", *res.names]
    labels = [r[0] for r in rows]
    assert {"rank IC mean", "rank ICIR", "Sharpe overlapping", "Sharpe non-overlapping", "net return @30bps",
            "net return @100bps", "random pct top-K", "hit rate", "name turnover / rebalance",
            "top-K excess vs random t"} <= set(labels)
    pct = res.report["results"]["sig"]["random"]["topk_mean_percentile"]
    assert rows[labels.index("random pct top-K")][1] == f"{pct:.1f}"
    ret = res.report["results"]["late"]["backtest"]["fp"]["100"]["total_return"]
    assert rows[labels.index("net return @100bps")][2] == f"{100 * ret:.2f}%"
    text = format_text_table(header, rows)
    assert "ensemble:z_median" in text.splitlines()[0] and len({len(x) for x in text.splitlines()}) == 1


def test_summary_table_shows_n_a_for_a_figure_a_source_lacks() -> None:
    """A report whose source has no `windows` (e.g. an eval.json of an older version): that cell reads n/a,
    the other sources' cells are unchanged."""
    res, _ = _suite()
    report = copy.deepcopy(res.report)
    del report["results"]["late"]["windows"]
    header, rows = summary_table(report)
    full = dict((r[0], r) for r in summary_table(res.report)[1])
    got = dict((r[0], r) for r in rows)
    late = header.index("late")
    assert got["rolling windows > random"][late] == "n/a" != full["rolling windows > random"][late]
    assert [c for i, c in enumerate(got["rolling windows > random"]) if i != late] == \
        [c for i, c in enumerate(full["rolling windows > random"]) if i != late]
