"""The one market simulator: vectorised over `n_envs` on torch tensors (CUDA when available, else CPU).

Timing (identical to evaluation): the action is scored after the close of t; orders fill at the close of
t+1; a position bought at t+1 can first be sold at t+2 (T+1 holds because every fill is one day after the
decision). At the fill: no purchase of a stock that cannot be bought (suspended, one-price, limit-up), no
sale of one that cannot be sold (suspended, one-price, limit-down) — the sale is deferred to the next step —
and such positions keep their drifted weight. Costs are charged on the actual turnover of each side. The fill
and its costs are `market.fills.fill`, the day's drift `market.fills.drift`: both shared with the backtest.

Rewards of step t (decision at t):
- portfolio: return of the filled portfolio over day t+2, net of the fill's costs.
- forward_return / main_wave: Σ weight × label (fp-day return from the close of t+1, or the main-wave hold),
  net of the fill's costs; cash earns 0.
- sharpe / sortino: the portfolio net return over the std (downside std) of a `risk_window` of daily returns
  that starts each episode full of a prior, σ0(t)² (σ0(t)²/2 downside), which the book's own returns replace
  one day at a time: std² = (Σ_own (r − mean_own)² + (W − n)·σ0(t)²) / W after n own returns. σ0(t)² is
  the variance of a random equal-weight K-stock book (`risk_prior_var`), from data up to the decision date,
  so an episode's first steps are on the scale of the later ones.
- mean_variance: the portfolio net return minus risk_aversion × its squared deviation from the mean of the
  episode's own returns in the window.

With `relative=True` (default) the equal-weight universe's label (or day-t+2 return) is subtracted from the
book's gross figure: the market's common move does not depend on the action, so this leaves the policy
gradient unbiased and removes most of its variance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import torch

from aurumq_rl.data.labels import last_label_date_index, trade_label, trade_label_days
from aurumq_rl.data.panel import Panel
from aurumq_rl.envs.modes import HOLDING_AWARE, REWARD_MODES
from aurumq_rl.eval.metrics import tie_keys
from aurumq_rl.market.costs import CostModel
from aurumq_rl.market.fills import book_return, drift, fill
from aurumq_rl.market.selection import INDUSTRY_CAP, SIZINGS, position_weights, select_top_k

RISK_EPS = 1e-3  # floor of the sharpe / sortino denominators (a flat market of no variance)


@dataclass(frozen=True)
class EnvConfig:
    top_k: int = 30
    forward_period: int = 5
    reward_mode: str = "forward_return"
    episode_length: int = 60
    cost: CostModel = field(default_factory=CostModel)
    sizing: str = "equal"  # equal | strategy_d
    industry_cap: float | None = INDUSTRY_CAP
    risk_window: int = 20
    risk_aversion: float = 10.0
    relative: bool = True  # reward in excess of the equal-weight universe (same label / same day)

    def __post_init__(self) -> None:
        if self.reward_mode not in REWARD_MODES:
            raise ValueError(f"reward_mode='{self.reward_mode}': choose one of {', '.join(REWARD_MODES)}")
        if self.top_k < 1 or self.forward_period < 1 or self.episode_length < 1:
            raise ValueError("top_k, forward_period and episode_length must be ≥ 1")
        if self.sizing not in SIZINGS:
            raise ValueError(f"sizing='{self.sizing}': choose one of {', '.join(SIZINGS)}")
        if isinstance(self.risk_window, bool) or not isinstance(self.risk_window, int) or self.risk_window < 2:
            # a one-day window holds only today's return: no spread (sharpe = return / 1e-3, sortino 1000 × a
            # gain but about −1 for a loss) and a mean equal to it (mean_variance = portfolio)
            raise ValueError(f"risk_window={self.risk_window!r}: must be an integer ≥ 2 (days of returns)")
        if not math.isfinite(self.risk_aversion) or self.risk_aversion < 0:
            raise ValueError(f"risk_aversion={self.risk_aversion!r}: must be a finite number ≥ 0")
        if self.industry_cap is not None and not 0 < self.industry_cap <= 1:
            raise ValueError(f"industry_cap={self.industry_cap!r}: must lie in (0, 1], or None for no cap")

    @property
    def holding_aware(self) -> bool:
        return self.reward_mode in HOLDING_AWARE

    @property
    def label_kind(self) -> str:
        """The trade label the reward reads: main_wave for that mode, the fp-day forward return otherwise."""
        return "main_wave" if self.reward_mode == "main_wave" else "forward_return"


class PanelTensors:
    """The panel's arrays on one device, built once and shared by the simulator, the policy and PPO."""

    def __init__(self, panel: Panel, cfg: EnvConfig, device: str | torch.device = "cpu") -> None:
        dev = torch.device(device)
        self.device = dev
        self.dates, self.codes = panel.dates, panel.codes
        self._tie_order: torch.Tensor | None = None
        self.n_dates, self.n_stocks, self.n_factors = panel.factors.shape
        self.factors = torch.as_tensor(panel.factors, device=dev)
        # the universe less the stocks with none of their factors (`Panel.blank`): as the bundle's scorer, so
        # training, validation, eval and inference draw from the same candidates and the same context
        self.valid = torch.as_tensor(panel.in_universe & ~panel.blank(), device=dev)
        self.buy_ok = torch.as_tensor(panel.can_buy, device=dev)
        self.sell_ok = torch.as_tensor(panel.can_sell, device=dev)
        self.ret = torch.as_tensor(panel.pct_chg, dtype=torch.float32, device=dev)
        kind = cfg.label_kind
        label = trade_label(panel, kind, cfg.forward_period)
        self.label = torch.as_tensor(np.nan_to_num(label, nan=0.0), dtype=torch.float32, device=dev)
        # days each label spans: a step that credits it charges the day's costs once per such day
        self.label_days = torch.as_tensor(trade_label_days(panel, kind, cfg.forward_period), dtype=torch.float32,
                                          device=dev)
        self.last_decision = min(last_label_date_index(self.n_dates, kind, cfg.forward_period), self.n_dates - 3)
        ind = panel.industry if panel.industry is not None else np.full(panel.in_universe.shape, -1, np.int32)
        self.industry = torch.as_tensor(ind, dtype=torch.long, device=dev)
        self.n_industries = max(len(panel.industry_names), 1)
        buy, sell = cfg.cost.rates(panel.dates)
        self.buy_rate = torch.as_tensor(buy, dtype=torch.float32, device=dev)
        self.sell_rate = torch.as_tensor(sell, dtype=torch.float32, device=dev)
        prior = risk_prior_var(panel.pct_chg, panel.in_universe & ~panel.blank(), cfg.top_k, cfg.risk_window,
                               cfg.relative)
        self.risk_prior_var = torch.as_tensor(prior, dtype=torch.float32, device=dev)

    def tie_order(self) -> torch.Tensor:
        """[T, N] each date's columns by descending tie key (`eval.metrics.tie_keys`), built on first use: a
        stable top-K over columns in this order breaks tied scores as `eval` and `infer` do, not by code."""
        if self._tie_order is None:
            order = np.argsort(-tie_keys(self.dates, self.codes), axis=1, kind="stable")
            self._tie_order = torch.as_tensor(order, device=self.device)
        return self._tie_order


def risk_prior_var(ret: np.ndarray, valid: np.ndarray, k: int, window: int, relative: bool) -> np.ndarray:
    """[T] σ0(t)²: the variance of a random equal-weight `k`-stock book's daily return, from dates up to t
    only: the mean over the `window` dates d ≤ t (those there are at the panel's start) of cs_var_d / k, plus
    market_d² when the reward is absolute, where market_d and cs_var_d are the mean and the variance of
    `ret` over the `valid` stocks of d. Dates without a valid stock do not count; 0 where none does."""
    v = valid & np.isfinite(ret)
    m = v.sum(1)
    r = np.where(v, ret, 0.0)
    market = r.sum(1) / np.maximum(m, 1)
    cs_var = (np.where(v, r - market[:, None], 0.0) ** 2).sum(1) / np.maximum(m, 1)
    has = m > 0
    q = np.where(has, cs_var / k + (0.0 if relative else market**2), 0.0)
    total = np.concatenate([[0.0], np.cumsum(q)])
    count = np.concatenate([[0], np.cumsum(has)])
    hi = np.arange(1, len(q) + 1)
    lo = np.maximum(hi - window, 0)
    n = count[hi] - count[lo]
    return np.where(n > 0, (total[hi] - total[lo]) / np.maximum(n, 1), 0.0)


class MarketSim:
    """`n_envs` independent episodes over decision dates in [t_lo, t_hi] of the panel."""

    def __init__(self, data: PanelTensors, cfg: EnvConfig, n_envs: int, seed: int = 0,
                 t_range: tuple[int, int] | None = None) -> None:
        self.data, self.cfg, self.n_envs = data, cfg, n_envs
        lo, hi = t_range if t_range is not None else (0, data.last_decision)
        if lo < 0 or hi < 0:  # a negative index would wrap to the panel's end (and t+1, t+2 to its start)
            raise ValueError(f"t_range=({lo}, {hi}): decision date indices count from the panel's first date "
                             f"(0 … {data.n_dates - 1}); negative indices are not taken from the end")
        hi = min(hi, data.last_decision)
        if hi - lo + 1 < cfg.episode_length:
            raise ValueError(f"decision dates {lo}..{hi} hold fewer than episode_length={cfg.episode_length} "
                             "steps (labels need the panel to extend past them); widen the window")
        self.t_lo, self.t_hi = lo, hi
        dev = data.device
        self.gen = torch.Generator(device=dev).manual_seed(seed)
        self.t = torch.zeros(n_envs, dtype=torch.long, device=dev)
        self.steps = 0  # every env starts together, so all truncate together: a host counter, no device sync
        self.w = torch.zeros(n_envs, data.n_stocks, device=dev)
        self.hist = torch.full((n_envs, cfg.risk_window), float("nan"), device=dev)
        self.reset()

    def _starts(self, n: int) -> torch.Tensor:
        span = self.t_hi - self.cfg.episode_length + 1 - self.t_lo + 1
        return self.t_lo + torch.randint(0, span, (n,), generator=self.gen, device=self.data.device)

    def reset(self) -> None:
        self.t = self._starts(self.n_envs)
        self.steps = 0
        self.w = torch.zeros_like(self.w)
        self.hist = torch.full_like(self.hist, float("nan"))

    def valid_mask(self) -> torch.Tensor:
        """[E, N] stocks the policy may pick at the current dates (the universe of t, less blank rows)."""
        return self.data.valid[self.t]

    def select(self, scores: torch.Tensor) -> torch.Tensor:
        """The env's own pick rule: top K valid stocks by score under the industry cap ([E, N] bool), tied
        scores ordered by the hash of (date, code) as in `eval` and `infer` (column order is code order, which
        correlates with returns: a policy saturating at its bound would pick the lowest codes of the tie)."""
        d = self.data
        p = d.tie_order()[self.t]
        picked = select_top_k(scores.gather(1, p), self.valid_mask().gather(1, p), self.cfg.top_k,
                              d.industry[self.t].gather(1, p), self.cfg.industry_cap)
        return torch.zeros_like(picked).scatter_(1, p, picked)

    def step(self, scores: torch.Tensor, chosen: torch.Tensor | None = None
             ) -> tuple[torch.Tensor, bool, dict[str, torch.Tensor]]:
        """Apply one decision per env: `scores` [E, N] (and optionally the picks `chosen` [E, N], when the
        policy already selected under the same rules; scores then only size the positions).

        Returns (reward [E], truncated, info; info["decision_t"] [E] is the date each decision was taken on).
        Episodes all end together after `episode_length` steps
        (a time limit: truncation, not termination); the envs are then reset and info["final_t"] /
        info["final_w"] hold the last observation for value bootstrapping."""
        d, cfg = self.data, self.cfg
        if chosen is None:
            chosen = self.select(scores)
        target = position_weights(scores, chosen, cfg.sizing)
        t1 = self.t + 1
        # holdings drift over day t+1, then fill at the close of t+1
        c = drift(self.w, d.ret[t1]).weights
        new, cost, buy_turn, sell_turn = fill(target, c, d.buy_ok[t1], d.sell_ok[t1], d.buy_rate[t1], d.sell_rate[t1])
        port = book_return(new, d.ret[t1 + 1]) - cost  # net return of the filled book over day t+2
        reward, scale = self._reward(new, c, port - self._bench(d.ret[t1 + 1]) * new.sum(-1), cost)
        per_stock = d.label[self.t] if cfg.reward_mode in ("forward_return", "main_wave") else d.ret[t1 + 1]
        # each position's share of the gross, in the reward's units (sharpe / sortino divide by the risk)
        contrib = new * (per_stock - self._bench(per_stock)[:, None]) / scale[:, None]

        self.w = new
        self.t = t1
        self.steps += 1
        truncated = self.steps >= cfg.episode_length
        info = {"cost": cost, "turnover": buy_turn + sell_turn, "portfolio_return": port, "picked": chosen,
                "contrib": contrib, "decision_t": t1 - 1}
        if truncated:
            info["final_t"], info["final_w"] = self.t, self.w
            self.reset()
        return reward, truncated, info

    def _bench(self, values: torch.Tensor) -> torch.Tensor:
        """Equal-weight mean of `values` [E, N] over the universe of the decision date (0 if not relative)."""
        if not self.cfg.relative:
            return torch.zeros(values.shape[0], device=values.device)
        v = self.data.valid[self.t].to(values.dtype)
        return (values * v).sum(-1) / v.sum(-1).clamp(min=1)

    def _reward(self, new: torch.Tensor, held: torch.Tensor, port: torch.Tensor, cost: torch.Tensor
                ) -> tuple[torch.Tensor, torch.Tensor]:
        """(reward [E], the divisor that turns a return into reward units [E]: the risk of sharpe / sortino,
        else 1), so the per-pick contributions PPO credits are on the reward's scale."""
        mode = self.cfg.reward_mode
        one = torch.ones_like(port)
        if mode in ("forward_return", "main_wave"):
            label = self.data.label[self.t]
            # each daily step credits labels that span several days (fp; a main-wave hold of 1 … 5): the day's
            # costs count once per day the book's labels span (weighted by position), so the cost per unit of
            # credited return is the backtest's (a book rotated every fp days pays one round trip per label)
            # a fill that leaves the book all cash weighs the days by the book it sold (`held`, before the fill),
            # so the sale counts as often as any other trade (counted once, an exit to cash cost 1/fp of a switch)
            book = torch.where((new.sum(-1) > 0)[:, None], new, held)
            days = (book * self.data.label_days[self.t]).sum(-1) / book.sum(-1).clamp(min=1e-12)
            return (new * label).sum(-1) - self._bench(label) * new.sum(-1) - days.clamp(min=1) * cost, one
        if mode == "portfolio":
            return port, one
        self.hist = torch.cat([self.hist[:, 1:], port[:, None]], dim=1)
        h = self.hist
        own = ~torch.isnan(h)
        n = own.sum(-1)
        mean = torch.nan_to_num(h).sum(-1) / n  # n ≥ 1: today's return is in
        if mode == "mean_variance":
            return port - self.cfg.risk_aversion * (port - mean) ** 2, one
        # the window's days without an own return hold the prior variance (half of it below zero)
        prior = (h.shape[1] - n) * self.data.risk_prior_var[self.t]
        if mode == "sharpe":
            sq = torch.where(own, h - mean[:, None], torch.zeros_like(h)) ** 2
        else:  # sortino
            sq, prior = torch.where(own, h.clamp(max=0), torch.zeros_like(h)) ** 2, prior / 2
        risk = torch.sqrt((sq.sum(-1) + prior) / h.shape[1]) + RISK_EPS
        return port / risk, risk
