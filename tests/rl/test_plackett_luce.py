"""The Plackett–Luce top-K distribution: closed-form log-prob vs a sequential oracle, sampling frequencies."""

from __future__ import annotations

import itertools
import math

import pytest

torch = pytest.importorskip("torch")

from aurumq_rl.market.selection import industry_cap  # noqa: E402
from aurumq_rl.policies import plackett_luce as pl  # noqa: E402


def _oracle_logp(logits, valid, picks, industry=None, cap_frac=None):
    """Sequential definition: pick j ~ softmax over valid, unpicked stocks of industries not yet full."""
    out = []
    k = picks.shape[1]
    for b in range(logits.shape[0]):
        avail = valid[b].clone()
        counts: dict[int, int] = {}
        lp = 0.0
        for j in range(k):
            i = int(picks[b, j])
            if i < 0:
                break
            z = torch.logsumexp(logits[b][avail].double(), 0)
            lp += float(logits[b, i]) - float(z)
            avail[i] = False
            if industry is not None:
                g = int(industry[b, i])
                counts[g] = counts.get(g, 0) + 1
                if g >= 0 and counts[g] >= industry_cap(k, cap_frac):
                    avail &= industry[b] != g
        out.append(lp)
    return torch.tensor(out, dtype=torch.float64)


def test_log_prob_matches_sequential_definition_with_and_without_cap() -> None:
    g = torch.Generator().manual_seed(0)
    b, n, k = 6, 25, 5
    logits = torch.randn(b, n, generator=g) * 2
    valid = torch.rand(b, n, generator=g) > 0.2
    industry = torch.randint(-1, 4, (b, n), generator=g)
    for ind, cap in ((None, None), (industry, 0.3)):
        picks = pl.sample(logits, valid, k, ind, cap, 4, generator=g)
        per_pick, _ = pl.pick_log_probs(logits, valid, picks, ind, cap, 4)
        got = per_pick.sum(-1)  # the ordered picks' log-probability
        torch.testing.assert_close(got.double(), _oracle_logp(logits, valid, picks, ind, cap), rtol=1e-5, atol=1e-5)


def test_samples_respect_validity_and_cap() -> None:
    g = torch.Generator().manual_seed(1)
    logits = torch.randn(200, 30, generator=g)
    valid = torch.rand(200, 30, generator=g) > 0.3
    industry = torch.randint(0, 3, (200, 30), generator=g)
    picks = pl.sample(logits, valid, 6, industry, 0.34, 3, generator=g)  # cap = 2 per industry
    for b in range(200):
        got = [int(i) for i in picks[b] if i >= 0]
        assert len(set(got)) == len(got) and all(valid[b, i] for i in got)
        inds = [int(industry[b, i]) for i in got]
        assert max(inds.count(x) for x in set(inds)) <= 2


def test_sampling_frequencies_match_probabilities() -> None:
    logits = torch.tensor([[1.0, 0.0, -0.5, 0.5]]).repeat(20000, 1)
    valid = torch.ones_like(logits, dtype=torch.bool)
    picks = pl.sample(logits, valid, 2, generator=torch.Generator().manual_seed(2))
    counts = {}
    for a, b in picks.tolist():
        counts[(a, b)] = counts.get((a, b), 0) + 1
    total_p = 0.0
    for a, b in itertools.permutations(range(4), 2):
        lp, _ = pl.pick_log_probs(logits[:1], valid[:1], torch.tensor([[a, b]]))
        p = math.exp(float(lp.sum()))
        total_p += p
        assert counts.get((a, b), 0) / 20000 == pytest.approx(p, abs=0.012)
    assert total_p == pytest.approx(1.0, abs=1e-6)


def test_fewer_valid_than_k_and_mask() -> None:
    logits = torch.zeros(1, 5)
    valid = torch.tensor([[True, False, True, False, False]])
    picks = pl.sample(logits, valid, 3)
    assert sorted(int(i) for i in picks[0] if i >= 0) == [0, 2] and int(picks[0, 2]) == -1
    assert pl.picks_to_mask(picks, 5).tolist() == [[True, False, True, False, False]]
    lp, ent = pl.pick_log_probs(logits, valid, picks)
    assert float(lp.sum()) == pytest.approx(math.log(0.5)) and float(ent) == pytest.approx(math.log(2))


def test_shared_rows_equal_one_row_per_sample_values_and_gradients() -> None:
    """Samples that share a date's row (`rows`) get the same log-probs, entropies and gradients as when each
    sample carries its own copy of the row."""
    g = torch.Generator().manual_seed(3)
    u, n, k = 3, 40, 6
    base = torch.randn(u, n, generator=g)
    valid = torch.rand(u, n, generator=g) > 0.2
    industry = torch.randint(-1, 4, (u, n), generator=g)
    rows = torch.tensor([2, 0, 2, 1, 2, 0])
    for ind, cap in ((None, None), (industry, 0.34)):
        picks = pl.sample(base[rows], valid[rows], k, None if ind is None else ind[rows], cap, 4, generator=g)
        picks[1, -2:] = -1  # a sample with fewer than K picks
        shared = base.clone().requires_grad_(True)
        lp_s, ent_s = pl.pick_log_probs(shared, valid, picks, ind, cap, 4, rows=rows)
        copied = base.clone().requires_grad_(True)
        lp_c, ent_c = pl.pick_log_probs(copied[rows], valid[rows], picks, None if ind is None else ind[rows], cap, 4)
        torch.testing.assert_close(lp_s, lp_c)
        torch.testing.assert_close(ent_s, ent_c)
        weights = torch.randn(lp_s.shape, generator=g)
        (lp_s * weights).sum().backward()
        (lp_c * weights).sum().backward()
        torch.testing.assert_close(shared.grad, copied.grad)
        assert shared.grad.abs().sum() > 0


def _oracle_pick_logp(logits: torch.Tensor, valid: torch.Tensor, picks: torch.Tensor, industry: torch.Tensor,
                      cap: int) -> torch.Tensor:
    """[B, K] per-pick log-probabilities by the sequential definition, differentiable (one pass per pick)."""
    rows = []
    for b in range(logits.shape[0]):
        avail = valid[b].clone()
        counts: dict[int, int] = {}
        out = []
        for i in (int(x) for x in picks[b]):
            if i < 0:
                out.append(torch.zeros((), dtype=torch.float64))
                continue
            out.append(logits[b, i].double() - torch.logsumexp(logits[b][avail].double(), 0))
            avail = avail & (torch.arange(len(avail)) != i)  # new tensors: autograd keeps the old masks
            g = int(industry[b, i])
            counts[g] = counts.get(g, 0) + 1
            if g >= 0 and counts[g] >= cap:
                avail = avail & (industry[b] != g)
        rows.append(torch.stack(out))
    return torch.stack(rows)


def test_industry_cap_terms_match_the_sequential_definition_with_a_cap_above_one() -> None:
    """K = 10 under a 30% cap: 3 names per industry, so industries fill after several picks, mixed with
    unknown-industry names (never capped) and samples with fewer than K picks."""
    g = torch.Generator().manual_seed(5)
    b, n, k = 8, 40, 10
    logits = (torch.randn(b, n, generator=g) * 2).requires_grad_(True)
    valid = torch.rand(b, n, generator=g) > 0.2
    valid[0, 12:] = False  # 12 stocks at most, fewer once the cap binds
    industry = torch.randint(-1, 4, (b, n), generator=g)
    picks = pl.sample(logits.detach(), valid, k, industry, 0.3, 4, generator=g)
    assert (picks[0] < 0).any() and (picks >= 0).sum(1).max() == k
    got, _ = pl.pick_log_probs(logits, valid, picks, industry, 0.3, 4)
    want = _oracle_pick_logp(logits, valid, picks, industry, industry_cap(k, 0.3))
    torch.testing.assert_close(got.double(), want, rtol=1e-5, atol=1e-5)
    grad_got, = torch.autograd.grad(got.sum(), logits)
    grad_want, = torch.autograd.grad(want.sum(), logits)
    torch.testing.assert_close(grad_got, grad_want.float(), rtol=1e-4, atol=1e-5)
