"""Technical families on tiny hand-built frames: expected values are computed by hand (or by an explicit
loop written from the textbook formula), never by the code under test."""

from __future__ import annotations

import math
import warnings
from datetime import date

import numpy as np
import polars as pl
import pytest

from aurumq_rl.data.events import exp_decay
from aurumq_rl.data.synth import weekday_calendar
from aurumq_rl.factors import technical as T
from aurumq_rl.factors.engine import compute_factors
from aurumq_rl.factors.expr import X, evaluate
from aurumq_rl.factors.registry import REGISTRY, specs
from aurumq_rl.factors.technical_ops import decay_event, ema_length, ema_weights, streak

specs()  # load the families


weekdays = weekday_calendar

def frame(close: list[float], *, high: list[float] | None = None, low: list[float] | None = None,
          vol: list[float] | None = None, pre_close: list[float] | None = None, code: str = "600000.SH",
          start: date = date(2021, 1, 4)) -> pl.DataFrame:
    n = len(close)
    c = np.asarray(close, float)
    pre = np.asarray(pre_close, float) if pre_close is not None else np.concatenate([[c[0]], c[:-1]])
    return pl.DataFrame({
        "ts_code": [code] * n, "trade_date": weekdays(start, n),
        "open": c, "high": high if high is not None else c, "low": low if low is not None else c, "close": c,
        "vol": vol if vol is not None else [100.0] * n, "amount": [1000.0] * n, "pct_chg": c / pre - 1,
        "pre_close": pre,
    })


def factor(df: pl.DataFrame, name: str) -> list[float | None]:
    return evaluate(df, {name: REGISTRY[name].build()})[name].to_list()


def col(df: pl.DataFrame, x: X) -> list[float | None]:
    return evaluate(df, {"v": x})["v"].to_list()


# tech_ --------------------------------------------------------------------------------------------------
def test_ma_ratio_by_hand() -> None:
    df = frame([1, 2, 3, 4, 5, 6])
    v = factor(df, "tech_ma5_ratio")
    assert v[:4] == [None] * 4
    assert v[4] == pytest.approx(5 / 3 - 1)  # MA5 = (1+2+3+4+5)/5 = 3
    assert v[5] == pytest.approx(6 / 4 - 1)  # MA5 = 4


def _kdj_reference(h: np.ndarray, lo: np.ndarray, c: np.ndarray) -> tuple[list, list]:
    """KDJ by explicit loops: RSV9, then K and D as EMAs (alpha 1/3) over a truncated window."""
    n = len(c)
    rsv = [None] * n
    for t in range(8, n):
        hh, ll = h[t - 8:t + 1].max(), lo[t - 8:t + 1].min()
        rsv[t] = 100 * (c[t] - ll) / (hh - ll) if hh > ll else 50.0
    length = ema_length(1 / 3)
    w = [(1 / 3) * (2 / 3) ** i for i in range(length)]
    w = [x / sum(w) for x in w]  # w[0] today

    def trunc_ema(x: list) -> list:
        out = [None] * n
        for t in range(n):
            win = [x[t - i] if t - i >= 0 else None for i in range(length)]
            if all(v is not None for v in win):
                out[t] = sum(wi * v for wi, v in zip(w, win, strict=True))
        return out

    k = trunc_ema(rsv)
    return k, trunc_ema(k)


def test_kdj_matches_loop_reference_and_textbook_recursion() -> None:
    rng = np.random.default_rng(1)
    c = 10 + np.cumsum(rng.normal(0, 0.2, 90))
    h, lo = c + rng.uniform(0.01, 0.3, 90), c - rng.uniform(0.01, 0.3, 90)
    df = frame(list(c), high=list(h), low=list(lo))
    k_ref, d_ref = _kdj_reference(h, lo, c)
    k, d, j = (factor(df, f"tech_kdj_{x}") for x in "kdj")
    assert ema_length(1 / 3) == 18 and REGISTRY["tech_kdj_k"].lookback == 25 and REGISTRY["tech_kdj_d"].lookback == 42
    assert k[24] is None and k[25] == pytest.approx(k_ref[25])
    assert d[41] is None and d[42] == pytest.approx(d_ref[42])
    for t in (50, 70, 89):
        assert k[t] == pytest.approx(k_ref[t]) and d[t] == pytest.approx(d_ref[t])
        assert j[t] == pytest.approx(3 * k_ref[t] - 2 * d_ref[t])
    # textbook recursion K_t = 2/3 K_{t-1} + 1/3 RSV_t (seeded 50): the truncation drops < 0.1% of the weight
    k_rec = 50.0
    for t in range(8, 90):
        rsv = 100 * (c[t] - lo[t - 8:t + 1].min()) / (h[t - 8:t + 1].max() - lo[t - 8:t + 1].min())
        k_rec = 2 / 3 * k_rec + rsv / 3
    assert k[89] == pytest.approx(k_rec, abs=0.1)


def test_kdj_rsv_flat_range_is_neutral() -> None:
    v = factor(frame([5.0] * 30), "tech_kdj_k")
    assert v[29] == pytest.approx(50.0)


def test_macd_by_hand_and_scale_free() -> None:
    rng = np.random.default_rng(2)
    c = 20 + np.cumsum(rng.normal(0, 0.3, 160))
    df = frame(list(c))

    def ema(x: np.ndarray, span: int, t: int) -> float:
        a = 2 / (span + 1)
        n = ema_length(a)
        w = np.array([a * (1 - a) ** i for i in range(n)])
        return float((w / w.sum()) @ x[t - n + 1:t + 1][::-1])

    dif = np.full(160, np.nan)
    for t in range(89, 160):
        dif[t] = ema(c, 12, t) - ema(c, 26, t)
    t = 159
    dea = ema(dif, 9, t)
    assert factor(df, "tech_macd_dif")[t] == pytest.approx(dif[t] / c[t])
    assert factor(df, "tech_macd_dea")[t] == pytest.approx(dea / c[t])
    assert factor(df, "tech_macd_hist")[t] == pytest.approx(2 * (dif[t] - dea) / c[t])
    assert factor(df, "tech_macd_dea")[118] is None and factor(df, "tech_macd_dea")[119] is not None
    scaled = factor(frame(list(c * 10)), "tech_macd_hist")[t]
    assert scaled == pytest.approx(2 * (dif[t] - dea) / c[t])  # divided by close: price scale cancels
    assert factor(frame([7.0] * 130), "tech_macd_dif")[129] == pytest.approx(0.0, abs=1e-12)


def test_ema_weights_sum_to_one_newest_heaviest() -> None:
    w = ema_weights(0.5, 4)
    assert sum(w) == pytest.approx(1.0) and w == pytest.approx([0.0625 / 0.9375, 0.125 / 0.9375, 0.25 / 0.9375,
                                                               0.5 / 0.9375])


def test_bollinger_pctb_by_hand() -> None:
    closes = list(range(1, 21))  # mean 10.5, population sd sqrt((20^2 - 1) / 12)
    v = factor(frame([float(x) for x in closes]), "tech_boll_pctb20")
    sd = math.sqrt(399 / 12)
    assert v[18] is None
    assert v[19] == pytest.approx((20 - (10.5 - 2 * sd)) / (4 * sd))  # 0.91190
    assert factor(frame([3.0] * 25), "tech_boll_pctb20")[24] is None  # zero-width band


def test_atr_and_amplitude_by_hand() -> None:
    n = 14
    close = [10.0] * 13 + [13.5]
    high = [11.0] * 13 + [14.0]
    low = [9.0] * 13 + [13.0]
    df = frame(close, high=high, low=low, pre_close=[10.0] * 14)
    # TR: 2 on the first 13 days; the gap day: max(14, 10) - min(13, 10) = 4
    assert factor(df, "tech_atr14")[n - 1] == pytest.approx((13 * 2 + 4) / 14 / 13.5)
    assert factor(df, "tech_atr14")[n - 2] is None
    assert factor(df, "tech_amplitude")[n - 1] == pytest.approx((14 - 13) / 10)


def test_volume_ratio_excludes_today() -> None:
    df = frame([1.0] * 7, vol=[100, 200, 300, 400, 500, 600, 0])
    v = factor(df, "tech_volume_ratio5")
    assert v[4] is None and v[5] == pytest.approx(600 / 300) and v[6] == pytest.approx(0.0)
    susp = factor(frame([1.0] * 7, vol=[0, 0, 0, 0, 0, 100, 100]), "tech_volume_ratio5")
    assert susp[5] is None  # previous 5 rows without trade: null, not 100 / 0


def test_mfi_and_obv_by_hand() -> None:
    # typical price = close here (H = L = C); up, up, down moves with vol 10, 20, 30
    c = [10.0] * 12 + [11.0, 12.0, 11.5]
    v = [1.0] * 12 + [10.0, 20.0, 30.0]
    df = frame(c, vol=v)
    pos = 11 * 10 + 12 * 20
    neg = 11.5 * 30
    assert factor(df, "tech_mfi14")[14] == pytest.approx(100 * pos / (pos + neg))
    c20 = [10.0] * 18 + [11.0, 10.5, 10.5]
    v20 = [5.0] * 18 + [10.0, 30.0, 40.0]
    # last 20 rows: sign(delta) = 0 except +1 (vol 10) and -1 (vol 30)
    assert factor(frame(c20, vol=v20), "tech_obv_ratio20")[20] == pytest.approx((10 - 30) / (17 * 5 + 80))


def test_vwap_bias() -> None:
    df = frame([10.0, 10.0]).with_columns(vwap=pl.Series([9.0, 12.5]))
    assert factor(df, "tech_vwap_bias") == pytest.approx([10 / 9 - 1, 10 / 12.5 - 1])


# cmf_ ---------------------------------------------------------------------------------------------------
def test_cmf_by_hand_with_flat_day() -> None:
    df = frame([9.5, 10.0, 10.0], high=[10, 10, 12], low=[8, 10, 10], vol=[100, 50, 200])
    # multipliers: (1.5 - 0.5) / 2 = 0.5; H == L -> 0; (0 - 2) / 2 = -1
    assert col(df, T.cmf(3))[2] == pytest.approx((0.5 * 100 + 0 * 50 - 1 * 200) / 350)
    assert col(df, T.cmf(3))[1] is None
    flat = frame([5.0] * 3, vol=[0.0, 0.0, 0.0])
    assert col(flat, T.cmf(3))[2] is None  # no volume in the window


def test_cmf60_registered() -> None:
    n = 60
    df = frame([10.0] * n, high=[11.0] * n, low=[9.0] * (n - 1) + [10.0], vol=[1.0] * (n - 1) + [3.0])
    # multiplier 0 on the first 59 days (close mid-range), last day (0 - 1) / 1 = -1 with vol 3
    v = factor(df, "cmf_60")
    assert v[n - 2] is None and v[n - 1] == pytest.approx(-3 / (59 + 3))
    assert REGISTRY["cmf_120"].lookback == 119


# tech_evt_ and decay -----------------------------------------------------------------------------------
def test_decay_event_matches_exp_decay_within_horizon() -> None:
    flags = [False, True, False, False, None, True, False, False]
    df = frame([1.0] * 8).with_columns(f=pl.Series(flags, dtype=pl.Boolean))
    got = col(df, decay_event(X.col("f")))
    want = df.select(exp_decay("f")).to_series().to_list()
    assert got == pytest.approx(want)
    assert got[:4] == pytest.approx([0.0, 1.0, math.exp(-0.1), math.exp(-0.2)])


def test_decay_event_horizon() -> None:
    df = frame([1.0] * 102).with_columns(f=pl.Series([True] + [False] * 101))
    got = col(df, decay_event(X.col("f"), horizon=100))
    assert got[99] == pytest.approx(math.exp(-9.9)) and got[100] == 0.0 and got[101] == 0.0


def test_streak_capped() -> None:
    df = frame([1.0] * 9).with_columns(f=pl.Series([True, True, False, True, True, True, True, None, True]))
    assert col(df, streak(X.col("f"), cap=3)) == [1, 2, 0, 1, 2, 3, 3, 0, 1]


EVT_PAD = 120  # flat rows first: the event factors are null before their lookback (119)


def test_golden_and_death_cross_events() -> None:
    # flat, then 25 falling closes then a sharp rise: MA5 crosses above MA20 exactly once
    c = [50.0] * EVT_PAD + [float(x) for x in range(50, 25, -1)] + [26.0 + 3 * k for k in range(1, 16)]
    cc = np.array(c)
    ma5 = np.array([cc[t - 4:t + 1].mean() if t >= 4 else np.nan for t in range(len(c))])
    ma20 = np.array([cc[t - 19:t + 1].mean() if t >= 19 else np.nan for t in range(len(c))])
    above = ma5 > ma20
    cross = [t for t in range(20, len(c)) if above[t] and not above[t - 1]]
    assert len(cross) == 1
    t0 = cross[0]
    g = factor(frame(c), "tech_evt_golden_cross")
    assert g[t0 - 1] == 0.0 and g[t0] == 1.0 and g[t0 + 3] == pytest.approx(math.exp(-0.3))
    down = [20.0] * EVT_PAD + [float(x) for x in range(20, 45)] + [44.0 - 3 * k for k in range(1, 16)]
    dd = factor(frame(down), "tech_evt_death_cross")
    assert max(dd[EVT_PAD:]) == 1.0 and dd.index(1.0) > EVT_PAD + 25


def test_breakout_and_breakdown() -> None:
    p = EVT_PAD
    close = [9.0] * (p + 25) + [10.5, 10.0]
    high = [10.0] * (p + 25) + [10.6, 10.6]
    v = factor(frame(close, high=high, low=[8.0] * (p + 27)), "tech_evt_high_breakout20")
    assert v[p + 24] == 0.0 and v[p + 25] == 1.0 and v[p + 26] == pytest.approx(math.exp(-0.1))
    low_c = [9.0] * (p + 25) + [7.5]
    w = factor(frame(low_c, high=[10.0] * (p + 26), low=[8.0] * (p + 25) + [7.4]), "tech_evt_low_breakdown20")
    assert w[p + 24] == 0.0 and w[p + 25] == 1.0


def test_event_outputs_are_decays_not_raw_flags() -> None:
    rng = np.random.default_rng(3)
    c = 10 + np.cumsum(rng.normal(0, 0.3, 150 + EVT_PAD))
    df = frame(list(c), high=list(c + 0.2), low=list(c - 0.2))
    allowed = np.array([0.0] + [math.exp(-k / 10) for k in range(100)])
    for s in specs("tech"):
        if s.name.startswith("tech_evt_"):
            v = np.array(factor(df, s.name)[EVT_PAD:], dtype=float)
            assert np.isclose(v[:, None], allowed[None, :]).any(axis=1).all(), s.name
            assert (v > 0).any() and (v < 1).any(), s.name  # decays between events, not a 0/1 flag


# zt_ ----------------------------------------------------------------------------------------------------
def _limit_series() -> tuple[pl.DataFrame, list[date]]:
    """ChiNext 300001.SZ over 2020-02..09 (flat until August: the event factors' lookbacks pass first) with
    planted moves, and a main-board ST stock with a +5% day."""
    dates = weekdays(date(2020, 2, 10), 160)
    moves = {date(2020, 8, 10): 0.10, date(2020, 8, 11): 0.10, date(2020, 8, 20): 0.10,
             date(2020, 8, 25): 0.15, date(2020, 8, 27): 0.20, date(2020, 8, 28): 0.20}
    closes, pre, price = [], [], 10.0
    for d in dates:
        pre.append(price)
        price = round(price * (1 + moves.get(d, 0.0)) + 1e-9, 2)
        closes.append(price)
    cy = frame(closes, pre_close=pre, code="300001.SZ", start=dates[0])
    st_close = [10.0] * 120 + [10.5] * 40
    st = frame(st_close, code="600001.SH", start=dates[0]).with_columns(is_st=pl.lit(True))
    both = pl.concat([cy.with_columns(is_st=pl.lit(False)), st])
    return both, dates


def test_zt_limit_up_uses_date_aware_chinext_rule() -> None:
    df, dates = _limit_series()
    out, rep = compute_factors(df, families="zt", progress=False)
    assert rep.computed and not rep.skipped and "is_limit_up" in rep.derived
    cy = out.filter(pl.col("ts_code") == "300001.SZ")
    rec = dict(zip(cy["trade_date"].to_list(), cy["zt_recent"].to_list(), strict=True))
    streak_ = dict(zip(cy["trade_date"].to_list(), cy["zt_streak"].to_list(), strict=True))
    # before 2020-08-24 (10% limit) +10% is limit-up; after it (20%) +15% is not, +20% is
    assert rec[date(2020, 8, 10)] == 1.0 and rec[date(2020, 8, 11)] == 1.0 and rec[date(2020, 8, 20)] == 1.0
    assert rec[date(2020, 8, 25)] == pytest.approx(math.exp(-0.3))  # last limit-up 3 rows back (08-20)
    assert rec[date(2020, 8, 27)] == 1.0
    assert [streak_[d] for d in (date(2020, 8, 10), date(2020, 8, 11), date(2020, 8, 12))] == [1, 2, 0]
    assert streak_[date(2020, 8, 25)] == 0 and streak_[date(2020, 8, 27)] == 1 and streak_[date(2020, 8, 28)] == 2
    # counts on the last day (2020-09-18): the 30-row window starts 2020-08-10 and holds all five limit-ups
    last = cy.row(-1, named=True)
    assert last["trade_date"] == date(2020, 9, 18)
    assert last["zt_count30"] == 5 and last["zt_count60"] == 5
    cnt = dict(zip(cy["trade_date"].to_list(), cy["zt_count30"].to_list(), strict=True))
    assert cnt[date(2020, 8, 20)] == 3 and cnt[date(2020, 8, 25)] == 3 and cnt[date(2020, 8, 27)] == 4
    first = dict(zip(cy["trade_date"].to_list(), cy["zt_first_board"].to_list(), strict=True))
    assert first[date(2020, 8, 10)] == 1.0  # none in the prior 20 rows
    assert first[date(2020, 8, 11)] == pytest.approx(math.exp(-0.1))  # a second board, not a first one
    assert first[date(2020, 8, 20)] == pytest.approx(math.exp(-0.8))  # 08-10 is within the prior 20 rows
    st = out.filter(pl.col("ts_code") == "600001.SH")
    assert st["zt_recent"][120] == 1.0 and st["zt_streak"][120] == 1  # ST main board: +5% is the limit
    assert st["zt_count30"][29] == 0 and st["zt_count30"][28] is None


def test_zt_warns_when_a_late_first_bar_is_taken_for_a_new_listing() -> None:
    """Without list_date, a stock whose first bar comes after the data's first date (here a seasoned stock
    suspended on the first two dates) is taken for a new listing, whose first days have no limit: its
    limit-ups there are not flagged. The engine says so, as the panel loader does, when a zt_ factor is asked
    for; not with list_date, nor for the tech family, which does not read the limit flags."""
    close = [10.0 + 0.01 * (k % 3) for k in range(40)]
    late = frame(close[2:], code="600036.SH", start=date(2023, 6, 5))
    df = pl.concat([frame(close, start=date(2023, 6, 1)), late])

    def messages(data: pl.DataFrame, families: str) -> list[str]:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            compute_factors(data, families=families, progress=False)
        return [str(w.message) for w in caught if "new listings" in str(w.message)]

    got = messages(df, "zt")
    assert len(got) == 1 and "1 stock(s)" in got[0] and "600036.SH" in got[0] and "zt_ factors miss" in got[0]
    assert "add a list_date column" in got[0] and got[0].startswith("<INPUT DataFrame>: ")
    assert messages(df.with_columns(list_date=pl.lit(date(2010, 1, 4))), "zt") == []
    assert messages(df, "tech") == []


def test_an_ema_needs_exactly_one_of_span_and_alpha_in_range() -> None:
    from aurumq_rl.factors.technical_ops import ema, ema_length

    for bad in (0.0, 1.0):
        with pytest.raises(ValueError, match=f"alpha must be in \\(0, 1\\), got {bad}"):
            ema_length(bad)
    for kw in ({}, {"span": 12, "alpha": 0.5}):
        with pytest.raises(ValueError, match="give exactly one of span, alpha"):
            ema(X.col("close"), **kw)
    # span 3 is alpha 0.5: 0.5^10 ≤ 1e-3 < 0.5^9, so a 10-row window
    assert ema(X.col("close"), span=3)[1] == ema(X.col("close"), alpha=0.5)[1] == 10
