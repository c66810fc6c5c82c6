"""Alpha101 #51-#101 as staged expressions, one builder per alpha (formula text: `alpha101_formulas`).

Each `aNNN(c)` translates the published formula operator by operator with the conventions of `c`
(see `alpha101_build.Conv`); `alpha101` binds each to its conventions and registers it.
"""

from __future__ import annotations

from aurumq_rl.factors import ops
from aurumq_rl.factors.alpha101_build import (
    CAP,
    CLOSE,
    HIGH,
    INDUSTRY,
    LOW,
    OPEN,
    RET,
    SECTOR,
    SUBINDUSTRY,
    VOLUME,
    VWAP,
    Conv,
    clv,
    mix,
    neut,
    t46,
)
from aurumq_rl.factors.expr import X, abs_, log, sign, where


def a051(c: Conv) -> X:
    return where(t46(c) < -0.05, 1.0, -(CLOSE - c.delay(CLOSE, 1)))


def a052(c: Conv) -> X:
    m5 = c.tmin(LOW, 5)
    a = (-m5 + c.delay(m5, 5)) * c.rank((c.sum(RET, 240) - c.sum(RET, 20)) / 220)
    return a * c.ts_rank(VOLUME, 5)


def a053(c: Conv) -> X:
    return -c.delta(((CLOSE - LOW) - (HIGH - CLOSE)) / (CLOSE - LOW), 9)


def a054(c: Conv) -> X:
    return (-((LOW - CLOSE) * OPEN ** 5)) / ((LOW - HIGH) * CLOSE ** 5)


def a055(c: Conv) -> X:
    lo, hi = c.tmin(LOW, 12), c.tmax(HIGH, 12)
    return -c.corr(c.rank((CLOSE - lo) / (hi - lo)), c.rank(VOLUME), 6)


def a056(c: Conv) -> X:
    return 0 - (c.rank(c.sum(RET, 10) / c.sum(c.sum(RET, 2), 3)) * c.rank(RET * CAP))


def a057(c: Conv) -> X:
    return 0 - ((CLOSE - VWAP) / c.dl(c.rank(c.argmax(CLOSE, 30)), 2))


def a058(c: Conv) -> X:
    return -c.ts_rank(c.dl(c.corr(neut(VWAP, SECTOR), VOLUME, 3.92795), 7.89291), 5.50322)


def a059(c: Conv) -> X:
    v = neut(mix(VWAP, VWAP, 0.728317), INDUSTRY)
    return -c.ts_rank(c.dl(c.corr(v, VOLUME, 4.25197), 16.2289), 8.19648)


def a060(c: Conv) -> X:
    return 0 - (2 * ops.scale(c.rank(clv(c) * VOLUME)) - ops.scale(c.rank(c.argmax(CLOSE, 10))))


def a061(c: Conv) -> X:
    return c.rank(VWAP - c.tmin(VWAP, 16.1219)) < c.rank(c.corr(VWAP, c.adv(180), 17.9282))


def a062(c: Conv) -> X:
    a = c.rank(c.corr(VWAP, c.sum(c.adv(20), 22.4101), 9.91009))
    b = c.rank((c.rank(OPEN) + c.rank(OPEN)) < (c.rank((HIGH + LOW) / 2) + c.rank(HIGH)))
    return (a < b) * -1


def a063(c: Conv) -> X:
    a = c.rank(c.dl(c.delta(neut(CLOSE, INDUSTRY), 2.25164), 8.22237))
    b = c.rank(c.dl(c.corr(mix(VWAP, OPEN, 0.318108), c.sum(c.adv(180), 37.2467), 13.557), 12.2883))
    return (a - b) * -1


def a064(c: Conv) -> X:
    a = c.rank(c.corr(c.sum(mix(OPEN, LOW, 0.178404), 12.7054), c.sum(c.adv(120), 12.7054), 16.6208))
    b = c.rank(c.delta(mix((HIGH + LOW) / 2, VWAP, 0.178404), 3.69741))
    return (a < b) * -1


def a065(c: Conv) -> X:
    a = c.rank(c.corr(mix(OPEN, VWAP, 0.00817205), c.sum(c.adv(60), 8.6911), 6.40374))
    return (a < c.rank(OPEN - c.tmin(OPEN, 13.635))) * -1


def a066(c: Conv) -> X:
    a = c.rank(c.dl(c.delta(VWAP, 3.51013), 7.23052))
    b = c.ts_rank(c.dl((mix(LOW, LOW, 0.96633) - VWAP) / (OPEN - (HIGH + LOW) / 2), 11.4157), 6.72611)
    return (a + b) * -1


def a067(c: Conv) -> X:
    a = c.rank(HIGH - c.tmin(HIGH, 2.14593))
    b = c.rank(c.corr(neut(VWAP, SECTOR), neut(c.adv(20), SUBINDUSTRY), 6.02936))
    return (a ** b) * -1


def a068(c: Conv) -> X:
    a = c.ts_rank(c.corr(c.rank(HIGH), c.rank(c.adv(15)), 8.91644), 13.9333)
    return (a < c.rank(c.delta(mix(CLOSE, LOW, 0.518371), 1.06157))) * -1


def a069(c: Conv) -> X:
    a = c.rank(c.tmax(c.delta(neut(VWAP, INDUSTRY), 2.72412), 4.79344))
    b = c.ts_rank(c.corr(mix(CLOSE, VWAP, 0.490655), c.adv(20), 4.92416), 9.0615)
    return (a ** b) * -1


def a070(c: Conv) -> X:
    b = c.ts_rank(c.corr(neut(CLOSE, INDUSTRY), c.adv(50), 17.8256), 17.9171)
    return (c.rank(c.delta(VWAP, 1.29456)) ** b) * -1


def a071(c: Conv) -> X:
    a = c.ts_rank(c.dl(c.corr(c.ts_rank(CLOSE, 3.43976), c.ts_rank(c.adv(180), 12.0647), 18.0175),
                       4.20501), 15.6948)
    b = c.ts_rank(c.dl(c.rank((LOW + OPEN) - (VWAP + VWAP)) ** 2, 16.4662), 4.4388)
    return c.max2(a, b)


def a072(c: Conv) -> X:
    a = c.rank(c.dl(c.corr((HIGH + LOW) / 2, c.adv(40), 8.93345), 10.1519))
    b = c.rank(c.dl(c.corr(c.ts_rank(VWAP, 3.72469), c.ts_rank(VOLUME, 18.5188), 6.86671), 2.95011))
    return a / b


def a073(c: Conv) -> X:
    a = c.rank(c.dl(c.delta(VWAP, 4.72775), 2.91864))
    m = mix(OPEN, LOW, 0.147155)
    b = c.ts_rank(c.dl((c.delta(m, 2.03608) / m) * -1, 3.33829), 16.7411)
    return c.max2(a, b) * -1


def a074(c: Conv) -> X:
    a = c.rank(c.corr(CLOSE, c.sum(c.adv(30), 37.4843), 15.1365))
    b = c.rank(c.corr(c.rank(mix(HIGH, VWAP, 0.0261661)), c.rank(VOLUME), 11.4791))
    return (a < b) * -1


def a075(c: Conv) -> X:
    return c.rank(c.corr(VWAP, VOLUME, 4.24304)) < c.rank(c.corr(c.rank(LOW), c.rank(c.adv(50)), 12.4413))


def a076(c: Conv) -> X:
    a = c.rank(c.dl(c.delta(VWAP, 1.24383), 11.8259))
    b = c.ts_rank(c.dl(c.ts_rank(c.corr(neut(LOW, SECTOR), c.adv(81), 8.14941), 19.569), 17.1543), 19.383)
    return c.max2(a, b) * -1


def a077(c: Conv) -> X:
    a = c.rank(c.dl(((HIGH + LOW) / 2 + HIGH) - (VWAP + HIGH), 20.0451))
    b = c.rank(c.dl(c.corr((HIGH + LOW) / 2, c.adv(40), 3.1614), 5.64125))
    return c.min2(a, b)


def a078(c: Conv) -> X:
    a = c.rank(c.corr(c.sum(mix(LOW, VWAP, 0.352233), 19.7428), c.sum(c.adv(40), 19.7428), 6.83313))
    return a ** c.rank(c.corr(c.rank(VWAP), c.rank(VOLUME), 5.77492))


def a079(c: Conv) -> X:
    a = c.rank(c.delta(neut(mix(CLOSE, OPEN, 0.60733), SECTOR), 1.23438))
    b = c.rank(c.corr(c.ts_rank(VWAP, 3.60973), c.ts_rank(c.adv(150), 9.18637), 14.6644))
    return a < b


def a080(c: Conv) -> X:
    a = c.rank(sign(c.delta(neut(mix(OPEN, HIGH, 0.868128), INDUSTRY), 4.04545)))
    return (a ** c.ts_rank(c.corr(HIGH, c.adv(10), 5.11456), 5.53756)) * -1


def a081(c: Conv) -> X:
    r4 = c.rank(c.rank(c.corr(VWAP, c.sum(c.adv(10), 49.6054), 8.47743)) ** 4)
    a = c.rank(log(c.prod(r4, 14.9655)))
    return (a < c.rank(c.corr(c.rank(VWAP), c.rank(VOLUME), 5.07914))) * -1


def a082(c: Conv) -> X:
    a = c.rank(c.dl(c.delta(OPEN, 1.46063), 14.8717))
    b = c.ts_rank(c.dl(c.corr(neut(VOLUME, SECTOR), mix(OPEN, OPEN, 0.634196), 17.4842), 6.92131), 13.4283)
    return c.min2(a, b) * -1


def a083(c: Conv) -> X:
    hl = (HIGH - LOW) / (c.sum(CLOSE, 5) / 5)
    return (c.rank(c.delay(hl, 2)) * c.rank(c.rank(VOLUME))) / (hl / (VWAP - CLOSE))


def a084(c: Conv) -> X:
    return ops.signed_power(c.ts_rank(VWAP - c.tmax(VWAP, 15.3217), 20.7127), c.delta(CLOSE, 4.96796))


def a085(c: Conv) -> X:
    a = c.rank(c.corr(mix(HIGH, CLOSE, 0.876703), c.adv(30), 9.61331))
    b = c.rank(c.corr(c.ts_rank((HIGH + LOW) / 2, 3.70596), c.ts_rank(VOLUME, 10.1595), 7.11408))
    return a ** b


def a086(c: Conv) -> X:
    a = c.ts_rank(c.corr(CLOSE, c.sum(c.adv(20), 14.7444), 6.00049), 20.4195)
    return (a < c.rank((OPEN + CLOSE) - (VWAP + OPEN))) * -1


def a087(c: Conv) -> X:
    a = c.rank(c.dl(c.delta(mix(CLOSE, VWAP, 0.369701), 1.91233), 2.65461))
    b = c.ts_rank(c.dl(abs_(c.corr(neut(c.adv(81), INDUSTRY), CLOSE, 13.4132)), 4.89768), 14.4535)
    return c.max2(a, b) * -1


def a088(c: Conv) -> X:
    a = c.rank(c.dl((c.rank(OPEN) + c.rank(LOW)) - (c.rank(HIGH) + c.rank(CLOSE)), 8.06882))
    b = c.ts_rank(c.dl(c.corr(c.ts_rank(CLOSE, 8.44728), c.ts_rank(c.adv(60), 20.6966), 8.01266), 6.65053),
                  2.61957)
    return c.min2(a, b)


def a089(c: Conv) -> X:
    a = c.ts_rank(c.dl(c.corr(mix(LOW, LOW, 0.967285), c.adv(10), 6.94279), 5.51607), 3.79744)
    b = c.ts_rank(c.dl(c.delta(neut(VWAP, INDUSTRY), 3.48158), 10.1466), 15.3012)
    return a - b


def a090(c: Conv) -> X:
    a = c.rank(CLOSE - c.tmax(CLOSE, 4.66719))
    return (a ** c.ts_rank(c.corr(neut(c.adv(40), SUBINDUSTRY), LOW, 5.38375), 3.21856)) * -1


def a091(c: Conv) -> X:
    a = c.ts_rank(c.dl(c.dl(c.corr(neut(CLOSE, INDUSTRY), VOLUME, 9.74928), 16.398), 3.83219), 4.8667)
    return (a - c.rank(c.dl(c.corr(VWAP, c.adv(30), 4.01303), 2.6809))) * -1


def a092(c: Conv) -> X:
    a = c.ts_rank(c.dl(((HIGH + LOW) / 2 + CLOSE) < (LOW + OPEN), 14.7221), 18.8683)
    b = c.ts_rank(c.dl(c.corr(c.rank(LOW), c.rank(c.adv(30)), 7.58555), 6.94024), 6.80584)
    return c.min2(a, b)


def a093(c: Conv) -> X:
    a = c.ts_rank(c.dl(c.corr(neut(VWAP, INDUSTRY), c.adv(81), 17.4193), 19.848), 7.54455)
    return a / c.rank(c.dl(c.delta(mix(CLOSE, VWAP, 0.524434), 2.77377), 16.2664))


def a094(c: Conv) -> X:
    a = c.rank(VWAP - c.tmin(VWAP, 11.5783))
    b = c.ts_rank(c.corr(c.ts_rank(VWAP, 19.6462), c.ts_rank(c.adv(60), 4.02992), 18.0926), 2.70756)
    return (a ** b) * -1


def a095(c: Conv) -> X:
    a = c.rank(OPEN - c.tmin(OPEN, 12.4105))
    r = c.rank(c.corr(c.sum((HIGH + LOW) / 2, 19.1351), c.sum(c.adv(40), 19.1351), 12.8742))
    return a < c.ts_rank(r ** 5, 11.7584)


def a096(c: Conv) -> X:
    a = c.ts_rank(c.dl(c.corr(c.rank(VWAP), c.rank(VOLUME), 3.83878), 4.16783), 8.38151)
    cor = c.corr(c.ts_rank(CLOSE, 7.45404), c.ts_rank(c.adv(60), 4.13242), 3.65459)
    b = c.ts_rank(c.dl(c.argmax(cor, 12.6556), 14.0365), 13.4143)
    return c.max2(a, b) * -1


def a097(c: Conv) -> X:
    a = c.rank(c.dl(c.delta(neut(mix(LOW, VWAP, 0.721001), INDUSTRY), 3.3705), 20.4523))
    cor = c.corr(c.ts_rank(LOW, 7.87871), c.ts_rank(c.adv(60), 17.255), 4.97547)
    b = c.ts_rank(c.dl(c.ts_rank(cor, 18.5925), 15.7152), 6.71659)
    return (a - b) * -1


def a098(c: Conv) -> X:
    a = c.rank(c.dl(c.corr(VWAP, c.sum(c.adv(5), 26.4719), 4.58418), 7.18088))
    cor = c.corr(c.rank(OPEN), c.rank(c.adv(15)), 20.8187)
    return a - c.rank(c.dl(c.ts_rank(c.argmin(cor, 8.62571), 6.95668), 8.07206))


def a099(c: Conv) -> X:
    a = c.rank(c.corr(c.sum((HIGH + LOW) / 2, 19.8975), c.sum(c.adv(60), 19.8975), 8.8136))
    return (a < c.rank(c.corr(LOW, VOLUME, 6.28259))) * -1


def a100(c: Conv) -> X:
    a = ops.scale(neut(neut(c.rank(clv(c) * VOLUME), SUBINDUSTRY), SUBINDUSTRY))
    b = ops.scale(neut(c.corr(CLOSE, c.rank(c.adv(20)), 5) - c.rank(c.argmin(CLOSE, 30)), SUBINDUSTRY))
    return 0 - ((1.5 * a - b) * (VOLUME / c.adv(20)))


def a101(c: Conv) -> X:
    return (CLOSE - OPEN) / ((HIGH - LOW) + 0.001)
