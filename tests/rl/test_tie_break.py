"""Tied scores are ordered by the hash of (date, code) in the env and in training's validation, as `eval` and
`infer` order them (`eval.metrics.tie_broken`): column order is code order, which correlates with returns, and
a policy saturating at its bound (SAC's tanh gives exactly ±1) would otherwise always pick the lowest codes."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from aurumq_rl.algos.validation import validate_scores  # noqa: E402
from aurumq_rl.eval.metrics import select_picks, tie_broken  # noqa: E402
from tests.rl.helpers import _panel, _sim  # noqa: E402


def test_env_orders_tied_scores_as_eval_does() -> None:
    t, n, k = 12, 40, 5
    panel = _panel(np.zeros((t, n)))
    sim = _sim(panel, "forward_return", k=k, length=8)
    for day in range(6):
        sim.t = torch.tensor([day])
        tied = torch.ones(1, n)
        got = sim.select(tied)[0].numpy()
        want = select_picks(tie_broken(np.ones((1, n)), np.ones((1, n), bool), panel.dates[day:day + 1],
                                       panel.codes), np.ones((1, n), bool), k, None, None)[0]
        assert got.sum() == k and np.array_equal(got, want)
        assert not got[:k].all()  # not the first K codes (the chance that the hash picks them is ~1e-6 per day)
    # distinct scores still decide: the tie key only orders equal ones
    s = torch.arange(n, dtype=torch.float32)[None]
    assert np.array_equal(sim.select(s)[0].numpy(), np.arange(n) >= n - k)


def test_validation_orders_tied_scores_as_eval_does() -> None:
    from aurumq_rl.envs.market_sim import EnvConfig, PanelTensors

    t, n, k = 10, 30, 3
    label = np.tile(np.linspace(-0.05, 0.05, n), (t, 1))  # the higher the code, the better
    panel = _panel(np.zeros((t, n)))
    data = PanelTensors(panel, EnvConfig(top_k=k, industry_cap=None))
    idx = np.arange(6)
    scores = np.ones((len(idx), n))  # all tied
    got = validate_scores(scores, data, label, idx, k, 0.0, None, None)["val_topk_return"]
    picks = select_picks(tie_broken(scores, np.ones_like(scores, bool), panel.dates[idx], panel.codes),
                         np.ones_like(scores, bool), k, None, None)
    want = float((picks * label[idx]).sum(1).mean() / k)
    assert got == pytest.approx(want, abs=1e-12)
    assert got > label[0, :k].mean() + 1e-3  # column order would have picked the worst codes
