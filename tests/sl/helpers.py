"""Helpers of the SL tests: fast booster settings and hand-built tiny panels."""

from __future__ import annotations

import numpy as np

from aurumq_rl.data.panel import Panel
from aurumq_rl.sl.models import GBDTParams

FAST = GBDTParams(num_boost_round=60, learning_rate=0.1, min_data_in_leaf=50, num_threads=1,
                  early_stopping_rounds=15)
TINY = GBDTParams(num_boost_round=15, learning_rate=0.2, num_leaves=7, min_data_in_leaf=20, num_threads=1,
                  early_stopping_rounds=5)


def tiny_panel(pct: np.ndarray, factors: np.ndarray | None = None, in_universe: np.ndarray | None = None) -> Panel:
    """A hand-built panel: every (date, stock) present and tradeable; factors default to one zero column."""
    t_n, n_n = pct.shape
    f = np.zeros((t_n, n_n, 1), np.float32) if factors is None else factors.astype(np.float32)
    ones = np.ones((t_n, n_n), bool)
    zeros = np.zeros((t_n, n_n), bool)
    return Panel(dates=np.datetime64("2024-01-01") + np.arange(t_n), codes=np.array([f"{600000 + i}.SH"
                 for i in range(n_n)]), factor_names=[f"alpha_{k:03d}" for k in range(f.shape[2])], factors=f,
                 factor_missing_bits=np.zeros((t_n, n_n, (f.shape[2] + 7) // 8), np.uint8),
                 pct_chg=pct.astype(np.float64), present=ones, tradeable=ones, can_buy=ones, can_sell=ones,
                 in_universe=ones.copy() if in_universe is None else in_universe, is_limit_up=zeros,
                 is_limit_down=zeros, board=np.array(["main"] * n_n), meta={"normalize": "raw"})


def record_trained_labels(monkeypatch) -> list[np.ndarray]:  # noqa: ANN001
    """Patch the null tests' `train_split` to record the label values of each fit (then fit as usual): the list
    fills as `null_tests` runs."""
    from aurumq_rl.sl import audit

    seen: list[np.ndarray] = []
    real = audit.train_split

    def recording(panel, label, *args, **kw):  # noqa: ANN001, ANN002, ANN003, ANN202
        seen.append(label.values.copy())
        return real(panel, label, *args, **kw)

    monkeypatch.setattr(audit, "train_split", recording)
    return seen
