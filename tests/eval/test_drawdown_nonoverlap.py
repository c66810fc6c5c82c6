"""`series_stats` on an fp-day return series: the maximum drawdown and the total return compound only the non-
overlapping returns (dates 0, fp, 2·fp, …), never the overlapping ones, which would double-count days. Expected
values are computed by hand."""

from __future__ import annotations

import numpy as np
import pytest

from aurumq_rl.eval.metrics import series_stats


def test_drawdown_compounds_only_the_non_overlapping_returns() -> None:
    # fp = 2: the non-overlapping dates are 0, 2, 4 → .10, .05, -.10; equity 1 → 1.1 → 1.155 → 1.0395, so the
    # drawdown is 1 − 1.0395/1.155 = .10 (the overlapping .10, -.20 … would double-count days: 1 − .88/1.1 = .20)
    st = series_stats(np.array([0.10, -0.20, 0.05, 0.30, -0.10]), 2)
    assert st["max_drawdown"] == pytest.approx(0.10, abs=1e-12)
    assert st["total_return_nonoverlap"] == pytest.approx(1.1 * 1.05 * 0.9 - 1, abs=1e-12)
