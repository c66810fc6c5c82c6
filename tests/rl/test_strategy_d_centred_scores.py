"""What the simulator executes is a function of the distribution PPO trains: Strategy D sizes picks from centred
scores, not from the common offset Plackett–Luce gives no gradient."""

from __future__ import annotations

import copy

import pytest

torch = pytest.importorskip("torch")

from aurumq_rl.market.selection import position_weights, select_top_k  # noqa: E402
from aurumq_rl.policies import plackett_luce as pl  # noqa: E402
from aurumq_rl.policies.deep_sets import DeepSetsPolicy, ScoreModule  # noqa: E402


def test_strategy_d_weights_do_not_depend_on_the_score_shift_ppo_cannot_learn() -> None:
    """Plackett–Luce is invariant to a common shift of a date's scores, so PPO's loss gives the shift (e.g. the
    actor's output bias) exactly no gradient. Strategy D sizes the picks ∝ max(score, 0), which depends on that
    shift: three policies PPO cannot tell apart (output bias 0, +2, −2) must still size the same picks alike in
    the rollout (`policy(...)`) and in the exported graph (`ScoreModule`). Before the fix: bias +2 → every pick
    positive (≈ equal), −2 → none (equal), 0 → about half the picks at weight 0."""
    torch.manual_seed(0)
    base = DeepSetsPolicy(4, (16, 8)).eval()
    with torch.no_grad():
        base.actor_out.weight.mul_(100)  # scores of a trained policy's spread, not the 0.01-gain initial ones
    policies = [base]
    for shift in (2.0, -2.0):
        p = copy.deepcopy(base)
        with torch.no_grad():
            p.actor_out.bias.add_(shift)
        policies.append(p)
    x, mask = torch.randn(3, 40, 4), torch.ones(3, 40, dtype=torch.bool)
    mask[2, 30:] = False
    picks = pl.sample(base(x, mask)[0].detach(), mask, 8, generator=torch.Generator().manual_seed(1))
    # PPO cannot see the shift: same log-probabilities, and no gradient on the output bias
    logps = [pl.pick_log_probs(p(x, mask)[0], mask, picks)[0] for p in policies]
    for lp in logps[1:]:
        torch.testing.assert_close(lp, logps[0], rtol=1e-5, atol=1e-5)
    logps[0].sum().backward()
    assert abs(float(base.actor_out.bias.grad)) < 1e-5
    for scorer in (lambda p: p(x, mask)[0], lambda p: ScoreModule(p)(x, mask)):
        with torch.no_grad():
            weights = []
            for p in policies:
                s = scorer(p)
                chosen = select_top_k(s, mask, 8)
                weights.append(position_weights(s, chosen, "strategy_d"))
        assert (weights[0] > 0).sum(-1).tolist() == [8, 8, 8]  # every pick held, none at weight 0
        for w in weights[1:]:
            torch.testing.assert_close(w, weights[0], rtol=1e-5, atol=1e-6)
