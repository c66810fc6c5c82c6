"""A tiny long market frame for loader tests: every stock on every calendar day, flat prices, one factor."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl


def tiny_market(n_stocks: int = 6, n_days: int = 4) -> pl.DataFrame:
    """`n_stocks` main-board codes × `n_days` calendar days from 2024-01-01: close 10, pct_chg 1%, vol 1 and a
    random alpha_001 (seed 0)."""
    codes = [f"6000{i:02d}.SH" for i in range(n_stocks)]
    days = [date(2024, 1, 1) + timedelta(days=k) for k in range(n_days)]
    rows = [(c, d) for d in days for c in codes]
    rng = np.random.default_rng(0)
    return pl.DataFrame(rows, schema=["ts_code", "trade_date"], orient="row").with_columns(
        close=10.0, pct_chg=pl.lit(0.01), vol=1.0, alpha_001=pl.Series(rng.normal(size=len(rows))))
