"""Quantile buckets with tied scores: equal-mass slices of the rank axis, ties spread evenly over the positions they
occupy (never broken by column order), every usable date kept, and the dates used reported with the figure."""

from __future__ import annotations

import numpy as np

from aurumq_rl.eval.html import render_report
from aurumq_rl.eval.metrics import quantile_gap_reason, quantile_returns
from aurumq_rl.eval.report import evaluate_scores
from aurumq_rl.eval.sources import EvalPanel, ScoreSet
from aurumq_rl.eval.suite import EvalSettings, evaluate_sources, summary_table
from tests.eval.helpers import signal_scores, synth_panel

ONE = np.ones((1, 10), bool)


def test_tied_groups_spread_over_their_positions_by_hand() -> None:
    # 10 stocks, 5 buckets of 2 positions. Scores 0 ×3 (positions 0–2), 1 ×4 (3–6), 2 ×3 (7–9).
    scores = np.array([[0.0, 0, 0, 1, 1, 1, 1, 2, 2, 2]])
    fwd = np.array([[0.01, 0.02, 0.03, 0.05, 0.03, 0.04, 0.04, 0.09, 0.06, 0.09]])  # group means .02 .04 .08
    means, spread = quantile_returns(scores, fwd, ONE, 5)
    # bucket 1 = positions 2, 3: one position of each of the first two groups; bucket 3 = positions 6, 7
    np.testing.assert_allclose(means, [0.02, 0.03, 0.04, 0.06, 0.08], atol=1e-12)
    np.testing.assert_allclose(spread, [0.06], atol=1e-12)
    # the old rule (every tied stock in the bucket of its average rank) emptied buckets 0, 2 and 4 here
    order = np.random.default_rng(0).permutation(10)  # column order must not matter
    np.testing.assert_allclose(quantile_returns(scores[:, order], fwd[:, order], ONE, 5)[0], means, atol=1e-12)


def test_buckets_have_equal_mass_when_n_is_not_a_multiple() -> None:
    # 12 stocks, no tie, return = position / 100; 5 buckets of 2.4 positions: the stocks on a boundary are split
    scores = np.arange(12.0)[None, :]
    fwd = scores / 100
    means, _ = quantile_returns(scores, fwd, np.ones((1, 12), bool), 5)
    # [0, 2.4): 0 + 1 + 0.4·2 = 1.8; [2.4, 4.8): 0.6·2 + 3 + 0.8·4 = 7.4; [4.8, 7.2): 0.2·4 + 5 + 6 + 0.2·7 = 13.2
    # [7.2, 9.6): 0.8·7 + 8 + 0.6·9 = 19; [9.6, 12): 0.4·9 + 10 + 11 = 24.6; each over 2.4 positions
    np.testing.assert_allclose(means, np.array([1.8, 7.4, 13.2, 19.0, 24.6]) / 2.4 / 100, atol=1e-12)


def test_heavily_tied_scores_keep_every_date() -> None:
    # 40 dates × 200 stocks, 20 score levels, the lowest holding ~40% of the stocks (like a GBDT's leaf values)
    rng = np.random.default_rng(3)
    levels = np.where(rng.random((40, 200)) < 0.4, 0, rng.integers(1, 20, (40, 200))).astype(np.float64)
    fwd = 0.001 * levels + rng.normal(0, 0.02, (40, 200))
    mask = np.ones((40, 200), bool)
    for b in (5, 10):
        means, spread = quantile_returns(levels, fwd, mask, b)
        assert np.isfinite(spread).all() and np.isfinite(means).all(), b
        assert quantile_gap_reason(levels, fwd, mask, b) is None


def test_constant_or_thin_dates_are_left_out_with_a_reason() -> None:
    fwd = np.linspace(-0.05, 0.05, 10)[None, :].repeat(3, 0)
    scores = np.vstack([np.full(10, 2.0), np.arange(10.0), np.full(10, 1.0)])  # dates 0 and 2: nothing to rank
    _, spread = quantile_returns(scores, fwd, np.ones((3, 10), bool), 5)
    assert np.isnan(spread[[0, 2]]).all() and np.isfinite(spread[1])
    assert quantile_gap_reason(scores[[0, 2]], fwd[[0, 2]], np.ones((2, 10), bool), 5) == \
        "constant scores on every date"
    thin = np.zeros((3, 10), bool)
    thin[:, :4] = True  # 4 stocks < 5 buckets
    assert quantile_gap_reason(scores, fwd, thin, 5) == "fewer than 5 stocks on every date"


def test_evaluate_scores_reports_the_dates_of_each_quantile_figure() -> None:
    panel = synth_panel()
    sig = signal_scores(panel)
    coarse = np.round(sig / np.nanstd(sig) * 2)  # about ten tied values per date
    out = evaluate_scores(panel, coarse, random_draws=2, cost_bps=(30.0,), holds=("fp",))
    n = out["rank_ic"]["n_days"]  # every decision date has ≥ 10 stocks (the IC's rule) here
    for b in ("5", "10"):
        assert out["quantiles"][b]["n_days"] == n and out["quantiles"][b]["reason"] is None
    flat = evaluate_scores(panel, np.where(np.isfinite(sig), 1.0, np.nan), random_draws=2, cost_bps=(30.0,),
                           holds=("fp",))
    q = flat["quantiles"]["10"]
    assert q["n_days"] == 0 and q["spread_mean"] is None and q["reason"] == "constant scores on every date"


def test_summary_table_and_html_show_the_quantile_dates_and_reason() -> None:
    panel = synth_panel()
    sig = signal_scores(panel)
    flat = np.where(np.isfinite(sig), 1.0, np.nan)
    dates = np.zeros(len(panel.dates), bool)
    dates[150:201] = True
    res = evaluate_sources(EvalPanel(panel, 150, 200, "main_board_non_st"),
                           [ScoreSet("sig", "factor", "alpha_001", sig), ScoreSet("flat", "factor", "one", flat)],
                           dates, EvalSettings(top_k=10, cost_bps=(30.0,), random_draws=2))
    header, rows = summary_table(res.report)
    row = next(r for r in rows if r[0] == "long-short 10 buckets dates")
    assert row[1:] == ["51", "0 (constant scores on every date)"]
    page = render_report(res.report, {}, title="t")
    assert "10 buckets: no usable date (constant scores on every date)" in page
    assert "<th>dates</th>" in page and "<td>51</td>" in page
    assert res.report["results"]["sig"]["quantiles"]["10"]["n_days"] == 51
