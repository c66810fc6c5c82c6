"""Data contract, loading and the demo market."""

from aurumq_rl.data.contract import FACTOR_COL_PREFIXES
from aurumq_rl.data.loader import load_panel
from aurumq_rl.data.panel import Panel

__all__ = ["FACTOR_COL_PREFIXES", "Panel", "load_panel"]
