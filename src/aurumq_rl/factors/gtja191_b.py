"""GTJA Alpha191 formulas #49-#95 (registered by `factors.gtja191`).

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
    V,
    _bool,
    _close_location_sum,
    _clv_volume,
    _hl_move_sums,
    _mid_move_volume,
    _rsi_like,
    _signed_volume_sum,
    _stoch_k,
    _williams,
    udm_value,
)
from aurumq_rl.factors.gtja_ops import (
    BANCHMARKINDEXCLOSE,
    BANCHMARKINDEXOPEN,
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
    max_,
    mean,
    min_,
    rank,
    sma,
    std,
    sum_,
    tsmin,
    tsrank,
)


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
