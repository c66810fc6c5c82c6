"""GTJA Alpha191 formulas #1-#48 (registered by `factors.gtja191`).

Each function `aNNN` returns alpha NNN as an `X`; its docstring is the formula as published in the GTJA
report (long formulas wrapped; `gtja191.formula_text` joins the lines). Operators and their conventions are
in `factors.gtja_ops`; the short input names (O, H, L, C, ...) and the helpers several formulas share are in
`gtja191_build`. Ternaries `c ? a : b` are `iif(c, a, b)`, `^` is `**`, `&&`/`||` are `&`/`|`.
"""

from __future__ import annotations

from aurumq_rl.factors.expr import X
from aurumq_rl.factors.gtja191_build import (
    VW,
    C,
    H,
    L,
    O,
    R,
    V,
    _close_location_sum,
    _clv_volume,
    _mid_move_volume,
    _signed_volume_sum,
    _stoch_k,
    _williams,
)
from aurumq_rl.factors.gtja_ops import (
    abs_,
    corr,
    decaylinear,
    delay,
    delta,
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
