"""The env, the backtest, eval's top-K and inference pick the same stocks for the same scores and date: one
selection (`market.selection.select_top_k`, the industry cap, ties ordered by the hash of (date, code))."""

from __future__ import annotations

import numpy as np
import pytest

from aurumq_rl.data.panel import Panel
from aurumq_rl.eval.backtest import simulate
from aurumq_rl.eval.report import evaluate_scores_full
from aurumq_rl.infer.picks import picks_for_date
from aurumq_rl.market.costs import CostModel
from tests.eval.helpers import make_panel

T, N = 14, 60  # N > PREFIX · K for K = 5: the partial-sort path as well as the full sort


def _panel_and_scores(seed: int) -> tuple[Panel, np.ndarray]:
    """Every stock buyable every day (infer then excludes nothing), three industries and unknowns (-1), part of
    each date out of the universe, scores rounded to a few values: ties at the K-th place and across the cap."""
    rng = np.random.default_rng(seed)
    industry = rng.integers(-1, 3, (T, N)).astype(np.int32)
    uni = rng.random((T, N)) < 0.85
    p = make_panel(rng.normal(0, 0.01, (T, N)), in_universe=uni, industry=industry)
    scores = np.where(uni, np.round(rng.normal(size=(T, N))), np.nan)
    return p, scores


def _env_picks(p: Panel, scores: np.ndarray, k: int, t: int, cap: float | None) -> set[int]:
    torch = pytest.importorskip("torch")
    from aurumq_rl.envs.market_sim import EnvConfig, MarketSim, PanelTensors

    cfg = EnvConfig(top_k=k, forward_period=1, episode_length=1, industry_cap=cap)
    sim = MarketSim(PanelTensors(p, cfg), cfg, n_envs=1)
    sim.t = torch.tensor([t])
    return set(np.flatnonzero(sim.select(torch.as_tensor(scores[t:t + 1], dtype=torch.float32))[0].numpy()).tolist())


def _codes_to_idx(p: Panel, codes: list[str]) -> set[int]:
    return {int(np.flatnonzero(p.codes == c)[0]) for c in codes}


@pytest.mark.parametrize(("seed", "k", "cap"), [(0, 5, 0.3), (1, 10, 0.3), (2, 3, 0.3), (3, 5, None)])
def test_env_backtest_eval_and_infer_pick_the_same_stocks(seed: int, k: int, cap: float | None) -> None:
    p, scores = _panel_and_scores(seed)
    free = CostModel(round_trip_bps=0.0)
    ev = evaluate_scores_full(p, scores, top_k=k, forward_period=1, random_draws=2, holds=("fp",),
                              industry_cap=cap)
    tied_at_edge = capped = 0
    for t in range(T - 3):
        env = _env_picks(p, scores, k, t, cap)
        infer = _codes_to_idx(p, picks_for_date(p, scores, t, k, industry_cap=cap)["ts_code"].to_list())
        # the backtest's own selection (no `picks` given): a daily book decided on t alone
        bt = simulate(p, scores, top_k=k, hold="daily", start=t, end=t, cost=free, industry_cap=cap, liquidate=False)
        backtest = _codes_to_idx(p, bt.trades["ts_code"].to_list())
        evaluated = set(np.flatnonzero(ev.picks[t]).tolist())
        assert len(env) == k
        assert env == infer == backtest == evaluated, f"date {t}"
        s = scores[t][list(env)]
        tied_at_edge += bool((scores[t] == s.min()).sum() > (s == s.min()).sum())  # a tie the rule had to break
        capped += _codes_to_idx(p, picks_for_date(p, scores, t, k, industry_cap=None)["ts_code"].to_list()) != env
    assert tied_at_edge  # the case exercises the tie-break
    assert cap is None or capped  # and the cap, where there is one
