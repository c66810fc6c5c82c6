"""Data contract, loading and the demo market."""

# A panel always comes through this package, so importing it registers `aurumq/StockPicking-v0` with Gymnasium
# (when installed; no torch import): `gymnasium.make("aurumq/StockPicking-v0", panel=load_panel(...))` then works on
# Gymnasium 1.x too, which dropped the entry-point plugins through which 0.29 registered it on `import gymnasium`.
import aurumq_rl.envs  # noqa: F401
from aurumq_rl.data.contract import FACTOR_COL_PREFIXES
from aurumq_rl.data.loader import load_panel
from aurumq_rl.data.panel import Panel

__all__ = ["FACTOR_COL_PREFIXES", "Panel", "load_panel"]
