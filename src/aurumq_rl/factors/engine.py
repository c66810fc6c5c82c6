"""The factor engine: `compute_factors` turns an OHLCV panel into factor columns named by family prefix
(`alpha_001…`, `gtja_001…`, `tech_*`, `cmf_*`, `zt_*`), all built as staged expressions and run by
`factors.expr.evaluate`.

Memory is bounded by batching:
- **date batches** (`batch_days`): cross-sectional operators need every stock of a date and time-series
  operators need the stock's past, so batches are ranges of dates, each preceded by a warm-up overlap sized by
  the largest `lookback` (rows) of the requested factors. Each stock must see its last `lookback` bars, and
  the cross sections read on the way must be complete: a stock back from a long suspension reaches far before
  the batch, so each stock's rows are loaded from the first one such a chain of windows and cross sections
  can read (`_batch_rows`; `_hops` counts the cross sections). Only rows of the batch's own dates are kept.
  Factors whose lookback is exact give the same values batched and unbatched, however time-series and
  cross-sectional operators nest; recursive operators (GTJA SMA/EMA) agree up to the decay of their seed.
- **factor batches** (`factor_batch`): factors are evaluated in groups; temporaries shared inside a group are
  computed once.
- **streamed output**: `run_batches` yields one date batch at a time, so `aurumq-rl factors compute` writes
  each to the output Parquet (row groups of one temp file, renamed when complete) and only the input columns
  plus one batch's factors are ever in memory; `compute_factors` collects every batch into one frame.

Suspended rows: a row with `vol == 0` is a suspended day (DOMAIN.md), the same day as a missing row. It takes
no part in any window or cross section (ops' "windows: the stock's own bars" convention), and its factors are
null, so the two ways a vendor writes a suspension give the same values on every traded row; the row itself is
kept in the output.

Output: `ts_code, trade_date` + one **Float32** column per factor (float32 halves memory and is what
`data.loader.load_panel` stores anyway; relative precision 6e-8 is far below any factor's noise). ±inf (and
values beyond the float32 range) become null and are counted per factor in the report.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import cache

import numpy as np
import polars as pl
from tqdm import tqdm

from aurumq_rl.errors import DataError
from aurumq_rl.factors import engine_io
from aurumq_rl.factors.engine_io import DERIVATIONS, LIMIT_FLAG, Source
from aurumq_rl.factors.expr import DATE_KEY, TS_KEY, X, evaluate, materialize, required_columns, temps_of
from aurumq_rl.factors.registry import FactorSpec, name_hint, specs
from aurumq_rl.market.status import MarketConfig, suspended_expr

OUTPUT_DTYPE = pl.Float32
FAMILY_ORDER: tuple[str, ...] = ("alpha101", "gtja191", "tech", "cmf", "zt")
AUTO_BATCH_ROWS = 3_000_000  # batch_days=None: one batch up to this many rows, else ~this many rows per batch
FACTOR_BATCH = 16  # factors per evaluate() call: alpha101 on 1M rows peaks at 1.3 GiB (2.1 GiB with 64), +13% time
_INF = "__inf__"


@dataclass
class FactorReport:
    """What `compute_factors` did: computed and skipped factors (with reasons), ±inf counts, sizes, timing."""

    computed: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    inf_counts: dict[str, int] = field(default_factory=dict)
    derived: list[str] = field(default_factory=list)
    source: str = ""
    rows: int = 0
    stocks: int = 0
    dates: int = 0
    batches: int = 0
    batch_days: int = 0
    warmup_rows: int = 0
    suspended_rows: int = 0  # rows with vol == 0: out of every window and cross section, factors null
    wall_s: float = 0.0
    limit_method: str | None = None  # how is_limit_up was told (zt_ family), None when no factor reads it

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {k: getattr(self, k) for k in self.__dataclass_fields__}

    def format(self) -> str:
        """Human-readable summary (what the CLI prints)."""
        lines = [
            f"computed {len(self.computed)} factor(s) on {self.rows:,} rows ({self.stocks:,} stocks × "
            f"{self.dates:,} dates) from {self.source} in {self.wall_s:.1f} s; {self.batches} date batch(es) of "
            f"{self.batch_days} dates, warm-up {self.warmup_rows} rows",
        ]
        if self.suspended_rows:
            lines.append(f"{self.suspended_rows:,} suspended row(s) (vol == 0) take no part in the windows or "
                         "cross sections, as a missing row; their factors are null")
        if self.derived:
            lines.append("derived: " + "; ".join(f"{d} = {DERIVATIONS[d]}" for d in self.derived))
        if self.skipped:
            lines.append(f"skipped {len(self.skipped)} factor(s):")
            lines += [f"  {n}: {r}" for n, r in self.skipped.items()]
        infs = {n: c for n, c in self.inf_counts.items() if c}
        if infs:
            lines.append("±inf → null: " + ", ".join(f"{n} {c:,}" for n, c in infs.items()))
        else:
            lines.append("±inf → null: none")
        return "\n".join(lines)


def _split(v: str | Iterable[str] | None) -> list[str] | None:
    if v is None:
        return None
    items = v.split(",") if isinstance(v, str) else list(v)
    return [s.strip() for s in items if s.strip()]


def _family_rank(family: str) -> int:
    return FAMILY_ORDER.index(family) if family in FAMILY_ORDER else len(FAMILY_ORDER)


def select_specs(families: str | Iterable[str] | None = None,
                 only: str | Iterable[str] | None = None) -> list[FactorSpec]:
    """The requested specs: whole `families` plus the `only` names (union); all registered when neither.

    Unknown family or factor names raise `DataError` listing what exists.
    """
    all_specs = specs()
    by_name = {s.name: s for s in all_specs}
    known = sorted({s.family for s in all_specs}, key=lambda f: (_family_rank(f), f))
    fams, names = _split(families), _split(only)
    for f in fams or []:
        if f not in known:
            raise DataError(f"unknown factor family '{f}' (--family); registered families: {', '.join(known)}")
    for n in names or []:
        if n not in by_name:
            hint = name_hint(n) or " (see `aurumq-rl factors list`)"
            raise DataError(f"unknown factor '{n}' (--only){hint}")
    if fams is None and names is None:
        chosen = all_specs
    else:
        wanted = set(names or [])
        chosen = [s for s in all_specs if s.family in set(fams or []) or s.name in wanted]
    return sorted(chosen, key=lambda s: (_family_rank(s.family), s.family, s.name))


def _plan(chosen: list[FactorSpec], available: set[str], has_index: bool
          ) -> tuple[dict[str, X], dict[str, FactorSpec], dict[str, str]]:
    """Build each factor and keep those whose declared and actual inputs exist; reasons for the others."""
    built: dict[str, X] = {}
    kept: dict[str, FactorSpec] = {}
    skipped: dict[str, str] = {}
    for s in chosen:
        if s.build is None:
            skipped[s.name] = f"stub: {s.reason}"
            continue
        x = s.build()
        need = (set(s.inputs) | required_columns({s.name: x})) - {LIMIT_FLAG}
        missing = sorted(need - available)
        if missing:
            bench = [m for m in missing if m.startswith("bench_")]
            fix = "pass --index INDEX.parquet (benchmark daily bars)" if bench and not has_index else \
                "add the column(s) to INPUT"
            skipped[s.name] = f"missing input(s) {', '.join(missing)}: {fix}"
            continue
        built[s.name], kept[s.name] = x, s
    return built, kept, skipped


def _hops(xs: dict[str, X]) -> int:
    """Most cross sections the factors read below a time-series window (so at dates before a batch) along any
    chain of temporaries; consecutive cross sections count once (they read the same date). A node reading
    `trade_date` counts as cross-sectional, one reading `ts_code` (a window or a kernel) as time-series."""
    temps = temps_of([x.expr for x in xs.values()])

    def node(roots: list[str], after_ts: bool) -> int:
        is_cs, is_ts = DATE_KEY in roots, TS_KEY in roots
        below = is_ts or (after_ts and not is_cs)
        return int(is_cs and after_ts) + max((temp(n, below) for n in roots if n in temps), default=0)

    @cache
    def temp(name: str, after_ts: bool) -> int:
        return node(temps[name].expr.meta.root_names(), after_ts)

    return max((node(x.expr.meta.root_names(), False) for x in xs.values()), default=0)


def _row_needs(t: np.ndarray, r: np.ndarray, seg: np.ndarray, budget: np.ndarray) -> np.ndarray:
    """Per row, the most rows back a batch may read from it: max over the stock's rows r' >= r of
    budget[date of r'] - (r' - r) (negative: not read). Rows sorted by (stock, date); `r` the row of the stock,
    `seg` the stock's index (an offset per stock keeps the reverse running max inside the stock)."""
    slack = budget[t] - r
    off = (seg[-1] - seg) * (int(slack.max()) - int(slack.min()) + 1)
    return np.maximum.accumulate((slack + off)[::-1])[::-1] - off + r


def _batch_rows(frame: pl.DataFrame, i0: int, i1: int, warm: int, hops: int) -> pl.DataFrame:
    """Rows a date batch [i0, i1) must load so that the values it keeps equal the one-pass values: each
    stock's rows before i1 from the first one read through `warm` rows of time-series windows and up to
    `hops` cross sections, which are then complete.

    A row read with budget b (rows it may still look back) needs its stock's previous b rows (the j-th with
    budget b - j) and, where a cross-sectional operator reads it, every stock's row of its date with budget b.
    A stock back from a long suspension carries the budget to dates far before i0 - warm, and through a cross
    section to other stocks' earlier rows; each pass of the loop crosses one more cross section."""
    before = frame["_t"].to_numpy() < i1
    t, r = frame["_t"].to_numpy()[before], frame["_r"].to_numpy()[before]
    if not t.size:  # no traded row up to the batch's end (every row so far suspended): nothing to read
        return frame.head(0).drop("_t", "_r")
    seg = np.cumsum(r == 0) - 1  # rows are sorted by (stock, date): a stock starts where its row is 0
    budget = np.full(i1, -1, dtype=np.int64)  # per date whose cross section is read: the largest budget
    budget[i0:] = warm
    need = _row_needs(t, r, seg, budget)
    for _ in range(hops):
        new = budget.copy()
        np.maximum.at(new, t, need)
        if np.array_equal(new, budget):
            break
        budget, need = new, _row_needs(t, r, seg, new)
    read = np.maximum.accumulate((need >= 0) + 2 * seg) - 2 * seg == 1  # from the stock's first row read on
    before[before] = read
    return frame.filter(pl.Series(before)).drop("_t", "_r")


def _with_suspended(keys: pl.DataFrame, halted: pl.DataFrame) -> tuple[pl.DataFrame, pl.Series | None]:
    """The batch's output keys with its suspended rows merged in, in (ts_code, trade_date) order, and for each
    the row of the traded output to take (null: a suspended row, whose factors stay null); None when the
    batch has no suspended row. Factor columns are gathered group by group, never sorted as one frame."""
    if not halted.height:
        return keys, None
    merged = pl.concat([keys.with_row_index("_src"), halted.select("ts_code", "trade_date")], how="diagonal")
    merged = merged.sort("ts_code", "trade_date")
    return merged.drop("_src"), merged["_src"]


def _instrument(xs: dict[str, X]) -> dict[str, X]:
    """Each factor as a temporary (so ±inf survives to be counted) plus a 0/1 column flagging ±inf or a value
    beyond the float32 range."""
    out: dict[str, X] = {}
    for name, x in xs.items():
        m = materialize(x)
        out[name] = m
        out[_INF + name] = m.map(lambda e: (e.is_not_null() & e.cast(OUTPUT_DTYPE).is_finite().not_()).cast(pl.Int8))
    return out


def _evaluate_batch(rows: pl.DataFrame, xs: dict[str, X], keep_from: date,
                    inf_counts: dict[str, int]) -> pl.DataFrame:
    """Evaluate one factor group on one date batch; keep rows from `keep_from`, count and null ±inf."""
    out = evaluate(rows, _instrument(xs)).filter(pl.col("trade_date") >= keep_from)
    flags = [_INF + n for n in xs]
    sums = out.select(pl.col(flags).sum()).row(0)
    for n, c in zip(xs, sums, strict=True):
        inf_counts[n] = inf_counts.get(n, 0) + int(c or 0)
    cast = [pl.col(n).cast(OUTPUT_DTYPE) for n in xs]
    return out.select(
        "ts_code", "trade_date", *[pl.when(c.is_finite()).then(c).alias(n) for c, n in zip(cast, xs, strict=True)]
    )


def _auto_batch_days(rows: int, n_dates: int, warm: int) -> int:
    """One batch up to AUTO_BATCH_ROWS rows; else about that many rows per batch, at least twice the warm-up
    (so the overlap costs at most half again the work, unless suspensions stretch it: `_batch_rows`)."""
    if rows <= AUTO_BATCH_ROWS:
        return n_dates
    per_date = max(1, rows // max(n_dates, 1))
    return max(2 * warm, AUTO_BATCH_ROWS // per_date, 1)


@dataclass
class FactorJob:
    """A planned factor run (`plan_factors`): the validated input columns, the factors to compute, the date
    batches; `run_batches` executes it."""

    frame: pl.DataFrame  # traded rows: ts_code, trade_date, the inputs, _t (calendar index), _r (row of the stock)
    factors: dict[str, X]
    calendar: pl.Series
    batch_days: int
    warmup: int
    hops: int  # most cross sections a factor reads below a time-series window (`_hops`)
    factor_batch: int
    report: FactorReport
    started: float
    suspended: pl.DataFrame  # ts_code, trade_date, _t of the rows with vol == 0 (output with null factors)


def plan_factors(
    frame_or_path: Source,
    *,
    families: str | Iterable[str] | None = None,
    only: str | Iterable[str] | None = None,
    index: Source | None = None,
    index_code: str | None = None,
    batch_days: int | None = None,
    factor_batch: int = FACTOR_BATCH,
    market: MarketConfig = MarketConfig(),
) -> FactorJob:
    """Read and validate the panel (and index), choose the factors whose inputs exist and the date batches.

    Arguments as in `compute_factors`. Bad input → `DataError` naming the file/column/argument and the fix,
    before any factor is computed.
    """
    t0 = time.perf_counter()
    if batch_days is not None and batch_days < 1:
        raise DataError(f"batch_days={batch_days} (--batch-days): must be a positive number of dates")
    if factor_batch < 1:
        raise DataError(f"factor_batch={factor_batch}: must be positive")
    chosen = select_specs(families, only)
    bench = engine_io.load_index(index, index_code)  # first: small, and its flag errors need no panel read
    df, columns, name = engine_io.load_panel_frame(frame_or_path)
    engine_io.warn_price_problems(df, name)
    read = df  # as read: the limit engine takes its own (cent-rounded) fallback where pre_close is null
    df, derived = engine_io.derive_inputs(df, vwap=any("vwap" in s.inputs for s in chosen))
    if bench is not None:
        df = engine_io.join_index(df, bench)
    report = FactorReport(source=name, derived=derived, rows=df.height, stocks=df["ts_code"].n_unique(),
                          dates=df["trade_date"].n_unique())
    xs, kept, report.skipped = _plan(chosen, set(df.columns), bench is not None)
    if bench is not None:
        reads = {n: sorted(c for c in required_columns({n: x}) if c.startswith("bench_")) for n, x in xs.items()}
        engine_io.warn_index_gaps(df, bench, {n: kept[n].lookback for n, c in reads.items() if c},
                                  sorted({c for used in reads.values() for c in used}))
    report.computed = list(xs)
    if any(LIMIT_FLAG in required_columns({n: x}) for n, x in xs.items()):
        # flags from the frame as read, not from derive_inputs' unrounded pre_close fill; same rows, same order
        # (derive_inputs adds columns, join_index is a left join on unique index dates)
        df = df.with_columns(engine_io.add_limit_flags(read, columns, market, name)[LIMIT_FLAG])
        report.derived.append(LIMIT_FLAG)
        report.limit_method = market.limit_method
    del read

    calendar = df["trade_date"].unique().sort()
    at = pl.lit(calendar).search_sorted(pl.col("trade_date")).cast(pl.Int32).alias("_t")
    halted = suspended_expr()  # vol is a required input
    suspended = df.filter(halted).select("ts_code", "trade_date", at)
    df = df.filter(halted.not_())
    report.suspended_rows = suspended.height
    warm = max((s.lookback for s in kept.values()), default=0)
    days = min(batch_days or _auto_batch_days(df.height, len(calendar), warm), len(calendar))
    report.warmup_rows, report.batch_days = warm, days
    report.batches = len(range(0, len(calendar), days))
    need = sorted(required_columns(xs) - {"ts_code", "trade_date"}) if xs else []
    frame = df.select("ts_code", "trade_date", *need).with_columns(
        at,
        pl.int_range(pl.len(), dtype=pl.Int32).over("ts_code").alias("_r"),
    )
    hops = _hops(xs)
    return FactorJob(frame, xs, calendar, days, warm, hops, factor_batch, report, t0, suspended)


def run_batches(job: FactorJob, progress: bool = True) -> Iterator[pl.DataFrame]:
    """Compute the job one date batch at a time: yields `ts_code, trade_date` + the factor columns (Float32)
    for the rows of each batch's dates, sorted by (ts_code, trade_date). Only one batch's output is alive at
    a time, so a caller that writes each batch away keeps memory bounded; ±inf counts and the wall time are
    filled into `job.report` as it goes."""
    names = list(job.factors)
    groups = [names[i:i + job.factor_batch] for i in range(0, len(names), job.factor_batch)]
    n_dates = len(job.calendar)
    starts = range(0, n_dates, job.batch_days)
    with tqdm(total=len(starts) * max(len(groups), 1), disable=not progress, desc="factors", unit="batch") as bar:
        for i0 in starts:
            rows = _batch_rows(job.frame, i0, min(i0 + job.batch_days, n_dates), job.warmup, job.hops)
            first = job.calendar[i0]
            halted = job.suspended.filter(pl.col("_t") >= i0, pl.col("_t") < i0 + job.batch_days)
            cols: list[pl.DataFrame] = []
            at: pl.Series | None = None
            for g in groups:
                part = _evaluate_batch(rows, {n: job.factors[n] for n in g}, first, job.report.inf_counts)
                if not cols:
                    keys, at = _with_suspended(part.select("ts_code", "trade_date"), halted)
                    cols.append(keys)
                part = part.drop("ts_code", "trade_date")
                cols.append(part if at is None else part.select(pl.all().gather(at)))
                bar.update(1)
            if not groups:
                keys = rows.filter(pl.col("trade_date") >= first).select("ts_code", "trade_date")
                cols.append(_with_suspended(keys, halted)[0])
            del rows
            job.report.wall_s = time.perf_counter() - job.started
            yield pl.concat(cols, how="horizontal")


def compute_factors(
    frame_or_path: Source,
    *,
    families: str | Iterable[str] | None = None,
    only: str | Iterable[str] | None = None,
    index: Source | None = None,
    index_code: str | None = None,
    batch_days: int | None = None,
    factor_batch: int = FACTOR_BATCH,
    progress: bool = True,
    market: MarketConfig = MarketConfig(),
) -> tuple[pl.DataFrame, FactorReport]:
    """Compute factors on a long (ts_code, trade_date) OHLCV panel (Parquet path, DataFrame or LazyFrame).

    `families`/`only`: what to compute (union; all when neither). `index`: benchmark daily bars joined on
    trade_date as `bench_*` (`index_code` picks one index from a file of several). `batch_days`: dates per
    batch (None: automatic, one batch up to AUTO_BATCH_ROWS rows); `factor_batch`: factors per evaluation
    pass. `market`: the rules (its `limit_method`) that derive `is_limit_up` for the zt_ family. Returns (frame
    sorted by ts_code, trade_date, report), the whole output in memory: to stream it to
    a file batch by batch, use `plan_factors` + `run_batches` (as `aurumq-rl factors compute` does). Bad
    input → `DataError` naming the file/column/argument and the fix.
    """
    job = plan_factors(frame_or_path, families=families, only=only, index=index, index_code=index_code,
                       batch_days=batch_days, factor_batch=factor_batch, market=market)
    parts = list(run_batches(job, progress))
    # one batch is already in (ts_code, trade_date) order: skip the copy a sort makes
    out = parts[0] if len(parts) == 1 else pl.concat(parts, how="vertical").sort("ts_code", "trade_date")
    job.report.wall_s = time.perf_counter() - job.started
    return out, job.report
