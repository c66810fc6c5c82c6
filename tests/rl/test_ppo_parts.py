"""PPO building blocks: GAE against a plain loop; the Deep Sets policy's symmetry and padding invariance."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from aurumq_rl.algos.ppo import compute_gae  # noqa: E402
from aurumq_rl.policies.deep_sets import DeepSetsPolicy, ScoreModule  # noqa: E402


def _gae_loop(r, v, trunc, boot, nv, gamma, lam):
    s_n, e_n = r.shape
    adv = torch.zeros_like(r)
    for e in range(e_n):
        last = 0.0
        for s in reversed(range(s_n)):
            nxt = float(nv[e]) if s == s_n - 1 else float(v[s + 1, e])
            if trunc[s, e]:
                nxt, last = float(boot[s, e]), 0.0
            delta = float(r[s, e]) + gamma * nxt - float(v[s, e])
            last = delta + gamma * lam * last
            adv[s, e] = last
    return adv


def test_gae_matches_plain_loop_with_truncations() -> None:
    g = torch.Generator().manual_seed(0)
    r, v = torch.randn(9, 4, generator=g), torch.randn(9, 4, generator=g)
    trunc = torch.rand(9, 4, generator=g) < 0.2
    boot, nv = torch.randn(9, 4, generator=g), torch.randn(4, generator=g)
    adv, ret = compute_gae(r, v, trunc, boot, nv, 0.9, 0.8)
    torch.testing.assert_close(adv, _gae_loop(r, v, trunc, boot, nv, 0.9, 0.8))
    torch.testing.assert_close(ret, adv + v)


@pytest.mark.parametrize("holding", [False, True])
def test_scores_equivariant_value_invariant_and_padding_masked(holding: bool) -> None:
    torch.manual_seed(0)
    pol = DeepSetsPolicy(5, (16, 8), holding_aware=holding).eval()
    x = torch.randn(2, 7, 5)
    mask = torch.ones(2, 7, dtype=torch.bool)
    w = torch.rand(2, 7) if holding else None
    s, v = pol(x, mask, w)
    perm = torch.randperm(7)
    s2, v2 = pol(x[:, perm], mask[:, perm], w[:, perm] if holding else None)
    torch.testing.assert_close(s2, s[:, perm])
    torch.testing.assert_close(v2, v)
    # pad with 3 junk stocks that are masked out: real stocks' scores and the value do not move
    xp = torch.cat([x, 100 * torch.randn(2, 3, 5)], 1)
    mp = torch.cat([mask, torch.zeros(2, 3, dtype=torch.bool)], 1)
    wp = torch.cat([w, torch.rand(2, 3) * 0], 1) if holding else None
    s3, v3 = pol(xp, mp, wp)
    torch.testing.assert_close(s3[:, :7], s)
    torch.testing.assert_close(v3, v)


def test_score_module_any_n_masked_padding_and_deterministic() -> None:
    torch.manual_seed(1)
    m = ScoreModule(DeepSetsPolicy(4)).eval()
    for n in (1, 3, 50):
        x = torch.randn(1, n, 4)
        ones = torch.ones(1, n, dtype=torch.bool)
        assert m(x, ones).shape == (1, n)
        torch.testing.assert_close(m(x, ones), m(x, ones), rtol=0, atol=0)
    # a padded batch of two dates scores each date as if it were alone
    xb = torch.randn(2, 6, 4)
    mb = torch.tensor([[True] * 6, [True] * 4 + [False] * 2])
    out = m(xb, mb)
    torch.testing.assert_close(out[1, :4], m(xb[1:, :4], mb[1:, :4])[0])
    torch.testing.assert_close(out[0], m(xb[:1], mb[:1])[0])
