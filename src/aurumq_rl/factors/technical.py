"""Technical families from OHLCV as staged expressions: `tech_` indicators, `tech_evt_` exp-decayed events,
`cmf_` Chaikin money flow, `zt_` limit-up statistics.

Conventions (each formula is also in its `FactorSpec.formula`, hence in docs/FACTOR_REFERENCE.md):
- Windows are rows of the stock (its own bars, date order) and need a full window: the first `lookback` rows of
  a stock are null. `lookback` (the registry's convention) is the number of past rows, today excluded, the value
  needs; below each spec is given `rows` = lookback + 1, the rows including today.
- EMAs are truncated to a finite window (see `technical_ops`), so every value depends on a fixed number of past
  rows: point in time, independent of where the data start, and exact under date batching.
- Price-scale outputs (MACD, ATR) are divided by today's close, so they are scale-free across stocks.
- `pre_close` is the previous close of the row (the engine derives close / (1 + pct_chg) when it is absent).
- Binary events never leave the module raw: they are encoded by exp-decay (τ = 10 rows, `data.events`). The
  event and streak factors are null before their lookback too (`technical_ops.warm_up`): before it, an event
  (or a run) before the stock's first row could not be seen, so a 0 or a short run would be a guess.
- `zt_` reads `is_limit_up`, added by the engine from `aurumq_rl.market` (board from the code, the date-aware
  limit rule table, ST from `is_st`/`name`); no limit rule is re-implemented here.
"""

from __future__ import annotations

from collections.abc import Callable

from aurumq_rl.factors import ops
from aurumq_rl.factors.expr import X, maximum, minimum, sign, where
from aurumq_rl.factors.registry import FactorSpec, register
from aurumq_rl.factors.technical_ops import EVENT_HORIZON, decay_event, ema, ema_length, streak, warm_up

HIGH, LOW, CLOSE = X.col("high"), X.col("low"), X.col("close")
VOL, VWAP, PRE_CLOSE = X.col("vol"), X.col("vwap"), X.col("pre_close")
LIMIT_UP = X.col("is_limit_up")  # derived by the engine (market.status.annotate)

ZT_INPUTS = ("open", "high", "low", "close", "pct_chg", "pre_close")  # what the limit detection reads
BOLL_ZERO_STD_RTOL = 1e-6  # a band narrower than this (relative to the mean) counts as zero width: %B null
CROSS_RTOL = 1e-9  # MA5 and MA20 closer than this (relative) count as equal: rolling-sum rounding is no cross
PRICE_TIE_RTOL = 1e-6  # sums of prices closer than this (relative) are equal: (10.03 + 9.95 + 10.02) / 3 is 10.0
# less one ulp in floats; a real move of the typical price is at least a third of a cent, 1e-6 of 3,333 yuan
FIRST_BOARD_QUIET = 20  # first board: a limit-up with none in the prior 20 rows
STREAK_CAP = 30
TECH_REASON = "no external reference; hand-computed values in tests/factors/test_technical.py"

# Truncated-EMA window lengths (rows) used in the lookbacks below.
L_EMA26, L_EMA9 = ema_length(2 / 27), ema_length(2 / 10)
L_KDJ = ema_length(1 / 3)


def _spec(name: str, family: str, formula: str, inputs: tuple[str, ...], rows: int,
          build: Callable[[], X], conventions: tuple[str, ...] = (), *, filled: bool = False) -> None:
    """Register a clean technical factor; `rows` = rows the first value needs, today included. `filled`: the
    build gives values before that (`decay_event`, `streak`), which are nulled (`warm_up`)."""
    make = (lambda: warm_up(build(), rows - 1)) if filled else build
    register(FactorSpec(name=name, family=family, formula=formula, inputs=inputs, lookback=rows - 1,
                        quality="clean", build=make, reason=TECH_REASON, conventions=conventions))


# tech_: moving averages -------------------------------------------------------------------------------
def ma_ratio(n: int) -> X:
    """close / MA_n(close) - 1: distance from the n-day simple moving average."""
    return CLOSE / ops.ts_mean(CLOSE, n) - 1


for _n in (5, 10, 20, 60):
    _spec(f"tech_ma{_n}_ratio", "tech", f"close / mean(close, {_n}) - 1", ("close",), _n,
          lambda n=_n: ma_ratio(n))


# tech_: KDJ (9, 3, 3) ------------------------------------------------------------------------------------
def rsv(n: int = 9) -> X:
    """Raw stochastic value, 0..100: (close - lowest low) / (highest high - lowest low) over n rows;
    50 (neutral) when the range is zero."""
    lo, hi = ops.ts_min(LOW, n), ops.ts_max(HIGH, n)
    return where(hi > lo, (CLOSE - lo) / (hi - lo) * 100, 50.0)


def kdj() -> tuple[X, X, X]:
    """K = SMA(RSV9, 3, 1), D = SMA(K, 3, 1) (EMA with alpha 1/3, truncated), J = 3K - 2D."""
    k, _ = ema(rsv(9), alpha=1 / 3)
    d, _ = ema(k, alpha=1 / 3)
    return k, d, 3 * k - 2 * d


_KDJ_CONV = ("SMA(x, 3, 1) = EMA alpha 1/3 truncated (tail < 0.1%), not seeded with 50", "RSV = 50 when H9 == L9")
_spec("tech_kdj_k", "tech", "K = SMA(RSV9, 3, 1); RSV9 = 100 (close - min(low, 9)) / (max(high, 9) - min(low, 9))",
      ("high", "low", "close"), 9 + L_KDJ - 1, lambda: kdj()[0], _KDJ_CONV)
_spec("tech_kdj_d", "tech", "D = SMA(K, 3, 1)", ("high", "low", "close"), 9 + 2 * L_KDJ - 2,
      lambda: kdj()[1], _KDJ_CONV)
_spec("tech_kdj_j", "tech", "J = 3 K - 2 D", ("high", "low", "close"), 9 + 2 * L_KDJ - 2,
      lambda: kdj()[2], _KDJ_CONV)


# tech_: MACD (12, 26, 9) ---------------------------------------------------------------------------------
def macd() -> tuple[X, X, X]:
    """DIF = EMA12(close) - EMA26(close), DEA = EMA9(DIF), histogram = 2 (DIF - DEA); all / close."""
    fast, _ = ema(CLOSE, span=12)
    slow, _ = ema(CLOSE, span=26)
    dif = fast - slow
    dea, _ = ema(dif, span=9)
    return dif / CLOSE, dea / CLOSE, 2 * (dif - dea) / CLOSE


_MACD_CONV = ("EMA(span) alpha = 2 / (span + 1), truncated (tail < 0.1%)", "divided by today's close")
_spec("tech_macd_dif", "tech", "(EMA12(close) - EMA26(close)) / close", ("close",), L_EMA26, lambda: macd()[0],
      _MACD_CONV)
_spec("tech_macd_dea", "tech", "EMA9(DIF) / close", ("close",), L_EMA26 + L_EMA9 - 1, lambda: macd()[1], _MACD_CONV)
_spec("tech_macd_hist", "tech", "2 (DIF - DEA) / close", ("close",), L_EMA26 + L_EMA9 - 1, lambda: macd()[2],
      _MACD_CONV)


# tech_: bands, ranges, volume ----------------------------------------------------------------------------
def boll_pctb(n: int = 20, k: float = 2.0) -> X:
    """Bollinger %B: (close - lower) / (upper - lower), bands mean ± k·std (ddof 0) over n rows; null when the
    band has (numerically) zero width."""
    mid, sd = ops.ts_mean(CLOSE, n), ops.ts_std(CLOSE, n, ddof=0)
    return where(sd > abs(mid) * BOLL_ZERO_STD_RTOL, (CLOSE - (mid - k * sd)) / (2 * k * sd), X.lit(None))


def true_range() -> X:
    """max(high, pre_close) - min(low, pre_close) = max(H - L, |H - PC|, |L - PC|)."""
    return maximum(HIGH, PRE_CLOSE) - minimum(LOW, PRE_CLOSE)


def atr_ratio(n: int = 14) -> X:
    """ATR(n) / close with ATR the simple n-row mean of the true range (not Wilder's recursive smoothing)."""
    return ops.ts_mean(true_range(), n) / CLOSE


def traded_rows(n: int) -> X:
    """Rows with vol > 0 among the last n. Guards ratios of rolling sums: a window without trading has a sum
    that is 0 only up to rounding, which must give null, not a ratio of rounding residues."""
    return ops.ts_sum(VOL > 0, n)


def volume_ratio(n: int = 5) -> X:
    """量比: today's vol / mean vol of the previous n rows (today excluded); null when those rows had no trade."""
    ratio = VOL / ops.delay(ops.ts_mean(VOL, n), 1)
    return where(ops.delay(traded_rows(n), 1) > 0, ratio, X.lit(None))


def mfi(n: int = 14) -> X:
    """Money-flow index, 0..100: typical price TP = (H + L + C) / 3, flow = TP·vol; 100·Σ flow on TP-up rows /
    (Σ flow on TP-up rows + Σ flow on TP-down rows) over n rows; null when no row of the window moved TP with
    volume. TP moves only by more than PRICE_TIE_RTOL: equal sums of other prices are no move."""
    tp = (HIGH + LOW + CLOSE) / 3
    prev = ops.delay(tp, 1)
    eps = abs(prev) * PRICE_TIE_RTOL
    up, down = tp - prev > eps, prev - tp > eps
    flow = tp * VOL
    pos = ops.ts_sum(where(up, flow, 0.0), n)
    neg = ops.ts_sum(where(down, flow, 0.0), n)
    moved = ops.ts_sum((up | down) & (VOL > 0), n)
    return where(moved > 0, 100 * pos / (pos + neg), X.lit(None))


def obv_ratio(n: int = 20) -> X:
    """Σ sign(close - previous close)·vol / Σ vol over n rows (on-balance volume per unit volume), in [-1, 1];
    null when no row of the window traded."""
    ratio = ops.ts_sum(sign(ops.delta(CLOSE, 1)) * VOL, n) / ops.ts_sum(VOL, n)
    return where(traded_rows(n) > 0, ratio, X.lit(None))


_spec("tech_boll_pctb20", "tech", "(close - (MA20 - 2 sd20)) / (4 sd20), sd ddof 0", ("close",), 20, boll_pctb,
      ("sd ddof = 0 (Bollinger)", "null when sd20 <= 1e-6 |MA20|"))
_spec("tech_atr14", "tech", "mean(max(high, pre_close) - min(low, pre_close), 14) / close",
      ("high", "low", "close", "pre_close"), 14, atr_ratio, ("ATR = simple mean of true range",))
_spec("tech_amplitude", "tech", "(high - low) / pre_close", ("high", "low", "pre_close"), 1,
      lambda: (HIGH - LOW) / PRE_CLOSE)
_spec("tech_volume_ratio5", "tech", "vol / mean(vol over the previous 5 rows)", ("vol",), 6, volume_ratio,
      ("量比: denominator excludes today", "null when the previous 5 rows had no trade"))
_spec("tech_mfi14", "tech", "100 Σ14 TP·vol [TP up] / (Σ14 TP·vol [TP up] + Σ14 TP·vol [TP down]), "
      "TP = (high + low + close) / 3", ("high", "low", "close", "vol"), 15, mfi,
      ("a TP move is one beyond 1e-6 relative: equal sums of other prices are no move",))
_spec("tech_obv_ratio20", "tech", "sum(sign(delta(close, 1)) vol, 20) / sum(vol, 20)", ("close", "vol"), 21,
      obv_ratio)
_spec("tech_vwap_bias", "tech", "close / vwap - 1 (vwap = amount·1000 / (vol·100) when absent)",
      ("close", "vwap"), 1, lambda: CLOSE / VWAP - 1,
      ("vwap derived per row when absent: amount·1000 / (vol·100) on real (cent-grid) prices, else the typical "
       "price (high + low + close) / 3, so on adjusted prices this is close / typical price - 1",))


# tech_evt_: exp-decayed binary events -------------------------------------------------------------------
def ma_gap_side() -> X:
    """+1 when MA5 > MA20, -1 when MA5 < MA20, 0 when equal within CROSS_RTOL (relative to MA20)."""
    m5, m20 = ops.ts_mean(CLOSE, 5), ops.ts_mean(CLOSE, 20)
    eps = abs(m20) * CROSS_RTOL
    return where(m5 - m20 > eps, 1.0, where(m20 - m5 > eps, -1.0, 0.0))


def golden_cross() -> X:
    """MA5 crosses above MA20 today: MA5 > MA20 and yesterday MA5 <= MA20."""
    side = ma_gap_side()
    return (side > 0) & (ops.delay(side, 1) <= 0)


def death_cross() -> X:
    """MA5 crosses below MA20 today: MA5 < MA20 and yesterday MA5 >= MA20."""
    side = ma_gap_side()
    return (side < 0) & (ops.delay(side, 1) >= 0)


def high_breakout(n: int = 20) -> X:
    """Close above the highest high of the previous n rows."""
    return CLOSE > ops.delay(ops.ts_max(HIGH, n), 1)


def low_breakdown(n: int = 20) -> X:
    """Close below the lowest low of the previous n rows."""
    return CLOSE < ops.delay(ops.ts_min(LOW, n), 1)


_EVT_CONV = (f"exp(-rows since event / 10), 1 on the day, 0 without an event in the last {EVENT_HORIZON} rows",
             "null before the lookback (an earlier event could not be seen)")
_EVT_LB = 21 + EVENT_HORIZON - 1
for _name, _fn, _desc, _inp in (
    ("golden_cross", golden_cross, "MA5 > MA20 and delay(MA5) <= delay(MA20), equal within 1e-9 relative", ("close",)),
    ("death_cross", death_cross, "MA5 < MA20 and delay(MA5) >= delay(MA20), equal within 1e-9 relative", ("close",)),
    ("high_breakout20", high_breakout, "close > delay(max(high, 20), 1)", ("high", "close")),
    ("low_breakdown20", low_breakdown, "close < delay(min(low, 20), 1)", ("low", "close")),
):
    _spec(f"tech_evt_{_name}", "tech", f"exp_decay({_desc}, tau=10)", _inp, _EVT_LB,
          lambda fn=_fn: decay_event(fn()), _EVT_CONV, filled=True)


# cmf_: Chaikin money flow ----------------------------------------------------------------------------------
def cmf(n: int) -> X:
    """Σ mfm·vol / Σ vol over n rows, mfm = ((C - L) - (H - C)) / (H - L), 0 on a day with H == L;
    null when no row of the window traded."""
    mfm = where(HIGH > LOW, ((CLOSE - LOW) - (HIGH - CLOSE)) / (HIGH - LOW), 0.0)
    ratio = ops.ts_sum(mfm * VOL, n) / ops.ts_sum(VOL, n)
    return where(traded_rows(n) > 0, ratio, X.lit(None))


for _n in (60, 120):
    _spec(f"cmf_{_n}", "cmf", f"sum(((close - low) - (high - close)) / (high - low) · vol, {_n}) / sum(vol, {_n}); "
          "multiplier 0 when high == low", ("high", "low", "close", "vol"), _n, lambda n=_n: cmf(n))


# zt_: limit-up statistics ----------------------------------------------------------------------------------
def first_board(quiet: int = FIRST_BOARD_QUIET) -> X:
    """A limit-up close with no limit-up close in the prior `quiet` rows."""
    return LIMIT_UP & (ops.delay(ops.ts_sum(LIMIT_UP, quiet), 1) == 0)


_ZT_CONV = ("is_limit_up from aurumq_rl.market (date-aware limit table; ChiNext 10% -> 20% on 2020-08-24)",)
for _n in (30, 60):
    _spec(f"zt_count{_n}", "zt", f"sum(is_limit_up, {_n})", ZT_INPUTS, _n,
          lambda n=_n: ops.ts_sum(LIMIT_UP, n), _ZT_CONV)
_spec("zt_streak", "zt", f"consecutive limit-up closes ending today (0 if today is not one), capped at {STREAK_CAP}",
      ZT_INPUTS, STREAK_CAP + 1, lambda: streak(LIMIT_UP, cap=STREAK_CAP),
      _ZT_CONV + ("null before the lookback (a run before the first row could not be seen)",), filled=True)
_spec("zt_first_board", "zt", f"exp_decay(is_limit_up and sum(is_limit_up over the prior {FIRST_BOARD_QUIET} rows)"
      " == 0, tau=10)", ZT_INPUTS, FIRST_BOARD_QUIET + EVENT_HORIZON, lambda: decay_event(first_board()),
      _ZT_CONV + _EVT_CONV, filled=True)
_spec("zt_recent", "zt", "exp_decay(is_limit_up, tau=10): recency of the last limit-up close", ZT_INPUTS,
      EVENT_HORIZON, lambda: decay_event(LIMIT_UP), _ZT_CONV + _EVT_CONV, filled=True)
