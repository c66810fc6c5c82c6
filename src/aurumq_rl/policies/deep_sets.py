"""Per-stock Deep Sets actor-critic: any number of stocks, permutation-equivariant scores, invariant value.

One MLP encodes every stock's factor vector (shared weights); the market context is the masked mean and max
of the embeddings; the actor scores each stock from [embedding, context (, its current weight)], the critic
values the context (plus the holdings-weighted embedding for holding-aware rewards). Padding is masked
everywhere: a padded stock changes neither the context nor the value.
"""

from __future__ import annotations

import torch
from torch import nn


def _mlp(sizes: list[int], norm: bool) -> nn.Sequential:
    layers: list[nn.Module] = []
    for a, b in zip(sizes[:-1], sizes[1:], strict=True):
        layers.append(nn.Linear(a, b))
        if norm:
            layers.append(nn.LayerNorm(b))
        layers.append(nn.ReLU())
    return nn.Sequential(*layers)


class DeepSetsPolicy(nn.Module):
    def __init__(self, n_factors: int, hidden: tuple[int, ...] = (128, 64), holding_aware: bool = False) -> None:
        super().__init__()
        self.n_factors, self.hidden, self.holding_aware = n_factors, tuple(hidden), holding_aware
        h = hidden[-1]
        self.encoder = _mlp([n_factors, *hidden], norm=True)
        assert isinstance(self.encoder[-1], nn.ReLU), "encode's masked max relies on embeddings ≥ 0"
        # actor = Linear([emb, ctx, w]) → ReLU → Linear, with the context term computed once per date and
        # broadcast to its stocks (identical to the concatenation, a third of the per-stock work)
        self.actor_emb = nn.Linear(h, h)
        self.actor_ctx = nn.Linear(2 * h, h, bias=False)
        self.actor_w = nn.Linear(1, h, bias=False) if holding_aware else None
        self.actor_out = nn.Linear(h, 1)
        self.critic = nn.Sequential(nn.Linear(2 * h + (h if holding_aware else 0), h), nn.ReLU(), nn.Linear(h, 1))
        nn.init.orthogonal_(self.actor_out.weight, gain=0.01)
        nn.init.zeros_(self.actor_out.bias)
        nn.init.orthogonal_(self.critic[-1].weight, gain=1.0)

    def encode(self, x: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """x [B, N, F], mask [B, N] → (embeddings [B, N, H], 0 where masked out; context [B, 2H]).

        On CPU only the masked-in stocks go through the encoder (gathered, encoded, scattered back): padding
        and stocks outside the universe are often a large share of a panel's rows, and their embeddings are
        never read. On an accelerator the gather's size would cost a host sync (`nonzero`), and a traced graph
        (ONNX export) must not bake in one mask's shape, so there every row is encoded and the masked-out ones
        are zeroed. Both give the same values.
        """
        if x.device.type == "cpu" and not (torch.jit.is_tracing() or torch.onnx.is_in_onnx_export()):
            emb = self._embed_packed(x, mask)
        else:
            emb = self._embed_dense(x, mask)
        mean = emb.sum(1) / mask.sum(1, keepdim=True).clamp(min=1).to(emb.dtype)
        # the encoder ends in a ReLU, so embeddings are ≥ 0 and zeroing the padding cannot raise the max
        # (a date with no valid stock gets 0)
        return emb, torch.cat([mean, emb.max(1).values], dim=-1)  # max, not amax: its backward is one scatter

    def _embed_packed(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Embeddings [B, N, H] of the masked-in rows only (gathered, encoded, scattered back into zeros)."""
        b, n, f = x.shape
        idx = mask.reshape(-1).nonzero().squeeze(1)
        if len(idx) == b * n:  # every stock masked in: nothing to gather or zero
            return self.encoder(x)
        packed = self.encoder(x.reshape(b * n, f).index_select(0, idx))
        return packed.new_zeros(b * n, packed.shape[-1]).index_copy(0, idx, packed).reshape(b, n, -1)

    def _embed_dense(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Embeddings [B, N, H] of every row, 0 where masked out. `where`, not a product, on the input and the
        output: a padded row may hold NaN (0 · NaN is NaN), which would reach every score, and through the
        weights' gradients (a sum over rows) every parameter."""
        keep = mask.unsqueeze(-1)
        emb = self.encoder(torch.where(keep, x, torch.zeros_like(x)))
        return torch.where(keep, emb, torch.zeros_like(emb))

    def scores(self, emb: torch.Tensor, ctx: torch.Tensor, w: torch.Tensor | None = None) -> torch.Tensor:
        """Per-stock scores (logits) [B, N]."""
        z = self.actor_emb(emb) + self.actor_ctx(ctx).unsqueeze(1)
        if self.actor_w is not None and w is not None:
            z = z + self.actor_w(w.unsqueeze(-1))
        return self.actor_out(torch.relu(z)).squeeze(-1)

    def value(self, emb: torch.Tensor, ctx: torch.Tensor, w: torch.Tensor | None = None) -> torch.Tensor:
        """State value [B]."""
        parts = [ctx]
        if self.holding_aware:
            wt = (w if w is not None else torch.zeros(emb.shape[:2], device=emb.device)).unsqueeze(-1)
            # rows without a holding count 0 by `where`, not by a product: a padded row may hold NaN
            parts.append(torch.where(wt != 0, emb * wt, 0.0).sum(1))
        return self.critic(torch.cat(parts, dim=-1)).squeeze(-1)

    def forward(self, x: torch.Tensor, mask: torch.Tensor, w: torch.Tensor | None = None
                ) -> tuple[torch.Tensor, torch.Tensor]:
        emb, ctx = self.encode(x, mask)
        return centre_scores(self.scores(emb, ctx, w), mask), self.value(emb, ctx, w)


def centre_scores(scores: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Scores less their mean over the date's stocks (`mask`). The Plackett–Luce policy is invariant to a
    common shift of a date's scores, so PPO gives that shift no gradient: left free, it is whatever the network
    drifts to, and Strategy D (weights ∝ max(score, 0)) held a random subset of the picks (score > 0) or fell
    back to equal weights. Centred, 0 is the date's average stock: the same distribution, and a sizing that is
    a function of it. Applied wherever scores are acted on (rollout, validation, the exported graph)."""
    m = mask.to(scores.dtype)
    total = torch.where(mask, scores, torch.zeros_like(scores)).sum(-1, keepdim=True)
    return scores - total / m.sum(-1, keepdim=True).clamp(min=1)


class ScoreModule(nn.Module):
    """Deterministic scoring graph for export: factors [B, N, F] and mask [B, N] → scores [B, N].

    The mask says which stocks form each date's cross-section (the context is their mean and max), so dates
    with different stock counts can share one padded batch; padded stocks get scores that mean nothing.
    Holding-aware policies are scored with no current holdings (w = 0).
    """

    def __init__(self, policy: DeepSetsPolicy) -> None:
        super().__init__()
        self.policy = policy

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        emb, ctx = self.policy.encode(x, mask)
        return centre_scores(self.policy.scores(emb, ctx, None), mask)
