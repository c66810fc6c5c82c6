"""`evaluate_sources` on sources that score no stock in common: an ensemble combines only the cells every
source scores and the random equity band draws from them, so both have nothing to pick. Two score files of
disjoint stocks (one model per board, a file split by exchange) made `aurumq-rl eval --scores A B` and
`aurumq-rl compare A B` end in a traceback (`scored_range` / `simulate`: no decision date with scores); the
sources are evaluated, and the ensembles and the band left out with a warning naming why."""

from __future__ import annotations

import warnings

import numpy as np

from aurumq_rl.eval.sources import EvalPanel, ScoreSet
from aurumq_rl.eval.suite import EvalSettings, evaluate_sources
from tests.eval.helpers import signal_scores, synth_panel

LO, HI = 150, 200
SETTINGS = EvalSettings(top_k=5, forward_period=5, cost_bps=(30.0,), random_draws=3, seed=1)


def _sets(overlap: bool) -> tuple[list[ScoreSet], np.ndarray]:
    p = synth_panel()
    sig = signal_scores(p)
    half = np.arange(len(p.codes)) % 2 == 0  # source a scores the even columns, b the odd ones
    a = np.where(half[None, :], sig, np.nan)
    b = np.where(~half[None, :] | overlap, signal_scores(p, "gtja_001"), np.nan)
    dates = np.zeros(len(p.dates), bool)
    dates[LO:HI + 1] = True
    return [ScoreSet("a", "factor", "a", a), ScoreSet("b", "factor", "b", b)], dates


def test_sources_of_disjoint_stocks_are_evaluated_without_ensembles() -> None:
    sets, dates = _sets(overlap=False)
    for ensembles in (True, False):  # eval (ensembles) and compare
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            res = evaluate_sources(EvalPanel(synth_panel(), LO, HI, "main_board_non_st"), sets, dates, SETTINGS,
                                   ensembles=ensembles)
        said = [str(w.message) for w in seen]
        assert any(m.startswith("no random equity band: the sources score no universe stock in common on 51 of "
                                "the 51 decision dates") for m in said), said
        assert any(m.startswith("ensembles left out") for m in said) == ensembles
        assert res.names == ["a", "b"] and res.report["ensembles"] == []
        assert set(res.report["results"]) == {"a", "b"} and res.report["series"]["random_band"] is None
        assert res.report["results"]["a"]["topk"]["equal"]["n_dates"] == 51
        assert len(res.report["series"]["equity"]["b"]) == len(res.report["series"]["equity_dates"])


def test_sources_with_common_stocks_still_get_their_ensembles() -> None:
    sets, dates = _sets(overlap=True)
    res = evaluate_sources(EvalPanel(synth_panel(), LO, HI, "main_board_non_st"), sets, dates, SETTINGS,
                           ensembles=True)
    assert len(res.report["ensembles"]) == 3 and len(res.names) == 5
    assert len(res.report["series"]["random_band"]["p50"]) == len(res.report["series"]["equity_dates"])
