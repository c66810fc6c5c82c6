"""The name turnover per rebalance (`set_turnover(picks, fp)`, the report's `turnover.rebalance_dates`) compares the
dates the book rebalances on: each the first date with picks at least fp after the previous one, as the
non-overlapping series and the backtest take them (`nonoverlap_index`). It stepped fp from the first date on a fixed
phase instead: a source scored every other date at fp 5 (or weekly at fp 3) met only dates without picks there and
showed n/a; a weekly one through a holiday week lost the phase and was judged on a third of its rebalances."""

from __future__ import annotations

import math

import numpy as np
import pytest

from aurumq_rl.eval.metrics import nonoverlap_index, set_turnover


def _by_hand(picks: np.ndarray, rows: list[int]) -> float:
    shares = [(picks[b] & ~picks[a]).sum() / picks[b].sum() for a, b in zip(rows[:-1], rows[1:], strict=True)]
    return float(np.mean(shares))


def test_a_source_scored_every_other_date_is_compared_on_its_rebalance_dates() -> None:
    t_n, n = 25, 6
    picks = np.zeros((t_n, n), bool)
    for d in range(0, t_n, 2):  # the top-2 rotates by one name per scored date
        picks[d, [(d // 2) % n, (d // 2 + 1) % n]] = True
    rows = list(nonoverlap_index(np.where(picks.any(1), 0.0, np.nan), 5))
    assert rows == [0, 6, 12, 18, 24]  # the backtest's decisions at fp 5
    expected = _by_hand(picks, rows)  # 3 scored dates apart: the names rotated by 3 of 6, both new
    assert expected == 1.0
    assert set_turnover(picks, 5) == pytest.approx(expected)


def test_a_weekly_source_through_a_holiday_week_keeps_every_rebalance() -> None:
    scored = [0, 5, 10, 14, 19, 24, 29]  # a four-day week between 10 and 14: 14 is skipped, 19 follows 10
    rng = np.random.default_rng(3)
    picks = np.zeros((31, 8), bool)
    for d in scored:
        picks[d, rng.choice(8, 3, replace=False)] = True
    rows = [0, 5, 10, 19, 24, 29]
    assert list(nonoverlap_index(np.where(picks.any(1), 0.0, np.nan), 5)) == rows
    assert set_turnover(picks, 5) == pytest.approx(_by_hand(picks, rows))


def test_a_hole_of_a_whole_period_or_more_is_not_a_pair() -> None:
    picks = np.zeros((12, 2), bool)
    picks[0, 0] = picks[10, 1] = True  # 10 dates apart at fp 5: no rebalance pair
    assert math.isnan(set_turnover(picks, 5))
    picks[5, 1] = True  # rebalances 0, 5, 10: stock 1 new at 5, nothing new at 10
    assert set_turnover(picks, 5) == pytest.approx((1.0 + 0.0) / 2)
