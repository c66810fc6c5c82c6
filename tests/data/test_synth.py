"""The synthetic market: deterministic, contract-valid, limit-consistent, with the documented planted signal."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from aurumq_rl.data.check import check_data
from aurumq_rl.data.loader import load_panel
from aurumq_rl.data.synth import generate, preset
from aurumq_rl.eval.ic import ic_series


@pytest.fixture(scope="module")
def small() -> tuple[pl.DataFrame, pl.DataFrame]:
    return generate(preset("small", seed=7))


def test_deterministic_by_seed(small) -> None:
    again, _ = generate(preset("small", seed=7))
    assert small[0].equals(again)
    other, _ = generate(preset("small", seed=8))
    assert not small[0].equals(other)


def test_realistic_content(small) -> None:
    df, index = small
    boards = set(df.select(pl.col("ts_code").str.slice(0, 3)).to_series().to_list())
    assert {"600", "000", "300", "688"} <= boards | {c[:3] for c in boards}
    assert df["ts_code"].str.ends_with(".BJ").any()
    assert df["name"].str.contains("退").any() and df["name"].str.starts_with("*ST").any()
    assert df["name"].str.starts_with("ST").any()
    assert (df["vol"] == 0).any()  # vol = 0 suspensions
    assert df.group_by("ts_code").len()["len"].n_unique() > 1  # IPOs, delistings, missing-row suspensions
    assert df["industry_code"].n_unique() == 31
    assert df["is_hs300"].any() and df["is_zz500"].any() and not (df["is_hs300"] & df["is_zz500"]).any()
    assert df["hk_001"].null_count() > 0.3 * df.height  # structural nulls
    # OHLC and vwap consistent; prices on the tick grid
    assert (df["low"] <= df["close"]).all() and (df["close"] <= df["high"]).all()
    assert (df["low"] <= df["open"]).all() and (df["open"] <= df["high"]).all()
    assert ((df["vwap"] >= df["low"] - 1e-9) & (df["vwap"] <= df["high"] + 1e-9)).all()
    np.testing.assert_allclose(df["amount"] * 1000, df["vwap"] * df["vol"] * 100, rtol=1e-9)
    assert np.abs(df["close"].to_numpy() * 100 - np.round(df["close"].to_numpy() * 100)).max() < 1e-6
    assert index.height == df["trade_date"].n_unique()


def test_passes_data_check_and_limits_respected(small) -> None:
    df, _ = small
    rep = check_data(df.lazy())
    assert rep["limit_method"] == "auto" and rep["by_price_share"] == 1.0  # synthetic prices are real
    main = next(b for b in rep["boards"] if b["board"] == "main")
    assert 0.0005 < main["limit_up_share"] < 0.05 and main["one_price_share"] > 0
    assert rep["market_wide_columns"] == ["mkt_ret5", "mkt_vol20"]
    # no move beyond the board's date-aware limit except where no limit applies
    from aurumq_rl.market.status import annotate

    cal = df["trade_date"].unique().sort()
    ann = annotate(df.lazy(), df.columns, cal, "price").collect()
    over = ann.filter(pl.col("has_limit") & (pl.col("pct_chg").abs() > pl.col("limit_up_pct") + 0.006))
    assert over.height == 0


def test_planted_signal_strength(small) -> None:
    df, _ = small
    panel = load_panel(df.lazy(), universe="main_board_non_st")
    fwd = panel.forward_returns(5)
    ic = {n: float(np.nanmean(ic_series(panel.factors[:, :, j], fwd, panel.in_universe)))
          for j, n in enumerate(panel.factor_names)}
    assert 0.03 < ic["alpha_001"] < 0.08
    assert ic["gtja_001"] < -0.02
    noise = [v for k, v in ic.items() if k not in ("alpha_001", "alpha_002", "gtja_001", "mf_001")
             and np.isfinite(v)]
    assert max(abs(v) for v in noise) < 0.02


def test_presets_are_described_and_the_market_preset_spans_the_chinext_change() -> None:
    """`--help` of synth and demo lists every preset with its size (generated from PRESETS, so a new preset
    cannot go undescribed), and the full-market preset covers five years around ChiNext's 2020-08-24 limit change
    so a scale run exercises both limit regimes."""
    from datetime import date

    from aurumq_rl.data.synth import PRESETS, preset_help, weekday_calendar

    text = preset_help()
    for name, cfg in PRESETS.items():
        assert f"{name}: {cfg.n_stocks} stocks × {cfg.n_days} days" in text
    m = preset("market")
    cal = weekday_calendar(m.start, m.n_days)
    assert (m.n_stocks, m.n_days) == (5000, 1250)
    assert cal[0] < date(2020, 8, 24) < cal[-1] and cal[-1].year == 2023


@pytest.mark.parametrize("start", ["2019-01-02", "2021-01-04"])
def test_no_stock_trades_or_lists_before_its_board_opened(start: str) -> None:
    """A STAR stock on a date before 2019-07-22 (or a BSE stock before 2021-11-15, a ChiNext one before
    2009-10-30) is a market that never existed: the `market` preset (from 2019-01-02) traded STAR names from
    its first day, and pre-data listing dates reached back to 2001 on every board. Both the first bar and
    `list_date` respect the board's opening; the boards still occur (STAR lists inside a range that spans its
    opening)."""
    from dataclasses import replace
    from datetime import date

    from aurumq_rl.market.boards import BOARD_OPENED, board_expr

    cfg = replace(preset("small"), n_stocks=600, n_days=300, start=date.fromisoformat(start))
    df, _ = generate(cfg)
    first = (df.group_by("ts_code").agg(pl.col("trade_date").min().alias("first"), pl.col("list_date").first())
             .with_columns(board_expr()))
    for board, opened in BOARD_OPENED.items():
        rows = first.filter(pl.col("board") == board)
        assert rows["first"].min() is None or rows["first"].min() >= opened, board
        assert rows["list_date"].min() is None or rows["list_date"].min() >= opened, board
    assert first.filter(pl.col("board") == "star").height > 30
