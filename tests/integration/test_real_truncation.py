"""No look-ahead, checked on real A-share bars (shared/data/real, CSI 300 sample) by truncation: what is computed
on the data cut after the close of a date t must equal what the full data give at every date <= t. Covered:
every family of the factor engine (tech_evt_ exp-decay and zt_ limit flags included), `load_panel`'s
normalisation, fill, missing flags and masks under each universe and limit method, inference's scores of the
last date (an RL bundle and an SL model), and the SL features. Labels may read ahead; their entry must be the
execution's fill (decision at the close of t, entry at the close of t+1)."""

from __future__ import annotations

import dataclasses
import json
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from aurumq_rl.data.loader import load_panel
from aurumq_rl.data.panel import Panel
from aurumq_rl.market.status import MarketConfig
from tests.integration.real import real_frame

# a relisting day (000792.SZ, +306%, no limit), IPOs inside the window (STAR 688981.SH 2020-07-16, ChiNext after
# the reform 300896.SZ 2020-09-28, main board 600905.SH 2021-06-10 and 601728.SH 2021-08-20), ChiNext across the
# 2020-08-24 switch and seasoned main-board names of both exchanges
SLICE = ("000792.SZ", "688981.SH", "300896.SZ", "600905.SH", "601728.SH", "300750.SZ", "300059.SZ", "300015.SZ",
         "000001.SZ", "000002.SZ", "000333.SZ", "002415.SZ", "600000.SH", "600036.SH", "600519.SH", "601318.SH",
         "601888.SH", "603259.SH")
FACTOR_CUTS = (date(2020, 9, 30), date(2021, 8, 10))  # the second is 000792.SZ's relisting day itself
PANEL_CUT = date(2021, 3, 31)
PANEL_FIELDS = ("factors", "factor_missing_bits", "pct_chg", "present", "in_universe", "tradeable", "can_buy",
                "can_sell", "is_limit_up", "is_limit_down")


@contextmanager
def _quiet() -> Iterator[None]:
    """Warnings off: the typical price on adjusted rows, new-listing fallbacks, market-wide columns."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


@pytest.fixture(scope="module")
def real(shared: Path) -> pl.DataFrame:
    """Real bars + 2023 names, list dates and industries + per-date CSI 300 membership + causal factor columns
    (a momentum, a volatility with its warm-up nulls, a market-wide column and an exp-decayed event)."""
    from aurumq_rl.data.events import exp_decay

    df = real_frame(shared, names=True)
    index_move = pl.col("pct_chg").mean().over("trade_date")  # one value per date: passed through, never scaled
    return (df.with_columns(index_move.alias("mkt_move"))
            .with_columns(exp_decay(pl.col("pct_chg") > 0.05).alias("tech_evt_jump")))


def _cut(df: pl.DataFrame, t: date) -> pl.DataFrame:
    return df.filter(pl.col("trade_date") <= t)


# factor engine ----------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def engine_input(real: pl.DataFrame, shared: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The slice the engine runs on (every input a family may read: industry levels and a cap proxy too), and the
    CSI 300 index bars for the bench_ factors."""
    bars = real.filter(pl.col("ts_code").is_in(SLICE), pl.col("trade_date").is_between(date(2019, 7, 1),
                                                                                        date(2021, 12, 31)))
    bars = bars.select("ts_code", "trade_date", "open", "high", "low", "close", "vol", "amount", "pct_chg",
                       "list_date", "name", "industry_code").with_columns(
        pl.col("industry_code").alias("industry_l2"), pl.col("industry_code").alias("industry_l3"),
        (pl.col("close") * 1e6).alias("cap"))
    index = pl.read_parquet(shared / "data" / "real" / "benchmark_index.parquet")
    return bars, index


def _factors(bars: pl.DataFrame, index: pl.DataFrame) -> tuple[pl.DataFrame, list[str]]:
    from aurumq_rl.factors.engine import compute_factors

    with _quiet():
        out, rep = compute_factors(bars, index=index, index_code="000300.SH", progress=False)
    return out, rep.computed


@pytest.fixture(scope="module")
def engine_full(engine_input: tuple[pl.DataFrame, pl.DataFrame]) -> tuple[pl.DataFrame, list[str]]:
    return _factors(*engine_input)


@pytest.mark.parametrize("cut", FACTOR_CUTS)
def test_every_factor_family_at_t_ignores_the_bars_after_t(engine_input: tuple[pl.DataFrame, pl.DataFrame],
                                                           engine_full: tuple[pl.DataFrame, list[str]],
                                                           cut: date) -> None:
    bars, index = engine_input
    full, names = engine_full
    families = {n.split("_")[0] for n in names}
    assert families == {"alpha", "gtja", "tech", "cmf", "zt"} and len(names) >= 310
    assert any(n.startswith("tech_evt_") for n in names)
    part, part_names = _factors(_cut(bars, cut), index)
    assert part_names == names
    # exact: a value at a date <= t reads nothing after t (windows, cross sections, limit flags, vwap, decay)
    assert_frame_equal(_cut(full, cut), part)
    if cut == FACTOR_CUTS[-1]:  # not vacuous: nearly every factor has values in the last ten dates before the cut
        dates = part["trade_date"].unique().sort()
        recent = part.filter(pl.col("trade_date") > dates[-11])
        empty = [n for n in names if recent[n].null_count() == recent.height]
        assert len(empty) <= 0.02 * len(names), empty  # a few best-effort alphas are null on most real rows


# load_panel: normalisation, fill, missing flags, masks, universes ------------------------------------------
def _aligned(full: Panel, part: Panel) -> tuple[int, np.ndarray, np.ndarray]:
    """(dates of `part`, stock columns of `full` and `part` for the stocks of `part`); `full`'s dates start alike."""
    t = len(part.dates)
    assert np.array_equal(full.dates[:t], part.dates)
    common, i_full, i_part = np.intersect1d(full.codes, part.codes, return_indices=True)
    assert len(common) == len(part.codes)  # a stock of the cut data is a stock of the full data
    return t, i_full, i_part


def _assert_panel_prefix(full: Panel, part: Panel) -> None:
    t, a, b = _aligned(full, part)
    for name in PANEL_FIELDS:
        x, y = getattr(full, name)[:t][:, a], getattr(part, name)[:, b]
        differ = int((x != y).sum())
        assert differ == 0, f"{name}: {differ} value(s) at dates <= t differ"
    assert np.array_equal(full.board[a], part.board[b])
    assert part.industry is not None and full.industry is not None
    names_full = np.asarray([*full.industry_names, None], dtype=object)  # the index is per window; the name is not
    names_part = np.asarray([*part.industry_names, None], dtype=object)
    assert np.array_equal(names_full[full.industry[:t][:, a]], names_part[part.industry[:, b]])


@pytest.mark.parametrize(("universe", "normalize", "method"), [
    ("main_board_non_st", "zscore", "auto"), ("all_non_st", "rank", "price"), ("hs300", "raw", "pct"),
    ("all", "zscore", "auto")])
def test_load_panel_at_t_ignores_the_rows_after_t(real: pl.DataFrame, universe: str, normalize: str,
                                                  method: str) -> None:
    market = MarketConfig(limit_method=method)
    with _quiet():
        full = load_panel(real.lazy(), universe=universe, normalize=normalize, market=market)
        part = load_panel(_cut(real, PANEL_CUT).lazy(), universe=universe, normalize=normalize, market=market)
        window = load_panel(real.lazy(), universe=universe, normalize=normalize, market=market, end=PANEL_CUT)
    _assert_panel_prefix(full, part)
    _assert_panel_prefix(window, part)  # --end cuts the same rows as a file that stops there
    t, a, _ = _aligned(full, part)
    # not vacuous: the cut date has universe stocks with values, limit hits happened before it, and stocks that
    # are missing (nulls of the volatility's warm-up), passed through (the market-wide column) are among them
    assert part.in_universe[-1].sum() > 100 and part.is_limit_up.any() and part.factor_missing.any()
    if normalize != "raw":
        assert "mkt_move" in full.market_wide
        m = part.factor_names.index("mkt_move")
        last = part.factors[-1, part.in_universe[-1], m]
        assert np.ptp(last) == 0 and last[0] != 0  # the date's own value, not a z-score of 0


# inference: the last date's scores --------------------------------------------------------------------------
INFER_CUT = date(2023, 1, 16)
NAMES = ["tech_mom20", "tech_vol20", "tech_evt_jump"]


@pytest.fixture(scope="module")
def files(real: pl.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The data from 2022-06 as one file, and the same data cut after INFER_CUT (the full file knows the next
    session, the cut one does not: its last date is a live decision)."""
    root = tmp_path_factory.mktemp("trunc")
    recent = real.filter(pl.col("trade_date") >= date(2022, 6, 1))
    full, part = root / "full.parquet", root / "part.parquet"
    recent.write_parquet(full)
    _cut(recent, INFER_CUT).write_parquet(part)
    return full, part


def _pooled_bundle(root: Path, normalize: str) -> Path:
    """A sealed bundle whose graph scores x·w + 7·mean(x·w over the date's cross-section), as a Deep Sets policy
    reads a context pooled over the stocks of the date: a stock added to or missing from a past date's universe
    moves every score of that date."""
    from onnx import TensorProto, helper, numpy_helper, save

    from aurumq_rl.export.bundle import BUNDLE_FILES, CHECKSUMS_FILE, MODEL_FILE
    from aurumq_rl.provenance import sha256_file
    from tests.export.conftest import make_bundle

    bundle = make_bundle(root, names=NAMES, weights=[1.0, -3.0, 0.5], normalize=normalize, universe="all_non_st",
                         top_k=300)
    inits = [numpy_helper.from_array(np.asarray([1.0, -3.0, 0.5], np.float32), "w"),
             numpy_helper.from_array(np.zeros((), np.float32), "zero"),
             numpy_helper.from_array(np.full((), 7.0, np.float32), "seven"),
             numpy_helper.from_array(np.asarray([1], np.int64), "axis")]
    node = helper.make_node
    nodes = [node("MatMul", ["factors", "w"], ["raw"]), node("Cast", ["mask"], ["m"], to=TensorProto.FLOAT),
             node("Mul", ["raw", "m"], ["kept"]), node("ReduceSum", ["kept", "axis"], ["total"], keepdims=1),
             node("ReduceSum", ["m", "axis"], ["count"], keepdims=1), node("Div", ["total", "count"], ["mean"]),
             node("Mul", ["mean", "seven"], ["ctx"]), node("Add", ["raw", "ctx"], ["pooled"]),
             node("Where", ["mask", "pooled", "zero"], ["scores"])]
    graph = helper.make_graph(
        nodes, "pooled",
        [helper.make_tensor_value_info("factors", TensorProto.FLOAT, ["batch", "n_stocks", len(NAMES)]),
         helper.make_tensor_value_info("mask", TensorProto.BOOL, ["batch", "n_stocks"])],
        [helper.make_tensor_value_info("scores", TensorProto.FLOAT, ["batch", "n_stocks"])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    save(model, str(bundle / MODEL_FILE))
    (bundle / CHECKSUMS_FILE).write_text(json.dumps({f: sha256_file(bundle / f) for f in BUNDLE_FILES}))
    return bundle


def _picks(bundle: Path, data: Path, out: Path, *extra: str) -> pl.DataFrame:
    from aurumq_rl.cli.main import main

    with _quiet():
        assert main(["infer", "--bundle", str(bundle), "--data", str(data), "--top-k", "300", "-o", str(out),
                     *extra]) == 0
    return pl.read_parquet(out)


@pytest.mark.parametrize("normalize", ["zscore", "rank"])
def test_infer_scores_of_the_last_date_equal_those_of_the_same_date_in_longer_data(
        files: tuple[Path, Path], tmp_path: Path, normalize: str) -> None:
    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    full, part = files
    bundle = _pooled_bundle(tmp_path / "b", normalize)
    live = _picks(bundle, part, tmp_path / "live.parquet")  # the default decision date: the file's last
    replay = _picks(bundle, full, tmp_path / "replay.parquet", "--date", str(INFER_CUT))
    assert live["trade_date"].unique().to_list() == replay["trade_date"].unique().to_list() == [INFER_CUT]
    assert not live["next_day_known"].any() and replay["next_day_known"].all()
    # the replay drops the names it could not buy on the next session; every name it kept has the live score
    both = replay.join(live, on="ts_code", suffix="_live")
    assert both.height == replay.height > 200
    assert (both["score"] == both["score_live"]).all()


def test_sl_model_scores_and_features_of_the_last_date_ignore_later_rows(files: tuple[Path, Path],
                                                                        tmp_path: Path) -> None:
    pytest.importorskip("lightgbm")
    from aurumq_rl.sl.dataset import feature_cube, resolve_split, scorable
    from aurumq_rl.sl.labels import forward_excess
    from aurumq_rl.sl.model_io import SLScorer, save_model
    from aurumq_rl.sl.pipeline import train_split
    from tests.sl.helpers import TINY

    full, part = files
    with _quiet():
        train_panel = load_panel(str(part), universe="all_non_st", factors=NAMES, normalize="raw")
        label = forward_excess(train_panel, 5)
        split = resolve_split(train_panel.dates, label.horizon)
        run = train_split(train_panel, label, split, TINY, [1, 2], features="rank")
        save_model(tmp_path / "m", run.ensemble, features="rank", universe="all_non_st",
                   label={"name": label.name}, forward_period=5, windows=split.as_dates(train_panel.dates))
        scorer = SLScorer(tmp_path / "m")
        a = scorer.load_panel(str(full), end=date(2023, 2, 15))
        b = scorer.load_panel(str(part))
    t, ia, ib = _aligned(a, b)
    cols = list(range(len(NAMES)))
    for mode in ("raw", "rank", "zscore"):  # the per-date feature transforms of the SL track
        x = feature_cube(scorable(a, cols), 0, t - 1, mode)[:, ia]
        y = feature_cube(scorable(b, cols), 0, t - 1, mode)[:, ib]
        np.testing.assert_array_equal(x, y, err_msg=mode)
    sa, sb = scorer.score_panel(a)[t - 1, ia], scorer.score_panel(b)[-1, ib]
    assert np.isfinite(sb).sum() > 200
    np.testing.assert_array_equal(sa, sb)


# labels and execution share the timing -----------------------------------------------------------------------
def test_fp_label_is_the_backtest_book_return_on_real_bars(real: pl.DataFrame) -> None:
    """Frictionless, on every period where each pick filled at the close of t+1 and every name to sell could be
    sold: the backtest's compounded book return of the fp days after the fill equals the mean fp-day label of the
    picks (`Panel.forward_returns`, entry at the close of t+1) — not the one from the close of t, nor of t+2."""
    from aurumq_rl.eval.backtest import simulate
    from aurumq_rl.eval.metrics import select_picks
    from aurumq_rl.market.costs import CostModel

    fp, k = 5, 10
    with _quiet():
        p = load_panel(real.filter(pl.col("trade_date") >= date(2021, 1, 1)).lazy(), universe="all_non_st",
                       factors=["tech_mom20"], normalize="raw")
    scores = np.where(p.in_universe & ~p.factor_missing[:, :, 0], p.factors[:, :, 0], np.nan)
    res = simulate(p, scores, top_k=k, hold="fp", forward_period=fp, cost=CostModel(round_trip_bps=0),
                   industry_cap=None)
    decisions = np.arange(0, len(p.dates) - 2 - fp + 1, fp)
    periods = res.period_returns()
    assert len(periods) == len(decisions)
    picks = select_picks(scores, p.in_universe, k)[decisions]
    fill = decisions + 1
    # every pick could be bought and every name held before could be sold at the fill (a re-picked name is resized
    # to its target; frozen, it would shrink the others' budget), and so at the fill before (no pending sale)
    held = picks | np.vstack([np.zeros_like(picks[:1]), picks[:-1]])
    free = ~(picks & ~p.can_buy[fill]).any(1) & ~(held & ~p.can_sell[fill]).any(1)
    clean = free & np.concatenate([[True], free[:-1]])
    assert clean.sum() >= 40  # of the 106 periods: the momentum picks are often limit-up names
    fwd = {lag: np.vstack([p.forward_returns(fp)[lag:], np.full((lag, len(p.codes)), np.nan)]) for lag in (0, 1)}
    logp = p.log_price()
    entry_t = np.expm1(logp[decisions + fp] - logp[decisions])  # the return from the close of t instead
    label = np.nanmean(np.where(picks, fwd[0][decisions], np.nan), axis=1)
    np.testing.assert_allclose(periods[clean], label[clean], rtol=0, atol=1e-9)
    for other in (np.nanmean(np.where(picks, entry_t, np.nan), axis=1),
                  np.nanmean(np.where(picks, fwd[1][decisions], np.nan), axis=1)):
        assert not np.allclose(periods[clean], other[clean], atol=1e-6)


def test_panel_field_list_covers_every_date_stock_array() -> None:
    """The truncation check compares every [T, N(, ...)] field of `Panel` (a new mask must join PANEL_FIELDS)."""
    per_date = {f.name for f in dataclasses.fields(Panel)} - {
        "dates", "codes", "factor_names", "board", "industry", "industry_names", "market_wide", "meta"}
    assert per_date == set(PANEL_FIELDS)
