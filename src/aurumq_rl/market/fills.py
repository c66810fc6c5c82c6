"""The daily drift, fill rule and cost charge — one implementation for the env (torch) and the backtest (numpy).

`MarketSim.step` (batched [E, N] torch tensors, float32 in training) and `eval.backtest.simulate` (one book,
[N] float64 numpy) both drift the book over a day's returns (`drift`, `book_return`) and fill a target book
against the drifted holdings at a close with this rule, so the policy is trained and evaluated on the same
market. Arrays are [..., N] (the last axis is the stock axis); dispatch is on the array type (as
`market.selection`), so the core install never imports torch. The numpy and torch branches are the same
operations in the same order, except the sum of `book_return` (BLAS dot / torch sum, see there): each caller
gets exactly what its inline code gave.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from aurumq_rl.market.selection import is_torch

MIN_FREE = 1e-12  # floor of the free targets' sum when scaling them to the budget (all targets frozen → no 0/0)


class Drift(NamedTuple):
    """The book over one day's returns (per row of [..., N]: gross is [...])."""

    gross: Any  # [...] the book's return over the day, Σ w·r (`book_return`; cash earns 0)
    weights: Any  # [..., N] the weights over NAV at the day's close: w(1 + r) / (1 + gross)


def book_return(weights: Any, returns: Any) -> Any:
    """Σ weights × returns over the stock axis: the return of the book `weights` [..., N] (cash earns 0) over
    a day of `returns` [..., N] → [...].

    numpy: the matrix product per row (BLAS dot: for one book [N], bit for bit `weights @ returns`); torch:
    `(weights * returns).sum(-1)`. The two sum in different orders, so they may differ in the last bit; each
    caller keeps the figure it always had (the backtest numpy, the env torch).
    """
    if is_torch(weights):
        return (weights * returns).sum(-1)
    return (weights[..., None, :] @ returns[..., :, None])[..., 0, 0]


def drift(weights: Any, returns: Any) -> Drift:
    """The book `weights` [..., N] held over a day of `returns` [..., N]: its gross return g [...] and its
    weights at the close, w(1 + r) / (1 + g) (the cash share drifts the same way, earning 0)."""
    gross = book_return(weights, returns)
    return Drift(gross, weights * (1 + returns) / (1 + gross[..., None]))


class Fill(NamedTuple):
    """The book after one fill and what the fill cost (per row of [..., N]: cost and turnovers are [...])."""

    weights: Any  # [..., N] weights over NAV after the fill (cash is the rest)
    cost: Any  # [...] buy turnover × buy rate + sell turnover × sell rate, as a fraction of NAV
    buy_turnover: Any  # [...] Σ max(weights − current, 0)
    sell_turnover: Any  # [...] Σ max(current − weights, 0)


def fill(target: Any, current: Any, buy_ok: Any, sell_ok: Any, buy_rate: Any, sell_rate: Any) -> Fill:
    """Fill the book `target` [..., N] against the drifted holdings `current` [..., N] at one close.

    A rise of weight where the stock cannot be bought (`buy_ok` False: suspended, one-price, limit-up) or a cut
    where it cannot be sold (`sell_ok` False: suspended, one-price, limit-down — the sale is deferred) is frozen:
    that stock keeps its current weight. The other targets share the budget the frozen ones leave
    (1 − their weight, at least 0), scaled down to fit but never up: an unfilled buy stays cash. Scaling must
    not sell what cannot be sold either: an unsellable stock whose scaled target falls below its current weight
    is frozen too, and the rest rescaled, until none does (each round freezes at least one more stock). Costs
    are charged on the actual turnover of each side (`trade_costs`) at `buy_rate` / `sell_rate` ([...] or
    scalars: the rates of the fill's date, `CostModel.rates`). Works on numpy arrays and torch tensors alike.
    """
    frozen = ((target > current) & ~buy_ok) | ((target < current) & ~sell_ok)
    if is_torch(current) and current.device.type != "cpu":  # no host sync in the rollout on an accelerator
        new = _scaled(target, current, _freeze_unsellable_sorted(target, current, sell_ok, frozen))
    else:  # rounds (usually one): the check is free on the host, a sort per step is not
        new = _scaled(target, current, frozen)
        while bool((forced := ~frozen & ~sell_ok & (new < current)).any()):
            frozen = frozen | forced
            new = _scaled(target, current, frozen)
    return Fill(new, *trade_costs(current, new, buy_rate, sell_rate))


def _freeze_unsellable_sorted(target: Any, current: Any, sell_ok: Any, frozen: Any) -> Any:
    """The rounds of `fill` in closed form (torch, no data-dependent loop): a free unsellable stock i is cut
    by scaling when the final scale s < ρ_i = current_i / target_i. Freezing one with ρ_i above the scale
    lowers the scale, so the stocks frozen in the end are a prefix of the ρ-descending order: the one before
    the first ρ at or below the scale left by the stocks ahead of it."""
    import torch

    unsellable = ~frozen & ~sell_ok & (target > 0)
    rho = torch.where(unsellable, current / target.clamp(min=MIN_FREE), torch.full_like(current, -torch.inf))
    rho, order = torch.sort(rho, dim=-1, descending=True)
    c = torch.where(unsellable, current, torch.zeros_like(current)).gather(-1, order)
    t = torch.where(unsellable, target, torch.zeros_like(target)).gather(-1, order)
    fixed = torch.where(frozen, current, torch.zeros_like(current)).sum(-1, keepdim=True)
    free = torch.where(frozen, torch.zeros_like(target), target).sum(-1, keepdim=True)
    budget = (1 - fixed - (c.cumsum(-1) - c)).clamp(min=0)  # left by the stocks ahead of each
    scale = torch.clamp(budget / (free - (t.cumsum(-1) - t)).clamp(min=MIN_FREE), max=1.0)
    ahead = torch.cumprod((rho > scale).to(torch.int8), dim=-1).bool()  # up to the first ρ ≤ its scale
    return frozen | torch.zeros_like(frozen).scatter(-1, order, ahead)


def _scaled(target: Any, current: Any, frozen: Any) -> Any:
    """Frozen stocks at their current weight, the others' targets scaled into the budget left (never up)."""
    if is_torch(current):
        import torch

        fixed = torch.where(frozen, current, torch.zeros_like(current))
        free = torch.where(frozen, torch.zeros_like(target), target)
        budget = (1 - fixed.sum(-1, keepdim=True)).clamp(min=0)
        scale = torch.clamp(budget / free.sum(-1, keepdim=True).clamp(min=MIN_FREE), max=1.0)
    else:
        fixed = np.where(frozen, current, 0.0)
        free = np.where(frozen, 0.0, target)
        budget = np.maximum(1.0 - fixed.sum(-1, keepdims=True), 0.0)
        scale = np.minimum(budget / np.maximum(free.sum(-1, keepdims=True), MIN_FREE), 1.0)
    return fixed + free * scale


def trade_costs(current: Any, new: Any, buy_rate: Any, sell_rate: Any) -> tuple[Any, Any, Any]:
    """(cost, buy turnover, sell turnover) [...] of trading the book `current` [..., N] to `new` [..., N].

    Turnover per side is the sum of the weight increases (buys) or decreases (sells); the cost is each side's
    turnover at its rate (fraction of NAV). Separate from `fill` because the backtest also trades on days that
    are not fills (deferred sales retried, planned exits, liquidation) and charges them the same way.
    """
    if is_torch(new):
        buys = (new - current).clamp(min=0).sum(-1)
        sells = (current - new).clamp(min=0).sum(-1)
    else:
        buys = np.clip(new - current, 0, None).sum(-1)
        sells = np.clip(current - new, 0, None).sum(-1)
    return buys * buy_rate + sells * sell_rate, buys, sells
