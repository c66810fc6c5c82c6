"""load_panel semantics: alignment, normalisation math, fill-after-normalise masks, universes, returns."""

from __future__ import annotations

import warnings
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from aurumq_rl.data.loader import load_panel
from aurumq_rl.data.normalize import average_ranks, norm_ppf, rank_gauss, row_median, winsorize_mad, zscore
from aurumq_rl.errors import DataError


def _day(k: int) -> date:
    return date(2024, 1, 1) + timedelta(days=k)


def test_zscore_math_ddof0_universe_only_and_clip() -> None:
    x = np.array([[1.0, 2.0, 3.0, 100.0, np.nan]], dtype=np.float32)
    mask = np.array([[True, True, True, False, True]])
    z = zscore(x, mask)
    ref = (np.array([1, 2, 3]) - 2.0) / np.sqrt(2.0 / 3.0)
    np.testing.assert_allclose(z[0, :3], ref, rtol=1e-6)
    assert np.isnan(z[0, 3]) and np.isnan(z[0, 4])
    big = np.array([[0.0] * 99 + [1000.0]], dtype=np.float32)
    assert zscore(big, np.ones_like(big, bool)).max() == pytest.approx(5.0)


def test_zscore_winsorises_at_robust_bounds_before_the_moments() -> None:
    """One extreme value (a data error, a ratio over a near-zero denominator) inflated the plain σ until every
    other stock's z-score was about 0, so the factor carried nothing that date. Values are first clipped to the
    median ± 5 robust σ (1.4826 × MAD); the z-score is then taken of the clipped values."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(1, 400)).astype(np.float32)
    x[0, 0] = 1e6
    z = zscore(x, np.ones_like(x, bool))
    assert np.std(z[0, 1:]) > 0.9  # the other 399 keep their spread (was ~0.003)
    v = x[0].astype(np.float64)
    med = np.median(v)
    half = 5 * 1.4826 * np.median(np.abs(v - med))
    w = np.clip(v, med - half, med + half)
    np.testing.assert_allclose(z[0], np.clip((w - w.mean()) / w.std(), -5, 5), rtol=1e-5, atol=1e-6)
    assert winsorize_mad(x, np.ones_like(x, bool))[0, 0] == pytest.approx(med + half)


def test_row_median_equals_numpy_nanmedian_with_ties_and_gaps() -> None:
    rng = np.random.default_rng(3)
    for _ in range(200):
        v = np.round(rng.normal(size=(int(rng.integers(1, 6)), int(rng.integers(1, 12)))), int(rng.integers(0, 3)))
        v[rng.random(v.shape) < rng.random()] = np.nan
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # all-NaN rows
            want = np.nanmedian(v, axis=1)
        for dt in (np.float64, np.float32):
            np.testing.assert_allclose(row_median(v.astype(dt)), want, rtol=1e-6, equal_nan=True)


def test_winsorize_clips_at_most_one_percent_per_tail() -> None:
    """On a heavy-tailed factor ± 5 robust σ alone clipped a third of a date's stocks to one tied value (GTJA #164
    on the real sample: 89 of 274 at z = 1.356); the bounds widen to the value ⌈0.01·(n−1)⌉-th from each end."""
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(0, 0.01, 180), rng.normal(0, 1.0, 94)])[None]  # a tight core, wide wings
    mask = np.ones_like(x, bool)
    v = x[0]
    med = np.median(v)
    assert (np.abs(v - med) > 5 * 1.4826 * np.median(np.abs(v - med))).mean() > 0.25  # the bound alone: > 25%
    w = winsorize_mad(x, mask)[0]
    k = int(np.ceil(0.01 * (len(v) - 1)))  # 3
    s = np.sort(v)
    assert (w > v).sum() == k and (w < v).sum() == k  # the 3 lowest and the 3 highest, no more
    assert w.min() == s[k] and w.max() == s[-1 - k]
    z = zscore(x.astype(np.float32), mask)[0]
    assert len(np.unique(z)) == len(v) - 2 * k  # only the clipped values tie (with the bound values)


def test_winsorize_a_row_whose_mad_is_zero_by_the_values_off_the_median() -> None:
    """More than half the values equal (a factor that is mostly 0, Alpha101 #23 on half the real dates): the MAD
    is 0, so the robust σ comes from the values off the median. One extreme value among them is clipped (it was
    left as is, and its σ squeezed every other non-zero value to a z-score of about 0), a few rare events keep
    their values, a row of one value is left as is, and masked values take no part."""
    rng = np.random.default_rng(0)
    x = np.zeros((4, 300))
    x[0, :120] = rng.normal(0, 1, 120)
    x[0, 0] = 1e6  # a data error among the non-zero values
    x[1, :2] = [1.0, 3.0]  # two events on a quiet date
    x[3, :4] = [1.0, 2.0, 3.0, 4.0]
    x[3, 4:] = np.nan
    mask = np.ones_like(x, bool)
    mask[3, 3] = False
    w = winsorize_mad(x, mask)
    off = np.abs(x[0, 1:120])
    half = 5 * 1.4826 * np.median(np.abs(x[0, :120]))
    assert w[0, 0] == pytest.approx(half) and half < 20  # the median is 0 and the MAD off it about 0.67
    np.testing.assert_array_equal(w[0, 1:], x[0, 1:])  # nothing else is clipped
    assert off.max() < half
    np.testing.assert_array_equal(w[1], x[1])  # MAD off the median 2: bounds ± 14.8
    np.testing.assert_array_equal(w[2], x[2])  # all 0: left as is
    np.testing.assert_array_equal(w[3, :3], x[3, :3])  # median 2, MAD 1: bounds ± 7.4, nothing clipped
    assert np.isnan(w[3, 3:]).all()
    z = zscore(x[:1].astype(np.float32), np.ones((1, 300), bool))[0]
    assert np.std(z[1:120]) > 0.5  # the other non-zero values keep their spread (was ~0.003)


def test_zscore_of_huge_float32_values_is_not_flattened() -> None:
    """Float32 factors near 1e20 (a signed power, e.g. alpha_084 on real data) square past float32's range; the
    moments are float64, so the date keeps its z-scores instead of an infinite std turning them all to 0."""
    x = np.array([[1e20, 2e20, 3e20], [1.0, 2.0, 3.0]], dtype=np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warning either
        z = zscore(x, np.ones_like(x, bool))
    np.testing.assert_allclose(z, np.tile((np.array([1, 2, 3]) - 2.0) / np.sqrt(2.0 / 3.0), (2, 1)), rtol=1e-6)


def test_zero_variance_row_is_zero_not_nan() -> None:
    x = np.full((1, 4), 3.0, np.float32)
    np.testing.assert_array_equal(zscore(x, np.ones_like(x, bool)), np.zeros((1, 4), np.float32))


def test_average_ranks_ties_and_nan() -> None:
    x = np.array([[3.0, 1.0, 3.0, np.nan, 2.0, 3.0]])
    np.testing.assert_array_equal(average_ranks(x), [[4.0, 1.0, 4.0, np.nan, 2.0, 4.0]])


def test_norm_ppf_known_values() -> None:
    p = np.array([0.5, 0.975, 0.025, 0.001, 0.8413447460685429])
    np.testing.assert_allclose(norm_ppf(p), [0.0, 1.959963985, -1.959963985, -3.090232306, 1.0], atol=1e-7)


def test_rank_gauss_symmetric() -> None:
    x = np.array([[10.0, -5.0, 0.0, 7.0]])
    g = rank_gauss(x, np.ones_like(x, bool))
    np.testing.assert_allclose(np.sort(g[0]), [-norm_ppf(np.array([0.875]))[0], -norm_ppf(np.array([0.625]))[0],
                                                norm_ppf(np.array([0.625]))[0], norm_ppf(np.array([0.875]))[0]],
                               rtol=1e-6)


def _long(values: dict[str, list[float | None]], **cols: dict[str, list]) -> pl.DataFrame:
    """values: code -> per-day alpha_001 (None = null); extra per-code columns in cols."""
    rows = []
    for code, xs in values.items():
        for d, x in enumerate(xs):
            row = {"ts_code": code, "trade_date": _day(d), "close": 10.0, "pct_chg": 0.01, "vol": 1.0,
                   "alpha_001": x}
            for name, per_code in cols.items():
                row[name] = per_code[code][d]
            rows.append(row)
    return pl.DataFrame(rows)


def test_fill_after_normalisation_and_missing_mask() -> None:
    df = _long({"600001.SH": [1.0, 1.0], "600002.SH": [2.0, None], "600003.SH": [3.0, float("inf")],
                "600004.SH": [6.0, 5.0]})
    p = load_panel(df.lazy(), universe="all")
    f = p.factors[:, :, 0]
    # day 0: z-score of [1, 2, 3, 6] (mean 3, std sqrt(3.5))
    np.testing.assert_allclose(f[0], (np.array([1, 2, 3, 6]) - 3) / np.sqrt(3.5), rtol=1e-6)
    # day 1: null and inf are excluded from the statistics, then filled with 0 and flagged
    np.testing.assert_allclose(f[1, [0, 3]], [-1.0, 1.0], rtol=1e-6)
    assert f[1, 1] == 0.0 and f[1, 2] == 0.0
    assert p.factor_missing[1, :, 0].tolist() == [False, True, True, False]
    assert not p.factor_missing[0].any()


def test_absent_row_not_tradeable_and_not_in_universe() -> None:
    df = _long({"600001.SH": [1.0, 2.0, 3.0], "600002.SH": [1.0, 2.0, 3.0]}).filter(
        ~((pl.col("ts_code") == "600002.SH") & (pl.col("trade_date") == _day(1))))
    p = load_panel(df.lazy(), universe="all")
    assert p.present[1].tolist() == [True, False]
    assert not p.tradeable[1, 1] and not p.in_universe[1, 1] and not p.can_buy[1, 1]
    assert p.factor_missing[1, 1, 0] and p.pct_chg[1, 1] == 0.0


def test_main_board_non_st_universe_gates() -> None:
    n = 70
    codes = {"600001.SH": "甲", "600002.SH": "ST乙", "300001.SZ": "丙", "600003.SH": "丁退", "600004.SH": "戊"}
    df = _long({c: [1.0 + i] * n for i, c in enumerate(codes)},
               name={c: [nm] * n for c, nm in codes.items()})
    df = df.with_columns(
        pl.when(pl.col("ts_code") == "600004.SH").then(pl.lit(0.0)).otherwise(pl.col("vol")).alias("vol"))
    # a new listing: first bar after the data's first date
    ipo = _long({"600005.SH": [1.0] * 10}).with_columns(
        (pl.col("trade_date") + timedelta(days=n - 10)).alias("trade_date"), pl.lit("己").alias("name"))
    p = load_panel(pl.concat([df, ipo]).lazy(), universe="main_board_non_st")
    last = p.in_universe[-1]
    got = dict(zip(p.codes.tolist(), last.tolist(), strict=True))
    # ST, ChiNext, 退, suspended and the new listing are excluded; codes never in the universe are dropped
    assert got == {"600001.SH": True}
    p_all = load_panel(pl.concat([df, ipo]).lazy(), universe="all")
    # `all` keeps ST, ChiNext and 退, not the new listing (10 days, inside its protection: it could not be
    # bought); 600004.SH never traded, so it is never in a universe
    assert set(p_all.codes.tolist()) == set(codes) - {"600004.SH"}
    assert dict(zip(p_all.codes.tolist(), p_all.board.tolist(), strict=True))["300001.SZ"] == "chinext"


def test_suspended_rows_in_no_universe() -> None:
    """A suspended row (vol = 0) is in no universe, `all` included: its factors are stale, it cannot be
    bought, and it would enter the cross-sectional normalisation, the policy's context and the SL rows."""
    n = 70
    df = _long({"600001.SH": [1.0] * n, "600002.SH": [2.0] * n, "600003.SH": [3.0] * n})
    df = df.with_columns(pl.when((pl.col("ts_code") == "600002.SH") & (pl.col("trade_date") == _day(n - 1)))
                         .then(0.0).otherwise(pl.col("vol")).alias("vol"))
    for universe, member in (("all", False), ("all_non_st", False), ("main_board_non_st", False)):
        p = load_panel(df.lazy(), universe=universe)
        j = p.codes.tolist().index("600002.SH")
        assert bool(p.in_universe[-1, j]) is member and not p.tradeable[-1, j] and p.in_universe[-2, j]


def test_universe_callable_and_hs300_membership() -> None:
    df = _long({"600001.SH": [1.0, 2.0], "600002.SH": [3.0, 4.0]},
               is_hs300={"600001.SH": [True, False], "600002.SH": [True, True]})
    p = load_panel(df.lazy(), universe="hs300")
    assert p.in_universe.tolist() == [[True, True], [False, True]]
    q = load_panel(df.lazy(), universe=lambda cols: pl.col("ts_code") == "600002.SH")
    assert q.codes.tolist() == ["600002.SH"]


def test_market_wide_column_passed_through() -> None:
    df = _long({"600001.SH": [1.0, 2.0], "600002.SH": [3.0, 5.0], "600003.SH": [0.0, 1.0]})
    df = df.with_columns(pl.when(pl.col("trade_date") == _day(0)).then(0.5).otherwise(-0.25).alias("mkt_idx"))
    with pytest.warns(UserWarning, match="mkt_idx"):
        p = load_panel(df.lazy(), universe="all")
    j = p.factor_names.index("mkt_idx")
    assert p.market_wide == ["mkt_idx"]
    np.testing.assert_allclose(p.factors[:, :, j], [[0.5] * 3, [-0.25] * 3])


def test_a_market_wide_column_passed_through_at_a_raw_level_is_named_with_its_magnitude() -> None:
    """An index close (~3000) passes through like any market-wide column (values unchanged), but next to
    z-scores within ±5 it washes out the stock signal: one warning names it and its size. An index return
    passed through does not warn, nor does a `raw` load (every column raw by choice) or `warn_columns=False`."""
    df = _long({"600001.SH": [1.0, 2.0], "600002.SH": [3.0, 5.0], "600003.SH": [0.0, 1.0]})
    first = pl.col("trade_date") == _day(0)
    df = df.with_columns(pl.when(first).then(3012.5).otherwise(2987.25).alias("mkt_close"),
                         pl.when(first).then(0.01).otherwise(-0.008).alias("mkt_ret"))
    said = "raw levels far beyond the ±5 z-score clip"
    for method in ("zscore", "rank"):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            p = load_panel(df.lazy(), universe="all", normalize=method)
        raw = [str(w.message) for w in caught if said in str(w.message)]
        assert len(raw) == 1 and "factors: mkt_close (|value| up to 3,012); " in raw[0] and "mkt_ret" not in raw[0]
        assert "supply such a column as a return, a ratio or a z-score" in raw[0]
        np.testing.assert_allclose(p.factors[:, :, p.factor_names.index("mkt_close")], [[3012.5] * 3, [2987.25] * 3])
    for kwargs in ({"normalize": "raw"}, {"warn_columns": False}):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            load_panel(df.lazy(), universe="all", **kwargs)
        assert not [w for w in caught if said in str(w.message)]


def test_forward_returns_compound_with_t_plus_1_entry() -> None:
    r = [0.0, 0.01, 0.02, -0.03, 0.04, 0.05, 0.0]
    df = pl.DataFrame({"ts_code": "600001.SH", "trade_date": [_day(k) for k in range(7)], "close": 10.0,
                       "pct_chg": r, "vol": 1.0, "alpha_001": 1.0})
    p = load_panel(df.lazy(), universe="all")
    fr = p.forward_returns(2)
    # decision at t=0 → enter at close of t=1 → hold over days 2 and 3
    assert fr[0, 0] == pytest.approx((1.02) * (0.97) - 1)
    assert fr[1, 0] == pytest.approx(0.97 * 1.04 - 1)
    assert fr[4, 0] == pytest.approx((1.0) * np.nan, nan_ok=True)
    assert np.isnan(fr[4:, 0]).all() and np.isfinite(fr[:4, 0]).all()
    np.testing.assert_allclose(p.forward_returns(1)[:5, 0], r[2:])  # one day: the day after the entry


def test_forward_returns_mark_a_delisted_stock_at_its_last_close() -> None:
    """Bars that stop inside the window (a delisting) count 0 after the last one: the position is marked at its
    last close, as the backtest marks it (it used to be NaN, read as 0 by the env and eval top-K while the
    backtest booked the loss). Windows leaving the panel stay NaN."""
    df = _long({"600001.SH": [1.0] * 6, "600002.SH": [1.0] * 6}).filter(
        ~((pl.col("ts_code") == "600002.SH") & (pl.col("trade_date") > _day(3))))
    df = df.with_columns(pl.when((pl.col("ts_code") == "600002.SH") & (pl.col("trade_date") == _day(3)))
                         .then(-0.3).otherwise(pl.col("pct_chg")).alias("pct_chg"))
    p = load_panel(df.lazy(), universe="all")
    fr = p.forward_returns(2)  # window r[t+2 .. t+3]
    np.testing.assert_allclose(fr[:3, 0], [1.01 ** 2 - 1] * 3)
    np.testing.assert_allclose(fr[:3, 1], [1.01 * 0.7 - 1, 0.7 - 1, 0.0])  # last bar day 3: the -30% counts
    assert np.isnan(fr[3:]).all()  # t = 3 needs day 6, past the panel


def test_adj_close_returns_ignore_ex_dates() -> None:
    # a 2:1 split on day 2: raw close halves, adj_factor doubles, pct_chg (dividend-adjusted) says +1%
    df = pl.DataFrame({"ts_code": "600001.SH", "trade_date": [_day(k) for k in range(3)],
                       "close": [10.0, 10.0, 5.05], "adj_factor": [1.0, 1.0, 2.0], "pct_chg": [0.0, 0.0, 0.01],
                       "vol": 1.0, "alpha_001": 1.0})
    a = load_panel(df.lazy(), universe="all", returns="adj_close")
    b = load_panel(df.lazy(), universe="all")
    np.testing.assert_allclose(a.pct_chg[:, 0], [0.0, 0.0, 0.01], atol=1e-12)
    np.testing.assert_allclose(b.pct_chg[:, 0], [0.0, 0.0, 0.01], atol=1e-12)


def test_hive_partitioned_directory_and_glob(tmp_path: Path) -> None:
    df = _long({"600001.SH": [1.0, 2.0, 3.0], "600002.SH": [2.0, 1.0, 0.0]})
    for year, part in enumerate((df.head(3), df.tail(3))):
        d = tmp_path / f"year={2020 + year}"
        d.mkdir()
        part.write_parquet(d / "part.parquet")
    p = load_panel(tmp_path, universe="all")
    q = load_panel(str(tmp_path / "*" / "*.parquet"), universe="all")
    assert p.factors.shape == (3, 2, 1) and np.array_equal(p.factors, q.factors)


def test_date_window_and_first_n_factors() -> None:
    df = _long({"600001.SH": [1.0, 2.0, 3.0], "600002.SH": [2.0, 1.0, 0.0]}).with_columns(
        (pl.col("alpha_001") * 2).alias("gtja_001"), (pl.col("alpha_001") * -1).alias("mf_001"))
    p = load_panel(df.lazy(), universe="all", start=_day(1), end="2024-01-02", factors=2)
    assert p.dates.tolist() == [_day(1)] and p.factor_names == ["alpha_001", "gtja_001"]


def test_integer_zero_one_factor_warns_as_a_raw_event_flag() -> None:
    """A Boolean factor is refused by its dtype; an integer column of 0s and 1s is the same raw flag in another
    type, so loading names it and points to exp_decay. Counts (a 2 appears) and floats are not flagged."""
    df = _long({"600001.SH": [1.0, 2.0], "600002.SH": [3.0, 5.0], "600003.SH": [0.0, 1.0]})
    flag = pl.Series([0, 1, 1, 0, None, 0], dtype=pl.Int8)
    frame = df.with_columns(flag.alias("tech_evt_raw"), (flag.cast(pl.Int64) * 2).alias("zt_count"),
                            flag.cast(pl.Float32).alias("tech_state"))
    with pytest.warns(UserWarning, match=r"tech_evt_raw are integers holding only 0 and 1.*exp_decay") as rec:
        p = load_panel(frame.lazy(), universe="all")
    assert all("zt_count" not in str(w.message) and "tech_state" not in str(w.message) for w in rec)
    assert "tech_evt_raw" in p.factor_names  # a warning, not a refusal: a 0/1 state may be meant
    with warnings.catch_warnings():  # only 0s (or only 1s) is a constant, not a flag
        warnings.filterwarnings("error", message=".*event flag")
        load_panel(df.with_columns(pl.lit(0, pl.Int32).alias("tech_zero")).lazy(), universe="all")


def test_nan_and_inf_prices_and_returns_are_missing_with_a_warning() -> None:
    """NaN/inf in pct_chg or close are read as missing, like a null, and counted in a warning naming the first
    row: a NaN pct_chg used to turn every later compounded forward return of the stock into NaN."""
    from aurumq_rl.data.loader import cast_numeric_columns

    raw = pl.DataFrame({"ts_code": ["600001.SH"] * 3, "trade_date": [_day(k) for k in range(3)],
                        "close": [10.0, float("inf"), 10.0], "pct_chg": [0.01, float("nan"), float("nan")]})
    with pytest.warns(UserWarning, match=r"f\.parquet: close has 1 NaN/inf value\(s\), pct_chg has 2 NaN/inf "
                                         rf"value\(s\) \(first: 600001.SH {_day(1)}\); they are read as missing"):
        out = cast_numeric_columns(raw, "f.parquet")
    assert out["close"].to_list() == [10.0, None, 10.0] and out["pct_chg"].to_list() == [0.01, None, None]
    vals = {"600001.SH": [1.0] * 8, "600002.SH": [2.0] * 8}
    df = _long(vals).with_columns(pl.when((pl.col("ts_code") == "600001.SH") & (pl.col("trade_date") == _day(2)))
                                  .then(float("nan")).otherwise(pl.col("pct_chg")).alias("pct_chg"))
    with pytest.warns(UserWarning, match="pct_chg has 1 NaN/inf"):
        p = load_panel(df.lazy(), universe="all")
    fwd = p.forward_returns(2)
    assert np.isfinite(fwd[:5]).all()  # exits inside the panel: all known
    assert fwd[0, 0] == pytest.approx(0.01)  # window r[2..3]: the NaN day counts as 0
    assert fwd[1, 0] == pytest.approx(1.01 * 1.01 - 1)  # window r[3..4]: after it, returns compound as usual


def test_market_wide_detection_is_relative_to_the_values_scale() -> None:
    """A factor of tiny values (gtja_144 is ~1e-8 on real data) varies across stocks and must be normalised;
    the old absolute floor (std ≤ 1e-7) called it market-wide and passed it through raw on some windows."""
    from aurumq_rl.data.normalize import MARKET_WIDE_SHARE, flat_dates, market_wide_share

    def is_market_wide(x: np.ndarray, mask: np.ndarray) -> bool:
        return market_wide_share(*flat_dates(x, mask)) >= MARKET_WIDE_SHARE

    rng = np.random.default_rng(0)
    mask = np.ones((50, 30), bool)
    tiny = rng.normal(0, 2e-8, (50, 30))
    assert not is_market_wide(tiny, mask)
    same = np.repeat(rng.normal(0, 2e-8, (50, 1)), 30, axis=1)  # tiny, but one value per date
    assert is_market_wide(same, mask) and is_market_wide(same * 1e9, mask)
    assert is_market_wide(np.zeros((50, 30)), mask)


def test_feature_group_weights_scale_by_prefix_and_refuse_non_finite_ones() -> None:
    """The one place the weights apply (training and, from the bundle, inference): a NaN or negative weight
    is refused there too, not only by the train CLI's flag parsing."""
    df = _long({"600001.SH": [1.0, 2.0], "600002.SH": [3.0, 5.0]}).with_columns(
        (pl.col("alpha_001") * 2).alias("mf_001"))
    p = load_panel(df.lazy(), universe="all")
    before = p.factors.copy()
    p.scale_factor_groups({"mf_": 0.5})
    np.testing.assert_allclose(p.factors[:, :, 1], before[:, :, 1] * 0.5)
    np.testing.assert_array_equal(p.factors[:, :, 0], before[:, :, 0])
    for bad in (float("nan"), float("inf"), -1.0):
        with pytest.raises(DataError, match="feature-group weight 'mf_=.*': must be a finite number ≥ 0"):
            p.scale_factor_groups({"mf_": bad})
    with pytest.raises(DataError, match="no selected factor column starts with it"):
        p.scale_factor_groups({"hk_": 1.0})


@pytest.mark.parametrize("method", ["zscore", "rank"])
def test_a_flat_date_passes_through_and_the_decision_is_per_date(method: str) -> None:
    """Date 0: one value for every universe stock (market-wide) → passed through, not erased to 0. Date 1: the
    same column varies → normalised. Adding date 1 does not change date 0 (the decision reads one date)."""
    from aurumq_rl.data.normalize import normalize

    x = np.array([[0.5, 0.5, 0.5, 9.0], [0.1, 0.2, 0.3, 9.0]])
    mask = np.array([[True, True, True, False], [True, True, True, False]])
    out = normalize(x, mask, method)
    np.testing.assert_allclose(out[0, :3], [0.5, 0.5, 0.5])
    assert np.isnan(out[:, 3]).all()  # outside the universe
    assert out[1, 0] < 0 < out[1, 2] and abs(out[1, 1]) < 1e-6
    np.testing.assert_array_equal(normalize(x[:1], mask[:1], method), out[:1])


def test_flat_dates_need_two_universe_values_equal_up_to_float_noise() -> None:
    """`flat_dates`: a date is comparable with ≥ 2 universe values, and flat when they agree up to float noise
    (std ≤ 1e-7 × the date's largest |value|). A lone universe value is not flat, so it is normalised (to 0), not
    passed through; values 1e-5 apart in size 100 vary; values 1e-8 apart relative to their size are noise."""
    from aurumq_rl.data.normalize import flat_dates, normalize

    x = np.array([[3.0, 7.0, 7.0],  # one universe value
                  [100.0, 100.001, 5.0],  # std 5e-4 > 1e-7 × 100.001
                  [100.0, 100.0 + 1e-6, 5.0],  # std 5e-7 ≤ 1e-7 × 100.000001
                  [2.0, 2.0, 9.0]])
    mask = np.array([[True, False, False]] + [[True, True, False]] * 3)
    flat, comparable = flat_dates(x, mask)
    assert comparable.tolist() == [False, True, True, True]
    assert flat.tolist() == [False, False, True, True]
    for method in ("zscore", "rank"):
        z = normalize(x, mask, method)
        assert z[0, 0] == 0.0, method  # the lone value: z-score 0, rank Φ⁻¹(0.5) = 0
        assert z[1, 0] < 0 < z[1, 1], method  # normalised
        np.testing.assert_array_equal(z[2:, :2], np.float32(x[2:, :2]))  # passed through as is
        assert np.isnan(z[:, 2]).all() and np.isnan(z[0, 1:]).all()


def test_market_wide_share_counts_comparable_dates_only_and_reports_from_99_percent() -> None:
    """`market_wide_share` is the flat share of the comparable dates (≥ 2 universe values), 0 when there is none;
    a share ≥ MARKET_WIDE_SHARE = 0.99 is market-wide: 99 flat dates of 100 are, 98 are not."""
    from aurumq_rl.data.normalize import MARKET_WIDE_SHARE, flat_dates, market_wide_share

    mask = np.ones((100, 3), bool)
    x = np.repeat(np.arange(100.0)[:, None], 3, axis=1)  # one value per date
    x[0] = [1.0, 2.0, 3.0]
    assert market_wide_share(*flat_dates(x, mask)) == 0.99 >= MARKET_WIDE_SHARE
    x[1] = [1.0, 2.0, 3.0]
    assert market_wide_share(*flat_dates(x, mask)) == 0.98 < MARKET_WIDE_SHARE
    one = mask.copy()
    one[10:60, 1:] = False  # 50 dates with one universe value: not counted
    assert market_wide_share(*flat_dates(x, one)) == pytest.approx(48 / 50)
    assert market_wide_share(*flat_dates(x[:, :1], mask[:, :1])) == 0.0  # one stock: no comparable date


@pytest.mark.parametrize(("varying", "reported"), [(1, True), (2, False)])
def test_loader_reports_a_column_flat_on_99_percent_of_its_dates(varying: int, reported: bool) -> None:
    """mkt_x has one value for all three stocks on 100 - `varying` of 100 dates: reported (and warned about)
    as market-wide at 99 %, not at 98 %; either way every flat date passes through and the others are
    normalised."""
    codes = ("600001.SH", "600002.SH", "600003.SH")
    mkt = {c: [d / 100 + (k if d < varying else 0) for d in range(100)] for k, c in enumerate(codes)}
    df = _long({c: [float(k + d) for d in range(100)] for k, c in enumerate(codes)}, mkt_x=mkt)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        p = load_panel(df.lazy(), universe="all")
    assert (p.market_wide == ["mkt_x"]) is reported
    assert any("market-wide" in str(w.message) and "mkt_x" in str(w.message) for w in rec) is reported
    j = p.factor_names.index("mkt_x")
    np.testing.assert_allclose(p.factors[varying:, :, j], np.repeat(np.arange(varying, 100)[:, None] / 100, 3, 1),
                               rtol=1e-6)
    np.testing.assert_allclose(p.factors[:varying, :, j], [[-1.2247449, 0.0, 1.2247449]] * varying, atol=1e-6)


def test_raw_loads_report_no_market_wide_column_and_warn_columns_false_is_silent() -> None:
    """Nothing is normalised with normalize="raw", so no column is reported as passed through; with
    warn_columns=False (inference) the market-wide column is still reported on the panel, but not warned about."""
    df = _long({"600001.SH": [1.0, 2.0], "600002.SH": [3.0, 5.0], "600003.SH": [0.0, 1.0]})
    df = df.with_columns(pl.when(pl.col("trade_date") == _day(0)).then(0.5).otherwise(-0.25).alias("mkt_idx"))
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*market-wide")
        raw = load_panel(df.lazy(), universe="all", normalize="raw")
        quiet = load_panel(df.lazy(), universe="all", warn_columns=False)
    assert raw.market_wide == [] and quiet.market_wide == ["mkt_idx"]


def test_data_check_and_the_loader_agree_on_market_wide_columns() -> None:
    """`data check` reports market-wide columns with the loader's flat test: one value per date up to float noise
    relative to the date's scale. A column of tiny values (~1e-8) that varies is not market-wide in either; an
    index level carried with 1e-12 relative noise is market-wide in both."""
    from aurumq_rl.data.check import check_data

    rng = np.random.default_rng(0)
    n, t = 30, 40
    level = np.repeat(rng.uniform(3000, 4000, t), n) * (1 + rng.normal(0, 1e-12, t * n))
    df = pl.DataFrame({"ts_code": [f"{600000 + i:06d}.SH" for i in range(n)] * t,
                       "trade_date": np.repeat(np.arange(np.datetime64("2024-01-01"), np.datetime64("2024-01-01") + t),
                                               n),
                       "close": 10.0, "pct_chg": 0.0, "vol": 1.0, "alpha_001": rng.normal(0, 1, t * n),
                       "gtja_144": rng.normal(0, 2e-8, t * n), "mkt_idx": level}).with_columns(
        pl.col("trade_date").cast(pl.Date))
    with pytest.warns(UserWarning, match="mkt_idx"):
        panel = load_panel(df.lazy(), universe="all")
    assert panel.market_wide == ["mkt_idx"]
    assert check_data(df.lazy())["market_wide_columns"] == ["mkt_idx"]


def test_float32_prices_are_read_at_their_digits_so_real_prices_stay_on_the_cent_grid() -> None:
    """10.01 stored as float32 is 10.010000228881836 as a float64: off the cent grid, so `auto` checked no row
    by price. Read at the 7 digits float32 holds, a Float32 file gives the limit flags (and the by-price share)
    of the same file in Float64."""
    from aurumq_rl.data.loader import cast_numeric_columns
    from aurumq_rl.data.synth import generate, preset
    from aurumq_rl.market.limits import real_price_share

    cents = pl.DataFrame({"close": np.arange(1, 10_000_001, 997) / 100}).with_columns(pl.col("close").cast(pl.Float32))
    assert np.array_equal(cast_numeric_columns(cents, "f")["close"].to_numpy(), np.arange(1, 10_000_001, 997) / 100)
    bars, _ = generate(preset("small", seed=3))
    prices = ("open", "high", "low", "close", "pre_close", "pct_chg")
    wide = bars.with_columns(pl.col(c).cast(pl.Float64) for c in prices)
    narrow = bars.with_columns(pl.col(c).cast(pl.Float32) for c in prices)
    share = real_price_share(cast_numeric_columns(wide, "f"))
    assert share > 0.5 and real_price_share(cast_numeric_columns(narrow, "f")) == share
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        a, b = load_panel(wide.lazy(), universe="all"), load_panel(narrow.lazy(), universe="all")
    assert a.is_limit_up.sum() > 0
    np.testing.assert_array_equal(a.is_limit_up, b.is_limit_up)
    np.testing.assert_array_equal(a.is_limit_down, b.is_limit_down)


def test_a_factor_column_with_no_universe_value_is_named() -> None:
    """A column null for every universe stock of the window (here set only for a stock outside the universe)
    loads as all-missing and carries nothing: a warning names it; a column with one universe value does not."""
    df = _long({"600001.SH": [1.0, 2.0, 3.0], "600002.SH": [3.0, 5.0, 4.0], "600003.SH": [0.0, 1.0, 2.0]})
    df = df.with_columns(
        pl.when(pl.col("ts_code") == "600003.SH").then(1.5).otherwise(None).cast(pl.Float64).alias("alpha_empty"),
        pl.when((pl.col("ts_code") == "600001.SH") & (pl.col("trade_date") == _day(1))).then(2.0).otherwise(None)
        .cast(pl.Float64).alias("alpha_sparse"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        p = load_panel(df.lazy(), universe=lambda cols: pl.col("ts_code") != "600003.SH")
    said = [str(w.message) for w in caught if "no value for a universe stock" in str(w.message)]
    assert len(said) == 1 and said[0].endswith("(filled and flagged missing everywhere): alpha_empty; drop them "
                                               "or choose a window where they exist"), said
    j = p.factor_names.index("alpha_empty")
    assert p.missing_col(j)[p.in_universe].all()


def test_a_factor_column_valued_only_off_the_universe_is_named_and_inference_is_not_told() -> None:
    """600003.SH is in the universe on the first day only, and alpha_off has values for it on the later days
    only: the panel holds those values, none on a universe (date, stock), so the column is named. With
    warn_columns=False (inference) the loader says nothing about it."""
    df = _long({"600001.SH": [1.0, 2.0, 3.0], "600002.SH": [3.0, 5.0, 4.0], "600003.SH": [0.0, 1.0, 2.0]})
    df = df.with_columns(pl.when((pl.col("ts_code") == "600003.SH") & (pl.col("trade_date") > _day(0))).then(1.5)
                         .otherwise(None).cast(pl.Float64).alias("alpha_off"))

    def universe(cols: list[str]) -> pl.Expr:
        return (pl.col("ts_code") != "600003.SH") | (pl.col("trade_date") == _day(0))

    for warn in (True, False):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            p = load_panel(df.lazy(), universe=universe, normalize="raw", warn_columns=warn)
        said = [str(w.message) for w in caught if "no value for a universe stock" in str(w.message)]
        assert "600003.SH" in p.codes and p.in_universe[0, list(p.codes).index("600003.SH")]
        if warn:
            assert len(said) == 1 and ": alpha_off; drop them" in said[0], said
        else:
            assert said == []


def test_a_float32_return_keeps_the_seven_digits_float32_holds_not_cents() -> None:
    """The Float32 read rounds to 7 significant digits, not to a price grid: a decimal daily change of
    0.012345 stays 0.012345 (rounded to cents it would read 0.01)."""
    from aurumq_rl.data.loader import cast_numeric_columns

    raw = pl.DataFrame({"pct_chg": [0.012345, -0.0987654], "vol": [1234.5, 0.5]},
                       schema={"pct_chg": pl.Float32, "vol": pl.Float32})
    out = cast_numeric_columns(raw, "f")
    assert out.schema == {"pct_chg": pl.Float64, "vol": pl.Float64}
    assert out["pct_chg"].to_list() == [0.012345, -0.0987654] and out["vol"].to_list() == [1234.5, 0.5]


def test_data_check_names_the_constant_columns_exactly() -> None:
    """A column is constant when it holds at most one distinct finite value (null, NaN and inf are missing, so
    a rolling factor's warm-up nulls do not hide a dead column): all null, all NaN, all inf, one value
    everywhere, and one value with a null, a NaN or an inf beside it are constant; two values are not. A
    constant column is not also reported as market-wide."""
    from aurumq_rl.data.check import check_data

    n, t = 12, 10
    rows = n * t
    one = np.full(rows, 2.5)
    with_gap = one.copy()
    with_gap[7] = np.nan
    with_inf = one.copy()
    with_inf[3] = np.inf
    two = one.copy()
    two[5] = 2.5 + 1e-9
    cols = {"alpha_001": np.random.default_rng(1).normal(size=rows), "alpha_002": one,
            "alpha_003": np.full(rows, np.nan), "alpha_004": np.full(rows, np.inf), "alpha_005": with_gap,
            "alpha_006": with_inf, "alpha_007": two}
    df = pl.DataFrame({"ts_code": [f"{600000 + i:06d}.SH" for i in range(n)] * t,
                       "trade_date": np.repeat(np.arange(np.datetime64("2024-01-01"), np.datetime64("2024-01-01") + t),
                                               n),
                       "close": 10.0, "pct_chg": 0.0, "vol": 1.0, **cols}).with_columns(
        pl.col("trade_date").cast(pl.Date),
        pl.Series("alpha_008", [None] * rows, pl.Float64),  # all null
        pl.when(pl.int_range(pl.len()) == 4).then(None).otherwise(2.5).alias("alpha_009"))  # a value and a null
    rep = check_data(df.lazy())
    finite = {c: df[c].filter(df[c].is_finite()) for c in df.columns if c.startswith("alpha_")}
    expected = [c for c, v in finite.items() if v.n_unique() <= 1]
    assert rep["constant_columns"] == expected == ["alpha_002", "alpha_003", "alpha_004", "alpha_005", "alpha_006",
                                                   "alpha_008", "alpha_009"]
    assert not set(rep["market_wide_columns"]) & set(expected)


def test_factors_without_value_in_a_window_match_a_per_factor_check() -> None:
    """`Panel.factors_without_value(lo, hi)` (one masked AND over the packed bits) names exactly the factors
    missing for every universe stock on dates lo..hi; values off the universe or outside the window don't
    count. 11 factors span two bytes of bits."""
    from aurumq_rl.data.panel import Panel

    rng = np.random.default_rng(0)
    t, n, f = 6, 5, 11
    missing = rng.random((t, n, f)) < 0.3
    missing[1:4, :, [2, 9]] = True  # no value in the window 1..3
    missing[0, 0, 2] = False  # a value before the window
    uni = rng.random((t, n)) < 0.7
    uni[1:4, 0] = True
    missing[1:4, :, 5] = True
    assert (~uni[2]).any()
    missing[2, ~uni[2], 5] = False  # values on stocks outside the universe only
    names = [f"alpha_{i:03d}" for i in range(f)]
    ones = np.ones((t, n), bool)
    p = Panel(dates=np.datetime64("2024-01-02", "D") + np.arange(t), codes=np.array([f"60000{i}.SH" for i in range(n)]),
              factor_names=names, factors=np.zeros((t, n, f), np.float32),
              factor_missing_bits=np.packbits(missing, axis=2), pct_chg=np.zeros((t, n)), present=ones,
              tradeable=ones, can_buy=ones, can_sell=ones, in_universe=uni, is_limit_up=~ones, is_limit_down=~ones,
              board=np.array(["main"] * n))
    want = [names[j] for j in range(f) if missing[1:4, :, j][uni[1:4]].all()]
    assert p.factors_without_value(1, 3) == want
    assert {"alpha_002", "alpha_009", "alpha_005"} <= set(want)
    earlier = [names[j] for j in range(f) if missing[0:4, :, j][uni[0:4]].all()]
    assert p.factors_without_value(0, 3) == earlier and "alpha_002" not in earlier
