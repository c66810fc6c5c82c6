"""GTJA Alpha191 formulas #96-#143 (registered by `factors.gtja191`).

Same layout as `gtja191_a`: one function per alpha, the published formula as its docstring.
"""

from __future__ import annotations

from aurumq_rl.factors.expr import X
from aurumq_rl.factors.gtja191_build import (
    AMT,
    VW,
    C,
    H,
    L,
    O,
    R,
    V,
    _bool,
    _stoch_k,
    _triple_sma_log_close,
    udm_value,
)
from aurumq_rl.factors.gtja_ops import (
    abs_,
    corr,
    cov,
    decaylinear,
    delay,
    delta,
    highday,
    iif,
    lowday,
    max_,
    mean,
    min_,
    rank,
    regbeta,
    sequence,
    sma,
    std,
    sum_,
    tsmax,
    tsmin,
    tsrank,
)


def a096() -> X:
    """SMA(SMA((CLOSE-TSMIN(LOW,9))/(TSMAX(HIGH,9)-TSMIN(LOW,9))*100,3,1),3,1)"""
    return sma(sma(_stoch_k(), 3, 1), 3, 1)


def a097() -> X:
    """STD(VOLUME,10)"""
    return std(V, 10)


def a098() -> X:
    """((((DELTA((SUM(CLOSE, 100) / 100), 100) / DELAY(CLOSE, 100)) < 0.05) || ((DELTA((SUM(CLOSE, 100) /
    100), 100) /DELAY(CLOSE, 100)) == 0.05)) ? (-1 * (CLOSE - TSMIN(CLOSE, 100))) : (-1 * DELTA(CLOSE, 3)))"""
    x = delta(sum_(C, 100) / 100, 100) / delay(C, 100)
    return iif((x < 0.05) | (x == 0.05), -1 * (C - tsmin(C, 100)), -1 * delta(C, 3))


def a099() -> X:
    """(-1 * RANK(COVIANCE(RANK(CLOSE), RANK(VOLUME), 5)))"""
    return -1 * rank(cov(rank(C), rank(V), 5))


def a100() -> X:
    """STD(VOLUME,20)"""
    return std(V, 20)


def a101() -> X:
    """((RANK(CORR(CLOSE, SUM(MEAN(VOLUME,30), 37), 15)) < RANK(CORR(RANK(((HIGH * 0.1) + (VWAP * 0.9))),
    RANK(VOLUME), 11))) * -1)"""
    left = rank(corr(C, sum_(mean(V, 30), 37), 15))
    return _bool(left < rank(corr(rank(H * 0.1 + VW * 0.9), rank(V), 11))) * -1


def a102() -> X:
    """SMA(MAX(VOLUME-DELAY(VOLUME,1),0),6,1)/SMA(ABS(VOLUME-DELAY(VOLUME,1)),6,1)*100"""
    d = V - delay(V, 1)
    return sma(max_(d, 0.0), 6, 1) / sma(abs_(d), 6, 1) * 100


def a103() -> X:
    """((20-LOWDAY(LOW,20))/20)*100"""
    return ((20 - lowday(L, 20)) / 20) * 100


def a104() -> X:
    """(-1 * (DELTA(CORR(HIGH, VOLUME, 5), 5) * RANK(STD(CLOSE, 20))))"""
    return -1 * (delta(corr(H, V, 5), 5) * rank(std(C, 20)))


def a105() -> X:
    """(-1 * CORR(RANK(OPEN), RANK(VOLUME), 10))"""
    return -1 * corr(rank(O), rank(V), 10)


def a106() -> X:
    """CLOSE-DELAY(CLOSE,20)"""
    return C - delay(C, 20)


def a107() -> X:
    """(((-1 * RANK((OPEN - DELAY(HIGH, 1)))) * RANK((OPEN - DELAY(CLOSE, 1)))) * RANK((OPEN - DELAY(LOW,
    1))))"""
    return ((-1 * rank(O - delay(H, 1))) * rank(O - delay(C, 1))) * rank(O - delay(L, 1))


def a108() -> X:
    """((RANK((HIGH - MIN(HIGH, 2)))^RANK(CORR((VWAP), (MEAN(VOLUME,120)), 6))) * -1)"""
    return (rank(H - min_(H, 2)) ** rank(corr(VW, mean(V, 120), 6))) * -1


def a109() -> X:
    """SMA(HIGH-LOW,10,2)/SMA(SMA(HIGH-LOW,10,2),10,2)"""
    s = sma(H - L, 10, 2)
    return s / sma(s, 10, 2)


def a110() -> X:
    """SUM(MAX(0,HIGH-DELAY(CLOSE,1)),20)/SUM(MAX(0,DELAY(CLOSE,1)-LOW),20)*100"""
    p = delay(C, 1)
    return sum_(max_(0.0, H - p), 20) / sum_(max_(0.0, p - L), 20) * 100


def a111() -> X:
    """SMA(VOL*((CLOSE-LOW)-(HIGH-CLOSE))/(HIGH-LOW),11,2)-SMA(VOL*((CLOSE-LOW)-(HIGH-CLOSE))/(HIGH-LOW),4,2)"""
    x = V * ((C - L) - (H - C)) / (H - L)
    return sma(x, 11, 2) - sma(x, 4, 2)


def a112() -> X:
    """(SUM((CLOSE-DELAY(CLOSE,1)>0?CLOSE-DELAY(CLOSE,1):0),12)-SUM((CLOSE-DELAY(CLOSE,1)<0?
    ABS(CLOSE-DELAY(CLOSE,1)):0),12))/(SUM((CLOSE-DELAY(CLOSE,1)>0?CLOSE-DELAY(CLOSE,1):0),12)+
    SUM((CLOSE-DELAY(CLOSE,1)<0?ABS(CLOSE-DELAY(CLOSE,1)):0),12))*100"""
    d = C - delay(C, 1)
    up, dn = sum_(iif(d > 0, d, 0.0), 12), sum_(iif(d < 0, abs_(d), 0.0), 12)
    return (up - dn) / (up + dn) * 100


def a113() -> X:
    """(-1 * ((RANK((SUM(DELAY(CLOSE, 5), 20) / 20)) * CORR(CLOSE, VOLUME, 2)) * RANK(CORR(SUM(CLOSE, 5),
    SUM(CLOSE, 20), 2))))"""
    return -1 * ((rank(sum_(delay(C, 5), 20) / 20) * corr(C, V, 2)) * rank(corr(sum_(C, 5), sum_(C, 20), 2)))


def a114() -> X:
    """((RANK(DELAY(((HIGH - LOW) / (SUM(CLOSE, 5) / 5)), 2)) * RANK(RANK(VOLUME))) / (((HIGH - LOW) /
    (SUM(CLOSE, 5) / 5)) / (VWAP - CLOSE)))"""
    x = (H - L) / (sum_(C, 5) / 5)
    return (rank(delay(x, 2)) * rank(rank(V))) / (x / (VW - C))


def a115() -> X:
    """(RANK(CORR(((HIGH * 0.9) + (CLOSE * 0.1)), MEAN(VOLUME,30), 10))^RANK(CORR(TSRANK(((HIGH + LOW) /2),
    4), TSRANK(VOLUME, 10), 7)))"""
    base = rank(corr(H * 0.9 + C * 0.1, mean(V, 30), 10))
    return base ** rank(corr(tsrank((H + L) / 2, 4), tsrank(V, 10), 7))


def a116() -> X:
    """REGBETA(CLOSE,SEQUENCE,20)"""
    return regbeta(C, sequence(20), 20)


def a117() -> X:
    """((TSRANK(VOLUME, 32) * (1 - TSRANK(((CLOSE + HIGH) - LOW), 16))) * (1 - TSRANK(RET, 32)))"""
    return (tsrank(V, 32) * (1 - tsrank((C + H) - L, 16))) * (1 - tsrank(R, 32))


def a118() -> X:
    """SUM(HIGH-OPEN,20)/SUM(OPEN-LOW,20)*100"""
    return sum_(H - O, 20) / sum_(O - L, 20) * 100


def a119() -> X:
    """(RANK(DECAYLINEAR(CORR(VWAP, SUM(MEAN(VOLUME,5), 26), 5), 7)) -RANK(DECAYLINEAR(TSRANK(MIN(CORR(
    RANK(OPEN), RANK(MEAN(VOLUME,15)), 21), 9), 7), 8)))"""
    left = rank(decaylinear(corr(VW, sum_(mean(V, 5), 26), 5), 7))
    return left - rank(decaylinear(tsrank(min_(corr(rank(O), rank(mean(V, 15)), 21), 9), 7), 8))


def a120() -> X:
    """(RANK((VWAP - CLOSE)) / RANK((VWAP + CLOSE)))"""
    return rank(VW - C) / rank(VW + C)


def a121() -> X:
    """((RANK((VWAP - MIN(VWAP, 12)))^TSRANK(CORR(TSRANK(VWAP, 20), TSRANK(MEAN(VOLUME,60), 2), 18), 3)) *
    -1)"""
    return (rank(VW - min_(VW, 12)) ** tsrank(corr(tsrank(VW, 20), tsrank(mean(V, 60), 2), 18), 3)) * -1


def a122() -> X:
    """(SMA(SMA(SMA(LOG(CLOSE),13,2),13,2),13,2)-DELAY(SMA(SMA(SMA(LOG(CLOSE),13,2),13,2),13,2),1))/
    DELAY(SMA(SMA(SMA(LOG(CLOSE),13,2),13,2),13,2),1)"""
    s = _triple_sma_log_close()
    return (s - delay(s, 1)) / delay(s, 1)


def a123() -> X:
    """((RANK(CORR(SUM(((HIGH + LOW) / 2), 20), SUM(MEAN(VOLUME,60), 20), 9)) < RANK(CORR(LOW, VOLUME,6)))
    * -1)"""
    left = rank(corr(sum_((H + L) / 2, 20), sum_(mean(V, 60), 20), 9))
    return _bool(left < rank(corr(L, V, 6))) * -1


def a124() -> X:
    """(CLOSE - VWAP) / DECAYLINEAR(RANK(TSMAX(CLOSE, 30)),2)"""
    return (C - VW) / decaylinear(rank(tsmax(C, 30)), 2)


def a125() -> X:
    """(RANK(DECAYLINEAR(CORR((VWAP), MEAN(VOLUME,80),17), 20)) / RANK(DECAYLINEAR(DELTA(((CLOSE * 0.5)+
    (VWAP * 0.5)), 3), 16)))"""
    return rank(decaylinear(corr(VW, mean(V, 80), 17), 20)) / rank(decaylinear(delta(C * 0.5 + VW * 0.5, 3), 16))


def a126() -> X:
    """(CLOSE+HIGH+LOW)/3"""
    return (C + H + L) / 3


def a127() -> X:
    """(MEAN((100*(CLOSE-TSMAX(CLOSE,12))/(TSMAX(CLOSE,12)))^2,12))^(1/2)"""
    return mean((100 * (C - tsmax(C, 12)) / tsmax(C, 12)) ** 2, 12) ** 0.5


def a128() -> X:
    """100-(100/(1+SUM(((HIGH+LOW+CLOSE)/3>DELAY((HIGH+LOW+CLOSE)/3,1)?(HIGH+LOW+CLOSE)/3*VOLUME:0),14)/
    SUM(((HIGH+LOW+CLOSE)/3<DELAY((HIGH+LOW+CLOSE)/3,1)?(HIGH+LOW+CLOSE)/3*VOLUME:0),14)))"""
    tp = (H + L + C) / 3
    ptp = delay(tp, 1)
    return 100 - 100 / (1 + sum_(iif(tp > ptp, tp * V, 0.0), 14) / sum_(iif(tp < ptp, tp * V, 0.0), 14))


def a129() -> X:
    """SUM((CLOSE-DELAY(CLOSE,1)<0?ABS(CLOSE-DELAY(CLOSE,1)):0),12)"""
    d = C - delay(C, 1)
    return sum_(iif(d < 0, abs_(d), 0.0), 12)


def a130() -> X:
    """(RANK(DECAYLINEAR(CORR(((HIGH + LOW) / 2), MEAN(VOLUME,40), 9), 10)) /RANK(DECAYLINEAR(CORR(
    RANK(VWAP), RANK(VOLUME), 7),3)))"""
    return rank(decaylinear(corr((H + L) / 2, mean(V, 40), 9), 10)) / rank(decaylinear(corr(rank(VW), rank(V), 7), 3))


def a131() -> X:
    """(RANK(DELTA(VWAP, 1))^TSRANK(CORR(CLOSE,MEAN(VOLUME,50), 18), 18))"""
    return rank(delta(VW, 1)) ** tsrank(corr(C, mean(V, 50), 18), 18)


def a132() -> X:
    """MEAN(AMOUNT,20)"""
    return mean(AMT, 20)


def a133() -> X:
    """((20-HIGHDAY(HIGH,20))/20)*100-((20-LOWDAY(LOW,20))/20)*100"""
    return ((20 - highday(H, 20)) / 20) * 100 - ((20 - lowday(L, 20)) / 20) * 100


def a134() -> X:
    """(CLOSE-DELAY(CLOSE,12))/DELAY(CLOSE,12)*VOLUME"""
    return (C - delay(C, 12)) / delay(C, 12) * V


def a135() -> X:
    """SMA(DELAY(CLOSE/DELAY(CLOSE,20),1),20,1)"""
    return sma(delay(C / delay(C, 20), 1), 20, 1)


def a136() -> X:
    """((-1 * RANK(DELTA(RET, 3))) * CORR(OPEN, VOLUME, 10))"""
    return (-1 * rank(delta(R, 3))) * corr(O, V, 10)


def a137() -> X:
    """16*(CLOSE-DELAY(CLOSE,1)+(CLOSE-OPEN)/2+DELAY(CLOSE,1)-DELAY(OPEN,1))/((ABS(HIGH-DELAY(CLOSE,1))>
    ABS(LOW-DELAY(CLOSE,1)) &ABS(HIGH-DELAY(CLOSE,1))>ABS(HIGH-DELAY(LOW,1))?ABS(HIGH-DELAY(CLOSE,1))+
    ABS(LOW-DELAY(CLOSE,1))/2+ABS(DELAY(CLOSE,1)-DELAY(OPEN,1))/4:(ABS(LOW-DELAY(CLOSE,1))>
    ABS(HIGH-DELAY(LOW,1)) &ABS(LOW-DELAY(CLOSE,1))>ABS(HIGH-DELAY(CLOSE,1))?ABS(LOW-DELAY(CLOSE,1))+
    ABS(HIGH-DELAY(CLOSE,1))/2+ABS(DELAY(CLOSE,1)-DELAY(OPEN,1))/4:ABS(HIGH-DELAY(LOW,1))+
    ABS(DELAY(CLOSE,1)-DELAY(OPEN,1))/4)))*MAX(ABS(HIGH-DELAY(CLOSE,1)),ABS(LOW-DELAY(CLOSE,1)))"""
    return udm_value()


def a138() -> X:
    """((RANK(DECAYLINEAR(DELTA((((LOW * 0.7) + (VWAP *0.3))), 3), 20)) -TSRANK(DECAYLINEAR(TSRANK(CORR(
    TSRANK(LOW, 8), TSRANK(MEAN(VOLUME,60), 17), 5), 19), 16), 7)) * -1)"""
    left = rank(decaylinear(delta(L * 0.7 + VW * 0.3, 3), 20))
    right = tsrank(decaylinear(tsrank(corr(tsrank(L, 8), tsrank(mean(V, 60), 17), 5), 19), 16), 7)
    return (left - right) * -1


def a139() -> X:
    """(-1 * CORR(OPEN, VOLUME, 10))"""
    return -1 * corr(O, V, 10)


def a140() -> X:
    """MIN(RANK(DECAYLINEAR(((RANK(OPEN) + RANK(LOW)) - (RANK(HIGH) + RANK(CLOSE))), 8)),TSRANK(DECAYLINEAR(
    CORR(TSRANK(CLOSE, 8), TSRANK(MEAN(VOLUME,60), 20), 8), 7), 3))"""
    left = rank(decaylinear((rank(O) + rank(L)) - (rank(H) + rank(C)), 8))
    return min_(left, tsrank(decaylinear(corr(tsrank(C, 8), tsrank(mean(V, 60), 20), 8), 7), 3))


def a141() -> X:
    """(RANK(CORR(RANK(HIGH), RANK(MEAN(VOLUME,15)), 9))* -1)"""
    return rank(corr(rank(H), rank(mean(V, 15)), 9)) * -1


def a142() -> X:
    """(((-1 * RANK(TSRANK(CLOSE, 10))) * RANK(DELTA(DELTA(CLOSE, 1), 1))) * RANK(TSRANK((VOLUME
    /MEAN(VOLUME,20)), 5)))"""
    return ((-1 * rank(tsrank(C, 10))) * rank(delta(delta(C, 1), 1))) * rank(tsrank(V / mean(V, 20), 5))
