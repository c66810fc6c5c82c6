"""SL labels: known answers on hand-built panels, T+1 entry, NaN past the end, calibration, no look-ahead."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from aurumq_rl.data.labels import main_wave_returns
from aurumq_rl.data.panel import Panel
from aurumq_rl.errors import DataError
from aurumq_rl.sl.labels import (
    LABEL_KINDS,
    binary_event,
    build_label,
    forward_excess,
    label_horizon,
    main_wave,
    main_wave_hit,
    trend_scan,
    triple_barrier,
)
from tests.sl.helpers import tiny_panel


def _random_panel(t_n: int = 120, n_n: int = 40, seed: int = 0):
    rng = np.random.default_rng(seed)
    return tiny_panel(rng.normal(0, 0.02, (t_n, n_n)))


def test_forward_excess_known_answer_t_plus_1() -> None:
    pct = np.zeros((8, 2))
    pct[:, 0] = [0.5, 0.5, 0.10, 0.20, 0.5, 0.5, 0.5, 0.5]  # decision t=0: entry close 1, holds days 2..3
    lab = forward_excess(tiny_panel(pct), fp=2)
    raw = 1.10 * 1.20 - 1
    assert lab.values[0, 0] == pytest.approx(raw / 2) and lab.values[0, 1] == pytest.approx(-raw / 2)
    # the day between decision and fill (t+1) is not part of the label
    pct2 = pct.copy()
    pct2[1, 0] = -0.3
    assert forward_excess(tiny_panel(pct2), fp=2).values[0, 0] == pytest.approx(raw / 2)
    assert lab.horizon == 3 and lab.last_valid == 8 - 1 - 3
    assert np.isnan(lab.values[lab.last_valid + 1:]).all() and np.isfinite(lab.values[lab.last_valid]).all()


def test_excess_is_relative_to_universe_mean() -> None:
    p = _random_panel()
    p.in_universe[:, :5] = False
    lab = forward_excess(p, 5)
    ok = np.isfinite(lab.values[: lab.last_valid + 1])
    np.testing.assert_allclose(np.where(ok, lab.values[: lab.last_valid + 1], 0).sum(1), 0, atol=1e-12)
    assert np.isnan(lab.values[:, :5]).all()


def test_triple_barrier_first_touch() -> None:
    pct = np.zeros((10, 4))
    pct[2:4, 0] = 0.03  # +3%, +3% → 6.09% at h=2: profit-take
    pct[2, 1], pct[3, 1] = -0.06, 0.20  # stop-loss at h=1 comes before the later gain
    pct[2, 2], pct[3, 2] = 0.01, 0.01  # never touches: time barrier
    pct[3, 3], pct[4, 3] = 0.06, -0.15  # profit-take at h=2 first even though a bigger loss follows
    lab = triple_barrier(tiny_panel(pct), horizon_days=4, profit_take=0.05, stop_loss=0.05)
    assert lab.values[0].tolist() == [1.0, -1.0, 0.0, 1.0]
    assert lab.meta["days"][0].tolist() == [2, 1, 4, 2]
    assert lab.horizon == 5 and np.isnan(lab.values[10 - 5:]).all() and np.isfinite(lab.values[4]).all()


def test_trend_scan_sign_and_magnitude() -> None:
    t_n = 40
    rng = np.random.default_rng(1)
    pct = np.stack([0.01 + rng.normal(0, 0.003, t_n), -0.01 + rng.normal(0, 0.003, t_n),
                    rng.normal(0, 0.003, t_n)], 1)
    lab = trend_scan(tiny_panel(pct), min_len=5, max_len=10)
    v = lab.values[: lab.last_valid + 1]
    assert (v[:, 0] > 3).all() and (v[:, 1] < -3).all()
    assert np.abs(v[:, 2]).mean() < np.abs(v[:, 0]).mean() / 2
    assert lab.horizon == 11 and np.isnan(lab.values[lab.last_valid + 1:]).all()


def test_main_wave_shares_the_rl_definition_and_hit_label() -> None:
    p = _random_panel(seed=2)
    ret, days = main_wave_returns(p)
    lab = main_wave(p)
    ok = np.isfinite(lab.values)
    assert ok.sum() > 0.9 * np.isfinite(ret).sum()
    np.testing.assert_array_equal(lab.values[ok], ret[ok])
    pct = np.zeros((15, 2))
    pct[3, 0] = 0.06  # best close within the hold reaches +6% ≥ 5%
    pct[3, 1] = 0.04
    hit = main_wave_hit(tiny_panel(pct))
    assert hit.binary and hit.values[0].tolist() == [1.0, 0.0]


@pytest.mark.parametrize("rate", [0.008, 0.05])
def test_binary_event_calibrated_on_training_window(rate: float) -> None:
    p = _random_panel(300, 200, seed=3)
    lab = binary_event(p, fp=5, rate=rate, calib=(0, 150))
    share = np.nanmean(lab.values[:151])
    assert share == pytest.approx(rate, rel=0.1)
    # the threshold depends on the calibration window only
    p.pct_chg[200:] *= 3
    again = binary_event(p, fp=5, rate=rate, calib=(0, 150))
    assert again.meta["threshold"] == lab.meta["threshold"]


@pytest.mark.parametrize("kind", LABEL_KINDS)
def test_no_look_ahead_and_nan_past_end(kind: str) -> None:
    p = _random_panel(160, 30, seed=4)
    lab = build_label(p, kind, 5, calib=(0, 60))
    assert lab.horizon == label_horizon(kind, 5) and lab.last_valid == 160 - 1 - lab.horizon
    assert np.isnan(lab.values[lab.last_valid + 1:]).all() and np.isfinite(lab.values[lab.last_valid]).any()
    t = 80
    q = _random_panel(160, 30, seed=4)
    q.pct_chg[t + lab.horizon + 1:] = np.random.default_rng(9).normal(0, 0.05, q.pct_chg[t + lab.horizon + 1:].shape)
    again = build_label(q, kind, 5, calib=(0, 60))
    np.testing.assert_array_equal(again.values[: t + 1], lab.values[: t + 1])
    assert not np.array_equal(np.nan_to_num(again.values[t + 1: lab.last_valid + 1]),
                              np.nan_to_num(lab.values[t + 1: lab.last_valid + 1]))


def test_delisted_before_exit_is_marked_at_its_last_close() -> None:
    """A label window that passes the stock's last bar keeps the return to that last close (the backtest's
    mark), minus the universe mean; it used to be NaN, so the row left the training set."""
    p = _random_panel(60, 5, seed=5)
    p.present[40:, 0] = False
    p.pct_chg[40:, 0] = 0.0
    lab = forward_excess(p, 5)
    fwd = p.forward_returns(5)
    assert np.isfinite(lab.values[30:39, 0]).all()
    assert fwd[36, 0] == pytest.approx((1 + p.pct_chg[38, 0]) * (1 + p.pct_chg[39, 0]) - 1)




@pytest.mark.parametrize(("build", "message"), [
    (lambda p: binary_event(p, 5, rate=0.0), r"positive rate 0.0 must lie in \(0, 1\)"),
    (lambda p: binary_event(p, 5, rate=1.0), r"positive rate 1.0 must lie in \(0, 1\)"),
    (lambda p: binary_event(p, 5, calib=(117, 119)), "no finite label in the calibration window"),  # past the end
    (lambda p: triple_barrier(p, horizon_days=0), "triple_barrier: horizon_days ≥ 1"),
    (lambda p: triple_barrier(p, stop_loss=0.0), "positive profit_take / stop_loss"),
    (lambda p: trend_scan(p, min_len=2), r"trend_scan: need 3 ≤ min_len \(2\) ≤ max_len \(20\)"),
    (lambda p: trend_scan(p, min_len=8, max_len=6), r"min_len \(8\) ≤ max_len \(6\)"),
    (lambda p: build_label(p, "sharpe"), "--label sharpe: choose one of forward_return"),
    (lambda p: label_horizon("sharpe", 5), "--label sharpe: choose one of forward_return"),
])
def test_a_label_setting_out_of_range_is_refused_naming_it(build: Callable[[Panel], object], message: str) -> None:
    with pytest.raises(DataError, match=message):
        build(_random_panel())
