"""Validation of a policy on held-out dates: deterministic scores → rank IC, IC and top-K net return.

The same timing as the env and evaluation: decision at the close of t, entry at the close of t+1 (a pick that
cannot be bought then earns 0), fp-day forward return, one round trip of costs per trade.
"""

from __future__ import annotations

import numpy as np
import torch

from aurumq_rl.envs.market_sim import PanelTensors
from aurumq_rl.eval.ic import ic_series
from aurumq_rl.eval.metrics import tie_broken
from aurumq_rl.market.selection import INDUSTRY_CAP, position_weights, select_top_k
from aurumq_rl.policies.deep_sets import DeepSetsPolicy


@torch.no_grad()
def policy_scores(policy: DeepSetsPolicy, data: PanelTensors, t_idx: np.ndarray, chunk: int = 64) -> np.ndarray:
    """Deterministic scores [len(t_idx), N] (NaN outside the universe), computed in date chunks."""
    out = np.full((len(t_idx), data.n_stocks), np.nan, dtype=np.float32)
    for c in range(0, len(t_idx), chunk):
        t = torch.as_tensor(t_idx[c:c + chunk], device=data.device)
        mask = data.valid[t]
        logits, _ = policy(data.factors[t], mask)
        out[c:c + chunk] = torch.where(mask, logits, torch.full_like(logits, float("nan"))).cpu().numpy()
    return out


def validate_scores(scores: np.ndarray, data: PanelTensors, label: np.ndarray, t_idx: np.ndarray, top_k: int,
                    round_trip_cost: float | np.ndarray, industry: np.ndarray | None = None,
                    cap_frac: float | None = INDUSTRY_CAP, sizing: str = "equal") -> dict[str, float]:
    """The validation metrics of precomputed scores [len(t_idx), N] (any scorer: ours, SB3, a factor).
    `round_trip_cost`: one rate, or one per panel date index (the round trip of a decision on that date).
    `industry`, `cap_frac`: the env's industry cap, so the top K are picked as in training and inference;
    `sizing`: the env's position sizing (equal | strategy_d), so the top-K return weighs picks as it does."""
    valid = data.valid[torch.as_tensor(t_idx)].cpu().numpy()
    y = label[t_idx]
    rank_ic = ic_series(scores, y, valid, "rank")
    ic = ic_series(scores, y, valid, "pearson")
    ind = industry[t_idx] if industry is not None else None
    # an unscored (NaN) stock is no candidate; ties ordered by the hash of (date, code), as eval and infer do
    chosen = select_top_k(tie_broken(scores, valid, data.dates[t_idx], data.codes), valid, top_k, ind, cap_frac)
    t_next = np.minimum(t_idx + 1, data.n_dates - 1)
    fillable = data.buy_ok[torch.as_tensor(t_next)].cpu().numpy()
    w = position_weights(np.nan_to_num(scores), chosen, sizing)  # an unfillable pick's weight stays cash
    filled = chosen & fillable
    gain = (w * np.where(filled & np.isfinite(y), y, 0.0)).sum(1)
    ok = np.isfinite(y).any(1)
    cost = np.broadcast_to(np.asarray(round_trip_cost, dtype=np.float64)[t_idx] if np.ndim(round_trip_cost)
                           else round_trip_cost, t_idx.shape)
    net = gain[ok] - cost[ok] * (w * filled)[ok].sum(1)
    return {
        "val_rank_ic": float(np.nanmean(rank_ic)) if np.isfinite(rank_ic).any() else float("nan"),
        "val_ic": float(np.nanmean(ic)) if np.isfinite(ic).any() else float("nan"),
        "val_topk_return": float(net.mean()) if len(net) else float("nan"),
    }
