"""Staged factor expressions: never nest a window of one kind inside a window of another kind.

Polars evaluates a window expression nested inside another window expression *within the outer group*,
so `x.rank().over("trade_date")` nested in `.rolling_sum(5).over("ts_code")` ranks each stock against itself.
An `X` therefore carries the window kinds it contains (`"ts"` = over `ts_code`, `"cs"` = over `trade_date`)
and the *stage* at which its input columns exist. Applying an operator of one kind to an input containing the
other kind first **materialises** the input as a temporary column `__f_<hash>` computed at stage `s + 1`.
Same-kind nesting (ts in ts) would be correct too, but polars re-evaluates a nested window per reference and
per group, which is slow for operators that read their input several times (argmax, corr, decay_linear), so by
default (`MATERIALIZE_SAME_KIND`) every windowed input is materialised: each window then runs once over plain
columns. Temporaries are keyed by the serialised expression, so a subexpression shared by many factors is
computed once. `evaluate` runs one lazy `with_columns` per stage, drops each temporary after its last use,
then computes the factor columns.

Elementwise conventions: `a / 0` is null (never ±inf/NaN), `log` of a non-positive value is null, a null
condition in `where` gives null, `&` / `|` follow Kleene logic (null | true = true).

The frame must hold one row per (ts_code, trade_date); `evaluate` sorts it by (ts_code, trade_date) so that
time-series windows (`.over("ts_code")`) see each stock's rows in date order.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import polars as pl

TS_KEY = "ts_code"
DATE_KEY = "trade_date"
TEMP_PREFIX = "__f_"
F64 = pl.Float64

Number = int | float


@dataclass(frozen=True)
class _Temp:
    name: str
    expr: pl.Expr
    stage: int


# Serialised expression -> temporary. Module-level so identical subexpressions across factors share one temp.
_STORE: dict[str, _Temp] = {}
_BY_NAME: dict[str, _Temp] = {}


class X:
    """A polars expression plus the window kinds it contains and the stage its inputs exist at.

    `lookback` counts the trading days before today the expression reads (n - 1 per rolling window of n,
    n per delay of n, added along nested operators, the maximum over combined operands); it is metadata
    for `FactorSpec.lookback`, not used in evaluation.
    """

    __slots__ = ("expr", "kinds", "stage", "lookback")
    __hash__ = None  # type: ignore[assignment]  # == builds an expression

    def __init__(self, expr: pl.Expr, kinds: Iterable[str] = (), stage: int = 0, lookback: int = 0) -> None:
        self.expr = expr
        self.kinds = frozenset(kinds)
        self.stage = stage
        self.lookback = lookback
        if not self.kinds <= {"ts", "cs"}:
            raise ValueError(f"unknown window kinds {sorted(self.kinds)}")

    # constructors -------------------------------------------------------------------------------
    @staticmethod
    def col(name: str) -> X:
        """An input column (stage 0, no windows)."""
        return X(pl.col(name))

    @staticmethod
    def lit(value: Number | bool | None) -> X:
        """A constant."""
        return X(pl.lit(value, dtype=F64) if value is None else pl.lit(value))

    def __repr__(self) -> str:
        return f"X(kinds={sorted(self.kinds)}, stage={self.stage}, lookback={self.lookback}, expr={self.expr})"

    def __bool__(self) -> bool:
        raise TypeError("an X has no truth value; use where(cond, a, b) or & / |")

    # arithmetic ---------------------------------------------------------------------------------
    def _bin(self, other: object, op: Callable[[pl.Expr, pl.Expr], pl.Expr], reverse: bool = False) -> X:
        o = wrap(other)
        a, b = (o, self) if reverse else (self, o)
        return X(op(a.expr, b.expr), a.kinds | b.kinds, max(a.stage, b.stage), max(a.lookback, b.lookback))

    def __add__(self, o: object) -> X:
        return self._bin(o, lambda a, b: a + b)

    def __radd__(self, o: object) -> X:
        return self._bin(o, lambda a, b: a + b, True)

    def __sub__(self, o: object) -> X:
        return self._bin(o, lambda a, b: a - b)

    def __rsub__(self, o: object) -> X:
        return self._bin(o, lambda a, b: a - b, True)

    def __mul__(self, o: object) -> X:
        return self._bin(o, lambda a, b: a * b)

    def __rmul__(self, o: object) -> X:
        return self._bin(o, lambda a, b: a * b, True)

    def __truediv__(self, o: object) -> X:
        return self._bin(o, _div)

    def __rtruediv__(self, o: object) -> X:
        return self._bin(o, _div, True)

    def __pow__(self, o: object) -> X:
        return self._bin(o, _pow)

    def __rpow__(self, o: object) -> X:
        return self._bin(o, _pow, True)

    def __neg__(self) -> X:
        return X(-self.expr, self.kinds, self.stage, self.lookback)

    def __pos__(self) -> X:
        return self

    def __abs__(self) -> X:
        return X(self.expr.abs(), self.kinds, self.stage, self.lookback)

    def __lt__(self, o: object) -> X:
        return self._bin(o, lambda a, b: a < b)

    def __le__(self, o: object) -> X:
        return self._bin(o, lambda a, b: a <= b)

    def __gt__(self, o: object) -> X:
        return self._bin(o, lambda a, b: a > b)

    def __ge__(self, o: object) -> X:
        return self._bin(o, lambda a, b: a >= b)

    def __eq__(self, o: object) -> X:  # type: ignore[override]
        return self._bin(o, lambda a, b: a == b)

    def __ne__(self, o: object) -> X:  # type: ignore[override]
        return self._bin(o, lambda a, b: a != b)

    def __and__(self, o: object) -> X:
        return self._bin(o, lambda a, b: a.cast(pl.Boolean) & b.cast(pl.Boolean))

    def __rand__(self, o: object) -> X:
        return self._bin(o, lambda a, b: a.cast(pl.Boolean) & b.cast(pl.Boolean), True)

    def __or__(self, o: object) -> X:
        return self._bin(o, lambda a, b: a.cast(pl.Boolean) | b.cast(pl.Boolean))

    def __ror__(self, o: object) -> X:
        return self._bin(o, lambda a, b: a.cast(pl.Boolean) | b.cast(pl.Boolean), True)

    def __invert__(self) -> X:
        return X(~self.expr.cast(pl.Boolean), self.kinds, self.stage, self.lookback)

    def map(self, fn: Callable[[pl.Expr], pl.Expr]) -> X:
        """Apply an elementwise (window-free) expression function, keeping kinds and stage. `fn` must give
        null, not NaN or ±inf, where its value is undefined (as `log`, `/` and `**` do): operators read null
        as missing, while polars orders NaN above every number."""
        return X(fn(self.expr), self.kinds, self.stage, self.lookback)


def _pow(a: pl.Expr, b: pl.Expr) -> pl.Expr:
    """a ** b with an undefined result (a negative base to a fractional power: NaN; 0 to a negative power: inf)
    giving null, like `_div`: a NaN made inside an expression never reaches a temporary, so no operator after
    it would read it as missing (polars orders NaN above every number)."""
    r = a.cast(F64).pow(b)
    return pl.when(r.is_finite()).then(r)


def _div(a: pl.Expr, b: pl.Expr) -> pl.Expr:
    """a / b with a zero denominator giving null (references store the resulting inf/NaN as null)."""
    return pl.when(b != 0).then(a.cast(F64) / b)


def num(e: pl.Expr) -> pl.Expr:
    """An operator's operand as Float64: the one cast every windowed operator (`ops`, `ops_rolling`,
    `gtja_ops`, `technical_ops`) applies to its input.

    No `fill_nan(None)`: NaN never reaches an operator. `evaluate` stores input NaN and every temporary's NaN
    as null, and x / 0, log(x <= 0) and undefined powers yield null (`_div`, `log`, `_pow`), so the convention
    "NaN is read as null" is kept there, once; a fill_nan here would also take polars off its fast path
    inside a cross-sectional window. (Only a ±inf input — the loader stores non-finite values as null,
    `evaluate` does not — can make a NaN inside a window-free operand, inf − inf: its windows end null, and
    GTJA REGBETA/REGRESI with skip_nulls do not skip that day as they skip a null one.)
    """
    return e.cast(F64)


def wrap(v: object) -> X:
    """An X from an X, a Python number/bool, or a bare `pl.Expr` (assumed window-free, stage 0)."""
    if isinstance(v, X):
        return v
    if isinstance(v, bool | int | float):
        return X(pl.lit(v))
    if isinstance(v, pl.Expr):
        return X(v)
    raise TypeError(f"cannot use {type(v).__name__} in a factor expression")


# elementwise helpers ------------------------------------------------------------------------------
def where(cond: object, a: object, b: object) -> X:
    """Ternary `cond ? a : b`; a null condition (e.g. during warm-up) gives null, not the `b` branch."""
    c, x, y = wrap(cond), wrap(a), wrap(b)
    cb = c.expr.cast(pl.Boolean)
    e = pl.when(cb.is_null()).then(None).when(cb).then(x.expr).otherwise(y.expr)
    return X(e, c.kinds | x.kinds | y.kinds, max(c.stage, x.stage, y.stage), max(c.lookback, x.lookback, y.lookback))


def log(x: object) -> X:
    """Natural log; log of a non-positive value is null."""
    v = wrap(x)
    e = v.expr.cast(F64)
    return v.map(lambda _: pl.when(e > 0).then(e.log()).otherwise(None))


def sign(x: object) -> X:
    """-1, 0 or 1 (null stays null)."""
    return wrap(x).map(lambda e: e.cast(F64).sign())


def abs_(x: object) -> X:
    """Absolute value."""
    return wrap(x).map(lambda e: e.abs())


def maximum(a: object, b: object) -> X:
    """Elementwise maximum of two operands (null if either is null)."""
    x, y = wrap(a), wrap(b)
    return where(x >= y, x, where(y > x, y, X.lit(None)))


def minimum(a: object, b: object) -> X:
    """Elementwise minimum of two operands (null if either is null)."""
    x, y = wrap(a), wrap(b)
    return where(x <= y, x, where(y < x, y, X.lit(None)))


# materialisation ----------------------------------------------------------------------------------
def materialize(x: X) -> X:
    """Register `x` as a temporary column computed at stage `x.stage + 1` and return a reference to it.

    Identical expressions (same serialised form) share one temporary. The temporary is cast to Float64 and
    `evaluate` stores its NaN as null, so downstream windows treat undefined values as missing.
    """
    if not x.kinds and _is_plain_col(x.expr):
        return x
    key = x.expr.meta.serialize(format="json")
    tmp = _STORE.get(key)
    if tmp is None:
        name = TEMP_PREFIX + hashlib.sha1(key.encode()).hexdigest()[:16]
        tmp = _Temp(name, x.expr.cast(F64), x.stage + 1)
        _STORE[key] = tmp
        _BY_NAME[name] = tmp
    return X(pl.col(tmp.name), (), tmp.stage, x.lookback)


def _is_plain_col(e: pl.Expr) -> bool:
    return e.meta.is_column()


# See the module docstring: materialise every windowed input, not only those of the other kind.
MATERIALIZE_SAME_KIND = True


def _prep(x: object, forbidden: frozenset[str]) -> X:
    v = wrap(x)
    # a constant (no input column) is one value: its temporary broadcasts it to a column for windows and kernels
    if v.kinds & forbidden or (MATERIALIZE_SAME_KIND and v.kinds) or not v.expr.meta.root_names():
        return materialize(v)
    return v


def _lb(*xs: X) -> int:
    return max(x.lookback for x in xs)


def ts(x: object, fn: Callable[[pl.Expr], pl.Expr], lookback: int = 0, *, per_stock: bool = True) -> X:
    """Time-series operator `fn(x).over("ts_code")`; an x holding a cs window is materialised first.

    `lookback`: trading days before today the operator itself reads (n - 1 for a rolling window of n).
    `per_stock=False`: as in `ts2`, `fn` is a compiled kernel over the whole sorted column.
    """
    v = _prep(x, frozenset({"cs"}))
    e = fn(v.expr)
    return X(e.over(TS_KEY) if per_stock else e, v.kinds | {"ts"}, v.stage, v.lookback + lookback)


def cs(x: object, fn: Callable[[pl.Expr], pl.Expr]) -> X:
    """Cross-sectional operator `fn(x).over("trade_date")`; an x holding a ts window is materialised."""
    v = _prep(x, frozenset({"ts"}))
    return X(fn(v.expr).over(DATE_KEY), v.kinds | {"cs"}, v.stage, v.lookback)


def ts2(a: object, b: object, fn: Callable[[pl.Expr, pl.Expr], pl.Expr], lookback: int = 0, *,
        per_stock: bool = True) -> X:
    """Two-input time-series operator (correlation, covariance, regressions).

    `per_stock=False`: `fn` runs on the whole sorted column and keeps stocks apart itself (a compiled kernel
    reading `ts_code`, see `factors.kernels`) instead of `fn(x, y).over("ts_code")`.
    """
    x, y = _prep(a, frozenset({"cs"})), _prep(b, frozenset({"cs"}))
    e = fn(x.expr, y.expr)
    return X(e.over(TS_KEY) if per_stock else e, x.kinds | y.kinds | {"ts"}, max(x.stage, y.stage),
             _lb(x, y) + lookback)


def grouped(x: object, fn: Callable[[pl.Expr], pl.Expr], by: str | Sequence[str]) -> X:
    """Per-date, per-group operator: `fn(x).over(["trade_date", *by])` (e.g. industry neutralisation).

    Any window inside x is materialised first: a cs window nested in a (date, group) window would be
    evaluated within the group, a ts window within the date.
    """
    keys = [DATE_KEY, *([by] if isinstance(by, str) else list(by))]
    v = _prep(x, frozenset({"ts", "cs"}))
    return X(fn(v.expr).over(keys), v.kinds | {"cs"}, v.stage, v.lookback)


# evaluation ---------------------------------------------------------------------------------------
def temps_of(exprs: Iterable[pl.Expr]) -> dict[str, _Temp]:
    """All temporaries the expressions depend on, transitively."""
    out: dict[str, _Temp] = {}
    todo = [n for e in exprs for n in e.meta.root_names()]
    while todo:
        name = todo.pop()
        if name in out or not name.startswith(TEMP_PREFIX):
            continue
        tmp = _BY_NAME.get(name)
        if tmp is None:
            raise KeyError(f"unknown temporary {name}")
        out[name] = tmp
        todo.extend(tmp.expr.meta.root_names())
    return out


def required_columns(factors: Mapping[str, X]) -> set[str]:
    """Input columns (not temporaries) the factors read."""
    exprs = [x.expr for x in factors.values()]
    temps = temps_of(exprs)
    names = {n for e in exprs for n in e.meta.root_names()}
    names |= {n for t in temps.values() for n in t.expr.meta.root_names()}
    return {n for n in names if not n.startswith(TEMP_PREFIX)}


def is_sorted_panel(frame: pl.DataFrame) -> bool:
    """Whether rows are strictly increasing in (ts_code, trade_date) (one row per key, in `evaluate`'s order)."""
    if frame.height < 2:
        return True
    code, date = pl.col(TS_KEY), pl.col(DATE_KEY)
    prev_code, prev_date = code.shift(1), date.shift(1)
    ok = (code > prev_code) | ((code == prev_code) & (date > prev_date))
    return bool(frame.select(ok.slice(1).fill_null(False).all()).item())


def evaluate(frame: pl.DataFrame | pl.LazyFrame, factors: Mapping[str, X]) -> pl.DataFrame:
    """Compute `factors` on a long (ts_code, trade_date) frame; returns ts_code, trade_date, factor columns.

    Rows are sorted by (ts_code, trade_date); NaN in float inputs is read as null. Temporaries are computed
    stage by stage (one `with_columns` per stage across all factors, run lazily so polars can share common
    subexpressions) and dropped after their last use; factor columns are Float64 with NaN/±inf as null.
    """
    lf = frame.lazy()
    schema = lf.collect_schema()
    missing = required_columns(factors) - set(schema.names())
    if missing:
        raise KeyError(f"input frame lacks columns {sorted(missing)}")
    floats = [n for n, t in schema.items() if t in (pl.Float32, pl.Float64)]
    if not (isinstance(frame, pl.DataFrame) and is_sorted_panel(frame)):  # the engine's batches already are
        lf = lf.sort([TS_KEY, DATE_KEY])
    lf = lf.with_columns(pl.col(floats).fill_nan(None))
    temps = temps_of([x.expr for x in factors.values()])
    stages = sorted({t.stage for t in temps.values()})
    final_stage = (stages[-1] if stages else 0) + 1
    # last stage that reads each temporary (the factor columns count as the stage after the last one)
    last_use: dict[str, int] = {}
    for t in temps.values():
        for n in t.expr.meta.root_names():
            if n in temps:
                last_use[n] = max(last_use.get(n, 0), t.stage)
    for x in factors.values():
        for n in x.expr.meta.root_names():
            if n in temps:
                last_use[n] = final_stage
    for stage in stages:
        batch = sorted((t for t in temps.values() if t.stage == stage), key=lambda t: t.name)
        lf = lf.with_columns([t.expr.alias(t.name) for t in batch])
        lf = lf.with_columns(pl.col([t.name for t in batch]).fill_nan(None))
        done = [n for n, s in last_use.items() if s == stage]  # free memory as soon as possible
        if done:
            lf = lf.drop(done)
    names = list(factors)
    lf = lf.with_columns([x.expr.cast(F64).alias(n) for n, x in factors.items()])
    out = lf.select(
        pl.col(TS_KEY), pl.col(DATE_KEY),
        *[pl.when(pl.col(n).is_finite()).then(pl.col(n)).alias(n) for n in names],
    )
    return out.collect()
