"""Gymnasium wrapper of the one market simulator (a single env on CPU), for SB3 and the env checker.

Observation: the date's factor cross-section flattened ([N·F]), then the validity mask ([N]), then — for
holding-aware rewards — the current weights ([N]); float32, unbounded. Action: one score per stock in
[-1, 1] (the simulator picks the top K valid stocks under the industry cap). Episodes end by time limit only
(`truncated`), never `terminated`.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import torch

from aurumq_rl.data.panel import Panel
from aurumq_rl.envs.market_sim import EnvConfig, MarketSim, PanelTensors


class StockPickingEnv(gym.Env):
    metadata = {"render_modes": []}

    def __init__(self, panel: Panel, config: EnvConfig | None = None, t_range: tuple[int, int] | None = None,
                 data: PanelTensors | None = None) -> None:
        self.cfg = config or EnvConfig()
        self.data = data or PanelTensors(panel, self.cfg, "cpu")
        self.t_range = t_range
        n, f = self.data.n_stocks, self.data.n_factors
        extra = n if self.cfg.holding_aware else 0
        self.observation_space = gym.spaces.Box(-np.inf, np.inf, (n * f + n + extra,), np.float32)
        self.action_space = gym.spaces.Box(-1.0, 1.0, (n,), np.float32)
        self.sim = MarketSim(self.data, self.cfg, n_envs=1, seed=0, t_range=t_range)
        self._fresh = False  # the simulator already reset itself at the last truncation
        self._seeded = False  # a reset has seeded the simulator (with its seed, or from entropy)

    def _obs(self, t: torch.Tensor, w: torch.Tensor) -> np.ndarray:
        parts = [self.data.factors[t[0]].reshape(-1), self.data.valid[t[0]].float()]
        if self.cfg.holding_aware:
            parts.append(w[0])
        return torch.cat(parts).numpy().astype(np.float32)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None
              ) -> tuple[np.ndarray, dict[str, Any]]:
        super().reset(seed=seed)
        if seed is not None or not self._seeded:
            # a first reset without a seed seeds from entropy (Gymnasium's np_random), as the API promises: copies
            # reset without one (a Gymnasium vector env) start on independent dates, not all on the same ones
            sim_seed = seed if seed is not None else int(self.np_random.integers(2**63))
            self.sim = MarketSim(self.data, self.cfg, n_envs=1, seed=sim_seed, t_range=self.t_range)
            self._seeded = True
        elif not self._fresh:  # after a truncation the simulator has drawn the next start: keep it, as it would
            self.sim.reset()
        self._fresh = False
        return self._obs(self.sim.t, self.sim.w), {"t": int(self.sim.t[0])}

    def step(self, action: np.ndarray) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        scores = torch.as_tensor(np.asarray(action, dtype=np.float32)).reshape(1, -1)
        reward, truncated, info = self.sim.step(scores)
        self._fresh = bool(truncated)
        t, w = (info["final_t"], info["final_w"]) if truncated else (self.sim.t, self.sim.w)
        # "t": the date of the returned observation (as reset's info); "decision_t": the date acted on
        out = {"cost": float(info["cost"][0]), "turnover": float(info["turnover"][0]), "t": int(t[0]),
               "decision_t": int(info["decision_t"][0])}
        return self._obs(t, w), float(reward[0]), False, bool(truncated), out
