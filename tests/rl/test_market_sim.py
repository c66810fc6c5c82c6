"""The torch market simulator: T+1 fills, limit-up skip, limit-down deferral, suspension, costs, rewards."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from aurumq_rl.data.panel import Panel  # noqa: E402
from aurumq_rl.envs.market_sim import EnvConfig, MarketSim, PanelTensors  # noqa: E402
from aurumq_rl.market.costs import CostModel  # noqa: E402


def _panel(ret: np.ndarray, **masks: np.ndarray) -> Panel:
    t, n = ret.shape
    ones = np.ones((t, n), bool)
    zeros = np.zeros((t, n), bool)
    tradeable, limit_up = masks.get("tradeable", ones), masks.get("is_limit_up", zeros)
    return Panel(
        dates=np.arange(np.datetime64("2024-01-02"), np.datetime64("2024-01-02") + t),
        codes=np.array([f"60000{i}.SH" for i in range(n)]), factor_names=["alpha_001"],
        factors=np.zeros((t, n, 1), np.float32), factor_missing_bits=np.zeros((t, n, 1), np.uint8),
        pct_chg=ret, present=ones, tradeable=tradeable, can_buy=masks.get("can_buy", tradeable & ~limit_up),
        can_sell=masks.get("can_sell", ones), in_universe=ones, is_limit_up=limit_up,
        is_limit_down=zeros, board=np.array(["main"] * n))


def _sim(panel: Panel, mode: str = "portfolio", k: int = 1, cost: float = 0.0, length: int = 3) -> MarketSim:
    cfg = EnvConfig(top_k=k, forward_period=1, reward_mode=mode, episode_length=length,
                    cost=CostModel(round_trip_bps=cost), relative=False, industry_cap=None)
    sim = MarketSim(PanelTensors(panel, cfg), cfg, n_envs=1, t_range=(0, panel.pct_chg.shape[0] - 3))
    sim.t = torch.tensor([0])
    return sim


def _scores(n: int, best: int) -> torch.Tensor:
    s = torch.zeros(1, n)
    s[0, best] = 1.0
    return s


def test_fill_at_t_plus_1_close_earns_day_t_plus_2() -> None:
    ret = np.zeros((6, 2))
    ret[1, 0], ret[2, 0] = 0.05, 0.03  # day 1 before the fill, day 2 after it
    sim = _sim(_panel(ret))
    r, _, info = sim.step(_scores(2, 0))
    assert float(r) == pytest.approx(0.03)  # bought at the close of day 1: earns day 2 only
    assert sim.w[0].tolist() == [1.0, 0.0]


def test_limit_up_at_fill_means_cash() -> None:
    ret = np.full((6, 2), 0.01)
    lu = np.zeros((6, 2), bool)
    lu[1, 0] = True
    r, _, info = _sim(_panel(ret, is_limit_up=lu)).step(_scores(2, 0))
    assert float(r) == 0.0 and float(info["turnover"]) == 0.0


def test_new_listing_at_fill_means_cash() -> None:
    """`Panel.can_buy` carries the new-listing protection: tradeable and not limit-up, but listed for too few
    days on the fill day, is not bought either."""
    ret = np.full((6, 2), 0.01)
    cb = np.ones((6, 2), bool)
    cb[1, 0] = False
    r, _, info = _sim(_panel(ret, can_buy=cb)).step(_scores(2, 0))
    assert float(r) == 0.0 and float(info["turnover"]) == 0.0


def test_limit_down_sale_deferred_and_suspended_position_frozen() -> None:
    ret = np.zeros((7, 2))
    ret[3, 0] = -0.10
    ret[4, 0] = 0.02
    cs = np.ones((7, 2), bool)
    cs[2, 0] = False  # cannot sell stock 0 at the close of day 2
    sim = _sim(_panel(ret, can_sell=cs), length=4)
    sim.step(_scores(2, 0))  # hold stock 0 from the close of day 1
    r, _, _ = sim.step(_scores(2, 1))  # want to switch at the close of day 2: the sale is deferred
    assert sim.w[0, 0] == pytest.approx(1.0) and float(r) == pytest.approx(-0.10)
    r, _, _ = sim.step(_scores(2, 1))  # sold at the close of day 3, stock 1 bought
    assert sim.w[0].tolist() == [0.0, 1.0]


def test_costs_on_actual_turnover_with_date_aware_stamp_duty() -> None:
    ret = np.zeros((6, 2))
    sim = _sim(_panel(ret), cost=30.0, length=4)
    r1, _, i1 = sim.step(_scores(2, 0))
    buy, sell = CostModel(30.0).rates(np.array(["2024-01-03"], dtype="datetime64[D]"))
    assert float(i1["cost"]) == pytest.approx(buy[0])  # one buy of the whole book
    r2, _, i2 = sim.step(_scores(2, 1))  # sell 0, buy 1 → both sides
    assert float(i2["cost"]) == pytest.approx(buy[0] + sell[0]) and float(i2["turnover"]) == pytest.approx(2.0)
    r3, _, i3 = sim.step(_scores(2, 1))  # hold: no cost
    assert float(i3["cost"]) == 0.0
    # stamp duty halves on 2023-08-28: the sell side costs less after it
    _, s_before = CostModel(30.0).rates(np.array(["2023-08-25"], dtype="datetime64[D]"))
    _, s_after = CostModel(30.0).rates(np.array(["2023-08-28"], dtype="datetime64[D]"))
    assert s_before[0] - s_after[0] == pytest.approx(5e-4)


def test_forward_return_reward_is_label_of_filled_book_and_truncation() -> None:
    ret = np.zeros((8, 3))
    ret[2] = [0.02, -0.01, 0.0]
    ret[3] = [0.01, 0.0, 0.0]
    cfg = EnvConfig(top_k=1, forward_period=2, reward_mode="forward_return", episode_length=2,
                    cost=CostModel(0.0), relative=True, industry_cap=None)
    panel = _panel(ret)
    sim = MarketSim(PanelTensors(panel, cfg), cfg, n_envs=1, t_range=(0, 4))
    sim.t = torch.tensor([0])
    r, trunc, _ = sim.step(_scores(3, 0))
    fwd = panel.forward_returns(2)[0]  # entry at the close of day 1, days 2..3
    assert float(r) == pytest.approx(fwd[0] - fwd.mean())
    assert not trunc
    _, trunc, info = sim.step(_scores(3, 0))
    assert trunc and int(info["final_t"][0]) == 2 and sim.steps == 0


def test_risk_modes_and_bad_config() -> None:
    ret = np.random.default_rng(0).normal(0, 0.02, (30, 4))
    for mode in ("sharpe", "sortino", "mean_variance", "main_wave"):
        sim = _sim(_panel(ret), mode=mode, length=5)
        rs = [float(sim.step(torch.randn(1, 4))[0]) for _ in range(5)]
        assert all(np.isfinite(rs))
    with pytest.raises(ValueError, match="reward_mode='bogus'"):
        EnvConfig(reward_mode="bogus")


def test_a_stock_with_every_factor_missing_is_no_candidate() -> None:
    """Same candidates as the bundle's scorer (`Panel.blank`): a universe stock whose factors are all missing
    on a date is not valid in the env there, so it is neither picked nor part of the policy's context."""
    ret = np.full((6, 3), 0.01)
    panel = _panel(ret)
    bits = panel.factor_missing_bits.copy()
    bits[0, 2] = np.packbits(np.ones(1, bool))  # stock 2 blank on date 0
    panel.factor_missing_bits = bits
    sim = _sim(panel, k=1)
    assert sim.valid_mask()[0].tolist() == [True, True, False]
    picks = sim.select(_scores(3, best=2))
    assert picks[0].tolist() == [True, False, False]  # the best score belongs to the blank stock: not taken


@pytest.mark.parametrize("fp", [1, 3])
def test_forward_return_reward_charges_turnover_once_per_day_of_its_label(fp: int) -> None:
    """Each daily step credits an fp-day label, so a book rotated every fp days would pay a round trip per fp
    labels: 1/fp of the backtest's cost per unit of credited return. The reward charges the day's turnover
    fp times (the backtest's ratio); portfolio mode, which credits one day, charges it once."""
    ret = np.zeros((10, 2))
    ret[2:2 + fp, 0] = 0.01
    cfg = EnvConfig(top_k=1, forward_period=fp, reward_mode="forward_return", episode_length=3,
                    cost=CostModel(30.0), relative=False, industry_cap=None)
    panel = _panel(ret)
    sim = MarketSim(PanelTensors(panel, cfg), cfg, n_envs=1, t_range=(0, 5))
    sim.t = torch.tensor([0])
    r, _, info = sim.step(_scores(2, 0))  # buys the whole book at the close of day 1
    label = panel.forward_returns(fp)[0, 0]
    assert float(r) == pytest.approx(label - fp * float(info["cost"]), abs=1e-7)
    assert float(info["cost"]) > 0
    port = _sim(_panel(ret), mode="portfolio", cost=30.0)
    r_port, _, info_port = port.step(_scores(2, 0))
    assert float(r_port) == pytest.approx(ret[2, 0] - float(info_port["cost"]), abs=1e-7)


def test_main_wave_reward_charges_costs_once_per_day_of_each_picks_hold() -> None:
    """A main-wave label spans the pick's own hold (1 … 5 days): the step's costs count once per day of it,
    weighted by position, as the fp-day label charges fp times. Flat prices: MA5 = MA10, a 5-day hold."""
    ret = np.zeros((20, 2))
    cfg = EnvConfig(top_k=1, reward_mode="main_wave", episode_length=3, cost=CostModel(30.0), relative=False,
                    industry_cap=None)
    panel = _panel(ret)
    data = PanelTensors(panel, cfg)
    assert data.label_days[0, 0] == 5
    sim = MarketSim(data, cfg, n_envs=1, t_range=(0, 6))
    sim.t = torch.tensor([0])
    r, _, info = sim.step(_scores(2, 0))
    assert float(info["cost"]) > 0 and float(r) == pytest.approx(-5 * float(info["cost"]), abs=1e-7)


@pytest.mark.parametrize("field", ["top_k", "forward_period", "episode_length"])
def test_env_config_refuses_a_count_below_one_naming_it(field: str) -> None:
    with pytest.raises(ValueError, match=field):
        EnvConfig(**{field: 0})


def test_a_window_shorter_than_an_episode_is_refused_naming_the_dates_it_holds() -> None:
    """On 10 dates with a 1-day label (fill t+1, exit t+2) the last decision date is 7: a window asked to run
    to date 100 is cut there, and 0..7 holds 8 < 9 steps."""
    ret = np.zeros((10, 2))
    cfg = EnvConfig(top_k=1, forward_period=1, episode_length=9, relative=False, industry_cap=None)
    data = PanelTensors(_panel(ret), cfg)
    with pytest.raises(ValueError, match=r"decision dates 0\.\.7 .*episode_length=9"):
        MarketSim(data, cfg, n_envs=1, t_range=(0, 100))
    assert MarketSim(data, dataclasses.replace(cfg, episode_length=8), n_envs=1, t_range=(0, 100)).t_hi == 7
