"""Shared pieces of the GTJA Alpha191 formula modules (`gtja191_a` .. `gtja191_d`): the short input names
(O, H, L, C, ...) and the helpers that several formulas share. The underscored helpers are private to the
formula modules; `adx_core` is also used by the GTJA parity test.
"""

from __future__ import annotations

from aurumq_rl.factors.expr import X
from aurumq_rl.factors.gtja_ops import (
    AMOUNT,
    BANCHMARKINDEXCLOSE,
    BANCHMARKINDEXOPEN,
    CLOSE,
    HIGH,
    LOW,
    OPEN,
    RET,
    VOLUME,
    VWAP,
    abs_,
    delay,
    hd,
    iif,
    ld,
    log,
    max_,
    mean,
    min_,
    sma,
    std,
    sum_,
    sumac,
    tr,
    tsmax,
    tsmin,
)

O, H, L, C, V, VW, AMT, R = OPEN, HIGH, LOW, CLOSE, VOLUME, VWAP, AMOUNT, RET
BC, BO = BANCHMARKINDEXCLOSE, BANCHMARKINDEXOPEN


def _bool(x: X) -> X:
    """A comparison as 1.0 / 0.0 (null stays null)."""
    return iif(x, 1.0, 0.0)


def _clv_volume() -> X:
    """((CLOSE-LOW)-(HIGH-CLOSE))/(HIGH-LOW)*VOLUME (#11, #60)."""
    return ((C - L) - (H - C)) / (H - L) * V


def _close_location_sum(n: int) -> X:
    """SUM((CLOSE==DELAY(CLOSE,1)?0:CLOSE-(CLOSE>DELAY(CLOSE,1)?MIN(LOW,DELAY(CLOSE,1)):MAX(HIGH,...))),n)."""
    p = delay(C, 1)
    return sum_(iif(C == p, 0.0, C - iif(C > p, min_(L, p), max_(H, p))), n)


def _signed_volume_sum(n: int) -> X:
    """SUM((CLOSE>DELAY(CLOSE,1)?VOLUME:(CLOSE<DELAY(CLOSE,1)?-VOLUME:0)),n) (#43, #84, #94)."""
    p = delay(C, 1)
    return sum_(iif(C > p, V, iif(C < p, -V, 0.0)), n)


def _hl_move_sums() -> tuple[X, X]:
    """(SUM(HL>=PHL?0:M,12), SUM(HL<=PHL?0:M,12)) with HL = HIGH+LOW, PHL = its delay, M the larger move."""
    hl = H + L
    phl = delay(H, 1) + delay(L, 1)
    m = max_(abs_(H - delay(H, 1)), abs_(L - delay(L, 1)))
    return sum_(iif(hl >= phl, 0.0, m), 12), sum_(iif(hl <= phl, 0.0, m), 12)


def _rsi_like(n: int) -> X:
    """SMA(MAX(CLOSE-DELAY(CLOSE,1),0),n,1)/SMA(ABS(CLOSE-DELAY(CLOSE,1)),n,1)*100 (#63, #67, #79)."""
    d = C - delay(C, 1)
    return sma(max_(d, 0.0), n, 1) / sma(abs_(d), n, 1) * 100


def _stoch_k() -> X:
    """(CLOSE-TSMIN(LOW,9))/(TSMAX(HIGH,9)-TSMIN(LOW,9))*100."""
    return (C - tsmin(L, 9)) / (tsmax(H, 9) - tsmin(L, 9)) * 100


def _williams(n_sma: int) -> X:
    """SMA((TSMAX(HIGH,6)-CLOSE)/(TSMAX(HIGH,6)-TSMIN(LOW,6))*100,n,1) (#47, #72, #82)."""
    return sma((tsmax(H, 6) - C) / (tsmax(H, 6) - tsmin(L, 6)) * 100, n_sma, 1)


def _mid_move_volume(n: int, m: int) -> X:
    """SMA(((HIGH+LOW)/2-(DELAY(HIGH,1)+DELAY(LOW,1))/2)*(HIGH-LOW)/VOLUME,n,m) (#9, #68)."""
    return sma(((H + L) / 2 - (delay(H, 1) + delay(L, 1)) / 2) * (H - L) / V, n, m)


def udm_value() -> X:
    """The summand of #55 and the value of #137 (Welles Wilder's swing index term)."""
    p, po, plo = delay(C, 1), delay(O, 1), delay(L, 1)
    a, b, c, d = abs_(H - p), abs_(L - p), abs_(H - plo), abs_(p - po)
    denom = iif((a > b) & (a > c), a + b / 2 + d / 4, iif((b > c) & (b > a), b + a / 2 + d / 4, c + d / 4))
    return 16 * (C - p + (C - O) / 2 + p - po) / denom * max_(a, b)


def _triple_sma_log_close() -> X:
    """SMA(SMA(SMA(LOG(CLOSE),13,2),13,2),13,2) (#122, #173)."""
    return sma(sma(sma(log(C), 13, 2), 13, 2), 13, 2)


def _true_range_mean(n: int) -> X:
    """MEAN(MAX(MAX((HIGH-LOW),ABS(DELAY(CLOSE,1)-HIGH)),ABS(DELAY(CLOSE,1)-LOW)),n) (#161, #175)."""
    p = delay(C, 1)
    return mean(max_(max_(H - L, abs_(p - H)), abs_(p - L)), n)


def adx_core(ld_series: X | None = None) -> X:
    """MEAN(ABS(PDI-MDI)/(PDI+MDI)*100,6) of #172 / #186 with LD, HD and TR of the report.

    `ld_series` replaces LD (the parity test passes py-alpha-lib's LOW - DELAY(LOW,1) to show that the sign
    of LD is the only difference to that reference).
    """
    l_d = ld() if ld_series is None else ld_series
    h_d = hd()
    str14 = sum_(tr(), 14)
    pdi = sum_(iif((l_d > 0) & (l_d > h_d), l_d, 0.0), 14) * 100 / str14
    mdi = sum_(iif((h_d > 0) & (h_d > l_d), h_d, 0.0), 14) * 100 / str14
    return mean(abs_(pdi - mdi) / (pdi + mdi) * 100, 6)


def _range_over_std(n: int) -> X:
    """MAX(SUMAC(CLOSE-MEAN(CLOSE,n)))-MIN(SUMAC(CLOSE-MEAN(CLOSE,n)))/STD(CLOSE,n) (#165, #183).

    SUMAC is read as a rolling n-day sum and the outer MAX / MIN as n-day TSMAX / TSMIN (py-alpha-lib's
    reading, see `gtja_ops.sumac`); operator precedence as written (only MIN(...) is divided by STD).
    """
    s = sumac(C - mean(C, n), n)
    return tsmax(s, n) - tsmin(s, n) / std(C, n)
