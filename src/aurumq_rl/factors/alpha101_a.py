"""Alpha101 #1-#50 as staged expressions, one builder per alpha (formula text: `alpha101_formulas`).

Each `aNNN(c)` translates the published formula operator by operator with the conventions of `c`
(see `alpha101_build.Conv`); `alpha101` binds each to its conventions and registers it.
"""

from __future__ import annotations

from aurumq_rl.factors import ops
from aurumq_rl.factors.alpha101_build import (
    CLOSE,
    HIGH,
    LOW,
    OPEN,
    RET,
    SUBINDUSTRY,
    VOLUME,
    VWAP,
    Conv,
    a9_core,
    neut,
    t46,
)
from aurumq_rl.factors.expr import X, abs_, log, sign, where


# --- the alphas --------------------------------------------------------------------------------------------
def a001(c: Conv) -> X:
    inner = where(RET < 0, c.std(RET, 20), CLOSE)
    return c.rank(c.argmax(ops.signed_power(inner, 2.0), 5)) - 0.5


def a002(c: Conv) -> X:
    return -c.corr(c.rank(c.delta(log(VOLUME), 2)), c.rank((CLOSE - OPEN) / OPEN), 6)


def a003(c: Conv) -> X:
    return -c.corr(c.rank(OPEN), c.rank(VOLUME), 10)


def a004(c: Conv) -> X:
    return -c.ts_rank(c.rank(LOW), 9)


def a005(c: Conv) -> X:
    return c.rank(OPEN - c.sum(VWAP, 10) / 10) * (-abs_(c.rank(CLOSE - VWAP)))


def a006(c: Conv) -> X:
    return -c.corr(OPEN, VOLUME, 10)


def a007(c: Conv) -> X:
    d7 = c.delta(CLOSE, 7)
    return where(c.adv(20) < VOLUME, -c.ts_rank(abs_(d7), 60) * sign(d7), -1.0)


def a008(c: Conv) -> X:
    p = c.sum(OPEN, 5) * c.sum(RET, 5)
    return -c.rank(p - c.delay(p, 10))


def a009(c: Conv) -> X:
    return a9_core(c, 5)


def a010(c: Conv) -> X:
    return c.rank(a9_core(c, 4))


def a011(c: Conv) -> X:
    vc = VWAP - CLOSE
    return (c.rank(c.tmax(vc, 3)) + c.rank(c.tmin(vc, 3))) * c.rank(c.delta(VOLUME, 3))


def a012(c: Conv) -> X:
    return sign(c.delta(VOLUME, 1)) * (-c.delta(CLOSE, 1))


def a013(c: Conv) -> X:
    return -c.rank(c.cov(c.rank(CLOSE), c.rank(VOLUME), 5))


def a014(c: Conv) -> X:
    return -c.rank(c.delta(RET, 3)) * c.corr(OPEN, VOLUME, 10)


def a015(c: Conv) -> X:
    return -c.sum(c.rank(c.corr(c.rank(HIGH), c.rank(VOLUME), 3)), 3)


def a016(c: Conv) -> X:
    return -c.rank(c.cov(c.rank(HIGH), c.rank(VOLUME), 5))


def a017(c: Conv) -> X:
    a = -c.rank(c.ts_rank(CLOSE, 10)) * c.rank(c.delta(c.delta(CLOSE, 1), 1))
    return a * c.rank(c.ts_rank(VOLUME / c.adv(20), 5))


def a018(c: Conv) -> X:
    return -c.rank(c.std(abs_(CLOSE - OPEN), 5) + (CLOSE - OPEN) + c.corr(CLOSE, OPEN, 10))


def a019(c: Conv) -> X:
    return -sign((CLOSE - c.delay(CLOSE, 7)) + c.delta(CLOSE, 7)) * (1 + c.rank(1 + c.sum(RET, 250)))


def a020(c: Conv) -> X:
    return (-c.rank(OPEN - c.delay(HIGH, 1)) * c.rank(OPEN - c.delay(CLOSE, 1))
            * c.rank(OPEN - c.delay(LOW, 1)))


def a021(c: Conv) -> X:
    m8, s8, m2 = c.sum(CLOSE, 8) / 8, c.std(CLOSE, 8), c.sum(CLOSE, 2) / 2
    r = VOLUME / c.adv(20)
    return where(m8 + s8 < m2, -1.0, where(m2 < m8 - s8, 1.0, where((1 < r) | (r == 1), 1.0, -1.0)))


def a022(c: Conv) -> X:
    return -(c.delta(c.corr(HIGH, VOLUME, 5), 5) * c.rank(c.std(CLOSE, 20)))


def a023(c: Conv) -> X:
    return where(c.sum(HIGH, 20) / 20 < HIGH, -c.delta(HIGH, 2), 0.0)


def a024(c: Conv) -> X:
    q = c.delta(c.sum(CLOSE, 100) / 100, 100) / c.delay(CLOSE, 100)
    return where((q < 0.05) | (q == 0.05), -(CLOSE - c.tmin(CLOSE, 100)), -c.delta(CLOSE, 3))


def a025(c: Conv) -> X:
    return c.rank(-RET * c.adv(20) * VWAP * (HIGH - CLOSE))


def a026(c: Conv) -> X:
    return -c.tmax(c.corr(c.ts_rank(VOLUME, 5), c.ts_rank(HIGH, 5), 5), 3)


def a027(c: Conv) -> X:
    return where(0.5 < c.rank(c.sum(c.corr(c.rank(VOLUME), c.rank(VWAP), 6), 2) / 2.0), -1.0, 1.0)


def a028(c: Conv) -> X:
    return ops.scale(c.corr(c.adv(20), LOW, 5) + (HIGH + LOW) / 2 - CLOSE)


def a029(c: Conv) -> X:
    inner = c.rank(c.rank(-c.rank(c.delta(CLOSE - 1, 5))))
    core = c.rank(c.rank(ops.scale(log(c.sum(c.tmin(inner, 2), 1)))))
    return c.tmin(c.prod(core, 1), 5) + c.ts_rank(c.delay(-RET, 6), 5)


def a030(c: Conv) -> X:
    d1, d2, d3 = c.delay(CLOSE, 1), c.delay(CLOSE, 2), c.delay(CLOSE, 3)
    s = sign(CLOSE - d1) + sign(d1 - d2) + sign(d2 - d3)
    return (1.0 - c.rank(s)) * c.sum(VOLUME, 5) / c.sum(VOLUME, 20)


def a031(c: Conv) -> X:
    a = c.rank(c.rank(c.rank(c.dl(-c.rank(c.rank(c.delta(CLOSE, 10))), 10))))
    return a + c.rank(-c.delta(CLOSE, 3)) + sign(ops.scale(c.corr(c.adv(20), LOW, 12)))


def a032(c: Conv) -> X:
    return ops.scale(c.sum(CLOSE, 7) / 7 - CLOSE) + 20 * ops.scale(c.corr(VWAP, c.delay(CLOSE, 5), 230))


def a033(c: Conv) -> X:
    return c.rank(-(1 - OPEN / CLOSE))


def a034(c: Conv) -> X:
    return c.rank((1 - c.rank(c.std(RET, 2) / c.std(RET, 5))) + (1 - c.rank(c.delta(CLOSE, 1))))


def a035(c: Conv) -> X:
    return (c.ts_rank(VOLUME, 32) * (1 - c.ts_rank(CLOSE + HIGH - LOW, 16))
            * (1 - c.ts_rank(RET, 32)))


def a036(c: Conv) -> X:
    return (2.21 * c.rank(c.corr(CLOSE - OPEN, c.delay(VOLUME, 1), 15)) + 0.7 * c.rank(OPEN - CLOSE)
            + 0.73 * c.rank(c.ts_rank(c.delay(-RET, 6), 5)) + c.rank(abs_(c.corr(VWAP, c.adv(20), 6)))
            + 0.6 * c.rank((c.sum(CLOSE, 200) / 200 - OPEN) * (CLOSE - OPEN)))


def a037(c: Conv) -> X:
    return c.rank(c.corr(c.delay(OPEN - CLOSE, 1), CLOSE, 200)) + c.rank(OPEN - CLOSE)


def a038(c: Conv) -> X:
    return -c.rank(c.ts_rank(CLOSE, 10)) * c.rank(CLOSE / OPEN)


def a039(c: Conv) -> X:
    a = -c.rank(c.delta(CLOSE, 7) * (1 - c.rank(c.dl(VOLUME / c.adv(20), 9))))
    return a * (1 + c.rank(c.sum(RET, 250)))


def a040(c: Conv) -> X:
    return -c.rank(c.std(HIGH, 10)) * c.corr(HIGH, VOLUME, 10)


def a041(c: Conv) -> X:
    return (HIGH * LOW) ** 0.5 - VWAP


def a042(c: Conv) -> X:
    return c.rank(VWAP - CLOSE) / c.rank(VWAP + CLOSE)


def a043(c: Conv) -> X:
    return c.ts_rank(VOLUME / c.adv(20), 20) * c.ts_rank(-c.delta(CLOSE, 7), 8)


def a044(c: Conv) -> X:
    return -c.corr(HIGH, c.rank(VOLUME), 5)


def a045(c: Conv) -> X:
    a = c.rank(c.sum(c.delay(CLOSE, 5), 20) / 20) * c.corr(CLOSE, VOLUME, 2)
    return -(a * c.rank(c.corr(c.sum(CLOSE, 5), c.sum(CLOSE, 20), 2)))


def a046(c: Conv) -> X:
    t = t46(c)
    return where(0.25 < t, -1.0, where(t < 0, 1.0, -(CLOSE - c.delay(CLOSE, 1))))


def a047(c: Conv) -> X:
    a = c.rank(1 / CLOSE) * VOLUME / c.adv(20) * (HIGH * c.rank(HIGH - CLOSE) / (c.sum(HIGH, 5) / 5))
    return a - c.rank(VWAP - c.delay(VWAP, 5))


def a048(c: Conv) -> X:
    dc = c.delta(CLOSE, 1)
    num = neut(c.corr(dc, c.delta(c.delay(CLOSE, 1), 1), 250) * dc / CLOSE, SUBINDUSTRY)
    return num / c.sum((dc / c.delay(CLOSE, 1)) ** 2, 250)


def a049(c: Conv) -> X:
    return where(t46(c) < -0.1, 1.0, -(CLOSE - c.delay(CLOSE, 1)))


def a050(c: Conv) -> X:
    return -c.tmax(c.rank(c.corr(c.rank(VOLUME), c.rank(VWAP), 5)), 5)
