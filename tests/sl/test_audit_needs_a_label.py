"""The leakage audit refuses to run when no date has the label for enough universe stocks to measure an IC: it
printed '0 flagged' and exited 0, passing even a feature that is the future label itself."""

from __future__ import annotations

import numpy as np
import pytest

from aurumq_rl.cli.main import main
from aurumq_rl.errors import DataError
from aurumq_rl.eval.ic import MIN_STOCKS
from aurumq_rl.sl.audit import leakage_audit
from aurumq_rl.sl.labels import forward_excess
from tests.sl.helpers import tiny_panel


def test_a_label_longer_than_the_data_is_named_not_passed() -> None:
    rng = np.random.default_rng(0)
    pct = rng.normal(0, 0.02, (30, 40))
    lab = forward_excess(tiny_panel(pct), 40)  # reads 41 dates ahead of 30: no value anywhere
    leak = np.nan_to_num(forward_excess(tiny_panel(pct), 1).values)[:, :, None]  # the 1-day label itself
    with pytest.raises(DataError, match=f"no date with a value for {MIN_STOCKS} universe stocks"):
        leakage_audit(tiny_panel(pct, leak), lab)
    assert leakage_audit(tiny_panel(pct, leak), forward_excess(tiny_panel(pct), 1))["flagged"] == ["alpha_000"]


def test_a_universe_too_small_for_an_ic_is_named() -> None:
    rng = np.random.default_rng(1)
    pct = rng.normal(0, 0.02, (60, 40))
    uni = np.zeros(pct.shape, dtype=bool)
    uni[:, :MIN_STOCKS - 1] = True
    p = tiny_panel(pct, rng.normal(size=(60, 40, 1)), uni)
    with pytest.raises(DataError, match="check --universe"):
        leakage_audit(p, forward_excess(p, 1))


def test_sl_audit_with_a_forward_period_past_the_data_exits_2(market: str, capsys: pytest.CaptureFixture[str]
                                                              ) -> None:
    assert main(["sl", "audit", "--data", market, "--factors", "2", "--forward-period", "400"]) == 2
    err = capsys.readouterr().err
    assert "error: leakage audit: the label forward_return has no date" in err and "401 trading day(s)" in err
