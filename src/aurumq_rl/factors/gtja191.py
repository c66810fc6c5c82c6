"""GTJA Alpha191 (Guotai Junan "191 alphas", 2017): registry entries for all 191 formulas.

The formulas live in `gtja191_a` (#1-#48), `gtja191_b` (#49-#95), `gtja191_c` (#96-#143) and `gtja191_d`
(#144-#191), one function per alpha with the published formula as its docstring (helpers they share in
`gtja191_build`); the operators and their conventions are in `gtja_ops`. This module
turns them into `FactorSpec`s: inputs (from the formula's variables), lookback, quality, the reference
implementation each alpha matches in `tests/factors/test_gtja191_parity.py` and, where it matches none or
needed an interpretation, the reason. docs/PARITY_GTJA191.md is the per-alpha parity table.

Inputs: OPEN/HIGH/LOW/CLOSE in yuan, VOLUME = `vol` (lots), AMOUNT = `amount` (thousand yuan), VWAP in yuan
per share, RET = `pct_chg` (decimal), BANCHMARKINDEX* = `bench_*` bars joined on trade_date.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from aurumq_rl.factors import gtja191_a, gtja191_b, gtja191_c, gtja191_d
from aurumq_rl.factors.expr import X
from aurumq_rl.factors.gtja_ops import sma_warmup
from aurumq_rl.factors.registry import FactorSpec, register

FAMILY = "gtja191"
PYALPHALIB = "pyalphalib"
POLARSTA = "polarsta"

# --- alphas that are not implemented -------------------------------------------------------------------
STUBS: dict[int, tuple[str, str]] = {
    30: (
        "WMA((REGRESI(CLOSE/DELAY(CLOSE)-1,MKT,SMB,HML,60))^2,20)",
        "needs the Fama-French market, SMB and HML factor returns (not in the input data); neither "
        "reference computes it",
    ),
    143: (
        "CLOSE>DELAY(CLOSE,1)?(CLOSE-DELAY(CLOSE,1))/DELAY(CLOSE,1)*SELF:SELF",
        "SELF makes it a recursion from the first day of the data with no window: multiplying by daily "
        "returns (~0.01) on every up day drives it to exactly 0 within a few hundred days (py-alpha-lib's "
        "value is 0 on every row), and before that it depends on where the history starts",
    ),
}

# --- parity (see tests/factors/test_gtja191_parity.py) ------------------------------------------------
# The reference each alpha matches (criterion of tests/factors/parity.py: Pearson > 0.99 where both are
# non-null past the lookback, null-ness differing on at most 5% of the rows). py-alpha-lib is preferred when
# both match. (With TSRANK read as rank / n, #44, #73, #92, #117 and #157 matched polars_ta only; with the
# report's 1..n position, see `gtja_ops.tsrank`, they match py-alpha-lib.)
_MATCH_POLARSTA_ONLY: set[int] = set()
_NO_MATCH: dict[int, str] = {}  # filled below, with the reason
REFERENCE: dict[int, str] = {}

# Shared reasons for references that differ from this implementation.
_ZERO_VAR = (
    "CORR of cross-sectional ranks of price levels (RANK(VWAP), RANK(HIGH), RANK(OPEN), TSRANK of a trend) "
    "is undefined on the many windows where one side is constant; we return null (ops convention), "
    "py-alpha-lib returns NaN or float noise there (which one depends on the sign of the rounding error in "
    "its running sums of squares) and polars_ta ranks the NaN correlation as the largest value; values agree "
    "where both are defined but the null patterns differ"
)
_NO_MATCH.update(
    {
        16: _ZERO_VAR, 32: _ZERO_VAR, 36: _ZERO_VAR, 74: _ZERO_VAR, 90: _ZERO_VAR,
        64: _ZERO_VAR + "; here one undefined 4-day CORR of RANK(CLOSE) and RANK(MEAN(VOLUME,60)) (a slow rank "
        "that often holds for 4 days) nulls the 13-day MAX and then the 14-day DECAYLINEAR over it, so the "
        "alpha is null on most rows (75% of the traded rows of the real CSI 300 sample, more on fewer stocks)",
        101: _ZERO_VAR, 119: _ZERO_VAR, 130: _ZERO_VAR, 138: _ZERO_VAR,
        179: _ZERO_VAR,
        105: "RANK(OPEN) did not change over the 10-day window on 1556 of the 9000 compared rows, so CORR is "
        "undefined there and we return null (ops convention); py-alpha-lib returns NaN on 1099 of them and "
        "float noise (below 1e-6 in absolute value) on the other 457, depending on the sign of the rounding "
        "error in its running sums: null-ness differs on 5.1% of the rows (limit 5%) while values agree where "
        "both are defined (r = 1.0000); returning 0 on such windows would differ on the 1099 NaN rows instead "
        "(12%); polars_ta's dense RANK (r-1)/(max-1) moves with ties elsewhere in the cross-section, so its "
        "RANK(OPEN) is almost never constant (r = 0.95; with that RANK our code reproduces it exactly, but as "
        "the GTJA RANK it loses #7, #41, #121, #140 and #141)",
        28: "that denominator is 0 on some days; both references let the resulting inf enter the SMA recursion "
        "and stay non-finite for the rest of the history (py-alpha-lib -inf on 58% of the compared rows, "
        "polars_ta null on 53%); our SMA skips the undefined day; values agree where both are finite",
        83: "COVIANCE(RANK(HIGH),RANK(VOLUME),5) is exactly 0 for the ~40% of stocks whose RANK(HIGH) did not "
        "change in 5 days; we return an exact 0 (ties), both references rank float noise of ~1e-17 there",
        99: "as #83 with RANK(CLOSE): references rank float noise where the covariance is exactly 0",
        113: "CORR(.,.,2) of two points is exactly +1 or -1; we compute it as the sign of the product of the "
        "two moves, so equal correlations tie in RANK; both references rank ~1e-10 of float noise among "
        "them (r = 0.96 / 0.95), which also makes their value depend on where the history starts",
        87: "division by zero (OPEN = (HIGH+LOW)/2) is null and nulls propagate through DECAYLINEAR(11) and "
        "TSRANK(7) (full windows required); after such a day py-alpha-lib's TSRANK term sits at its maximum "
        "(7) for long stretches, well past the 17 days the window reads (an artefact of how it carries the "
        "undefined value; values agree elsewhere, r = 0.38 over all rows); "
        "polars_ta skips nulls in rolling windows (null-ness differs on 12% of rows) and reads TSRANK as "
        "rank / n (with rank / n our values agree, r = 0.99997)",
        149: "no reference: py-alpha-lib returns null on every row, polars_ta lacks FILTER/REGBETA",
        172: "py-alpha-lib defines LD = LOW - DELAY(LOW,1), the opposite sign to the report's DELAY(LOW,1) - "
        "LOW (we follow the report); with its sign our code reproduces it (checked in the parity test); "
        "polars_ta lacks it",
        186: "same LD sign difference as #172 (py-alpha-lib uses LOW - DELAY(LOW,1)); polars_ta lacks it",
    }
)

# Interpretations of the published text: quality is best-effort even where a reference matches.
CAVEATS: dict[int, str] = {
    7: "MAX(x,3)/MIN(x,3) are elementwise with the constant 3 (report's MAX(A,B)); VWAP-CLOSE rarely leaves "
    "[-3,3], so both ranks are nearly constant",
    10: "the report's parentheses are broken (MAX(...^2),5)); read as TSMAX(x^2,5), the Alpha101 #1 pattern, "
    "as py-alpha-lib does",
    17: "MAX(VWAP,15) is elementwise, so VWAP-MAX(VWAP,15) is 0 for every stock above 15 yuan and the rank "
    "is nearly constant",
    21: "SEQUENCE(6) = 1..6 as the regressor; REGBETA of MEAN(CLOSE,6) on it is the 6-day trend slope",
    28: "the report's MAX(HIGH,9)-TSMAX(LOW,9) (probably TSMAX(HIGH,9)-TSMIN(LOW,9)) is kept literally",
    35: "OPEN*0.65+OPEN*0.35 (= OPEN) kept literally",
    41: "MAX(DELTA(VWAP,3),5) is elementwise with 5: nearly always 5, so the rank is nearly constant",
    87: "LOW*0.9+LOW*0.1 (= LOW) kept literally",
    91: "MAX(CLOSE,5) is elementwise: CLOSE-MAX(CLOSE,5) is 0 above 5 yuan, so the first rank is nearly "
    "constant",
    108: "MIN(HIGH,2) is elementwise: HIGH-MIN(HIGH,2) = HIGH-2",
    116: "SEQUENCE (no length in the report) is 1..20, the regression window",
    121: "MIN(VWAP,12) is elementwise",
    146: "the last SMA has two arguments; SMA(A,n) is read as the simple mean MEAN(A,n) (as py-alpha-lib)",
    147: "SEQUENCE(12) = 1..12 as the regressor",
    149: "FILTER keeps the rows where the benchmark fell and nulls the others; REGBETA regresses over the "
    "selected days inside the 252-day window (at least 2)",
    154: "MIN(VWAP,16) is elementwise: VWAP-MIN(VWAP,16) is VWAP-16 (or 0 below 16 yuan)",
    157: "MIN(...,5) is elementwise (a no-op on ranks); SUM(...,1) and PROD(...,1) are identities",
    159: "HGIH in the report is HIGH",
    162: "MAX(x,12)/MIN(x,12) are elementwise with 12: for x = RSI-like values > 12 the ratio is (x-12)/(x-12) "
    "= 1, so the alpha is 1 on almost every row (0 when x < 12)",
    164: "MIN(x,12) is elementwise",
    165: "SUMAC has no window in the report: SUMAC(A) is read as SUM(A,48) and the outer MAX/MIN as TSMAX/TSMIN "
    "over 48 days (py-alpha-lib's reading); precedence as written, only MIN(...) is divided by STD",
    166: "the report's denominator is malformed ((20-2)(SUM((CLOSE/DELAY(CLOSE,1),20)^2,20))^1.5); read as "
    "(SUM((CLOSE/DELAY(CLOSE,1))^2,20))^1.5; py-alpha-lib's (SUM(CLOSE/DELAY(CLOSE,1),20))^2 differs by an "
    "almost constant factor",
    181: "the last SUM has no window in the report; 20 days, like the rest of the formula",
    183: "as #165 with 24 days",
    190: "parentheses kept literally: the first SUMIF squares (RET - (CLOSE/DELAY(CLOSE,19))^(1/20) - 1), "
    "the second (RET - ((CLOSE/DELAY(CLOSE,19))^(1/20) - 1)); RET = CLOSE/DELAY(CLOSE,1)-1",
}

# Implementations that read more history than the literal text says (see CAVEATS).
_LOOKBACK_OVERRIDE: dict[int, int] = {
    10: 23,  # TSMAX(...,5) over STD(RET,20)
    165: 141,  # MEAN(CLOSE,48), SUM(.,48), TSMAX/TSMIN(.,48)
    183: 69,  # same with 24
}

for _n in range(1, 192):
    if _n not in STUBS and _n not in _NO_MATCH:
        REFERENCE[_n] = POLARSTA if _n in _MATCH_POLARSTA_ONLY else PYALPHALIB

# --- formula metadata -------------------------------------------------------------------------------------
_INPUT_TOKENS: dict[str, tuple[str, ...]] = {
    "OPEN": ("open",), "HIGH": ("high",), "HGIH": ("high",), "LOW": ("low",), "CLOSE": ("close",),
    "VOLUME": ("vol",), "VOL": ("vol",), "AMOUNT": ("amount",), "VWAP": ("vwap",), "RET": ("pct_chg",),
    "BANCHMARKINDEXCLOSE": ("bench_close",), "BANCHMARKINDEXOPEN": ("bench_open",),
    "DTM": ("open", "high"), "DBM": ("open", "low"), "TR": ("high", "low", "close"), "HD": ("high",),
    "LD": ("low",),
}
_INPUT_ORDER = ("open", "high", "low", "close", "vol", "amount", "vwap", "pct_chg", "bench_open", "bench_close")

# Convention notes attached to each alpha whose formula uses the operator (source of truth: gtja_ops).
_OP_CONVENTIONS: dict[str, str] = {
    "RANK": "RANK: cross-sectional average rank / non-null count, in (0, 1]",
    "TSRANK": "TSRANK(A,n): position 1..n of today among the last n, average ties (not divided by n)",
    "SMA": "SMA(A,n,m): ewm alpha=m/n adjust=False seeded with the first valid value; null inputs skipped",
    "WMA": "WMA(A,n): weights 0.9^i (i days ago), normalised, as in the report (references: linear weights)",
    "DECAYLINEAR": "DECAYLINEAR(A,n): weights n (today) .. 1, normalised",
    "STD": "STD: ddof = 1",
    "CORR": "CORR: null when either side is constant over the window; n = 2 exact (sign of the two moves)",
    "COVIANCE": "COVIANCE: ddof = 1, exactly 0 when either side is constant over the window",
    "HIGHDAY": "HIGHDAY: days since the n-day maximum, 0 = today, most recent on ties",
    "LOWDAY": "LOWDAY: days since the n-day minimum, 0 = today, most recent on ties",
    "MAX": "MAX(A,B)/MIN(A,B): elementwise, also with a numeric B (TSMAX/TSMIN are the rolling ones)",
    "MIN": "MAX(A,B)/MIN(A,B): elementwise, also with a numeric B (TSMAX/TSMIN are the rolling ones)",
    "COUNT": "COUNT(c,n): days in the last n (incl. today) where c holds",
    "SUMIF": "SUMIF(A,n,c): sum of A over the last n days where c holds",
    "REGBETA": "REGBETA(A,B,n): OLS slope cov(A,B)/var(B) over n days; SEQUENCE = 1..n",
    "FILTER": "FILTER(A,c): A where c holds, else null",
    "SUMAC": "SUMAC(A): rolling n-day sum (window of the enclosing formula)",
    "LD": "LD = DELAY(LOW,1) - LOW (report's sign)",
    "BANCHMARKINDEXCLOSE": "benchmark: index bars joined on trade_date as bench_*",
    "?": "c ? a : b is null when c is null; x / 0 is null",
}


# Position of the window argument of each rolling function (it reads n - 1 days before today; DELAY and
# DELTA read n, SMA(A,n,m) its warm-up `sma_warmup(n, m)`).
_WINDOW_ARG: dict[str, int] = {
    "SUM": 1, "MEAN": 1, "MA": 1, "STD": 1, "TSMAX": 1, "TSMIN": 1, "TSRANK": 1, "DECAYLINEAR": 1, "WMA": 1,
    "PROD": 1, "COUNT": 1, "SUMIF": 1, "HIGHDAY": 1, "LOWDAY": 1, "CORR": 2, "COVIANCE": 2, "COV": 2,
    "REGBETA": 2, "REGRESI": 2,
}
_ELEMENTWISE = {"MAX", "MIN", "ABS", "LOG", "SIGN", "RANK", "FILTER", "SEQUENCE"}
_DERIVED_LOOKBACK = {"DTM": 1, "DBM": 1, "TR": 1, "HD": 1, "LD": 1}


def _call_args(text: str, start: int) -> tuple[list[str], int]:
    """Top-level arguments of the call whose "(" precedes text[start]; and the index after its ")"."""
    depth, cur, args = 1, "", []
    for i in range(start, len(text)):
        ch = text[i]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                args.append(cur)
                return args, i + 1
        if ch == "," and depth == 1:
            args.append(cur)
            cur = ""
        else:
            cur += ch
    raise ValueError(f"unbalanced parentheses in {text!r}")


def formula_lookback(text: str) -> int:
    """Trading days of history before today that a GTJA formula reads: nested window lengths (n - 1 for
    rolling windows, n for DELAY/DELTA) add up along each branch; an SMA(A,n,m) adds `sma_warmup(n, m)`."""
    best, i = 0, 0
    for m in re.finditer(r"[A-Z]+", text):
        if m.start() < i:
            continue
        name, end = m.group(), m.end()
        if end >= len(text) or text[end] != "(":
            best = max(best, _DERIVED_LOOKBACK.get(name, 0))
            continue
        args, i = _call_args(text, end + 1)
        inner = max(formula_lookback(a) for a in args)
        if name in ("DELAY", "REF", "DELTA"):
            own = int(args[1]) if len(args) > 1 else 1
        elif name == "SMA":
            own = sma_warmup(float(args[1]), float(args[2])) if len(args) == 3 else int(args[1]) - 1
        elif name in _WINDOW_ARG:
            k = _WINDOW_ARG[name]
            if k < len(args) and args[k].strip().isdigit():
                own = int(args[k]) - 1
            else:  # REGBETA(A, SEQUENCE(n)): the window is SEQUENCE's length
                seq = re.search(r"SEQUENCE\((\d+)\)", text[m.start():i])
                own = int(seq.group(1)) - 1 if seq else 0
        elif name in _ELEMENTWISE or name in _DERIVED_LOOKBACK:
            own = 0
        else:
            raise ValueError(f"unknown GTJA function {name}")
        best = max(best, own + inner)
    return best


def formula_text(fn: Callable[[], X]) -> str:
    """The published formula of an alpha function: its docstring with the wrapped lines joined."""
    doc = fn.__doc__ or ""
    return "".join(line.strip() for line in doc.strip().splitlines())


def formula_inputs(formula: str) -> tuple[str, ...]:
    """Input columns named by the formula's variables, in a fixed order."""
    tokens = set(re.findall(r"[A-Z]+", formula))
    cols = {c for t in tokens for c in _INPUT_TOKENS.get(t, ())}
    return tuple(c for c in _INPUT_ORDER if c in cols)


def formula_conventions(formula: str) -> tuple[str, ...]:
    """Convention notes of the operators the formula uses."""
    tokens = set(re.findall(r"[A-Z]+", formula))
    if "?" in formula or "/" in formula:
        tokens.add("?")
    notes = [note for op, note in _OP_CONVENTIONS.items() if op in tokens]
    return tuple(dict.fromkeys(notes))


# The formula modules, in alpha order; each defines `aNNN` for the alphas of its range.
_FORMULA_MODULES = (gtja191_a, gtja191_b, gtja191_c, gtja191_d)


def alpha_function(num: int) -> Callable[[], X] | None:
    """The formula function of alpha `num` (None for stubs)."""
    name = f"a{num:03d}"
    return next((getattr(mod, name) for mod in _FORMULA_MODULES if hasattr(mod, name)), None)


def _spec(num: int) -> FactorSpec:
    name = f"gtja_{num:03d}"
    if num in STUBS:
        formula, why = STUBS[num]
        return FactorSpec(
            name=name, family=FAMILY, formula=formula, inputs=formula_inputs(formula), lookback=0,
            quality="stub", build=None, reason=why,
        )
    fn = alpha_function(num)
    if fn is None:
        raise RuntimeError(f"GTJA alpha #{num} has neither a formula function nor a stub entry")
    formula = formula_text(fn)
    reasons = [r for r in (CAVEATS.get(num), _NO_MATCH.get(num)) if r]
    quality = "clean" if num in REFERENCE and num not in CAVEATS else "best-effort"
    return FactorSpec(
        name=name, family=FAMILY, formula=formula, inputs=formula_inputs(formula),
        lookback=_LOOKBACK_OVERRIDE[num] if num in _LOOKBACK_OVERRIDE else formula_lookback(formula),
        quality=quality, build=fn, reason="; ".join(reasons),
        conventions=formula_conventions(formula), reference=REFERENCE.get(num),
    )


SPECS: dict[str, FactorSpec] = {}
for _n in range(1, 192):
    _s = register(_spec(_n))
    SPECS[_s.name] = _s
