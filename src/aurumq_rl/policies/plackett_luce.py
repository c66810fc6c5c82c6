"""Plackett–Luce top-K action distribution under the industry cap.

The action is an ordered pick of K stocks: pick j is drawn from softmax(scores) over the stocks still
available — valid, not yet picked, and of an industry with fewer than `industry_cap(K)` picks so far.

Sampling uses the Gumbel-max property: add Gumbel noise to the scores once and take stocks in descending
order, skipping unavailable ones — which is exactly the env's own top-K-under-cap rule (`select_top_k`) on the
perturbed scores. The greedy policy (no noise) is the distribution's mode.

The log-probability Σ_j [s_{i_j} − log D_j] needs the available mass D_j before each pick. It is computed in
closed form, O(N + K·G) instead of K passes over N: D_j = total − mass picked before j − unpicked mass of the
industries already full before j (float64 against cancellation). The entropy bonus uses the first pick's
entropy (a cheap, standard proxy).
"""

from __future__ import annotations

import torch

from aurumq_rl.market.selection import UNKNOWN_INDUSTRY, industry_cap, running_in_group, select_top_k

TINY = 1e-300


def sample(logits: torch.Tensor, valid: torch.Tensor, k: int, industry: torch.Tensor | None = None,
           cap_frac: float | None = None, n_industries: int = 1, generator: torch.Generator | None = None
           ) -> torch.Tensor:
    """Ordered picks [B, K] (-1 where fewer than K stocks are available)."""
    u = torch.rand(logits.shape, device=logits.device, generator=generator).clamp(1e-10, 1 - 1e-10)
    g = torch.where(valid, logits - torch.log(-torch.log(u)), torch.full_like(logits, float("-inf")))
    chosen = select_top_k(g, valid, k, industry, cap_frac)
    ranked = torch.where(chosen, g, torch.full_like(g, float("-inf")))
    vals, idx = torch.topk(ranked, min(k, logits.shape[-1]), dim=-1)
    picks = torch.where(torch.isfinite(vals), idx, torch.full_like(idx, -1))
    if picks.shape[-1] == k:
        return picks
    return torch.cat([picks, picks.new_full((*picks.shape[:-1], k - picks.shape[-1]), -1)], dim=-1)  # K > N


def pick_log_probs(logits: torch.Tensor, valid: torch.Tensor, picks: torch.Tensor,
                   industry: torch.Tensor | None = None, cap_frac: float | None = None, n_industries: int = 1,
                   rows: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """(per-pick conditional log-probabilities [B, K] (0 where no pick), first-pick entropy [B]).

    `logits`, `valid` and `industry` have one row per distinct state [U, N]; `rows` [B] says which row each
    pick set belongs to (default: row b). Many samples of one date share its row, so the O(N) softmax work
    runs once per date and only the O(K·G) pick terms run per sample."""
    k = picks.shape[1]
    n = logits.shape[-1]
    if rows is None:
        rows = torch.arange(picks.shape[0], device=picks.device)
    lg = torch.where(valid, logits, torch.full_like(logits, float("-inf"))).double()
    m = lg.amax(-1, keepdim=True).clamp(min=-1e30)
    e = torch.exp(lg - m)  # 0 for invalid
    total = e.sum(-1, keepdim=True)
    has = picks >= 0
    flat = rows[:, None] * n + picks.clamp(min=0)  # index of each pick in the flattened [U, N] rows
    e_pick = e.reshape(-1)[flat] * has
    removed = e_pick.cumsum(-1) - e_pick
    if industry is not None and cap_frac is not None:
        slot = (industry + 1).long()  # slot 0 = unknown industry (never full)
        mass = torch.zeros(e.shape[0], n_industries + 1, dtype=e.dtype, device=e.device).scatter_add_(1, slot, e)
        removed = removed + _full_industry_mass(slot.reshape(-1)[flat], has, e_pick, mass[rows],
                                                industry_cap(k, cap_frac))
    # the pick itself is still available, so D_j >= its own mass; the bound also catches the cancellation of
    # `total - removed` when the earlier picks held nearly all the mass (logp would come out positive)
    denom = torch.maximum(total[rows] - removed, e_pick).clamp(min=TINY)
    lp = (lg.reshape(-1)[flat] - m[rows]) - torch.log(denom)
    logp = torch.where(has, lp, torch.zeros_like(lp))
    p = e / total.clamp(min=TINY)
    entropy = -(p * torch.where(p > 0, torch.log(p.clamp(min=TINY)), torch.zeros_like(p))).sum(-1)
    return logp.to(logits.dtype), entropy[rows].to(logits.dtype)


def _full_industry_mass(slot: torch.Tensor, has: torch.Tensor, e_pick: torch.Tensor, mass: torch.Tensor, cap: int
                        ) -> torch.Tensor:
    """[B, K] unpicked mass of the industries that are full before each pick, in O(K log K) per sample.

    The picks respect the cap, so an industry is full from the pick that brings its count to `cap` on, and
    none of it is picked afterwards: that pick adds its industry's mass minus the mass picked from it (its
    own included) to every later pick. Per pick, the count and picked mass of its industry so far come from
    `running_in_group` (the cap's own helper). `slot` [B, K]: industry slot of each pick (0 = unknown, never
    full); `mass` [B, slots]: each industry's total mass."""
    before, picked_before = running_in_group(slot, has, e_pick)
    fills = has & (slot != UNKNOWN_INDUSTRY + 1) & (before + 1 == cap)
    c = torch.where(fills, mass.gather(1, slot) - picked_before - e_pick, torch.zeros_like(e_pick))
    return c.cumsum(-1) - c


def picks_to_mask(picks: torch.Tensor, n: int) -> torch.Tensor:
    """[B, K] picks (-1 = none) → [B, N] bool mask."""
    mask = torch.zeros(picks.shape[0], n + 1, dtype=torch.bool, device=picks.device)
    mask.scatter_(1, torch.where(picks >= 0, picks, torch.full_like(picks, n)), True)
    return mask[:, :n]
