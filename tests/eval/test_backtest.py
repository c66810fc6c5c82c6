"""Execution backtest: hand-computed books on tiny panels (skips, deferrals, suspension, main wave, stamp
duty), agreement with the forward-return metric when frictionless, and with `MarketSim.step`."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from aurumq_rl.data.labels import main_wave_returns
from aurumq_rl.data.panel import Panel
from aurumq_rl.eval.backtest import cost_sweep_runs, simulate, sweep_summaries
from aurumq_rl.eval.metrics import buyable_next, select_picks, topk_returns
from aurumq_rl.market.costs import CostModel
from tests.eval.helpers import make_panel, signal_scores, synth_panel

FREE = CostModel(round_trip_bps=0)


def _row(trades: pl.DataFrame, code_idx: int, panel: Panel, decision: int) -> dict:
    rows = trades.filter((pl.col("ts_code") == panel.codes[code_idx])
                         & (pl.col("decision_date") == panel.dates[decision].astype(object))).to_dicts()
    assert len(rows) == 1, rows
    return rows[0]


def _entry_skip_panel() -> Panel:
    pct = np.array([[0, 0, 0], [0.05, 0.1, 0], [0.10, 0.20, 0], [-0.05, 0.3, 0]], float)
    tradeable = np.ones((4, 3), bool)
    tradeable[1, 2] = False  # stock 2 suspended on the fill day
    limit_up = np.zeros((4, 3), bool)
    limit_up[1, 1] = True  # stock 1 limit-up on the fill day
    return make_panel(pct, tradeable=tradeable, limit_up=limit_up)


def test_limit_up_and_suspended_picks_are_skipped_to_cash() -> None:
    p = _entry_skip_panel()
    scores = np.tile([3.0, 2.0, 1.0], (4, 1))
    res = simulate(p, scores, top_k=3, hold="fp", forward_period=2, cost=FREE, industry_cap=None)
    # only stock 0 is filled, at 1/3; the other two thirds stay cash: 1 + (1.10·0.95 − 1)/3
    np.testing.assert_allclose(res.equity, [1.0, 1 + 0.1 / 3, 1.015], atol=1e-12)
    assert res.dates.tolist() == p.dates[1:4].tolist()
    r0, r1, r2 = (_row(res.trades, i, p, 0) for i in range(3))
    assert r0["entry_date"] == p.dates[1].astype(object) and r0["exit_date"] == p.dates[3].astype(object)
    assert r0["gross_return"] == pytest.approx(0.045) and r0["weight"] == pytest.approx(1 / 3)
    assert r0["reason"] is None
    assert r1["reason"] == "limit_up_at_entry" and r1["entry_date"] is None and r1["weight"] == 0
    assert r1["target_weight"] == pytest.approx(1 / 3)
    assert r2["reason"] == "suspended_at_entry" and r2["entry_date"] is None


def test_new_listing_pick_is_skipped_to_cash() -> None:
    """A pick that trades normally on the fill day but is listed for too few days (`can_buy` False) is not
    bought: the same new-listing protection as the env's and inference's."""
    p = make_panel(np.full((4, 2), 0.01))
    p.can_buy[1, 1] = False  # tradeable, not limit-up, but a new listing on the fill day
    res = simulate(p, np.tile([1.0, 2.0], (4, 1)), top_k=2, hold="fp", forward_period=2, cost=FREE,
                   industry_cap=None)
    r0, r1 = (_row(res.trades, i, p, 0) for i in range(2))
    assert r0["reason"] is None and r0["weight"] == pytest.approx(0.5)
    assert r1["reason"] == "new_listing_at_entry" and r1["entry_date"] is None and r1["weight"] == 0


def test_limit_down_exit_is_deferred_to_the_next_day() -> None:
    pct = np.zeros((6, 3))
    pct[2], pct[3], pct[4], pct[5] = [0.10, 0, 0], [-0.10, 0, 0], [0.02, 0.04, -0.02], [0.5, 0.1, 0.1]
    limit_down = np.zeros((6, 3), bool)
    limit_down[3, 0] = True
    p = make_panel(pct, limit_down=limit_down)
    scores = np.tile([3.0, 2.0, 1.0], (6, 1))
    scores[2] = [1.0, 3.0, 2.0]  # second decision: 1 and 2; stock 0 must go but is limit-down at the fill (3)
    res = simulate(p, scores, top_k=2, hold="fp", forward_period=2, cost=FREE, industry_cap=None)
    # NAV: d2 .55+.5 = 1.05; d3 .495+.5 = .995 → stock 0 stays (.495), 1 and 2 get .25 each (the budget left);
    # d4 .495·1.02 + .25·1.04 + .25·.98 = 1.0099, stock 0 sold; d5 .5049 cash + .25·1.04·1.1 + .245·1.1 = 1.0604
    np.testing.assert_allclose(res.equity, [1.0, 1.05, 0.995, 1.0099, 1.0604], atol=1e-12)
    r0 = _row(res.trades, 0, p, 0)
    assert r0["exit_date"] == p.dates[4].astype(object) and r0["defer_days"] == 1
    assert r0["reason"] == "limit_down_exit_deferred" and r0["gross_return"] == pytest.approx(1.1 * 0.9 * 1.02 - 1)
    r1 = _row(res.trades, 1, p, 0)  # re-picked while held: one position from 1 to the end
    assert r1["exit_date"] == p.dates[5].astype(object) and r1["gross_return"] == pytest.approx(1.04 * 1.1 - 1)
    r2 = _row(res.trades, 2, p, 2)
    assert r2["weight"] == pytest.approx(0.25 / 0.995) and r2["gross_return"] == pytest.approx(0.98 * 1.1 - 1)


def _suspended_exit_panel() -> Panel:
    pct = np.zeros((6, 2))
    pct[2], pct[3], pct[4], pct[5] = [0, 0.05], [0.1, 0.0], [0.0, 0.02], [0.0, 0.03]
    tradeable = np.ones((6, 2), bool)
    tradeable[2, 0] = False  # stock 0 suspended on day 2
    return make_panel(pct, tradeable=tradeable)  # dates in 2024: buy 10 bps, sell 15 bps at 30 bps round trip


def _suspended_exit_scores() -> np.ndarray:
    scores = np.tile([1.0, 2.0], (6, 1))
    scores[0] = [2.0, 1.0]
    return scores


def test_suspended_exit_deferred_with_costs_daily() -> None:
    p = _suspended_exit_panel()
    res = simulate(p, _suspended_exit_scores(), top_k=1, hold="daily", cost=CostModel(30), industry_cap=None)
    # d1 buy 0 (10 bps); d2 stock 0 suspended: sale deferred, stock 1 finds no cash; d3 sell 0 (15) buy 1 (10);
    # d5 liquidation (15). Costs of a close are charged to the next day's return.
    np.testing.assert_allclose(res.cost, [0.001, 0, 0.0025, 0, 0.0015], atol=1e-15)
    np.testing.assert_allclose(res.daily_return, [0, -0.001, 0.1, 0.02 - 0.0025, 0.03 - 0.0015], atol=1e-15)
    assert res.equity[-1] == pytest.approx(0.999 * 1.1 * 1.0175 * 1.0285, abs=1e-14)
    r0 = _row(res.trades, 0, p, 0)
    assert r0["reason"] == "suspended_exit_deferred" and r0["defer_days"] == 1
    assert r0["costs"] == pytest.approx(0.001 + 0.0015 * 1.1) and r0["net_return"] == pytest.approx(0.1 - 0.00265)
    assert _row(res.trades, 1, p, 1)["reason"] == "no_cash_at_entry"
    r1 = _row(res.trades, 1, p, 2)
    assert r1["hold_days"] == 2 and r1["gross_return"] == pytest.approx(1.02 * 1.03 - 1)


def _main_wave_panel(limit_down_at_exit: bool) -> Panel:
    pct = np.zeros((17, 2))
    pct[12, 0], pct[14, 0], pct[15, 0], pct[16, 0] = 0.05, -0.2, 0.05, -0.03
    limit_down = np.zeros((17, 2), bool)
    limit_down[15, 0] = limit_down_at_exit
    return make_panel(pct, limit_down=limit_down)


@pytest.mark.parametrize("deferred", [False, True])
def test_main_wave_exits_on_ma_cross(deferred: bool) -> None:
    p = _main_wave_panel(deferred)
    # flat at 1 to day 11 (entry), 1.05 on 12–13, 0.84 on 14: MA5 (2 + 2.1 + .84)/5 = .988 < MA10 (7 + 2.94)/10
    # = .994 first on day 14 (days 11–13: 1 = 1, 1.01 > 1.005, 1.02 > 1.01); that close is the signal, so the
    # sale is at the next close, 15: h = 4
    assert main_wave_returns(p)[1][10, 0] == 4
    scores = np.tile([2.0, 1.0], (17, 1))
    res = simulate(p, scores, top_k=1, hold="main_wave", cost=FREE, industry_cap=None, start=10, end=10)
    assert res.dates[0] == p.dates[11] and res.dates[-1] == p.dates[16]  # L = fill + MAIN_WAVE_MAX_HOLD
    r0 = _row(res.trades, 0, p, 10)
    if not deferred:
        assert res.equity[-1] == pytest.approx(0.84 * 1.05)
        assert r0["exit_date"] == p.dates[15].astype(object) and r0["hold_days"] == 4
        assert r0["gross_return"] == pytest.approx(main_wave_returns(p)[0][10, 0])
    else:  # limit-down on the planned exit: sold a day later, after a -3% day
        assert res.equity[-1] == pytest.approx(0.84 * 1.05 * 0.97)
        assert r0["exit_date"] == p.dates[16].astype(object) and r0["reason"] == "limit_down_exit_deferred"
    assert r0["max_gain"] == pytest.approx(0.05)


def test_trade_max_gain_counts_the_exit_close() -> None:
    """A trade's max_gain is its best close from the day after the entry up to the exit's close, that close
    included: here the exit close (day 4) is the best one."""
    p = make_panel(np.array([[0.0], [0.0], [-0.02], [0.01], [0.05]]))
    res = simulate(p, np.ones((5, 1)), top_k=1, hold="fp", forward_period=3, cost=FREE, end=0)
    r0 = _row(res.trades, 0, p, 0)
    assert r0["entry_date"] == p.dates[1].astype(object) and r0["exit_date"] == p.dates[4].astype(object)
    assert r0["max_gain"] == pytest.approx(0.98 * 1.01 * 1.05 - 1, abs=1e-12)
    assert r0["max_gain"] == pytest.approx(r0["gross_return"], abs=1e-12)


@pytest.mark.parametrize(("fp", "sell_bps"), [(2, 20.0), (3, 15.0)])
def test_stamp_duty_follows_the_sale_date(fp: int, sell_bps: float) -> None:
    p = make_panel(np.zeros((5, 1)), start="2023-08-24")  # fill 08-25; the sale is 08-27 (fp 2) or 08-28 (fp 3)
    res = simulate(p, np.ones((5, 1)), top_k=1, hold="fp", forward_period=fp, cost=CostModel(30), end=0)
    assert res.equity[-1] == pytest.approx((1 - 0.001) * (1 - sell_bps * 1e-4), abs=1e-15)


@pytest.mark.parametrize("sizing", ["equal", "strategy_d"])
def test_frictionless_fp_periods_equal_the_topk_metric(sizing: str) -> None:
    rng = np.random.default_rng(3)
    p = make_panel(rng.normal(0, 0.02, (40, 30)))
    scores = rng.random((40, 30))
    res = simulate(p, scores, top_k=5, hold="fp", forward_period=3, cost=FREE, sizing=sizing, industry_cap=None)
    picks = select_picks(scores, p.in_universe, 5)
    metric = topk_returns(scores, p.forward_returns(3), picks, buyable_next(p.can_buy), sizing)
    decisions = np.arange(0, 40 - 2 - 3 + 1, 3)
    np.testing.assert_allclose(res.period_returns(), metric[decisions], atol=1e-12)


def test_cost_sweep_and_t_plus_one_on_synthetic() -> None:
    p = synth_panel()
    s = signal_scores(p)
    sweep = sweep_summaries(cost_sweep_runs(p, s, top_k=10, hold="fp", forward_period=5))
    assert list(sweep) == ["30", "60", "100"]
    tot = [sweep[k]["total_return"] for k in sweep]
    assert tot[0] > tot[1] > tot[2]
    assert sweep["60"]["total_cost"] == pytest.approx(2 * sweep["30"]["total_cost"], rel=0.05)
    res = simulate(p, s, top_k=10, hold="daily")
    entered = res.trades.filter(pl.col("entry_date").is_not_null())
    assert entered["hold_days"].min() >= 1  # T+1: nothing bought at d is sold at d
    assert entered.filter(pl.col("exit_date").is_not_null())["exit_date"].gt(
        entered.filter(pl.col("exit_date").is_not_null())["entry_date"]).all()


# ---------------------------------------------------------------- the env (torch)
def _env_returns(p: Panel, scores: np.ndarray, picks: np.ndarray, k: int, t0: int, n: int, sizing: str,
                 fp: int) -> np.ndarray:
    torch = pytest.importorskip("torch")
    from aurumq_rl.envs.market_sim import EnvConfig, MarketSim, PanelTensors

    cfg = EnvConfig(top_k=k, reward_mode="portfolio", relative=False, episode_length=n, sizing=sizing,
                    forward_period=fp)
    data = PanelTensors(p, cfg)
    data.ret = torch.as_tensor(p.pct_chg, dtype=torch.float64)  # the env stores float32: compare in float64
    buy, sell = cfg.cost.rates(p.dates)
    data.buy_rate, data.sell_rate = torch.as_tensor(buy), torch.as_tensor(sell)
    sim = MarketSim(data, cfg, n_envs=1, t_range=(t0, t0 + n - 1))
    sim.t = torch.tensor([t0])
    sim.w = sim.w.double()
    out = []
    for t in range(t0, t0 + n):
        _, _, info = sim.step(torch.as_tensor(scores[t])[None], torch.as_tensor(picks[t])[None])
        out.append(float(info["portfolio_return"][0]))
    return np.array(out)


@pytest.mark.parametrize("sizing", ["equal", "strategy_d"])
def test_daily_book_matches_market_sim(sizing: str) -> None:
    p = synth_panel()
    s = np.nan_to_num(signal_scores(p))
    k, t0, n = 8, 50, 100  # K = 8: the env's float32 equal weights (1/8) are exact
    picks = select_picks(s, p.in_universe, k, p.industry)
    env = _env_returns(p, s, picks, k, t0, n, sizing, 5)
    res = simulate(p, s, top_k=k, hold="daily", sizing=sizing, start=t0, end=t0 + n - 1, picks=picks,
                   liquidate=False)
    assert len(res.daily_return) == n + 1
    np.testing.assert_allclose(res.daily_return[1:], env, rtol=0, atol=1e-9)
    assert res.trades["reason"].is_in(["limit_up_at_entry", "limit_down_exit_deferred"]).any()  # rules exercised


@pytest.mark.parametrize("case", ["entry_skips", "suspended_exit"])
def test_hand_panels_match_market_sim(case: str) -> None:
    if case == "entry_skips":
        p, scores, k = _entry_skip_panel(), np.tile([3.0, 2.0, 1.0], (4, 1)), 2
    else:
        p, scores, k = _suspended_exit_panel(), _suspended_exit_scores(), 1
    n = len(p.dates) - 2
    picks = select_picks(scores, p.in_universe, k)
    env = _env_returns(p, scores, picks, k, 0, n, "equal", 1)
    res = simulate(p, scores, top_k=k, hold="daily", industry_cap=None, picks=picks, liquidate=False)
    np.testing.assert_allclose(res.daily_return[1:], env, rtol=0, atol=1e-12)


@pytest.mark.parametrize(("kw", "named"), [({"hold": "weekly"}, "hold='weekly'"),
                                           ({"forward_period": 0}, "forward_period=0")])
def test_simulate_names_a_bad_hold_or_forward_period(kw: dict, named: str) -> None:
    panel = make_panel(np.zeros((8, 2)))
    with pytest.raises(ValueError, match=named):
        simulate(panel, np.zeros((8, 2)), top_k=1, **kw)


def test_simulate_names_a_window_with_no_decision_date_and_the_last_one_that_fits() -> None:
    """8 dates, 1-day hold: a decision at t fills at t+1 and holds through t+2 ≤ 7, so the last is t = 5."""
    panel = make_panel(np.zeros((8, 2)))
    assert simulate(panel, np.zeros((8, 2)), top_k=1, forward_period=1, cost=FREE, start=5).dates[0] == \
        panel.dates[6]
    with pytest.raises(ValueError, match=r"no decision date in 6\.\.5 .*the last with a full fp hold is 5"):
        simulate(panel, np.zeros((8, 2)), top_k=1, forward_period=1, cost=FREE, start=6)
