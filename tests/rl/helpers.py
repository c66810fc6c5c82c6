"""Helpers of the simulator and PPO tests: a hand-built panel (every stock present, tradeable and in the universe
unless told), a one-env `MarketSim` with its first decision date set, and a batch of one score vector. Import it
after `pytest.importorskip("torch")`."""

from __future__ import annotations

import numpy as np
import torch

from aurumq_rl.data.panel import Panel
from aurumq_rl.envs.market_sim import EnvConfig, MarketSim, PanelTensors
from aurumq_rl.market.costs import CostModel


def _panel(ret: np.ndarray, *, start: str = "2024-01-02", can_buy: np.ndarray | None = None,
           in_universe: np.ndarray | None = None, factors: np.ndarray | None = None) -> Panel:
    ret = np.asarray(ret, dtype=np.float64)
    t, n = ret.shape
    ones, zeros = np.ones((t, n), bool), np.zeros((t, n), bool)
    f = np.zeros((t, n, 1), np.float32) if factors is None else factors.astype(np.float32)
    return Panel(
        dates=np.datetime64(start, "D") + np.arange(t), codes=np.array([f"{600000 + i:06d}.SH" for i in range(n)]),
        factor_names=[f"alpha_{i:03d}" for i in range(f.shape[2])], factors=f,
        factor_missing_bits=np.zeros((t, n, (f.shape[2] + 7) // 8), np.uint8), pct_chg=ret, present=ones,
        tradeable=ones, can_buy=ones if can_buy is None else can_buy, can_sell=ones,
        in_universe=ones if in_universe is None else in_universe, is_limit_up=zeros, is_limit_down=zeros,
        board=np.array(["main"] * n))


def _sim(panel: Panel, mode: str, *, k: int = 1, fp: int = 1, cost: float = 0.0, length: int = 3,
         relative: bool = False, window: int = 20, t0: int = 0) -> MarketSim:
    cfg = EnvConfig(top_k=k, forward_period=fp, reward_mode=mode, episode_length=length,
                    cost=CostModel(round_trip_bps=cost), relative=relative, industry_cap=None, risk_window=window)
    sim = MarketSim(PanelTensors(panel, cfg), cfg, n_envs=1)
    sim.t = torch.tensor([t0])
    return sim


def _scores(*s: float) -> torch.Tensor:
    return torch.tensor([s], dtype=torch.float32)
