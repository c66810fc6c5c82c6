"""GTJA Alpha191 formulas #96-#191 (registered by `factors.gtja191`).

Same layout as `gtja191_a`: one function per alpha, the published formula as its docstring.
"""

from __future__ import annotations

from aurumq_rl.factors.expr import X
from aurumq_rl.factors.gtja191_a import _bool, _stoch_k, udm_value
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
    decaylinear,
    delay,
    delta,
    dtm,
    filter_,
    hd,
    highday,
    iif,
    ld,
    log,
    lowday,
    max_,
    mean,
    min_,
    prod,
    rank,
    regbeta,
    sequence,
    sign,
    sma,
    std,
    sum_,
    sumac,
    sumif,
    tr,
    tsmax,
    tsmin,
    tsrank,
)

O, H, L, C, V, VW, AMT, R = OPEN, HIGH, LOW, CLOSE, VOLUME, VWAP, AMOUNT, RET
BC, BO = BANCHMARKINDEXCLOSE, BANCHMARKINDEXOPEN


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


def a144() -> X:
    """SUMIF(ABS(CLOSE/DELAY(CLOSE,1)-1)/AMOUNT,20,CLOSE<DELAY(CLOSE,1))/COUNT(CLOSE<DELAY(CLOSE,1),20)"""
    down = C < delay(C, 1)
    return sumif(abs_(C / delay(C, 1) - 1) / AMT, 20, down) / count(down, 20)


def a145() -> X:
    """(MEAN(VOLUME,9)-MEAN(VOLUME,26))/MEAN(VOLUME,12)*100"""
    return (mean(V, 9) - mean(V, 26)) / mean(V, 12) * 100


def a146() -> X:
    """MEAN((CLOSE-DELAY(CLOSE,1))/DELAY(CLOSE,1)-SMA((CLOSE-DELAY(CLOSE,1))/DELAY(CLOSE,1),61,2),20)*((
    CLOSE-DELAY(CLOSE,1))/DELAY(CLOSE,1)-SMA((CLOSE-DELAY(CLOSE,1))/DELAY(CLOSE,1),61,2))/SMA(((CLOSE-
    DELAY(CLOSE,1))/DELAY(CLOSE,1)-((CLOSE-DELAY(CLOSE,1))/DELAY(CLOSE,1)-SMA((CLOSE-DELAY(CLOSE,1))/
    DELAY(CLOSE,1),61,2)))^2,60)"""
    r = (C - delay(C, 1)) / delay(C, 1)
    e = r - sma(r, 61, 2)
    return mean(e, 20) * e / sma((r - e) ** 2, 60)  # two-argument SMA = MEAN (see gtja_ops.sma)


def a147() -> X:
    """REGBETA(MEAN(CLOSE,12),SEQUENCE(12))"""
    return regbeta(mean(C, 12), sequence(12), 12)


def a148() -> X:
    """((RANK(CORR((OPEN), SUM(MEAN(VOLUME,60), 9), 6)) < RANK((OPEN - TSMIN(OPEN, 14)))) * -1)"""
    return _bool(rank(corr(O, sum_(mean(V, 60), 9), 6)) < rank(O - tsmin(O, 14))) * -1


def a149() -> X:
    """REGBETA(FILTER(CLOSE/DELAY(CLOSE,1)-1,BANCHMARKINDEXCLOSE<DELAY(BANCHMARKINDEXCLOSE,1)),
    FILTER(BANCHMARKINDEXCLOSE/DELAY(BANCHMARKINDEXCLOSE,1)-1,BANCHMARKINDEXCLOSE<
    DELAY(BANCHMARKINDEXCLOSE,1)),252)"""
    bench_down = BC < delay(BC, 1)
    stock = filter_(C / delay(C, 1) - 1, bench_down)
    bench = filter_(BC / delay(BC, 1) - 1, bench_down)
    return regbeta(stock, bench, 252, skip_nulls=True)


def a150() -> X:
    """(CLOSE+HIGH+LOW)/3*VOLUME"""
    return (C + H + L) / 3 * V


def a151() -> X:
    """SMA(CLOSE-DELAY(CLOSE,20),20,1)"""
    return sma(C - delay(C, 20), 20, 1)


def a152() -> X:
    """SMA(MEAN(DELAY(SMA(DELAY(CLOSE/DELAY(CLOSE,9),1),9,1),1),12)-MEAN(DELAY(SMA(DELAY(CLOSE/DELAY(CLOSE,9),
    1),9,1),1),26),9,1)"""
    x = delay(sma(delay(C / delay(C, 9), 1), 9, 1), 1)
    return sma(mean(x, 12) - mean(x, 26), 9, 1)


def a153() -> X:
    """(MEAN(CLOSE,3)+MEAN(CLOSE,6)+MEAN(CLOSE,12)+MEAN(CLOSE,24))/4"""
    return (mean(C, 3) + mean(C, 6) + mean(C, 12) + mean(C, 24)) / 4


def a154() -> X:
    """(((VWAP - MIN(VWAP, 16))) < (CORR(VWAP, MEAN(VOLUME,180), 18)))"""
    return _bool((VW - min_(VW, 16)) < corr(VW, mean(V, 180), 18))


def a155() -> X:
    """SMA(VOLUME,13,2)-SMA(VOLUME,27,2)-SMA(SMA(VOLUME,13,2)-SMA(VOLUME,27,2),10,2)"""
    diff = sma(V, 13, 2) - sma(V, 27, 2)
    return diff - sma(diff, 10, 2)


def a156() -> X:
    """(MAX(RANK(DECAYLINEAR(DELTA(VWAP, 5), 3)), RANK(DECAYLINEAR(((DELTA(((OPEN * 0.15) + (LOW *0.85)),2)
    / ((OPEN * 0.15) + (LOW * 0.85))) * -1), 3))) * -1)"""
    p = O * 0.15 + L * 0.85
    return max_(rank(decaylinear(delta(VW, 5), 3)), rank(decaylinear((delta(p, 2) / p) * -1, 3))) * -1


def a157() -> X:
    """(MIN(PROD(RANK(RANK(LOG(SUM(TSMIN(RANK(RANK((-1 * RANK(DELTA((CLOSE - 1), 5))))), 2), 1)))), 1), 5) +
    TSRANK(DELAY((-1 * RET), 6), 5))"""
    inner = sum_(tsmin(rank(rank(-1 * rank(delta(C - 1, 5)))), 2), 1)
    return min_(prod(rank(rank(log(inner))), 1), 5) + tsrank(delay(-1 * R, 6), 5)


def a158() -> X:
    """((HIGH-SMA(CLOSE,15,2))-(LOW-SMA(CLOSE,15,2)))/CLOSE"""
    s = sma(C, 15, 2)
    return ((H - s) - (L - s)) / C


def a159() -> X:
    """((CLOSE-SUM(MIN(LOW,DELAY(CLOSE,1)),6))/SUM(MAX(HGIH,DELAY(CLOSE,1))-MIN(LOW,DELAY(CLOSE,1)),6)*12*24+
    (CLOSE-SUM(MIN(LOW,DELAY(CLOSE,1)),12))/SUM(MAX(HGIH,DELAY(CLOSE,1))-MIN(LOW,DELAY(CLOSE,1)),12)*6*24+
    (CLOSE-SUM(MIN(LOW,DELAY(CLOSE,1)),24))/SUM(MAX(HGIH,DELAY(CLOSE,1))-MIN(LOW,DELAY(CLOSE,1)),24)*6*24)*
    100/(6*12+6*24+12*24)"""
    p = delay(C, 1)
    lo = min_(L, p)
    rng = max_(H, p) - lo  # HGIH in the report is HIGH

    def part(n: int) -> X:
        return (C - sum_(lo, n)) / sum_(rng, n)

    return (part(6) * 12 * 24 + part(12) * 6 * 24 + part(24) * 6 * 24) * 100 / (6 * 12 + 6 * 24 + 12 * 24)


def a160() -> X:
    """SMA((CLOSE<=DELAY(CLOSE,1)?STD(CLOSE,20):0),20,1)"""
    return sma(iif(C <= delay(C, 1), std(C, 20), 0.0), 20, 1)


def a161() -> X:
    """MEAN(MAX(MAX((HIGH-LOW),ABS(DELAY(CLOSE,1)-HIGH)),ABS(DELAY(CLOSE,1)-LOW)),12)"""
    return _true_range_mean(12)


def a162() -> X:
    """(SMA(MAX(CLOSE-DELAY(CLOSE,1),0),12,1)/SMA(ABS(CLOSE-DELAY(CLOSE,1)),12,1)*100-MIN(SMA(MAX(CLOSE-
    DELAY(CLOSE,1),0),12,1)/SMA(ABS(CLOSE-DELAY(CLOSE,1)),12,1)*100,12))/(MAX(SMA(MAX(CLOSE-DELAY(CLOSE,1),
    0),12,1)/SMA(ABS(CLOSE-DELAY(CLOSE,1)),12,1)*100,12)-MIN(SMA(MAX(CLOSE-DELAY(CLOSE,1),0),12,1)/SMA(ABS(
    CLOSE-DELAY(CLOSE,1)),12,1)*100,12))"""
    d = C - delay(C, 1)
    x = sma(max_(d, 0.0), 12, 1) / sma(abs_(d), 12, 1) * 100
    return (x - min_(x, 12)) / (max_(x, 12) - min_(x, 12))


def a163() -> X:
    """RANK(((((-1 * RET) * MEAN(VOLUME,20)) * VWAP) * (HIGH - CLOSE)))"""
    return rank((((-1 * R) * mean(V, 20)) * VW) * (H - C))


def a164() -> X:
    """SMA((((CLOSE>DELAY(CLOSE,1))?1/(CLOSE-DELAY(CLOSE,1)):1)-MIN(((CLOSE>DELAY(CLOSE,1))?1/(CLOSE-
    DELAY(CLOSE,1)):1),12))/(HIGH-LOW)*100,13,2)"""
    p = delay(C, 1)
    x = iif(C > p, 1 / (C - p), 1.0)
    return sma((x - min_(x, 12)) / (H - L) * 100, 13, 2)


def a165() -> X:
    """MAX(SUMAC(CLOSE-MEAN(CLOSE,48)))-MIN(SUMAC(CLOSE-MEAN(CLOSE,48)))/STD(CLOSE,48)"""
    return _range_over_std(48)


def a166() -> X:
    """-20* (20-1 )^1.5*SUM(CLOSE/DELAY(CLOSE,1)-1-MEAN(CLOSE/DELAY(CLOSE,1)-1,20),20)/((20-1)*(20-2)*
    (SUM((CLOSE/DELAY(CLOSE,1))^2,20))^1.5)"""
    ratio = C / delay(C, 1)
    num = -20 * (20 - 1) ** 1.5 * sum_(ratio - 1 - mean(ratio - 1, 20), 20)
    return num / ((20 - 1) * (20 - 2) * sum_(ratio**2, 20) ** 1.5)


def a167() -> X:
    """SUM((CLOSE-DELAY(CLOSE,1)>0?CLOSE-DELAY(CLOSE,1):0),12)"""
    d = C - delay(C, 1)
    return sum_(iif(d > 0, d, 0.0), 12)


def a168() -> X:
    """(-1*VOLUME/MEAN(VOLUME,20))"""
    return -1 * V / mean(V, 20)


def a169() -> X:
    """SMA(MEAN(DELAY(SMA(CLOSE-DELAY(CLOSE,1),9,1),1),12)-MEAN(DELAY(SMA(CLOSE-DELAY(CLOSE,1),9,1),1),26),
    10,1)"""
    x = delay(sma(C - delay(C, 1), 9, 1), 1)
    return sma(mean(x, 12) - mean(x, 26), 10, 1)


def a170() -> X:
    """((((RANK((1 / CLOSE)) * VOLUME) / MEAN(VOLUME,20)) * ((HIGH * RANK((HIGH - CLOSE))) / (SUM(HIGH, 5) /
    5))) - RANK((VWAP - DELAY(VWAP, 5))))"""
    left = ((rank(1 / C) * V) / mean(V, 20)) * ((H * rank(H - C)) / (sum_(H, 5) / 5))
    return left - rank(VW - delay(VW, 5))


def a171() -> X:
    """((-1 * ((LOW - CLOSE) * (OPEN^5))) / ((CLOSE - HIGH) * (CLOSE^5)))"""
    return (-1 * ((L - C) * O**5)) / ((C - H) * C**5)


def a172() -> X:
    """MEAN(ABS(SUM(((LD>0) & (LD>HD))?LD:0,14)*100/SUM(TR,14)-SUM(((HD>0) &(HD>LD))?HD:0,14)*100/SUM(TR,14))/
    (SUM(((LD>0) & (LD>HD))?LD:0,14)*100/SUM(TR,14)+SUM(((HD>0) &(HD>LD))?HD:0,14)*100/SUM(TR,14))*100,6)"""
    return adx_core()


def a173() -> X:
    """3*SMA(CLOSE,13,2)-2*SMA(SMA(CLOSE,13,2),13,2)+SMA(SMA(SMA(LOG(CLOSE),13,2),13,2),13,2)"""
    return 3 * sma(C, 13, 2) - 2 * sma(sma(C, 13, 2), 13, 2) + _triple_sma_log_close()


def a174() -> X:
    """SMA((CLOSE>DELAY(CLOSE,1)?STD(CLOSE,20):0),20,1)"""
    return sma(iif(C > delay(C, 1), std(C, 20), 0.0), 20, 1)


def a175() -> X:
    """MEAN(MAX(MAX((HIGH-LOW),ABS(DELAY(CLOSE,1)-HIGH)),ABS(DELAY(CLOSE,1)-LOW)),6)"""
    return _true_range_mean(6)


def a176() -> X:
    """CORR(RANK(((CLOSE - TSMIN(LOW, 12)) / (TSMAX(HIGH, 12) - TSMIN(LOW,12)))), RANK(VOLUME), 6)"""
    return corr(rank((C - tsmin(L, 12)) / (tsmax(H, 12) - tsmin(L, 12))), rank(V), 6)


def a177() -> X:
    """((20-HIGHDAY(HIGH,20))/20)*100"""
    return ((20 - highday(H, 20)) / 20) * 100


def a178() -> X:
    """(CLOSE-DELAY(CLOSE,1))/DELAY(CLOSE,1)*VOLUME"""
    return (C - delay(C, 1)) / delay(C, 1) * V


def a179() -> X:
    """(RANK(CORR(VWAP, VOLUME, 4)) *RANK(CORR(RANK(LOW), RANK(MEAN(VOLUME,50)), 12)))"""
    return rank(corr(VW, V, 4)) * rank(corr(rank(L), rank(mean(V, 50)), 12))


def a180() -> X:
    """((MEAN(VOLUME,20) < VOLUME) ? ((-1 * TSRANK(ABS(DELTA(CLOSE, 7)), 60)) * SIGN(DELTA(CLOSE, 7))) : (-1 *
    VOLUME))"""
    return iif(mean(V, 20) < V, (-1 * tsrank(abs_(delta(C, 7)), 60)) * sign(delta(C, 7)), -1 * V)


def a181() -> X:
    """SUM(((CLOSE/DELAY(CLOSE,1)-1)-MEAN((CLOSE/DELAY(CLOSE,1)-1),20))-(BANCHMARKINDEXCLOSE-
    MEAN(BANCHMARKINDEXCLOSE,20))^2,20)/SUM((BANCHMARKINDEXCLOSE-MEAN(BANCHMARKINDEXCLOSE,20))^3)"""
    r = C / delay(C, 1) - 1
    bd = BC - mean(BC, 20)
    return sum_((r - mean(r, 20)) - bd**2, 20) / sum_(bd**3, 20)


def a182() -> X:
    """COUNT(((CLOSE>OPEN) & (BANCHMARKINDEXCLOSE>BANCHMARKINDEXOPEN)) | ((CLOSE<OPEN) &
    (BANCHMARKINDEXCLOSE<BANCHMARKINDEXOPEN)),20)/20"""
    return count(((C > O) & (BC > BO)) | ((C < O) & (BC < BO)), 20) / 20


def a183() -> X:
    """MAX(SUMAC(CLOSE-MEAN(CLOSE,24)))-MIN(SUMAC(CLOSE-MEAN(CLOSE,24)))/STD(CLOSE,24)"""
    return _range_over_std(24)


def a184() -> X:
    """(RANK(CORR(DELAY((OPEN - CLOSE), 1), CLOSE, 200)) + RANK((OPEN - CLOSE)))"""
    return rank(corr(delay(O - C, 1), C, 200)) + rank(O - C)


def a185() -> X:
    """RANK((-1 * ((1 - (OPEN / CLOSE))^2)))"""
    return rank(-1 * ((1 - O / C) ** 2))


def a186() -> X:
    """(MEAN(ABS(SUM(((LD>0) & (LD>HD))?LD:0,14)*100/SUM(TR,14)-SUM(((HD>0) &(HD>LD))?HD:0,14)*100/SUM(TR,14))/
    (SUM(((LD>0) & (LD>HD))?LD:0,14)*100/SUM(TR,14)+SUM(((HD>0) &(HD>LD))?HD:0,14)*100/SUM(TR,14))*100,6)+
    DELAY(MEAN(ABS(SUM(((LD>0) &(LD>HD))?LD:0,14)*100/SUM(TR,14)-SUM(((HD>0) & (HD>LD))?HD:0,14)*100/
    SUM(TR,14))/(SUM(((LD>0) &(LD>HD))?LD:0,14)*100/SUM(TR,14)+SUM(((HD>0) & (HD>LD))?HD:0,14)*100/
    SUM(TR,14))*100,6),6))/2"""
    m = adx_core()
    return (m + delay(m, 6)) / 2


def a187() -> X:
    """SUM((OPEN<=DELAY(OPEN,1)?0:MAX((HIGH-OPEN),(OPEN-DELAY(OPEN,1)))),20)"""
    return sum_(dtm(), 20)


def a188() -> X:
    """((HIGH-LOW-SMA(HIGH-LOW,11,2))/SMA(HIGH-LOW,11,2))*100"""
    s = sma(H - L, 11, 2)
    return ((H - L - s) / s) * 100


def a189() -> X:
    """MEAN(ABS(CLOSE-MEAN(CLOSE,6)),6)"""
    return mean(abs_(C - mean(C, 6)), 6)


def a190() -> X:
    """LOG((COUNT(CLOSE/DELAY(CLOSE)-1>((CLOSE/DELAY(CLOSE,19))^(1/20)-1),20)-1)*(SUMIF(((CLOSE/DELAY(CLOSE)
    -1-(CLOSE/DELAY(CLOSE,19))^(1/20)-1))^2,20,CLOSE/DELAY(CLOSE)-1<(CLOSE/DELAY(CLOSE,19))^(1/20)-1))/
    ((COUNT((CLOSE/DELAY(CLOSE)-1<(CLOSE/DELAY(CLOSE,19))^(1/20)-1),20))*(SUMIF((CLOSE/DELAY(CLOSE)-1-
    ((CLOSE/DELAY(CLOSE,19))^(1/20)-1))^2,20,CLOSE/DELAY(CLOSE)-1>(CLOSE/DELAY(CLOSE,19))^(1/20)-1))))"""
    r = C / delay(C, 1) - 1
    q = (C / delay(C, 19)) ** (1 / 20)
    g = q - 1
    up, down = r > g, r < g
    num = (count(up, 20) - 1) * sumif((r - q - 1) ** 2, 20, down)  # literal: r - q - 1 (report's parentheses)
    return log(num / (count(down, 20) * sumif((r - g) ** 2, 20, up)))


def a191() -> X:
    """((CORR(MEAN(VOLUME,20), LOW, 5) + ((HIGH + LOW) / 2)) - CLOSE)"""
    return (corr(mean(V, 20), L, 5) + (H + L) / 2) - C
