"""GTJA Alpha191 formulas #1-#95 (registered by `factors.gtja191`).

Each function `aNNN` returns alpha NNN as an `X`; its docstring is the formula as published in the GTJA
report (long formulas wrapped; `gtja191.formula_text` joins the lines). Operators and their conventions are
in `factors.gtja_ops`. Ternaries `c ? a : b` are `iif(c, a, b)`, `^` is `**`, `&&`/`||` are `&`/`|`.
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
    corr,
    count,
    cov,
    dbm,
    decaylinear,
    delay,
    delta,
    dtm,
    iif,
    log,
    max_,
    mean,
    min_,
    rank,
    regbeta,
    sequence,
    sign,
    sma,
    std,
    sum_,
    tsmax,
    tsmin,
    tsrank,
    wma,
)

O, H, L, C, V, VW, AMT, R = OPEN, HIGH, LOW, CLOSE, VOLUME, VWAP, AMOUNT, RET


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


def a001() -> X:
    """(-1 * CORR(RANK(DELTA(LOG(VOLUME), 1)), RANK(((CLOSE - OPEN) / OPEN)), 6))"""
    return -1 * corr(rank(delta(log(V), 1)), rank((C - O) / O), 6)


def a002() -> X:
    """(-1 * DELTA((((CLOSE - LOW) - (HIGH - CLOSE)) / (HIGH - LOW)), 1))"""
    return -1 * delta(((C - L) - (H - C)) / (H - L), 1)


def a003() -> X:
    """SUM((CLOSE==DELAY(CLOSE,1)?0:CLOSE-(CLOSE>DELAY(CLOSE,1)?MIN(LOW,DELAY(CLOSE,1)):
    MAX(HIGH,DELAY(CLOSE,1)))),6)"""
    return _close_location_sum(6)


def a004() -> X:
    """((((SUM(CLOSE, 8) / 8) + STD(CLOSE, 8)) < (SUM(CLOSE, 2) / 2)) ? (-1 * 1) : (((SUM(CLOSE, 2) / 2) <
    ((SUM(CLOSE, 8) / 8) - STD(CLOSE, 8))) ? 1 : (((1 < (VOLUME / MEAN(VOLUME,20))) || ((VOLUME /
    MEAN(VOLUME,20)) == 1)) ? 1 : (-1 * 1))))"""
    m8, s8, m2 = sum_(C, 8) / 8, std(C, 8), sum_(C, 2) / 2
    vr = V / mean(V, 20)
    return iif(m8 + s8 < m2, -1.0, iif(m2 < m8 - s8, 1.0, iif((1 < vr) | (vr == 1), 1.0, -1.0)))


def a005() -> X:
    """(-1 * TSMAX(CORR(TSRANK(VOLUME, 5), TSRANK(HIGH, 5), 5), 3))"""
    return -1 * tsmax(corr(tsrank(V, 5), tsrank(H, 5), 5), 3)


def a006() -> X:
    """(RANK(SIGN(DELTA((((OPEN * 0.85) + (HIGH * 0.15))), 4)))* -1)"""
    return rank(sign(delta(O * 0.85 + H * 0.15, 4))) * -1


def a007() -> X:
    """((RANK(MAX((VWAP - CLOSE), 3)) + RANK(MIN((VWAP - CLOSE), 3))) * RANK(DELTA(VOLUME, 3)))"""
    return (rank(max_(VW - C, 3)) + rank(min_(VW - C, 3))) * rank(delta(V, 3))


def a008() -> X:
    """RANK(DELTA(((((HIGH + LOW) / 2) * 0.2) + (VWAP * 0.8)), 4) * -1)"""
    return rank(delta((H + L) / 2 * 0.2 + VW * 0.8, 4) * -1)


def a009() -> X:
    """SMA(((HIGH+LOW)/2-(DELAY(HIGH,1)+DELAY(LOW,1))/2)*(HIGH-LOW)/VOLUME,7,2)"""
    return _mid_move_volume(7, 2)


def a010() -> X:
    """(RANK(MAX(((RET < 0) ? STD(RET, 20) : CLOSE)^2),5))"""
    # The report's parentheses are broken; MAX(x^2, 5) is read as TSMAX(x^2, 5) (the Alpha101 #1 pattern).
    return rank(tsmax(iif(R < 0, std(R, 20), C) ** 2, 5))


def a011() -> X:
    """SUM(((CLOSE-LOW)-(HIGH-CLOSE))/(HIGH-LOW)*VOLUME,6)"""
    return sum_(_clv_volume(), 6)


def a012() -> X:
    """(RANK((OPEN - (SUM(VWAP, 10) / 10)))) * (-1 * (RANK(ABS((CLOSE - VWAP)))))"""
    return rank(O - sum_(VW, 10) / 10) * (-1 * rank(abs_(C - VW)))


def a013() -> X:
    """(((HIGH * LOW)^0.5) - VWAP)"""
    return (H * L) ** 0.5 - VW


def a014() -> X:
    """CLOSE-DELAY(CLOSE,5)"""
    return C - delay(C, 5)


def a015() -> X:
    """OPEN/DELAY(CLOSE,1)-1"""
    return O / delay(C, 1) - 1


def a016() -> X:
    """(-1 * TSMAX(RANK(CORR(RANK(VOLUME), RANK(VWAP), 5)), 5))"""
    return -1 * tsmax(rank(corr(rank(V), rank(VW), 5)), 5)


def a017() -> X:
    """RANK((VWAP - MAX(VWAP, 15)))^DELTA(CLOSE, 5)"""
    return rank(VW - max_(VW, 15)) ** delta(C, 5)


def a018() -> X:
    """CLOSE/DELAY(CLOSE,5)"""
    return C / delay(C, 5)


def a019() -> X:
    """(CLOSE<DELAY(CLOSE,5)?(CLOSE-DELAY(CLOSE,5))/DELAY(CLOSE,5):(CLOSE==DELAY(CLOSE,5)?0:
    (CLOSE-DELAY(CLOSE,5))/CLOSE))"""
    p = delay(C, 5)
    return iif(C < p, (C - p) / p, iif(C == p, 0.0, (C - p) / C))


def a020() -> X:
    """(CLOSE-DELAY(CLOSE,6))/DELAY(CLOSE,6)*100"""
    return (C - delay(C, 6)) / delay(C, 6) * 100


def a021() -> X:
    """REGBETA(MEAN(CLOSE,6),SEQUENCE(6))"""
    return regbeta(mean(C, 6), sequence(6), 6)


def a022() -> X:
    """SMA(((CLOSE-MEAN(CLOSE,6))/MEAN(CLOSE,6)-DELAY((CLOSE-MEAN(CLOSE,6))/MEAN(CLOSE,6),3)),12,1)"""
    x = (C - mean(C, 6)) / mean(C, 6)
    return sma(x - delay(x, 3), 12, 1)


def a023() -> X:
    """SMA((CLOSE>DELAY(CLOSE,1)?STD(CLOSE,20):0),20,1)/(SMA((CLOSE>DELAY(CLOSE,1)?STD(CLOSE,20):0),20,1)
    +SMA((CLOSE<=DELAY(CLOSE,1)?STD(CLOSE,20):0),20,1))*100"""
    p, s = delay(C, 1), std(C, 20)
    up = sma(iif(C > p, s, 0.0), 20, 1)
    return up / (up + sma(iif(C <= p, s, 0.0), 20, 1)) * 100


def a024() -> X:
    """SMA(CLOSE-DELAY(CLOSE,5),5,1)"""
    return sma(C - delay(C, 5), 5, 1)


def a025() -> X:
    """((-1 * RANK((DELTA(CLOSE, 7) * (1 - RANK(DECAYLINEAR((VOLUME / MEAN(VOLUME,20)), 9)))))) * (1 +
    RANK(SUM(RET, 250))))"""
    return (-1 * rank(delta(C, 7) * (1 - rank(decaylinear(V / mean(V, 20), 9))))) * (1 + rank(sum_(R, 250)))


def a026() -> X:
    """((((SUM(CLOSE, 7) / 7) - CLOSE)) + ((CORR(VWAP, DELAY(CLOSE, 5), 230))))"""
    return (sum_(C, 7) / 7 - C) + corr(VW, delay(C, 5), 230)


def a027() -> X:
    """WMA((CLOSE-DELAY(CLOSE,3))/DELAY(CLOSE,3)*100+(CLOSE-DELAY(CLOSE,6))/DELAY(CLOSE,6)*100,12)"""
    return wma((C - delay(C, 3)) / delay(C, 3) * 100 + (C - delay(C, 6)) / delay(C, 6) * 100, 12)


def a028() -> X:
    """3*SMA((CLOSE-TSMIN(LOW,9))/(TSMAX(HIGH,9)-TSMIN(LOW,9))*100,3,1)-2*SMA(SMA((CLOSE-TSMIN(LOW,9))/
    (MAX(HIGH,9)-TSMAX(LOW,9))*100,3,1),3,1)"""
    second = (C - tsmin(L, 9)) / (max_(H, 9) - tsmax(L, 9)) * 100
    return 3 * sma(_stoch_k(), 3, 1) - 2 * sma(sma(second, 3, 1), 3, 1)


def a029() -> X:
    """(CLOSE-DELAY(CLOSE,6))/DELAY(CLOSE,6)*VOLUME"""
    return (C - delay(C, 6)) / delay(C, 6) * V


def a031() -> X:
    """(CLOSE-MEAN(CLOSE,12))/MEAN(CLOSE,12)*100"""
    return (C - mean(C, 12)) / mean(C, 12) * 100


def a032() -> X:
    """(-1 * SUM(RANK(CORR(RANK(HIGH), RANK(VOLUME), 3)), 3))"""
    return -1 * sum_(rank(corr(rank(H), rank(V), 3)), 3)


def a033() -> X:
    """((((-1 * TSMIN(LOW, 5)) + DELAY(TSMIN(LOW, 5), 5)) * RANK(((SUM(RET, 240) - SUM(RET, 20)) / 220))) *
    TSRANK(VOLUME, 5))"""
    return ((-1 * tsmin(L, 5)) + delay(tsmin(L, 5), 5)) * rank((sum_(R, 240) - sum_(R, 20)) / 220) * tsrank(V, 5)


def a034() -> X:
    """MEAN(CLOSE,12)/CLOSE"""
    return mean(C, 12) / C


def a035() -> X:
    """(MIN(RANK(DECAYLINEAR(DELTA(OPEN, 1), 15)), RANK(DECAYLINEAR(CORR((VOLUME), ((OPEN * 0.65) +
    (OPEN *0.35)), 17),7))) * -1)"""
    return min_(rank(decaylinear(delta(O, 1), 15)), rank(decaylinear(corr(V, O * 0.65 + O * 0.35, 17), 7))) * -1


def a036() -> X:
    """RANK(SUM(CORR(RANK(VOLUME), RANK(VWAP), 6), 2))"""
    return rank(sum_(corr(rank(V), rank(VW), 6), 2))


def a037() -> X:
    """(-1 * RANK(((SUM(OPEN, 5) * SUM(RET, 5)) - DELAY((SUM(OPEN, 5) * SUM(RET, 5)), 10))))"""
    x = sum_(O, 5) * sum_(R, 5)
    return -1 * rank(x - delay(x, 10))


def a038() -> X:
    """(((SUM(HIGH, 20) / 20) < HIGH) ? (-1 * DELTA(HIGH, 2)) : 0)"""
    return iif(sum_(H, 20) / 20 < H, -1 * delta(H, 2), 0.0)


def a039() -> X:
    """((RANK(DECAYLINEAR(DELTA((CLOSE), 2),8)) - RANK(DECAYLINEAR(CORR(((VWAP * 0.3) + (OPEN * 0.7)),
    SUM(MEAN(VOLUME,180), 37), 14), 12))) * -1)"""
    right = rank(decaylinear(corr(VW * 0.3 + O * 0.7, sum_(mean(V, 180), 37), 14), 12))
    return (rank(decaylinear(delta(C, 2), 8)) - right) * -1


def a040() -> X:
    """SUM((CLOSE>DELAY(CLOSE,1)?VOLUME:0),26)/SUM((CLOSE<=DELAY(CLOSE,1)?VOLUME:0),26)*100"""
    p = delay(C, 1)
    return sum_(iif(C > p, V, 0.0), 26) / sum_(iif(C <= p, V, 0.0), 26) * 100


def a041() -> X:
    """(RANK(MAX(DELTA((VWAP), 3), 5))* -1)"""
    return rank(max_(delta(VW, 3), 5)) * -1


def a042() -> X:
    """((-1 * RANK(STD(HIGH, 10))) * CORR(HIGH, VOLUME, 10))"""
    return (-1 * rank(std(H, 10))) * corr(H, V, 10)


def a043() -> X:
    """SUM((CLOSE>DELAY(CLOSE,1)?VOLUME:(CLOSE<DELAY(CLOSE,1)?-VOLUME:0)),6)"""
    return _signed_volume_sum(6)


def a044() -> X:
    """(TSRANK(DECAYLINEAR(CORR(((LOW )), MEAN(VOLUME,10), 7), 6),4) + TSRANK(DECAYLINEAR(DELTA((VWAP),3),
    10), 15))"""
    return tsrank(decaylinear(corr(L, mean(V, 10), 7), 6), 4) + tsrank(decaylinear(delta(VW, 3), 10), 15)


def a045() -> X:
    """(RANK(DELTA((((CLOSE * 0.6) + (OPEN *0.4))), 1)) * RANK(CORR(VWAP, MEAN(VOLUME,150), 15)))"""
    return rank(delta(C * 0.6 + O * 0.4, 1)) * rank(corr(VW, mean(V, 150), 15))


def a046() -> X:
    """(MEAN(CLOSE,3)+MEAN(CLOSE,6)+MEAN(CLOSE,12)+MEAN(CLOSE,24))/(4*CLOSE)"""
    return (mean(C, 3) + mean(C, 6) + mean(C, 12) + mean(C, 24)) / (4 * C)


def a047() -> X:
    """SMA((TSMAX(HIGH,6)-CLOSE)/(TSMAX(HIGH,6)-TSMIN(LOW,6))*100,9,1)"""
    return _williams(9)


def a048() -> X:
    """(-1*((RANK(((SIGN((CLOSE - DELAY(CLOSE, 1))) + SIGN((DELAY(CLOSE, 1) - DELAY(CLOSE, 2)))) +
    SIGN((DELAY(CLOSE, 2) - DELAY(CLOSE, 3)))))) * SUM(VOLUME, 5)) / SUM(VOLUME, 20))"""
    s = sign(C - delay(C, 1)) + sign(delay(C, 1) - delay(C, 2)) + sign(delay(C, 2) - delay(C, 3))
    return -1 * (rank(s) * sum_(V, 5)) / sum_(V, 20)


def a049() -> X:
    """SUM(((HIGH+LOW)>=(DELAY(HIGH,1)+DELAY(LOW,1))?0:MAX(ABS(HIGH-DELAY(HIGH,1)),ABS(LOW-DELAY(LOW,1)))),12)/
    (SUM(((HIGH+LOW)>=(DELAY(HIGH,1)+DELAY(LOW,1))?0:MAX(ABS(HIGH-DELAY(HIGH,1)),ABS(LOW-DELAY(LOW,1)))),12)+
    SUM(((HIGH+LOW)<=(DELAY(HIGH,1)+DELAY(LOW,1))?0:MAX(ABS(HIGH-DELAY(HIGH,1)),ABS(LOW-DELAY(LOW,1)))),12))"""
    down, up = _hl_move_sums()
    return down / (down + up)


def a050() -> X:
    """SUM(((HIGH+LOW)<=(DELAY(HIGH,1)+DELAY(LOW,1))?0:MAX(ABS(HIGH-DELAY(HIGH,1)),ABS(LOW-DELAY(LOW,1)))),12)/
    (SUM(((HIGH+LOW)<=(DELAY(HIGH,1)+DELAY(LOW,1))?0:MAX(ABS(HIGH-DELAY(HIGH,1)),ABS(LOW-DELAY(LOW,1)))),12)+
    SUM(((HIGH+LOW)>=(DELAY(HIGH,1)+DELAY(LOW,1))?0:MAX(ABS(HIGH-DELAY(HIGH,1)),ABS(LOW-DELAY(LOW,1)))),12))-
    SUM(((HIGH+LOW)>=(DELAY(HIGH,1)+DELAY(LOW,1))?0:MAX(ABS(HIGH-DELAY(HIGH,1)),ABS(LOW-DELAY(LOW,1)))),12)/
    (SUM(((HIGH+LOW)>=(DELAY(HIGH,1)+DELAY(LOW,1))?0:MAX(ABS(HIGH-DELAY(HIGH,1)),ABS(LOW-DELAY(LOW,1)))),12)+
    SUM(((HIGH+LOW)<=(DELAY(HIGH,1)+DELAY(LOW,1))?0:MAX(ABS(HIGH-DELAY(HIGH,1)),ABS(LOW-DELAY(LOW,1)))),12))"""
    down, up = _hl_move_sums()
    return up / (up + down) - down / (down + up)


def a051() -> X:
    """SUM(((HIGH+LOW)<=(DELAY(HIGH,1)+DELAY(LOW,1))?0:MAX(ABS(HIGH-DELAY(HIGH,1)),ABS(LOW-DELAY(LOW,1)))),12)/
    (SUM(((HIGH+LOW)<=(DELAY(HIGH,1)+DELAY(LOW,1))?0:MAX(ABS(HIGH-DELAY(HIGH,1)),ABS(LOW-DELAY(LOW,1)))),12)+
    SUM(((HIGH+LOW)>=(DELAY(HIGH,1)+DELAY(LOW,1))?0:MAX(ABS(HIGH-DELAY(HIGH,1)),ABS(LOW-DELAY(LOW,1)))),12))"""
    down, up = _hl_move_sums()
    return up / (up + down)


def a052() -> X:
    """SUM(MAX(0,HIGH-DELAY((HIGH+LOW+CLOSE)/3,1)),26)/SUM(MAX(0,DELAY((HIGH+LOW+CLOSE)/3,1)-LOW),26)"""
    ptp = delay((H + L + C) / 3, 1)
    return sum_(max_(0.0, H - ptp), 26) / sum_(max_(0.0, ptp - L), 26)


def a053() -> X:
    """COUNT(CLOSE>DELAY(CLOSE,1),12)/12*100"""
    return count(C > delay(C, 1), 12) / 12 * 100


def a054() -> X:
    """(-1 * RANK((STD(ABS(CLOSE - OPEN), 10) + (CLOSE - OPEN)) + CORR(CLOSE, OPEN,10)))"""
    return -1 * rank((std(abs_(C - O), 10) + (C - O)) + corr(C, O, 10))


def a055() -> X:
    """SUM(16*(CLOSE-DELAY(CLOSE,1)+(CLOSE-OPEN)/2+DELAY(CLOSE,1)-DELAY(OPEN,1))/((ABS(HIGH-DELAY(CLOSE,1))>
    ABS(LOW-DELAY(CLOSE,1)) &ABS(HIGH-DELAY(CLOSE,1))>ABS(HIGH-DELAY(LOW,1))?ABS(HIGH-DELAY(CLOSE,1))+
    ABS(LOW-DELAY(CLOSE,1))/2+ABS(DELAY(CLOSE,1)-DELAY(OPEN,1))/4:(ABS(LOW-DELAY(CLOSE,1))>
    ABS(HIGH-DELAY(LOW,1)) &ABS(LOW-DELAY(CLOSE,1))>ABS(HIGH-DELAY(CLOSE,1))?ABS(LOW-DELAY(CLOSE,1))+
    ABS(HIGH-DELAY(CLOSE,1))/2+ABS(DELAY(CLOSE,1)-DELAY(OPEN,1))/4:ABS(HIGH-DELAY(LOW,1))+
    ABS(DELAY(CLOSE,1)-DELAY(OPEN,1))/4)))*MAX(ABS(HIGH-DELAY(CLOSE,1)),ABS(LOW-DELAY(CLOSE,1))),20)"""
    return sum_(udm_value(), 20)


def a056() -> X:
    """(RANK((OPEN - TSMIN(OPEN, 12))) < RANK((RANK(CORR(SUM(((HIGH + LOW) / 2), 19),
    SUM(MEAN(VOLUME,40), 19), 13))^5)))"""
    right = rank(rank(corr(sum_((H + L) / 2, 19), sum_(mean(V, 40), 19), 13)) ** 5)
    return _bool(rank(O - tsmin(O, 12)) < right)


def a057() -> X:
    """SMA((CLOSE-TSMIN(LOW,9))/(TSMAX(HIGH,9)-TSMIN(LOW,9))*100,3,1)"""
    return sma(_stoch_k(), 3, 1)


def a058() -> X:
    """COUNT(CLOSE>DELAY(CLOSE,1),20)/20*100"""
    return count(C > delay(C, 1), 20) / 20 * 100


def a059() -> X:
    """SUM((CLOSE==DELAY(CLOSE,1)?0:CLOSE-(CLOSE>DELAY(CLOSE,1)?MIN(LOW,DELAY(CLOSE,1)):
    MAX(HIGH,DELAY(CLOSE,1)))),20)"""
    return _close_location_sum(20)


def a060() -> X:
    """SUM(((CLOSE-LOW)-(HIGH-CLOSE))/(HIGH-LOW)*VOLUME,20)"""
    return sum_(_clv_volume(), 20)


def a061() -> X:
    """(MAX(RANK(DECAYLINEAR(DELTA(VWAP, 1), 12)),RANK(DECAYLINEAR(RANK(CORR((LOW),MEAN(VOLUME,80), 8)),
    17))) * -1)"""
    return max_(rank(decaylinear(delta(VW, 1), 12)), rank(decaylinear(rank(corr(L, mean(V, 80), 8)), 17))) * -1


def a062() -> X:
    """(-1 * CORR(HIGH, RANK(VOLUME), 5))"""
    return -1 * corr(H, rank(V), 5)


def a063() -> X:
    """SMA(MAX(CLOSE-DELAY(CLOSE,1),0),6,1)/SMA(ABS(CLOSE-DELAY(CLOSE,1)),6,1)*100"""
    return _rsi_like(6)


def a064() -> X:
    """(MAX(RANK(DECAYLINEAR(CORR(RANK(VWAP), RANK(VOLUME), 4), 4)),RANK(DECAYLINEAR(MAX(CORR(RANK(CLOSE),
    RANK(MEAN(VOLUME,60)), 4), 13), 14))) * -1)"""
    left = rank(decaylinear(corr(rank(VW), rank(V), 4), 4))
    right = rank(decaylinear(max_(corr(rank(C), rank(mean(V, 60)), 4), 13), 14))
    return max_(left, right) * -1


def a065() -> X:
    """MEAN(CLOSE,6)/CLOSE"""
    return mean(C, 6) / C


def a066() -> X:
    """(CLOSE-MEAN(CLOSE,6))/MEAN(CLOSE,6)*100"""
    return (C - mean(C, 6)) / mean(C, 6) * 100


def a067() -> X:
    """SMA(MAX(CLOSE-DELAY(CLOSE,1),0),24,1)/SMA(ABS(CLOSE-DELAY(CLOSE,1)),24,1)*100"""
    return _rsi_like(24)


def a068() -> X:
    """SMA(((HIGH+LOW)/2-(DELAY(HIGH,1)+DELAY(LOW,1))/2)*(HIGH-LOW)/VOLUME,15,2)"""
    return _mid_move_volume(15, 2)


def a069() -> X:
    """(SUM(DTM,20)>SUM(DBM,20)?(SUM(DTM,20)-SUM(DBM,20))/SUM(DTM,20):(SUM(DTM,20)==SUM(DBM,20)?0:
    (SUM(DTM,20)-SUM(DBM,20))/SUM(DBM,20)))"""
    t, b = sum_(dtm(), 20), sum_(dbm(), 20)
    return iif(t > b, (t - b) / t, iif(t == b, 0.0, (t - b) / b))


def a070() -> X:
    """STD(AMOUNT,6)"""
    return std(AMT, 6)


def a071() -> X:
    """(CLOSE-MEAN(CLOSE,24))/MEAN(CLOSE,24)*100"""
    return (C - mean(C, 24)) / mean(C, 24) * 100


def a072() -> X:
    """SMA((TSMAX(HIGH,6)-CLOSE)/(TSMAX(HIGH,6)-TSMIN(LOW,6))*100,15,1)"""
    return _williams(15)


def a073() -> X:
    """((TSRANK(DECAYLINEAR(DECAYLINEAR(CORR((CLOSE), VOLUME, 10), 16), 4), 5) -RANK(DECAYLINEAR(CORR(VWAP,
    MEAN(VOLUME,30), 4),3))) * -1)"""
    left = tsrank(decaylinear(decaylinear(corr(C, V, 10), 16), 4), 5)
    return (left - rank(decaylinear(corr(VW, mean(V, 30), 4), 3))) * -1


def a074() -> X:
    """(RANK(CORR(SUM(((LOW * 0.35) + (VWAP * 0.65)), 20), SUM(MEAN(VOLUME,40), 20), 7)) +
    RANK(CORR(RANK(VWAP), RANK(VOLUME), 6)))"""
    left = rank(corr(sum_(L * 0.35 + VW * 0.65, 20), sum_(mean(V, 40), 20), 7))
    return left + rank(corr(rank(VW), rank(V), 6))


def a075() -> X:
    """COUNT((CLOSE>OPEN) &(BANCHMARKINDEXCLOSE<BANCHMARKINDEXOPEN),50)/
    COUNT(BANCHMARKINDEXCLOSE<BANCHMARKINDEXOPEN,50)"""
    bench_down = BANCHMARKINDEXCLOSE < BANCHMARKINDEXOPEN
    return count((C > O) & bench_down, 50) / count(bench_down, 50)


def a076() -> X:
    """STD(ABS((CLOSE/DELAY(CLOSE,1)-1))/VOLUME,20)/MEAN(ABS((CLOSE/DELAY(CLOSE,1)-1))/VOLUME,20)"""
    x = abs_(C / delay(C, 1) - 1) / V
    return std(x, 20) / mean(x, 20)


def a077() -> X:
    """MIN(RANK(DECAYLINEAR(((((HIGH + LOW) / 2) + HIGH) - (VWAP + HIGH)), 20)),RANK(DECAYLINEAR(CORR(((HIGH
    + LOW) / 2), MEAN(VOLUME,40), 3), 6)))"""
    left = rank(decaylinear(((H + L) / 2 + H) - (VW + H), 20))
    return min_(left, rank(decaylinear(corr((H + L) / 2, mean(V, 40), 3), 6)))


def a078() -> X:
    """((HIGH+LOW+CLOSE)/3-MA((HIGH+LOW+CLOSE)/3,12))/(0.015*MEAN(ABS(CLOSE-MEAN((HIGH+LOW+CLOSE)/3,12)),
    12))"""
    tp = (H + L + C) / 3
    return (tp - mean(tp, 12)) / (0.015 * mean(abs_(C - mean(tp, 12)), 12))


def a079() -> X:
    """SMA(MAX(CLOSE-DELAY(CLOSE,1),0),12,1)/SMA(ABS(CLOSE-DELAY(CLOSE,1)),12,1)*100"""
    return _rsi_like(12)


def a080() -> X:
    """(VOLUME-DELAY(VOLUME,5))/DELAY(VOLUME,5)*100"""
    return (V - delay(V, 5)) / delay(V, 5) * 100


def a081() -> X:
    """SMA(VOLUME,21,2)"""
    return sma(V, 21, 2)


def a082() -> X:
    """SMA((TSMAX(HIGH,6)-CLOSE)/(TSMAX(HIGH,6)-TSMIN(LOW,6))*100,20,1)"""
    return _williams(20)


def a083() -> X:
    """(-1 * RANK(COVIANCE(RANK(HIGH), RANK(VOLUME), 5)))"""
    return -1 * rank(cov(rank(H), rank(V), 5))


def a084() -> X:
    """SUM((CLOSE>DELAY(CLOSE,1)?VOLUME:(CLOSE<DELAY(CLOSE,1)?-VOLUME:0)),20)"""
    return _signed_volume_sum(20)


def a085() -> X:
    """(TSRANK((VOLUME / MEAN(VOLUME,20)), 20) * TSRANK((-1 * DELTA(CLOSE, 7)), 8))"""
    return tsrank(V / mean(V, 20), 20) * tsrank(-1 * delta(C, 7), 8)


def a086() -> X:
    """((0.25 < (((DELAY(CLOSE, 20) - DELAY(CLOSE, 10)) / 10) - ((DELAY(CLOSE, 10) - CLOSE) / 10))) ?
    (-1 * 1) :(((((DELAY(CLOSE, 20) - DELAY(CLOSE, 10)) / 10) - ((DELAY(CLOSE, 10) - CLOSE) / 10)) < 0) ?
    1 : ((-1 * 1) *(CLOSE - DELAY(CLOSE, 1)))))"""
    x = (delay(C, 20) - delay(C, 10)) / 10 - (delay(C, 10) - C) / 10
    return iif(0.25 < x, -1.0, iif(x < 0, 1.0, -1 * (C - delay(C, 1))))


def a087() -> X:
    """((RANK(DECAYLINEAR(DELTA(VWAP, 4), 7)) + TSRANK(DECAYLINEAR(((((LOW * 0.9) + (LOW * 0.1)) - VWAP) /
    (OPEN - ((HIGH + LOW) / 2))), 11), 7)) * -1)"""
    right = tsrank(decaylinear(((L * 0.9 + L * 0.1) - VW) / (O - (H + L) / 2), 11), 7)
    return (rank(decaylinear(delta(VW, 4), 7)) + right) * -1


def a088() -> X:
    """(CLOSE-DELAY(CLOSE,20))/DELAY(CLOSE,20)*100"""
    return (C - delay(C, 20)) / delay(C, 20) * 100


def a089() -> X:
    """2*(SMA(CLOSE,13,2)-SMA(CLOSE,27,2)-SMA(SMA(CLOSE,13,2)-SMA(CLOSE,27,2),10,2))"""
    diff = sma(C, 13, 2) - sma(C, 27, 2)
    return 2 * (diff - sma(diff, 10, 2))


def a090() -> X:
    """( RANK(CORR(RANK(VWAP), RANK(VOLUME), 5)) * -1)"""
    return rank(corr(rank(VW), rank(V), 5)) * -1


def a091() -> X:
    """((RANK((CLOSE - MAX(CLOSE, 5)))*RANK(CORR((MEAN(VOLUME,40)), LOW, 5))) * -1)"""
    return (rank(C - max_(C, 5)) * rank(corr(mean(V, 40), L, 5))) * -1


def a092() -> X:
    """(MAX(RANK(DECAYLINEAR(DELTA(((CLOSE * 0.35) + (VWAP *0.65)), 2), 3)),TSRANK(DECAYLINEAR(ABS(CORR(
    (MEAN(VOLUME,180)), CLOSE, 13)), 5), 15)) * -1)"""
    left = rank(decaylinear(delta(C * 0.35 + VW * 0.65, 2), 3))
    return max_(left, tsrank(decaylinear(abs_(corr(mean(V, 180), C, 13)), 5), 15)) * -1


def a093() -> X:
    """SUM((OPEN>=DELAY(OPEN,1)?0:MAX((OPEN-LOW),(OPEN-DELAY(OPEN,1)))),20)"""
    return sum_(dbm(), 20)


def a094() -> X:
    """SUM((CLOSE>DELAY(CLOSE,1)?VOLUME:(CLOSE<DELAY(CLOSE,1)?-VOLUME:0)),30)"""
    return _signed_volume_sum(30)


def a095() -> X:
    """STD(AMOUNT,20)"""
    return std(AMT, 20)

