"""The simulator's label window and episode starts: the last decision is the last date whose label fits (forward
period, or main_wave's longest hold), a requested range past it is clamped, and episode starts cover exactly the
dates from which a whole episode fits. Every expected value is derived by hand from the rules in the module
docstrings, on tiny panels."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from aurumq_rl.envs.market_sim import EnvConfig, MarketSim, PanelTensors  # noqa: E402
from aurumq_rl.market.costs import CostModel  # noqa: E402
from tests.rl.helpers import _panel  # noqa: E402


def test_label_window_fits_and_episode_starts_cover_exactly_the_allowed_range() -> None:
    """12 dates, fp = 2: the label of decision t enters at the close of t+1 and exits at the close of t+3,
    so t + 3 ≤ 11 → the last decision is 8 (main_wave holds up to 5 days: 11 − 1 − 5 = 5). A requested
    range past it is clamped; an episode of 3 decisions from s uses s..s+2 ≤ 8, so from t_lo = 2 the starts
    are exactly 2..6, each drawn."""
    panel = _panel(np.zeros((12, 3)))
    cfg = EnvConfig(top_k=1, forward_period=2, episode_length=3, cost=CostModel(0.0), industry_cap=None)
    data = PanelTensors(panel, cfg)
    assert data.last_decision == 8
    assert PanelTensors(panel, EnvConfig(forward_period=2, reward_mode="main_wave")).last_decision == 5
    sim = MarketSim(data, cfg, n_envs=2000, seed=1, t_range=(2, 50))
    assert (sim.t_lo, sim.t_hi) == (2, 8)
    seen = set(sim.t.tolist())
    for _ in range(3):  # every step of the episode stays inside 2..8
        assert int(sim.t.min()) >= 2 and int(sim.t.max()) <= 8
        sim.step(torch.zeros(2000, 3))
    seen |= set(sim.t.tolist())  # the truncation drew fresh starts
    assert seen == {2, 3, 4, 5, 6}
