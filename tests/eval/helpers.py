"""Builders shared by the eval tests: a tiny hand-made `Panel` and the cached synthetic panel."""

from __future__ import annotations

import warnings
from functools import lru_cache

import numpy as np

from aurumq_rl.data.panel import Panel


def make_panel(pct_chg: np.ndarray, *, start: str = "2024-01-02", tradeable: np.ndarray | None = None,
               limit_up: np.ndarray | None = None, limit_down: np.ndarray | None = None,
               in_universe: np.ndarray | None = None, industry: np.ndarray | None = None) -> Panel:
    """A [T, N] panel on consecutive calendar days from `start`; every mask defaults to all-True/False."""
    r = np.asarray(pct_chg, dtype=np.float64)
    t_n, n_n = r.shape
    ones, zeros = np.ones((t_n, n_n), bool), np.zeros((t_n, n_n), bool)
    tr = ones if tradeable is None else tradeable
    up = zeros if limit_up is None else limit_up
    down = zeros if limit_down is None else limit_down
    uni = ones if in_universe is None else in_universe
    return Panel(
        dates=np.datetime64(start, "D") + np.arange(t_n),
        codes=np.array([f"{600000 + i:06d}.SH" for i in range(n_n)]),
        factor_names=["f0"], factors=np.zeros((t_n, n_n, 1), np.float32),
        factor_missing_bits=np.zeros((t_n, n_n, 1), np.uint8), pct_chg=r, present=ones.copy(), tradeable=tr,
        can_buy=tr & ~up, can_sell=tr & ~down, in_universe=uni, is_limit_up=up, is_limit_down=down,
        board=np.array(["main"] * n_n), industry=industry,
        industry_names=[] if industry is None else [str(i) for i in range(int(industry.max()) + 1)],
    )


@lru_cache(maxsize=1)
def synth_panel() -> Panel:
    """`generate(preset("small"))` loaded on the main-board non-ST universe (~2 s, built once per session)."""
    from aurumq_rl.data.loader import load_panel
    from aurumq_rl.data.synth import generate, preset

    df, _ = generate(preset("small"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # market-wide columns passed through
        return load_panel(df.lazy(), universe="main_board_non_st")


def signal_scores(panel: Panel, name: str = "alpha_001") -> np.ndarray:
    """A factor column as float64 scores, NaN outside the universe."""
    s = panel.factors[..., panel.factor_names.index(name)].astype(np.float64)
    return np.where(panel.in_universe, s, np.nan)


@lru_cache(maxsize=1)
def demo_market() -> str:
    """The small synthetic market (seed 0) written once per session to a temp dir; the Parquet's path."""
    import atexit
    import shutil
    import tempfile
    from pathlib import Path

    from aurumq_rl.data.synth import preset, write_demo

    root = tempfile.mkdtemp(prefix="aurumq-eval-tests-")
    atexit.register(shutil.rmtree, root, True)
    return write_demo(str(Path(root) / "market.parquet"), preset("small", 0))[0]
