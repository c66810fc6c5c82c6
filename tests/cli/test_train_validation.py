"""Validation during training: `validate_scores`' val_rank_ic, val_ic and val_topk_return on a hand-built panel
(decision and fill timing, the 30% industry cap, an unfillable pick earning nothing and paying nothing, one round
trip per filled pick, Strategy D sizing), the Trainer validating with its env's sizing, the round-trip cost by fill
and exit date across the 2023-08-28 stamp-duty cut, and the last update always validated. Expected values are
computed by hand from the documented behaviour."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")

from aurumq_rl.algos.trainer import Trainer  # noqa: E402
from aurumq_rl.cli.main import main  # noqa: E402
from aurumq_rl.data.panel import Panel  # noqa: E402
from aurumq_rl.data.synth import write_demo  # noqa: E402
from aurumq_rl.envs.market_sim import EnvConfig, PanelTensors  # noqa: E402
from aurumq_rl.market.costs import CostModel  # noqa: E402
from tests.cli.helpers import TINY, _cfg, _rows, _steps  # noqa: E402


def _hand_panel() -> tuple[Panel, np.ndarray]:
    """4 dates × 12 stocks; stocks 10 and 11 are outside the universe; stocks 0 and 1 share industry 0, every
    other stock has its own; stock 2 cannot be bought on date 1 (the fill of decision date 0)."""
    t, n = 4, 12
    ones = np.ones((t, n), bool)
    in_u = ones.copy()
    in_u[:, 10:] = False
    can_buy = ones.copy()
    can_buy[1, 2] = False
    ind = np.tile(np.array([0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10], np.int32), (t, 1))
    panel = Panel(
        dates=np.datetime64("2024-01-02", "D") + np.arange(t),
        codes=np.array([f"{600000 + i:06d}.SH" for i in range(n)]),
        factor_names=["alpha_001"],
        factors=np.zeros((t, n, 1), np.float32),
        factor_missing_bits=np.zeros((t, n, 1), np.uint8),
        pct_chg=np.zeros((t, n)),
        present=ones,
        tradeable=ones,
        can_buy=can_buy,
        can_sell=ones,
        in_universe=in_u,
        is_limit_up=~ones,
        is_limit_down=~ones,
        board=np.array(["main"] * n),
        industry=ind,
        industry_names=[f"i{i}" for i in range(11)],
    )
    return panel, ind


def test_validation_metrics_follow_the_documented_timing_by_hand() -> None:
    """validate_scores: val_rank_ic / val_ic are means over dates of Spearman / Pearson ICs over universe
    stocks; val_topk_return is the mean over dates of the top K's net return: top K under the 30% industry
    cap, a pick that cannot be bought at t+1 earns 0 and pays no cost, one round trip per filled pick."""
    from aurumq_rl.algos.validation import validate_scores

    panel, ind = _hand_panel()
    data = PanelTensors(panel, EnvConfig(top_k=2, forward_period=1, cost=CostModel(0.0)))
    y0 = np.array([0.20, 0.10, 0.08, 0.06, 0.04, 0.02, 0.0, -0.02, -0.04, -0.30, 0.5, 0.5])
    label = np.stack([y0, y0 * 0.5, y0 * 0.1, y0])
    t_idx = np.arange(3)
    s = np.array([10.0, 9, 8, 7, 6, 5, 4, 3, 2, 1, 100, 100])  # 10 and 11 would win, but are outside the universe
    scores = np.tile(s, (3, 1))
    got = validate_scores(scores, data, label, t_idx, 2, 0.01, ind)
    # K = 2: the cap allows max(1, floor(0.3 · 2)) = 1 per industry, so the picks are stocks 0 and 2, not 0 and 1
    # date 0: stock 2 unfillable at date 1 → (0.20 + 0) / 2 − 0.01 · 1/2 = 0.095
    # date 1: (0.10 + 0.04) / 2 − 0.01 = 0.06;  date 2: (0.02 + 0.008) / 2 − 0.01 = 0.004
    assert got["val_topk_return"] == pytest.approx((0.095 + 0.06 + 0.004) / 3, abs=1e-12)
    assert got["val_rank_ic"] == pytest.approx(1.0)  # scores and labels in the same order on every date
    pearson = np.corrcoef(s[:10], y0[:10])[0, 1]  # the same on every date (the labels are only scaled)
    assert got["val_ic"] == pytest.approx(pearson) and pearson < 0.95
    # Strategy D sizes the same picks ∝ max(score, 0): stock 0 (score 10) weighs 10/18, stock 2 (8) 8/18; an
    # unfillable pick's weight stays cash and pays nothing
    d = validate_scores(scores, data, label, t_idx, 2, 0.01, ind, sizing="strategy_d")
    a, b = 10 / 18, 8 / 18
    by_date = [a * 0.20 - 0.01 * a, a * 0.10 + b * 0.04 - 0.01, a * 0.02 + b * 0.008 - 0.01]
    assert d["val_topk_return"] == pytest.approx(np.mean(by_date), abs=1e-12)
    assert d["val_rank_ic"] == got["val_rank_ic"] and d["val_ic"] == got["val_ic"]


def test_trainer_validates_with_the_envs_sizing(data: str, tmp_path: Path) -> None:
    """A Strategy D run's val_topk_return weighs its picks as the env does (∝ max(score, 0)), not equally."""
    from aurumq_rl.algos.validation import validate_scores

    tr = Trainer(_cfg(data, tmp_path / "run", 1, env=EnvConfig(top_k=5, episode_length=8, sizing="strategy_d")))
    scores = np.random.default_rng(0).uniform(0.1, 10.0, (len(tr.val_idx), len(tr.panel.codes)))
    args = (scores, tr.data, tr.label, tr.val_idx, 5, tr.round_trip, tr.panel.industry)
    want, equal = validate_scores(*args, sizing="strategy_d"), validate_scores(*args)
    assert tr.validation_metrics(scores)["val_topk_return"] == pytest.approx(want["val_topk_return"], abs=1e-12)
    assert want["val_topk_return"] != pytest.approx(equal["val_topk_return"], abs=1e-9)


def test_a_main_wave_run_is_validated_on_the_main_wave_hold_not_the_fp_day_return(data: str, tmp_path: Path) -> None:
    """`best` follows the label the reward reads: a main_wave run's val_rank_ic of its own hold returns is 1,
    where a forward_return run's of the same scores is far from it (the two labels differ)."""
    from aurumq_rl.data.labels import main_wave_returns

    env = dict(top_k=5, episode_length=8, forward_period=3)
    wave = Trainer(_cfg(data, tmp_path / "wave", 1, env=EnvConfig(reward_mode="main_wave", **env)))
    fwd = Trainer(_cfg(data, tmp_path / "fwd", 1, env=EnvConfig(**env)))
    assert np.array_equal(wave.val_idx, fwd.val_idx)
    hold = main_wave_returns(wave.panel)[0][wave.val_idx]
    assert np.isfinite(hold).mean() > 0.5  # the data's last dates have no complete hold
    scores = np.where(np.isfinite(hold), hold, 0.0)
    assert wave.validation_metrics(scores)["val_rank_ic"] == pytest.approx(1.0, abs=1e-9)
    assert fwd.validation_metrics(scores)["val_rank_ic"] < 0.9


def test_validation_round_trip_is_the_fill_buy_plus_the_exit_sell(tmp_path: Path) -> None:
    """The cost of a validation decision is the buy rate at its fill (t+1) plus the sell rate at its exit
    (t+1+fp): 30 bps round trip while both are before the 2023-08-28 stamp-duty cut, 25 bps when only the exit is
    after it (buy 10 bps, sell 20 bps before the cut and 15 after)."""
    from datetime import date

    from aurumq_rl.data.synth import SynthConfig

    path, _ = write_demo(str(tmp_path / "m.parquet"), SynthConfig(n_stocks=40, n_days=120, start=date(2023, 6, 1)))
    tr = Trainer(_cfg(path, tmp_path / "run", 1))
    d = tr.panel.dates
    cut = np.datetime64("2023-08-28", "D")
    t = int(np.searchsorted(d, cut)) - 2  # fill at t+1 is the last date before the cut, exit at t+6 after it
    assert d[t + 1] < cut <= d[t + 6]
    assert tr.round_trip[t] == pytest.approx(0.0025)
    assert tr.round_trip[t - 6] == pytest.approx(0.0030)  # exit at t (before the cut)


def test_the_last_update_is_always_validated(data: str, tmp_path: Path) -> None:
    """--eval-every 3 over 4 updates: updates 3 and 4 (the final one) carry validation metrics, 1 and 2 not."""
    out = tmp_path / "run"
    assert main(["train", "--data", data, "--out-dir", str(out), *_steps(4), *TINY, "--eval-every", "3"]) == 0
    assert [r["update"] for r in _rows(out) if "val_rank_ic" in r] == [3, 4]
