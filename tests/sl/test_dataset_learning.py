"""Datasets and splits (embargo, rows, feature modes, causal features) and proof that the GBDT learns the
planted signal out of sample while the null tests find nothing."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import polars as pl
import pytest

from aurumq_rl.data.loader import load_panel
from aurumq_rl.data.panel import Panel
from aurumq_rl.data.synth import generate, preset
from aurumq_rl.errors import DataError
from aurumq_rl.eval.ic import ic_series
from aurumq_rl.sl.audit import null_tests
from aurumq_rl.sl.dataset import Split, build_dataset, feature_cube, resolve_split
from aurumq_rl.sl.labels import Label
from aurumq_rl.sl.pipeline import SLRun, compare_feature_modes
from tests.sl.helpers import FAST


def test_split_default_60_20_20_with_embargo(panel: Panel, label: Label, split: Split) -> None:
    t_n = len(panel.dates)
    assert split.val[0] == int(0.6 * t_n) and split.test == (int(0.8 * t_n), t_n - 1)
    assert split.embargo == label.horizon + 1
    for a, b in ((split.train, split.val), (split.val, split.test)):
        assert a[1] + label.horizon < b[0] - 1  # a label window of the earlier window never reaches the next
    explicit = resolve_split(panel.dates, label.horizon, train_end=str(panel.dates[150]),
                             val_start=str(panel.dates[151]), val_end=str(panel.dates[200]),
                             test_start=str(panel.dates[201]))
    assert explicit.train[1] == 151 - label.horizon - 2 and explicit.val == (151, 201 - label.horizon - 2)
    with pytest.raises(DataError, match="test window"):
        resolve_split(panel.dates, label.horizon, test_start="2030-01-01")
    compact = resolve_split(panel.dates, label.horizon, val_start=str(panel.dates[151]).replace("-", ""),
                            val_end=str(panel.dates[200]).replace("-", ""),
                            test_start=str(panel.dates[201]).replace("-", ""))
    assert (compact.train, compact.val, compact.test) == (explicit.train, explicit.val, explicit.test)  # YYYYMMDD
    with pytest.raises(DataError, match="--val-end='soon' is not a date"):
        resolve_split(panel.dates, label.horizon, val_end="soon")


def test_rows_universe_and_finite_label_only(panel: Panel, label: Label, split: Split) -> None:
    lo, hi = split.test
    ds = build_dataset(panel, label.values, lo, hi)
    assert ds.X.shape == (len(ds), len(panel.factor_names))
    assert panel.in_universe[ds.t_idx, ds.n_idx].all() and np.isfinite(ds.y).all()
    assert ds.t_idx.min() >= lo and ds.t_idx.max() <= label.last_valid  # rows past the data are dropped
    expected = (panel.in_universe & np.isfinite(label.values))[lo:hi + 1].sum()
    assert len(ds) == expected
    # missing values come back as NaN for LightGBM, not the panel's fill value 0
    j = panel.factor_names.index("hk_001")
    miss = panel.factor_missing[ds.t_idx, ds.n_idx, j]
    assert miss.any() and np.isnan(ds.X[miss, j]).all() and np.isfinite(ds.X[~miss, j]).all()


def test_build_dataset_names_an_empty_date_window(panel: Panel, label: Label) -> None:
    with pytest.raises(DataError, match=r"empty date window 11\.\.10"):
        build_dataset(panel, label.values, 11, 10)
    assert set(build_dataset(panel, label.values, 10, 10).t_idx) <= {10}  # one date is a window

def test_feature_modes_rank_is_cross_sectional(panel: Panel, split: Split) -> None:
    lo, hi = split.val
    raw = feature_cube(panel, lo, hi, "raw")
    rank = feature_cube(panel, lo, hi, "rank")
    j = panel.factor_names.index("alpha_001")
    uni = panel.in_universe[lo:hi + 1]
    ic = ic_series(raw[:, :, j], rank[:, :, j], uni)
    assert np.nanmin(ic) > 0.999  # same order per date
    assert abs(np.nanmean(rank[:, :, j][uni])) < 0.05 and np.nanstd(raw[:, :, j][uni]) != pytest.approx(1, abs=0.05)
    with pytest.raises(DataError, match="--features bogus"):
        feature_cube(panel, lo, hi, "bogus")


def test_features_at_t_do_not_depend_on_later_data() -> None:
    cfg = dataclasses.replace(preset("small", seed=5), n_stocks=60, n_days=80)
    df, _ = generate(cfg)
    cut = df["trade_date"].unique().sort()[50]
    noisy = df.with_columns(pl.when(pl.col("trade_date") > cut).then(pl.col("alpha_001") * 7 + 1)
                            .otherwise(pl.col("alpha_001")).alias("alpha_001"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = load_panel(df.lazy(), universe="all", normalize="raw")
        b = load_panel(noisy.lazy(), universe="all", normalize="raw")
    t = int(np.searchsorted(a.dates, np.datetime64(cut)))
    for mode in ("raw", "rank", "zscore"):
        fa, fb = feature_cube(a, 0, t, mode), feature_cube(b, 0, t, mode)
        np.testing.assert_array_equal(fa, fb)
    assert not np.array_equal(np.nan_to_num(feature_cube(a, t + 1, t + 5, "raw")),
                              np.nan_to_num(feature_cube(b, t + 1, t + 5, "raw")))


def test_model_recovers_planted_signal_out_of_sample(panel: Panel, label: Label, split: Split, run: SLRun) -> None:
    lo, hi = split.test
    model_ic = run.metrics["test"]["label"]["rank_ic"]
    j = panel.factor_names.index("alpha_001")
    planted = float(np.nanmean(ic_series(panel.factors[lo:hi + 1, :, j], label.values[lo:hi + 1],
                                         panel.in_universe[lo:hi + 1])))
    assert planted > 0.08  # the synthetic market's signal on this window
    assert model_ic > 0.1 and 0.7 * planted < model_ic < 2.0 * planted
    assert run.metrics["val"]["label"]["rank_ic"] > 0.1
    assert np.isnan(run.scores[: split.val[0]]).all()  # nothing scored on training dates


def test_model_beats_label_and_date_shuffle_nulls(panel: Panel, label: Label, split: Split) -> None:
    rep = null_tests(panel, label, split, FAST, [1], seed=0)
    assert rep["real"]["rank_ic"] > 0.1
    for k in ("label_shuffle", "date_shuffle"):
        assert abs(rep[k]["rank_ic"]) < 0.05, (k, rep[k])
    assert rep["real_beats_nulls"]


def test_binary_null_lift_is_about_one(panel: Panel, split: Split) -> None:
    from aurumq_rl.sl.labels import binary_event

    # The top decile of 60 test dates × 150 stocks holds ~90 events at the 10% base rate, so a lift carries a
    # standard error of about 0.12: one model seed's lift ranged 1.36 … 1.84 over two synthetic markets and two
    # seeds (1.5 was a coin flip for some). Two seeds averaged, and the bar set against that error and the nulls.
    lab = binary_event(panel, 5, rate=0.1, calib=split.train)
    rep = null_tests(panel, lab, split, FAST, [1, 2], seed=1)
    assert rep["real"]["lift"] > 1.3
    assert rep["real"]["lift"] > max(rep["label_shuffle"]["lift"], rep["date_shuffle"]["lift"])
    assert abs(rep["label_shuffle"]["lift"] - 1) < 0.35


def test_raw_vs_rank_features_are_both_measured(panel: Panel, label: Label, split: Split) -> None:
    res = compare_feature_modes(panel, label, split, FAST, [1])
    assert set(res) == {"raw", "rank"}
    for v in res.values():
        assert v["test_rank_ic"] > 0.1 and np.isfinite(v["val_rank_ic"])
    assert res["raw"] != res["rank"]


@pytest.mark.parametrize("mode", ["rank", "zscore"])
def test_feature_cube_passes_a_flat_date_through_in_every_mode(mode: str) -> None:
    """The SL features follow `data.normalize`: a date on which a column has one value for every universe stock
    keeps that value (a rank or z-score would erase the market signal to 0); a varying date is transformed;
    outside the universe is NaN."""
    from tests.sl.helpers import tiny_panel

    f = np.array([[0.3, 0.3, 0.3, 8.0], [0.1, 0.2, 0.3, 8.0], [-0.2, -0.2, -0.2, -0.2]], np.float32)[:, :, None]
    uni = np.ones((3, 4), bool)
    uni[:2, 3] = False
    x = feature_cube(tiny_panel(np.zeros((3, 4)), f, uni), 0, 2, mode)[:, :, 0]
    np.testing.assert_array_equal(x[0, :3], np.float32([0.3] * 3))
    np.testing.assert_array_equal(x[2], np.float32([-0.2] * 4))
    assert x[1, 0] < 0 < x[1, 2] and abs(x[1, 1]) < 1e-6 and np.isnan(x[:2, 3]).all()


def test_rank_target_of_a_date_with_one_label_value_is_0_not_the_label() -> None:
    """The per-date rank-gauss target carries the cross-sectional order only: on a date where every stock has the
    same label (a rally in which all of them reach the triple barrier's profit-take) it is 0 for all, not the
    label itself (+1, a market-level target among rank-gauss values of the other dates)."""
    from aurumq_rl.sl.labels import triple_barrier
    from aurumq_rl.sl.pipeline import prepare_target
    from tests.sl.helpers import tiny_panel

    rng = np.random.default_rng(0)
    pct = rng.normal(0.0, 0.03, (40, 6))
    pct[12:14] = 0.04  # entry at the close of 11: +8.2% for every stock by the close of 13
    panel = tiny_panel(pct)
    lab = triple_barrier(panel, horizon_days=5)
    assert (lab.values[10] == 1.0).all() and len(np.unique(lab.values[25])) > 1
    y = prepare_target(panel, lab, "rank")
    np.testing.assert_array_equal(y[10], np.zeros(6))
    assert y[25].std() > 0.5 and abs(y[25].mean()) < 1e-9
