"""Top-K selection under the industry cap, and position sizing — one algorithm for numpy and torch.

Used by the env (torch tensors), the backtest and inference (numpy). Arrays are [..., N]; the last axis is
the stock axis. Dispatch is on the array type so the core install never imports torch.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

INDUSTRY_CAP = 0.30  # at most this share of K per industry
UNKNOWN_INDUSTRY = -1  # stocks with no industry are never capped


def industry_cap(k: int, frac: float = INDUSTRY_CAP) -> int:
    """Names allowed per industry: floor(frac · K), at least 1."""
    return max(1, math.floor(frac * k + 1e-9))


def _is_torch(x: Any) -> bool:
    return type(x).__module__.split(".")[0] == "torch"


def _argsort_desc(x: Any) -> Any:
    if _is_torch(x):
        import torch

        return torch.argsort(x, dim=-1, descending=True, stable=True)
    return np.argsort(-x, axis=-1, kind="stable")


def _take(x: Any, idx: Any) -> Any:
    if _is_torch(x):
        return x.gather(-1, idx)
    return np.take_along_axis(x, idx, axis=-1)


def _cumsum(x: Any) -> Any:
    return x.cumsum(-1) if _is_torch(x) else np.cumsum(x, axis=-1)


def _scatter(like: Any, idx: Any, values: Any) -> Any:
    if _is_torch(like):
        return like.scatter(-1, idx, values)
    out = like.copy()
    np.put_along_axis(out, idx, values, axis=-1)
    return out


def _where(c: Any, a: Any, b: Any) -> Any:
    if _is_torch(c):
        import torch

        return torch.where(c, a, b)
    return np.where(c, a, b)


def select_top_k(scores: Any, valid: Any, k: int, industry: Any | None = None,
                 cap_frac: float | None = INDUSTRY_CAP, n_industries: int | None = None) -> Any:
    """Boolean mask [..., N] of the K highest-scoring valid stocks, at most `industry_cap(k)` per industry.

    Ties keep the lower index first (stable). Fewer than K valid stocks → all of them. `industry` holds int
    codes 0..n_industries-1 (UNKNOWN_INDUSTRY = uncapped; pass `n_industries` to spare a max over the
    array); `cap_frac=None` or `industry=None` disables the cap. Memory O(N · n_industries) per row.
    """
    neg_inf = float("-inf")
    s = _where(valid, scores, neg_inf * (scores[..., :1] * 0 + 1))
    order = _argsort_desc(s)
    ok = _take(valid, order)
    if industry is not None and cap_frac is not None:
        ind = _take(industry, order)
        n_ind = (int(industry.max()) + 1 if n_industries is None else n_industries) + 1  # slot 0 = unknown
        # count of earlier picks of the same industry along the score order: one-hot running sum
        if _is_torch(ind):
            import torch

            onehot = torch.nn.functional.one_hot((ind + 1).long(), n_ind) * ok[..., None]
            seen = onehot.cumsum(-2) - onehot
            before = seen.gather(-1, (ind + 1).long()[..., None])[..., 0]
        else:
            onehot = (np.arange(n_ind) == (ind + 1)[..., None]) & ok[..., None]
            seen = np.cumsum(onehot, axis=-2, dtype=np.int32) - onehot
            before = np.take_along_axis(seen, (ind + 1)[..., None].astype(np.int64), axis=-1)[..., 0]
        ok = ok & ((before < industry_cap(k, cap_frac)) | (ind == UNKNOWN_INDUSTRY))
    ok_i = ok.long() if _is_torch(ok) else ok.astype(np.int64)
    picked = ok & (_cumsum(ok_i) <= k)
    return _scatter(valid & False, order, picked)


def position_weights(scores: Any, chosen: Any, sizing: str = "equal") -> Any:
    """Weights [..., N] summing to 1 over `chosen` (0 elsewhere; all 0 when nothing is chosen).

    equal: 1/K each. strategy_d: ∝ max(score, 0) over the chosen; equal weight when all are ≤ 0.
    """
    c = chosen.float() if _is_torch(chosen) else chosen.astype(np.float64)
    n = c.sum(-1, keepdims=True) if not _is_torch(c) else c.sum(-1, keepdim=True)
    equal = c / _where(n > 0, n, n * 0 + 1)
    if sizing == "equal":
        return equal
    if sizing != "strategy_d":
        raise ValueError(f"sizing='{sizing}': choose equal or strategy_d")
    pos = _where(chosen, scores.clip(0) if _is_torch(scores) else np.clip(scores, 0, None), scores * 0)
    tot = pos.sum(-1, keepdims=True) if not _is_torch(pos) else pos.sum(-1, keepdim=True)
    return _where(tot > 0, pos / _where(tot > 0, tot, tot * 0 + 1), equal)
