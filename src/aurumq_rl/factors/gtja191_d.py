"""GTJA Alpha191 formulas #144-#191 (registered by `factors.gtja191`).

Same layout as `gtja191_a`: one function per alpha, the published formula as its docstring.
"""

from __future__ import annotations

from aurumq_rl.factors.expr import X
from aurumq_rl.factors.gtja191_build import (
    AMT,
    BC,
    BO,
    VW,
    C,
    H,
    L,
    O,
    R,
    V,
    _bool,
    _range_over_std,
    _triple_sma_log_close,
    _true_range_mean,
    adx_core,
)
from aurumq_rl.factors.gtja_ops import (
    abs_,
    corr,
    count,
    decaylinear,
    delay,
    delta,
    dtm,
    filter_,
    highday,
    iif,
    log,
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
    sumif,
    tsmax,
    tsmin,
    tsrank,
)


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
