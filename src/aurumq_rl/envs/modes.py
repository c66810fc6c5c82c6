"""The reward modes of the simulator, in a module without torch so the CLI can list them at parse time."""

from __future__ import annotations

REWARD_MODES: tuple[str, ...] = ("forward_return", "portfolio", "sharpe", "sortino", "mean_variance", "main_wave")
HOLDING_AWARE: frozenset[str] = frozenset({"portfolio", "sharpe", "sortino", "mean_variance"})
