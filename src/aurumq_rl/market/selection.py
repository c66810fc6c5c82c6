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
PREFIX = 4  # select_top_k first looks at the PREFIX × K best stocks of each row
SIZINGS: tuple[str, ...] = ("equal", "strategy_d")  # position sizings of `position_weights`


def industry_cap(k: int, frac: float = INDUSTRY_CAP) -> int:
    """Names allowed per industry: floor(frac · K), at least 1."""
    return max(1, math.floor(frac * k + 1e-9))


def cap_fillable(valid: np.ndarray, industry: np.ndarray, k: int, frac: float = INDUSTRY_CAP) -> np.ndarray:
    """[T] the most picks each date's valid stocks can give under the cap (numpy [T, N] inputs): at most
    `industry_cap(k, frac)` per industry plus every stock of no industry, at most K. Below K where the valid
    stocks fall in too few industries, so `select_top_k` picks fewer names (each at more weight)."""
    cap = industry_cap(k, frac)
    t_n = valid.shape[0]
    known = valid & (industry != UNKNOWN_INDUSTRY)
    slots = int(industry.max(initial=0)) + 1
    rows = np.broadcast_to(np.arange(t_n)[:, None], valid.shape)
    counts = np.bincount((rows * slots + np.maximum(industry, 0))[known], minlength=t_n * slots)
    per_date = np.minimum(counts.reshape(t_n, slots), cap).sum(1) + (valid & ~known).sum(1)
    return np.minimum(per_date, k)


def is_torch(x: Any) -> bool:
    """`x` is a torch tensor, told without importing torch (the market rules serve numpy and torch callers)."""
    return type(x).__module__.split(".")[0] == "torch"


def _argsort_desc(x: Any) -> Any:
    if is_torch(x):
        import torch

        return torch.argsort(x, dim=-1, descending=True, stable=True)
    return np.argsort(-x, axis=-1, kind="stable")


def _take(x: Any, idx: Any) -> Any:
    if is_torch(x):
        return x.gather(-1, idx)
    return np.take_along_axis(x, idx, axis=-1)


def _cumsum(x: Any) -> Any:
    return x.cumsum(-1) if is_torch(x) else np.cumsum(x, axis=-1)


def _scatter(like: Any, idx: Any, values: Any) -> Any:
    if is_torch(like):
        return like.scatter(-1, idx, values)
    out = like.copy()
    np.put_along_axis(out, idx, values, axis=-1)
    return out


def _full_like(x: Any, value: float) -> Any:
    if is_torch(x):
        import torch

        return torch.full_like(x, value)
    return np.full(x.shape, value)


def _where(c: Any, a: Any, b: Any) -> Any:
    if is_torch(c):
        import torch

        return torch.where(c, a, b)
    return np.where(c, a, b)


def select_top_k(scores: Any, valid: Any, k: int, industry: Any | None = None,
                 cap_frac: float | None = INDUSTRY_CAP) -> Any:
    """Boolean mask [..., N] of the K highest-scoring valid stocks, at most `industry_cap(k)` per industry.

    Ties keep the lower index first (stable). A NaN score is no score: that stock is not a candidate (torch and
    numpy order NaN differently, so it is removed before either sorts). Fewer than K valid stocks → all of
    them; fewer than K picks too when the cap leaves too few industries (K = 10: at most 3 per industry, so two
    industries give 6). `industry` holds int
    codes (UNKNOWN_INDUSTRY = uncapped); `cap_frac=None` or `industry=None` disables the cap.
    Each row is first solved on its `PREFIX · K` best stocks (a partial sort); only the rows the prefix cannot
    settle (a tie across its edge, or fewer than K picks inside it under the cap while valid stocks remain
    outside) are sorted in full (on CPU; tensors on an accelerator are all sorted in full). Time O(N) per settled
    row, O(N log N) otherwise; memory O(N) per row.
    """
    if cap_frac is None:
        industry = None
    valid = valid & (scores == scores)  # not NaN
    s = _where(valid, scores, _full_like(scores, float("-inf")))
    n, m = s.shape[-1], PREFIX * k
    rows = int(np.prod(s.shape[:-1]))
    # on an accelerator every row takes the full sort: cheap there, and the prefix's fallback would need a host
    # sync per call (the rollout has none)
    on_device = is_torch(s) and s.device.type != "cpu"
    if m >= n or rows == 0 or k <= 0 or on_device:
        return _top_k_sorted(s, valid, k, industry, cap_frac)
    s2, v2 = s.reshape(rows, n), valid.reshape(rows, n)
    g2 = None if industry is None else industry.reshape(rows, n)
    idx = _top_m(s2, m)
    picked = _picked_in_order(idx, v2, k, g2, cap_frac)
    out = _scatter(v2 & False, idx, picked)
    # settled: no stock outside the prefix ties its last score (the prefix is then the exact stable top m),
    # and K picks were found or every valid stock is inside the prefix
    n_ge = (s2 >= _take(s2, idx[:, -1:])).sum(-1)
    settled = (n_ge == m) & ((picked.sum(-1) >= k) | (v2.sum(-1) == _take(v2, idx).sum(-1)))
    redo = np.flatnonzero(~(settled.cpu().numpy() if is_torch(settled) else settled))
    if len(redo):
        if is_torch(s2):
            import torch

            redo = torch.as_tensor(redo, device=s2.device)
        out[redo] = _top_k_sorted(s2[redo], v2[redo], k, None if g2 is None else g2[redo], cap_frac)
    return out.reshape(s.shape)


def _top_k_sorted(s: Any, valid: Any, k: int, industry: Any | None, cap_frac: float | None) -> Any:
    """`select_top_k` by one full stable sort of every row (`s`: the scores, -inf at invalid stocks)."""
    order = _argsort_desc(s)
    return _scatter(valid & False, order, _picked_in_order(order, valid, k, industry, cap_frac))


def _picked_in_order(order: Any, valid: Any, k: int, industry: Any | None, cap_frac: float | None) -> Any:
    """Walk each row's candidates in `order` (best first): picked or not per position — valid, the industry
    not yet full, the first K such."""
    ok = _take(valid, order)
    if industry is not None:
        ind = _take(industry, order)
        before, _ = running_in_group(ind, ok)
        ok = ok & ((before < industry_cap(k, cap_frac)) | (ind == UNKNOWN_INDUSTRY))
    ok_i = ok.long() if is_torch(ok) else ok.astype(np.int64)
    return ok & (_cumsum(ok_i) <= k)


def _top_m(s: Any, m: int) -> Any:
    """[rows, m] indices of each row's m largest values, ordered by (value desc, index asc). Which of several
    stocks tied at the m-th value make the cut is arbitrary: `select_top_k` checks for that."""
    if is_torch(s):
        import torch

        idx = torch.topk(s, m, dim=-1, sorted=False).indices.sort(dim=-1).values
        return idx.gather(-1, torch.argsort(s.gather(-1, idx), dim=-1, descending=True, stable=True))
    idx = np.sort(np.argpartition(-s, m - 1, axis=-1)[:, :m], axis=-1)
    return np.take_along_axis(idx, np.argsort(-np.take_along_axis(s, idx, axis=-1), axis=-1, kind="stable"), axis=-1)


def running_in_group(group: Any, member: Any, values: Any | None = None) -> tuple[Any, Any | None]:
    """For each position along the last axis: how many earlier positions are members of the same group, and
    (with `values`) the sum of their values; meaningful where `member`. One sort by (group, position) puts
    each group's members in a run in their original order; a member's count is its offset from the start of
    its run, its sum the run's running sum before it. Used by the cap here and by the Plackett–Luce
    log-probabilities (differentiable in `values`)."""
    n = group.shape[-1]
    if is_torch(group):
        import torch

        pos = torch.arange(n, device=group.device).expand_as(group)
        key = torch.where(member, group.long() + 1, torch.full_like(group.long(), -1)) * n + pos  # non-members first
        by_group = torch.argsort(key, dim=-1)
        g = key.gather(-1, by_group).div(n, rounding_mode="floor")
        new_run = torch.ones_like(g, dtype=torch.bool)
        new_run[..., 1:] = g[..., 1:] != g[..., :-1]
        run_start = torch.where(new_run, pos, torch.zeros_like(pos)).cummax(-1).values
        count = torch.empty_like(by_group).scatter_(-1, by_group, pos - run_start)
        if values is None:
            return count, None
        v = values.gather(-1, by_group)
        before = v.cumsum(-1) - v  # exclusive running sum along the sorted order
        return count, torch.zeros_like(v).scatter(-1, by_group, before - before.gather(-1, run_start))
    pos = np.broadcast_to(np.arange(n), group.shape)
    key = np.where(member, group.astype(np.int64) + 1, -1) * n + pos
    by_group = np.argsort(key, axis=-1)
    g = np.take_along_axis(key, by_group, axis=-1) // n
    new_run = np.ones(g.shape, dtype=bool)
    new_run[..., 1:] = g[..., 1:] != g[..., :-1]
    run_start = np.maximum.accumulate(np.where(new_run, pos, 0), axis=-1)
    count = np.empty_like(by_group)
    np.put_along_axis(count, by_group, pos - run_start, axis=-1)
    if values is None:
        return count, None
    v = np.take_along_axis(values, by_group, axis=-1)
    before = np.cumsum(v, axis=-1) - v
    sums = np.empty_like(before)
    np.put_along_axis(sums, by_group, before - np.take_along_axis(before, run_start, axis=-1), axis=-1)
    return count, sums


def position_weights(scores: Any, chosen: Any, sizing: str = "equal") -> Any:
    """Weights [..., N] summing to 1 over `chosen` (0 elsewhere; all 0 when nothing is chosen).

    equal: 1/n each over the n chosen (n = K unless fewer are valid, or the industry cap left fewer).
    strategy_d: ∝ max(score, 0) over the chosen; equal weight when all are ≤ 0. Scores off the picks are not
    read (NaN or ±inf there, the "not scored" of the score arrays, changes nothing).
    """
    c = chosen.float() if is_torch(chosen) else chosen.astype(np.float64)
    n = c.sum(-1, keepdims=True) if not is_torch(c) else c.sum(-1, keepdim=True)
    equal = c / _where(n > 0, n, n * 0 + 1)
    if sizing == "equal":
        return equal
    if sizing != "strategy_d":
        raise ValueError(f"sizing='{sizing}': choose one of {', '.join(SIZINGS)}")
    # 0 off the picks, never `scores * 0`: an unscored stock (NaN, or a -inf mask) off the picks made the row's
    # total NaN and silently turned the whole row into equal weights
    pos = _where(chosen, scores.clip(0) if is_torch(scores) else np.clip(scores, 0, None), _full_like(scores, 0.0))
    tot = pos.sum(-1, keepdims=True) if not is_torch(pos) else pos.sum(-1, keepdim=True)
    return _where(tot > 0, pos / _where(tot > 0, tot, tot * 0 + 1), equal)
