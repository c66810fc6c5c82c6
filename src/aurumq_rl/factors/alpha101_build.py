"""Shared pieces of the Alpha101 builders (`alpha101_a`, `alpha101_b`): input columns, helpers and `Conv`.

Each builder `aNNN(c)` translates the published formula (see `alpha101_formulas.FORMULAS`) operator by
operator; the `Conv` object decides the conventions where implementations disagree. The registry
(`alpha101`) binds each builder to the project defaults plus the per-alpha overrides the parity tests justify.

Mapping: `volume` = `vol` (lots), `returns` = `pct_chg`, `cap` = `cap`, `adv{d}` = `Conv.adv(d)`,
IndClass.sector / industry / subindustry = `industry_code` / `industry_l2` / `industry_l3`. `max`/`min` with
two expression arguments are elementwise; with an integer second argument (#29) they are ts_min/ts_max.
"""

from __future__ import annotations

from dataclasses import dataclass

from aurumq_rl.factors import ops
from aurumq_rl.factors.expr import X, maximum, minimum, where

OPEN, HIGH, LOW, CLOSE = X.col("open"), X.col("high"), X.col("low"), X.col("close")
VOLUME, AMOUNT, VWAP, RET, CAP = X.col("vol"), X.col("amount"), X.col("vwap"), X.col("pct_chg"), X.col("cap")
SECTOR, INDUSTRY, SUBINDUSTRY = "industry_code", "industry_l2", "industry_l3"


@dataclass(frozen=True)
class Conv:
    """Operator conventions of one alpha build; the defaults are the project defaults of `ops`, the other
    values are the per-alpha overrides some alphas need (see `alpha101._META`)."""

    rank_m: str = "pct"          # cross-sectional rank: "pct" r/n, or "unit" (r-1)/(n-1)
    ts_rank_m: str = "pct"       # ts_rank: "pct" r/d, "raw" 1..d, "unit" (r-1)/(d-1)
    adv_src: str = "amount"      # adv{d} = mean of "amount" (thousand yuan) or "vol" (lots) over d days
    window: str = "floor"        # fractional windows: "floor" or "round"
    corr_zero_var: str = "null"  # correlation of a zero-variance window: "null" or "zero"

    def w(self, d: float) -> int:
        return max(1, int(d) if self.window == "floor" else round(d))

    def rank(self, x: object) -> X:
        return ops.rank(x, method=self.rank_m)

    def ts_rank(self, x: object, d: float) -> X:
        return ops.ts_rank(x, self.w(d), method=self.ts_rank_m)  # type: ignore[arg-type]

    def argmax(self, x: object, d: float) -> X:
        return ops.ts_argmax(x, self.w(d))

    def argmin(self, x: object, d: float) -> X:
        return ops.ts_argmin(x, self.w(d))

    def std(self, x: object, d: float) -> X:
        return ops.ts_std(x, self.w(d))

    def adv(self, d: float) -> X:
        return ops.ts_mean(VOLUME if self.adv_src == "vol" else AMOUNT, self.w(d))

    def sum(self, x: object, d: float) -> X:
        return ops.ts_sum(x, self.w(d))

    def corr(self, a: object, b: object, d: float) -> X:
        return ops.ts_corr(a, b, self.w(d), zero_var=self.corr_zero_var)  # type: ignore[arg-type]

    def cov(self, a: object, b: object, d: float) -> X:
        return ops.ts_cov(a, b, self.w(d))

    def delta(self, x: object, d: float) -> X:
        return ops.delta(x, self.w(d))

    def delay(self, x: object, d: float) -> X:
        return ops.delay(x, self.w(d))

    def dl(self, x: object, d: float) -> X:
        return ops.decay_linear(x, self.w(d))

    def tmin(self, x: object, d: float) -> X:
        return ops.ts_min(x, self.w(d))

    def tmax(self, x: object, d: float) -> X:
        return ops.ts_max(x, self.w(d))

    def prod(self, x: object, d: float) -> X:
        return ops.ts_product(x, self.w(d))

    def max2(self, a: object, b: object) -> X:
        return maximum(a, b)

    def min2(self, a: object, b: object) -> X:
        return minimum(a, b)




def neut(x: object, level: str) -> X:
    return ops.ind_neutralize(x, level)


def mix(a: X, b: X, w: float) -> X:
    return a * w + b * (1 - w)


def t46(c: Conv) -> X:
    d10, d20 = c.delay(CLOSE, 10), c.delay(CLOSE, 20)
    return (d20 - d10) / 10 - (d10 - CLOSE) / 10


def a9_core(c: Conv, d: int) -> X:
    dc = c.delta(CLOSE, 1)
    return where(0 < c.tmin(dc, d), dc, where(c.tmax(dc, d) < 0, dc, -dc))


def clv(c: Conv) -> X:
    return ((CLOSE - LOW) - (HIGH - CLOSE)) / (HIGH - LOW)
