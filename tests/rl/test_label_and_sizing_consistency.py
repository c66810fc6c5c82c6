"""The same (date, stock) gets the same main-wave label whatever window a panel was loaded for, and Strategy D
sizes the same picks alike in the simulator and the backtest when stocks off the picks are unscored."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from aurumq_rl.envs.market_sim import EnvConfig, MarketSim, PanelTensors  # noqa: E402
from aurumq_rl.eval.backtest import simulate  # noqa: E402
from aurumq_rl.market.costs import CostModel  # noqa: E402
from aurumq_rl.market.selection import position_weights  # noqa: E402

from .helpers import _panel  # noqa: E402


@pytest.mark.parametrize("off", [np.nan, -np.inf])
def test_strategy_d_ignores_unscored_stocks_off_the_picks(off: float) -> None:
    # stocks 0 and 1 are picked with scores 1 and 2; stock 2 is unscored (NaN, or a -inf mask) and not picked
    chosen = np.array([[True, True, False]])
    want = [[1 / 3, 2 / 3, 0.0]]
    with np.errstate(invalid="ignore"):
        got = position_weights(np.array([[1.0, 2.0, off]]), chosen, "strategy_d")
    np.testing.assert_allclose(got, want)  # was [0.5, 0.5, 0]: the NaN total fell back to equal weights
    got_t = position_weights(torch.tensor([[1.0, 2.0, off]]), torch.tensor(chosen), "strategy_d")
    np.testing.assert_allclose(got_t.numpy(), want, rtol=1e-6)


def test_env_and_backtest_book_the_same_strategy_d_day_with_unscored_stocks() -> None:
    # 3 stocks, K = 2, stock 2 out of the universe (its score NaN: "not scored"), daily hold, no costs: the env's
    # portfolio return of each step is the backtest's daily return (same picks, same Strategy D weights)
    rng = np.random.default_rng(0)
    t_n = 12
    ret = rng.normal(0, 0.02, (t_n, 3))
    uni = np.ones((t_n, 3), bool)
    uni[:, 2] = False
    panel = _panel(ret, in_universe=uni)
    scores = np.where(uni, rng.uniform(0.1, 1.0, (t_n, 3)), np.nan)
    cfg = EnvConfig(top_k=2, forward_period=1, reward_mode="portfolio", episode_length=8, sizing="strategy_d",
                    cost=CostModel(round_trip_bps=0), relative=False, industry_cap=None)
    sim = MarketSim(PanelTensors(panel, cfg), cfg, n_envs=1, t_range=(0, 7))
    port = []
    for t in range(8):
        _, _, info = sim.step(torch.tensor(scores[t:t + 1], dtype=torch.float32))
        port.append(float(info["portfolio_return"][0]))
    bt = simulate(panel, scores, top_k=2, hold="daily", cost=CostModel(round_trip_bps=0), sizing="strategy_d",
                  industry_cap=None, start=0, end=7)
    np.testing.assert_allclose(port, bt.daily_return[1:9], atol=1e-6)


@pytest.mark.filterwarnings("ignore:.*market-wide")
def test_main_wave_training_labels_do_not_depend_on_train_start(tmp_path) -> None:
    """A main_wave run's label of a date is the one `eval` reads (which loads a warm-up before --start): the
    MA10 of the exit rule is warm on the first training dates, so they can exit at a death cross too. Loaded
    from --train-start itself, its first ~10 dates could never exit early (full 5-day holds)."""
    from aurumq_rl.algos.ppo import PPOConfig
    from aurumq_rl.algos.trainer import TrainConfig, Trainer
    from aurumq_rl.data.labels import main_wave_returns
    from aurumq_rl.data.loader import load_panel
    from aurumq_rl.data.synth import preset, write_demo

    data = write_demo(str(tmp_path / "m.parquet"), preset("small", seed=2))[0]
    full = load_panel(data, universe="main_board_non_st")
    start = full.dates[100]
    env = EnvConfig(top_k=10, episode_length=8, reward_mode="main_wave")
    tr = Trainer(TrainConfig(data=data, out_dir=str(tmp_path / "run"), env=env, threads=1, train_start=str(start),
                             ppo=PPOConfig(total_timesteps=32, n_envs=4, n_steps=8, batch_size=16)))
    lo = tr.train_range[0]
    assert tr.panel.dates[lo] == start  # training still starts at --train-start
    want_ret, _ = main_wave_returns(full)
    cols = np.searchsorted(full.codes, tr.panel.codes)
    first = slice(lo, lo + 10)
    off = int(np.searchsorted(full.dates, start)) - lo
    np.testing.assert_allclose(tr.label[first], want_ret[off + lo: off + lo + 10][:, cols], rtol=0, atol=1e-12)


@pytest.mark.filterwarnings("ignore:.*market-wide")
def test_main_wave_label_of_a_date_does_not_depend_on_the_panel_start(tmp_path) -> None:
    """Cent prices make exact MA5 = MA10 ties; the trailing means' cumulative-sum noise depends on the panel's
    first date, so a tie fell on either side of the death-cross test by the window loaded (0.16% of the labels
    of the small synthetic market differed between a panel from its start and one from date 40)."""
    from aurumq_rl.data.labels import main_wave_returns
    from aurumq_rl.data.loader import load_panel
    from aurumq_rl.data.synth import preset, write_demo

    data = write_demo(str(tmp_path / "m.parquet"), preset("small", seed=2))[0]
    full = load_panel(data, universe="main_board_non_st")
    part = load_panel(data, universe="main_board_non_st", start=str(full.dates[40]))
    cols = np.searchsorted(full.codes, part.codes)
    got, want = main_wave_returns(part)[0], main_wave_returns(full)[0][40:][:, cols]
    n = len(part.dates) - 7  # past the warm-up (the MA10 of both is warm from date 20 of `part` on)
    np.testing.assert_array_equal(got[20:n], want[20:n])


@pytest.mark.filterwarnings("ignore:.*market-wide")
def test_sl_main_wave_labels_do_not_depend_on_train_start(tmp_path) -> None:
    """The SL track loads its panel from --train-start, so its first training dates could never exit the main
    wave early either: it loads the same warm-up as train and eval (the split, by date, and the default 60/20/20
    shares, counted from --train-start, do not move)."""
    from aurumq_rl.cli import sl_steps
    from aurumq_rl.cli.main import build_parser
    from aurumq_rl.data.labels import main_wave_returns
    from aurumq_rl.data.loader import load_panel
    from aurumq_rl.data.synth import preset, write_demo

    data = write_demo(str(tmp_path / "m.parquet"), preset("small", seed=2))[0]
    full = load_panel(data, universe="main_board_non_st")
    start = str(full.dates[100])
    args = build_parser().parse_args(["sl", "train", "--data", data, "--label", "main_wave",
                                      "--train-start", start, "--out-dir", str(tmp_path / "a")])
    panel = sl_steps.load(args, args.train_start, args.test_end)
    split, label = sl_steps.split_and_label(args, panel)
    lo = split.train[0]
    assert str(panel.dates[lo]) == start and lo == 20
    plain = build_parser().parse_args(["sl", "train", "--data", data, "--label", "forward_return",
                                       "--train-start", start, "--out-dir", str(tmp_path / "a")])
    no_warmup = sl_steps.load(plain, plain.train_start, plain.test_end)
    other = sl_steps.split_and_label(plain, no_warmup)[0]
    assert [panel.dates[i] for w in (split.train, split.val, split.test) for i in w] == \
        [no_warmup.dates[i] for w in (other.train, other.val, other.test) for i in w]
    cols = np.searchsorted(full.codes, panel.codes)
    want = main_wave_returns(full)[0][100:110][:, cols]
    want = np.where(full.can_buy[101:111][:, cols], want, 0.0)  # an unfillable entry is labelled 0 (cash)
    np.testing.assert_allclose(label.values[lo:lo + 10], want, rtol=0, atol=1e-12)
