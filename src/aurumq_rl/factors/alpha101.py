"""WorldQuant Alpha101 (Kakushadze 2015): registry entries for all 101 formulas.

The builders are in `alpha101_a` / `alpha101_b` (one function per alpha, parameterised by the conventions
object `alpha101_build.Conv`), the published formula texts in `alpha101_formulas`. Every alpha uses the
project operator conventions of `factors.ops` unless its entry below overrides one; an override is made only
where the alpha's value genuinely depends on the choice (a rank compared with a constant, used as a divisor,
base or exponent, or volume compared with adv) and is listed in the spec's `conventions`. `reference` names
the implementation the alpha matches in `tests/factors/test_alpha101_parity.py` (Pearson > 0.99 where both
are non-null past warm-up, null patterns agreeing on >= 95% of rows); docs/PARITY_ALPHA101.md is the
per-alpha table.

Inputs: `open, high, low, close, vwap` (yuan), `vol` (lots) = volume, `amount` (thousand yuan), `pct_chg`
(decimal) = returns, `cap` (#56), IndClass.sector / industry / subindustry = `industry_code` /
`industry_l2` / `industry_l3`. adv{d} is the mean of `amount` over d days unless overridden.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from aurumq_rl.factors import alpha101_a, alpha101_b
from aurumq_rl.factors.alpha101_build import Conv
from aurumq_rl.factors.alpha101_formulas import FORMULAS
from aurumq_rl.factors.expr import X
from aurumq_rl.factors.registry import FactorSpec, register

FAMILY = "alpha101"
BUILDERS: dict[int, Callable[[Conv], X]] = {
    n: getattr(alpha101_a if n <= 50 else alpha101_b, f"a{n:03d}") for n in range(1, 102)
}
A101V, PYAL, POLARSTA = "alpha101v", "pyalphalib", "polarsta"

# Human-readable text of each convention override (field of `Conv` = value).
_CONV_TEXT = {
    ("rank_m", "unit"): "rank = (r - 1) / (n - 1) in [0, 1] (WorldQuant BRAIN), not r / n",
    ("ts_rank_m", "unit"): "ts_rank = (r - 1) / (d - 1) in [0, 1] (WorldQuant BRAIN), not r / d",
    ("ts_rank_m", "raw"): "ts_rank = raw rank 1..d",
    ("adv_src", "vol"): "adv{d} = mean volume (lots) over d days, so volume / adv is a unit-free ratio",
    ("window", "round"): "fractional windows rounded, not floored",
    ("corr_zero_var", "zero"): "correlation of a zero-variance window = 0, not null",
}


@dataclass(frozen=True)
class _M:
    """Per-alpha metadata: lookback (days before today), inputs, matched reference, convention overrides."""

    lookback: int
    inputs: tuple[str, ...]
    reference: str | None
    overrides: dict[str, str] = field(default_factory=dict)


_RANK_SCALE = "the alpha {what}, so the scale of the rank matters"
_WHY: dict[int, str] = {
    7: "the branch value -ts_rank * sign is set against the constant -1 (scale of ts_rank matters) and "
       "'adv20 < volume' must compare like units",
    21: "volume / adv20 is compared with 1",
    27: _RANK_SCALE.format(what="compares a rank with 0.5"),
    29: _RANK_SCALE.format(what="takes the log of a rank (0 for the lowest stock gives null, as alpha101v)"),
    47: "volume / adv20 multiplies the first term, which is then added to a rank",
    57: _RANK_SCALE.format(what="divides by a decayed rank"),
    68: _RANK_SCALE.format(what="compares a ts_rank with a rank"),
    70: _RANK_SCALE.format(what="raises a rank to a ts_rank"),
    72: _RANK_SCALE.format(what="divides a rank by a rank"),
    78: _RANK_SCALE.format(what="raises a rank to a rank"),
    80: _RANK_SCALE.format(what="raises a rank to a ts_rank"),
    81: _RANK_SCALE.format(what="takes the log of a product of ranks"),
    84: _RANK_SCALE.format(what="raises a ts_rank to a power"),
    85: _RANK_SCALE.format(what="raises a rank to a rank"),
    86: "sum(adv20, 14.7444) uses 15 days, as polars_ta",
    88: _RANK_SCALE.format(what="takes the minimum of a rank and a ts_rank"),
    89: _RANK_SCALE.format(what="subtracts two ts_ranks of different windows"),
    93: _RANK_SCALE.format(what="divides a ts_rank by a rank"),
    94: _RANK_SCALE.format(what="raises a rank to a ts_rank"),
    95: _RANK_SCALE.format(what="compares a rank with a ts_rank"),
    69: _RANK_SCALE.format(what="raises a rank to a ts_rank"),
    90: _RANK_SCALE.format(what="raises a rank to a ts_rank"),
    92: _RANK_SCALE.format(what="takes the minimum of two ts_ranks"),
    96: "the inner 3-day correlation of two ts_ranks has zero variance on ~half the windows; with the "
        "default (null) the null spreads through argmax/decay/ts_rank windows and the alpha is null on "
        "every row of the reference panel",
}

# Why an alpha matches no reference (quality best-effort).
_ZERO_VAR = (
    "a correlation inside has zero variance on many windows (ts_rank or rank of a smooth series such as "
    "adv held constant); we return null there (ops convention) and, with full windows required, the null "
    "spreads through the following decay_linear / ts_rank windows, so {pct} of the reference rows are null "
    "for us but not for alpha101v (its pandas rolling correlation yields a number or ±inf there); on rows "
    "both define the correlation with alpha101v is {corr}"
)
_NO_MATCH: dict[int, str] = {
    13: "-rank(covariance(rank(close), rank(volume), 5)): a stock whose rank is constant over the 5 days has "
        "covariance exactly 0, so many stocks tie; we keep the exact tie (covariance noise below 1e-12 of the "
        "scale is zeroed) while alpha101v's pandas covariance leaves ~1e-17 noise that orders the tied "
        "stocks arbitrarily; correlation 0.976 with alpha101v",
    16: "same as #13 with rank(high): exact covariance ties vs alpha101v's float-noise ordering; correlation "
        "0.973 with alpha101v",
    45: "correlation(x, y, 2) of two points is exactly +1 or -1 (0/0 when a side did not move: null); the "
        "compiled correlation kernel recomputes each window exactly, so equal correlations tie in the outer "
        "rank, while the references rank ~1e-10 of float noise among them (as GTJA #113): correlation 0.958 "
        "with alpha101v, 0.959 with py-alpha-lib, 0.952 with polars_ta (0.9935 before the kernel, with the "
        "noise of polars' incremental rolling correlation)",
    69: "x ** y with x = rank = 0 (lowest stock) and y = ts_rank = 0 (today's value lowest of the window): we "
        "return 0 ** 0 = 1 (alpha -1), alpha101v returns 0 on those 0.3% of rows (float noise in its ranks); "
        "all other rows agree to 1e-6; correlation 0.983",
    90: "as #69, 0 ** 0 on 0.6% of rows (rank(close - ts_max(close, 4)) = 0 and ts_rank = 0): we return -1, "
        "alpha101v 0; correlation 0.970",
    92: _ZERO_VAR.format(pct="82%", corr="0.999"),
    96: "no reference agrees: with zero-variance correlations set to 0 (see conventions) the values differ "
        "from alpha101v (corr 0.52, which also has 55% nulls) and polars_ta (0.20, rolling windows skip "
        "nulls); with null correlations the alpha is null everywhere",
    97: _ZERO_VAR.format(pct="33%", corr="0.996"),
    98: _ZERO_VAR.format(pct="7.4%", corr="0.997"),
}

_META: dict[int, _M] = {
    1: _M(23, ("close", "pct_chg"), A101V),
    2: _M(7, ("close", "open", "vol"), A101V),
    3: _M(9, ("open", "vol"), A101V),
    4: _M(8, ("low",), A101V),
    5: _M(9, ("close", "open", "vwap"), A101V),
    6: _M(9, ("open", "vol"), A101V),
    7: _M(66, ("close", "vol"), PYAL, dict(ts_rank_m="raw", adv_src="vol")),
    8: _M(14, ("open", "pct_chg"), A101V),
    9: _M(5, ("close",), A101V),
    10: _M(4, ("close",), A101V),
    11: _M(3, ("close", "vol", "vwap"), A101V),
    12: _M(1, ("close", "vol"), A101V),
    13: _M(4, ("close", "vol"), None),
    14: _M(9, ("open", "pct_chg", "vol"), A101V),
    15: _M(4, ("high", "vol"), A101V),
    16: _M(4, ("high", "vol"), None),
    17: _M(23, ("amount", "close", "vol"), A101V),
    18: _M(9, ("close", "open"), A101V),
    19: _M(249, ("close", "pct_chg"), A101V),
    20: _M(1, ("close", "high", "low", "open"), A101V),
    21: _M(19, ("close", "vol"), PYAL, dict(adv_src="vol")),
    22: _M(19, ("close", "high", "vol"), A101V),
    23: _M(19, ("high",), A101V),
    24: _M(199, ("close",), A101V),
    25: _M(19, ("amount", "close", "high", "pct_chg", "vwap"), A101V),
    26: _M(10, ("high", "vol"), A101V),
    27: _M(6, ("vol", "vwap"), A101V, dict(rank_m="unit")),
    28: _M(23, ("amount", "close", "high", "low"), A101V),
    29: _M(10, ("close", "pct_chg"), A101V, dict(rank_m="unit")),
    30: _M(19, ("close", "vol"), A101V),
    31: _M(30, ("amount", "close", "low"), A101V),
    32: _M(234, ("close", "vwap"), A101V),
    33: _M(0, ("close", "open"), A101V),
    34: _M(4, ("close", "pct_chg"), A101V),
    35: _M(31, ("close", "high", "low", "pct_chg", "vol"), A101V),
    36: _M(199, ("amount", "close", "open", "pct_chg", "vol", "vwap"), A101V),
    37: _M(200, ("close", "open"), A101V),
    38: _M(9, ("close", "open"), A101V),
    39: _M(249, ("amount", "close", "pct_chg", "vol"), A101V),
    40: _M(9, ("high", "vol"), A101V),
    41: _M(0, ("high", "low", "vwap"), A101V),
    42: _M(0, ("close", "vwap"), PYAL),
    43: _M(38, ("amount", "close", "vol"), A101V),
    44: _M(4, ("high", "vol"), A101V),
    45: _M(24, ("close", "vol"), None),
    46: _M(20, ("close",), A101V),
    47: _M(19, ("close", "high", "vol", "vwap"), PYAL, dict(adv_src="vol")),
    48: _M(251, ("close", "industry_l3"), A101V),
    49: _M(20, ("close",), A101V),
    50: _M(8, ("vol", "vwap"), A101V),
    51: _M(20, ("close",), A101V),
    52: _M(239, ("low", "pct_chg", "vol"), POLARSTA),
    53: _M(9, ("close", "high", "low"), A101V),
    54: _M(0, ("close", "high", "low", "open"), A101V),
    55: _M(16, ("close", "high", "low", "vol"), A101V),
    56: _M(9, ("cap", "pct_chg"), A101V),
    57: _M(30, ("close", "vwap"), A101V, dict(rank_m="unit")),
    58: _M(12, ("industry_code", "vol", "vwap"), A101V),
    59: _M(25, ("industry_l2", "vol", "vwap"), A101V),
    60: _M(9, ("close", "high", "low", "vol"), A101V),
    61: _M(195, ("amount", "vwap"), A101V),
    62: _M(48, ("amount", "high", "low", "open", "vwap"), A101V),
    63: _M(238, ("amount", "close", "industry_l2", "open", "vwap"), A101V),
    64: _M(145, ("amount", "high", "low", "open", "vwap"), A101V),
    65: _M(71, ("amount", "open", "vwap"), A101V),
    66: _M(15, ("high", "low", "open", "vwap"), A101V),
    67: _M(24, ("amount", "high", "industry_code", "industry_l3", "vwap"), A101V),
    68: _M(33, ("amount", "close", "high", "low"), A101V, dict(rank_m="unit", ts_rank_m="unit")),
    69: _M(30, ("amount", "close", "industry_l2", "vwap"), None, dict(rank_m="unit", ts_rank_m="unit")),
    70: _M(81, ("amount", "close", "industry_l2", "vwap"), A101V, dict(rank_m="unit")),
    71: _M(224, ("amount", "close", "low", "open", "vwap"), A101V),
    72: _M(55, ("amount", "high", "low", "vol", "vwap"), A101V, dict(rank_m="unit")),
    73: _M(19, ("low", "open", "vwap"), A101V),
    74: _M(79, ("amount", "close", "high", "vol", "vwap"), A101V),
    75: _M(60, ("amount", "low", "vol", "vwap"), A101V),
    76: _M(139, ("amount", "industry_code", "low", "vwap"), A101V),
    77: _M(45, ("amount", "high", "low", "vwap"), A101V),
    78: _M(62, ("amount", "low", "vol", "vwap"), A101V, dict(rank_m="unit")),
    79: _M(170, ("amount", "close", "industry_code", "open", "vwap"), A101V),
    80: _M(17, ("amount", "high", "industry_l2", "open"), A101V, dict(ts_rank_m="unit")),
    81: _M(77, ("amount", "vol", "vwap"), A101V, dict(rank_m="unit")),
    82: _M(33, ("industry_code", "open", "vol"), A101V),
    83: _M(6, ("close", "high", "low", "vol", "vwap"), A101V),
    84: _M(33, ("close", "vwap"), A101V, dict(ts_rank_m="unit")),
    85: _M(37, ("amount", "close", "high", "low", "vol"), A101V, dict(rank_m="unit")),
    86: _M(57, ("amount", "close", "open", "vwap"), POLARSTA, dict(window="round")),
    87: _M(108, ("amount", "close", "industry_l2", "vwap"), A101V),
    88: _M(91, ("amount", "close", "high", "low", "open"), A101V, dict(ts_rank_m="unit")),
    89: _M(26, ("amount", "industry_l2", "low", "vwap"), A101V, dict(ts_rank_m="unit")),
    90: _M(45, ("amount", "close", "industry_l3", "low"), None, dict(rank_m="unit", ts_rank_m="unit")),
    91: _M(33, ("amount", "close", "industry_l2", "vol", "vwap"), A101V),
    92: _M(45, ("amount", "close", "high", "low", "open"), None, dict(ts_rank_m="unit")),
    93: _M(120, ("amount", "close", "industry_l2", "vwap"), A101V, dict(rank_m="unit")),
    94: _M(80, ("amount", "vwap"), A101V, dict(ts_rank_m="unit")),
    95: _M(78, ("amount", "high", "low", "open"), A101V, dict(rank_m="unit", ts_rank_m="unit")),
    96: _M(100, ("amount", "close", "vol", "vwap"), None, dict(corr_zero_var="zero")),
    97: _M(114, ("amount", "industry_l2", "low", "vwap"), None),
    98: _M(52, ("amount", "open", "vwap"), None),
    99: _M(84, ("amount", "high", "low", "vol"), A101V),
    100: _M(29, ("amount", "close", "high", "industry_l3", "low", "vol"), A101V),
    101: _M(0, ("close", "high", "low", "open"), A101V),
}


def conv(num: int) -> Conv:
    """The conventions alpha `num` is built with (project defaults plus its overrides)."""
    return Conv(**_META[num].overrides)  # type: ignore[arg-type]


def builder(num: int) -> Callable[[], X]:
    """A zero-argument builder of alpha `num` with its conventions."""
    return partial(BUILDERS[num], conv(num))


def _conventions(num: int) -> tuple[str, ...]:
    m = _META[num]
    out = [_CONV_TEXT[(k, v)] for k, v in m.overrides.items()]
    if m.overrides and num in _WHY:
        out.append("because " + _WHY[num])
    return tuple(out)


def _spec(num: int) -> FactorSpec:
    m = _META[num]
    matched = m.reference is not None
    return FactorSpec(
        name=f"alpha_{num:03d}", family=FAMILY, formula=FORMULAS[num], inputs=m.inputs, lookback=m.lookback,
        quality="clean" if matched else "best-effort", build=builder(num),
        reason="" if matched else _NO_MATCH[num], conventions=_conventions(num), reference=m.reference,
    )


SPECS: dict[str, FactorSpec] = {}
for _n in range(1, 102):
    _s = register(_spec(_n))
    SPECS[_s.name] = _s
