"""`load_panel`: Parquet (file, directory of shards, glob) or a polars frame → `Panel` (sources: `data.source`).

Memory: keys and status columns are read once; factor columns are read in chunks and scattered straight
into the dense float32 array, so peak memory stays near the size of the panel itself. A chunk is matched to the
first read by row position: a Parquet path's plain scan keeps the file's order; a frame's plan may not (an
unstable sort by date), so its chunks carry (ts_code, trade_date) and are realigned on that key when they differ.
"""

from __future__ import annotations

import warnings
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

from aurumq_rl.data.contract import (
    REQUIRED_COLUMNS,
    check_required,
    select_factors,
    trade_date_expr,
    validate_keys,
)
from aurumq_rl.data.events import EVENT_TAU_DAYS, is_raw_flag, raw_flag_message
from aurumq_rl.data.normalize import (
    MARKET_WIDE_SHARE,
    NORMALIZE_METHODS,
    PASS_THROUGH_WARN,
    ZSCORE_CLIP,
    flat_dates,
    market_wide_share,
    normalize,
)
from aurumq_rl.data.panel import Panel
from aurumq_rl.data.sanity import value_problems
from aurumq_rl.data.source import DataSource, collect_source, scan_with_schema, to_date
from aurumq_rl.errors import DataError, WindowError
from aurumq_rl.market.limits import check_limit_method
from aurumq_rl.market.status import MarketConfig, annotate, listing_fallback_message
from aurumq_rl.market.universe import UniverseSpec, universe_expr

STATUS_COLUMNS: tuple[str, ...] = (
    "open", "high", "low", "pre_close", "is_st", "name", "days_since_ipo", "list_date",
    "industry_code", "is_hs300", "is_zz500", "adj_factor",
)
FACTOR_CHUNK = 32  # factor columns read per pass
# Price/volume columns that must hold numbers (the required ones and the optional ones read with them).
NUMERIC_COLUMNS: tuple[str, ...] = ("close", "pct_chg", "vol", "open", "high", "low", "pre_close", "adj_factor")


FLOAT32_DIGITS = 7  # significant decimal digits a float32 holds (24-bit mantissa: every 6-digit decimal and
# every cent price below 100,000 yuan round-trips)


def cast_numeric_columns(raw: pl.DataFrame, name: str,
                         columns: tuple[str, ...] = NUMERIC_COLUMNS) -> pl.DataFrame:
    """The `columns` of `raw` that are present, as Float64 (text that parses as numbers included).

    A value that is not a number (or a non-numeric, non-text column) is a `DataError` naming the file, the
    column and an example value; otherwise polars fails with an error naming neither, or later. NaN and ±inf
    become null, with a warning that counts them: missing, like a null (a NaN `pct_chg` would otherwise
    poison every compounded return after it). A Float32 column is read at the `FLOAT32_DIGITS` significant
    digits float32 holds: 10.01 stored as float32 is 10.010000228881836 as a float64, off the cent grid the
    limit rules and vwap test real prices on. Shared by the loader, `data check` and the factor engine.
    """
    bad: list[str] = []
    casts: list[pl.Series] = []
    for col in (c for c in columns if c in raw.columns):
        dtype = raw.schema[col]
        if dtype == pl.Float32:  # at the 7 significant digits it holds: a cent price is on the cent grid again
            casts.append(raw[col].cast(pl.Float64).round_sig_figs(FLOAT32_DIGITS))
            continue
        if dtype.is_numeric() or dtype == pl.Null:
            casts.append(raw[col].cast(pl.Float64))
            continue
        if dtype == pl.String:
            parsed = raw[col].cast(pl.Float64, strict=False)
            wrong = raw[col].filter(parsed.is_null() & raw[col].is_not_null())
            if wrong.len() == 0:
                casts.append(parsed)
                continue
            bad.append(f"{col} has {wrong.len()} value(s) that are not numbers (e.g. {wrong[0]!r})")
        else:
            bad.append(f"{col} has type {dtype}")
    if bad:
        raise DataError(f"{name}: column {'; column '.join(bad)}; write prices, vol and pct_chg (a decimal, "
                        "+10% = 0.10) as numbers")
    if not casts:
        return raw
    out = raw.with_columns(casts)
    odd = out.select(pl.col(c.name).is_nan().sum() + pl.col(c.name).is_infinite().sum() for c in casts).row(0)
    odd_cols = [(c.name, k) for c, k in zip(casts, odd, strict=True) if k]
    if odd_cols:
        first = out.filter(pl.any_horizontal(~pl.col(c).is_finite() for c, _ in odd_cols)).row(0, named=True)
        where = " ".join(str(first[k]) for k in ("ts_code", "trade_date") if k in first)
        warnings.warn(f"{name}: " + ", ".join(f"{c} has {k} NaN/inf value(s)" for c, k in odd_cols)
                      + (f" (first: {where})" if where else "") + "; they are read as missing, like a null (a "
                      "missing pct_chg is a 0 return)", stacklevel=2)
        out = out.with_columns(pl.when(pl.col(c).is_finite()).then(pl.col(c)).alias(c) for c, _ in odd_cols)
    return out


def check_factor_dtypes(schema: pl.Schema, cols: list[str], name: str) -> None:
    """Factor columns must be numeric. A Boolean column is a raw 0/1 event flag, which must never reach a
    model: events enter as exp-decay (`aurumq_rl.data.events.exp_decay`)."""
    for col in cols:
        dtype = schema[col]
        if dtype == pl.Boolean:
            raise DataError(f"{name}: factor column {col} is Boolean, a raw 0/1 event flag; encode it with "
                            f"aurumq_rl.data.events.exp_decay (tau = {EVENT_TAU_DAYS:g} trading days) before "
                            "loading")
        if not (dtype.is_numeric() or dtype == pl.Null):  # Null: an all-null column, loaded as missing
            raise DataError(f"{name}: factor column {col} has type {dtype}; factors must be numeric")


def load_panel(
    source: DataSource,
    *,
    universe: UniverseSpec = "main_board_non_st",
    start: str | date | None = None,
    end: str | date | None = None,
    factors: None | int | str | list[str] = None,
    include_columns_file: str | Path | None = None,
    normalize: str = "zscore",
    returns: str = "pct_chg",
    market: MarketConfig = MarketConfig(),
    warn_columns: bool = True,
) -> Panel:
    """Load a long (ts_code, trade_date) Parquet into a dense `Panel`.

    `universe`: a name (main_board_non_st, all_non_st, hs300, zz500, all) or a callable `fn(columns) ->
    pl.Expr`. `factors`: None (all known-prefix columns), N (the first N in prefix order), a glob string,
    or a list. `normalize`: zscore | rank | raw, per date over the universe. `returns`: pct_chg (compound
    the decimal daily change) or adj_close (ratio of adj_factor-adjusted closes). A date on which a column has one
    value for every universe stock passes it through un-normalised (`data.normalize`). `warn_columns`:
    warn about market-wide and raw 0/1 flag columns (inference turns it off: training warned already).
    """
    if normalize not in NORMALIZE_METHODS:
        raise DataError(f"normalize='{normalize}': choose one of {', '.join(NORMALIZE_METHODS)}")
    if returns not in ("pct_chg", "adj_close"):
        raise DataError(f"returns='{returns}': choose pct_chg or adj_close")
    start_d, end_d = to_date(start, "start"), to_date(end, "end")
    lf, name, schema = scan_with_schema(source)
    columns = list(schema.names())
    check_required(columns, name)
    if returns == "adj_close" and "adj_factor" not in columns:
        raise DataError(f"returns='adj_close' needs the column adj_factor, absent from {name}")
    chosen = select_factors(columns, factors, name, include_columns_file)
    check_factor_dtypes(schema, chosen, name)

    status_cols = [c for c in STATUS_COLUMNS if c in columns]
    date_cast = trade_date_expr(schema["trade_date"], name)
    raw = cast_numeric_columns(collect_source(lf.select(*REQUIRED_COLUMNS, *status_cols), name), name)
    keys = raw.with_columns(date_cast)
    keys = keys.with_row_index("_row")  # position in the source's row order, reused to read factor chunks
    # every source row, B shares included; with ts_code for a frame, whose plan's row order may change between
    # reads (an unstable sort, a shuffle): its factor chunks are checked, and realigned, on the whole key
    key_cols = ["trade_date"] if isinstance(source, str | Path) else ["ts_code", "trade_date"]
    source_rows = keys.select("_row", *key_cols)
    keys = validate_keys(keys, name, raw_dates=raw["trade_date"])
    del raw
    calendar = keys["trade_date"].unique().sort()
    method = check_limit_method(market.limit_method)
    lo = start_d if start_d is not None else calendar[0]
    hi = end_d if end_d is not None else calendar[-1]
    _check_window(calendar, lo, hi, start_d, end_d, name)
    in_window = pl.col("trade_date").is_between(lo, hi)
    # Source rows inside the window, in source order: factor chunks are read with the same filter.
    window_rows = source_rows.filter(in_window)
    del source_rows
    ann = annotate(keys.lazy(), columns, calendar, method, market)
    ann_df = ann.with_columns(universe_expr(universe, columns, market.min_listed_days)).filter(in_window).collect()
    del keys
    # a suspended blue chip would otherwise sit out of the universe for min_listed_days days
    late = listing_fallback_message(ann_df, columns, f"new-listing limits, {market.min_listed_days} days before "
                                    "they can be bought")
    if late:
        warnings.warn(f"{name}: {late}", stacklevel=2)
    if isinstance(universe, str) and universe.endswith("non_st") and not {"is_st", "name"} & set(columns):
        warnings.warn(f"{name}: no is_st or name column, so no stock can be told ST: universe '{universe}' keeps "
                      "risk-warning stocks, under their board's normal price limits; add is_st (per date) or name",
                      stacklevel=2)
    # a missing vol reads as a suspension, a missing pct_chg on a traded row as a 0 return, a missing or non-positive
    # close misleads limit detection (and adj_close returns, with a missing adj_factor): say so for a null too, not
    # only for a NaN (`cast_numeric_columns`), since pandas writes a NaN as null
    checked = ("vol", "pct_chg", "close", *(("adj_factor",) if returns == "adj_close" else ()))
    for problem in value_problems(ann_df.select("ts_code", "trade_date", *checked), columns=checked):
        if problem["column"] == "close" and problem["level"] == "warning" and returns != "adj_close":
            continue  # a bad close on a suspended row is read by returns='adj_close' only
        warnings.warn(f"{name}: {problem['message']}", stacklevel=2)
    if ann_df.height == 0 or not ann_df["in_universe"].any():
        raise WindowError(f"{name}: no row left in universe '{universe}' between {start_d or 'start'} and "
                          f"{end_d or 'end'}; widen the dates or choose another universe")

    codes = ann_df.filter(pl.col("in_universe"))["ts_code"].unique().sort()
    ann_df = ann_df.filter(pl.col("ts_code").is_in(codes.implode()))
    dates = ann_df["trade_date"].unique().sort()
    t_n, n_n = len(dates), len(codes)
    idx = ann_df.select(
        pl.lit(dates).search_sorted(pl.col("trade_date")).alias("_t"),
        pl.lit(codes).search_sorted(pl.col("ts_code")).alias("_n"),
        pl.col("_row"),
    )
    ti, ni = idx["_t"].to_numpy(), idx["_n"].to_numpy()
    # where each kept row sits among the window rows (both in source order)
    pos = np.searchsorted(window_rows["_row"].to_numpy(), idx["_row"].to_numpy())

    def dense(col: str, fill: object, dtype: type, frame: pl.DataFrame = ann_df) -> np.ndarray:
        out = np.full((t_n, n_n), fill, dtype=dtype)
        out[ti, ni] = frame[col].fill_null(fill).to_numpy().astype(dtype)
        return out

    present = np.zeros((t_n, n_n), dtype=bool)
    present[ti, ni] = True
    in_universe = dense("in_universe", False, bool)
    pct = np.zeros((t_n, n_n), dtype=np.float64)
    pct[ti, ni] = _daily_returns(ann_df, returns)
    board = ann_df.group_by("ts_code").agg(pl.col("board").first()).sort("ts_code")["board"].to_numpy()
    masks = {k: dense(c, False, bool) for k, c in (("tradeable", "tradeable"), ("can_buy", "can_buy_raw"),
                                                  ("can_sell", "can_sell"), ("is_limit_up", "is_limit_up"),
                                                  ("is_limit_down", "is_limit_down"))}

    industry, industry_names = None, []
    if "industry_code" in columns:
        ind = ann_df["industry_code"].cast(pl.String)
        industry_names = ind.drop_nulls().unique().sort().to_list()
        lookup = {v: i for i, v in enumerate(industry_names)}
        industry = np.full((t_n, n_n), -1, dtype=np.int32)
        industry[ti, ni] = ind.replace_strict(lookup, default=-1, return_dtype=pl.Int32).to_numpy()
    del ann_df

    reader = _ChunkReader(lf, name, date_cast, in_window, window_rows.drop("_row"), pos, ti, ni, (t_n, n_n))
    del window_rows
    feats, missing, market_wide = _load_factors(reader, chosen, in_universe, normalize, warn_columns)
    return Panel(
        dates=dates.to_numpy().astype("datetime64[D]"),
        codes=codes.to_numpy().astype(str),
        factor_names=chosen,
        factors=feats,
        factor_missing_bits=missing,
        pct_chg=pct,
        present=present,
        in_universe=in_universe,
        board=board.astype(str),
        **masks,
        industry=industry,
        industry_names=industry_names,
        market_wide=market_wide,
        meta={"source": name, "universe": universe if isinstance(universe, str) else "custom",
              "normalize": normalize, "limit_method": method, "min_listed_days": market.min_listed_days,
              "market": market.settings(),
              "returns": returns, "start": str(dates[0]), "end": str(dates[-1])},
    )


def _check_window(calendar: pl.Series, lo: date, hi: date, start: date | None, end: date | None, name: str) -> None:
    """A start after the end, or a window holding none of the data's trading dates, is a WindowError saying so
    (with the data's range), not "no row left in universe …", which sent the user to the universe."""
    if start is not None and end is not None and start > end:
        raise WindowError(f"{name}: start {start} is after end {end}; pass a start on or before the end")
    if not calendar.is_between(lo, hi).any():
        where = f"no trading date between {start or 'start'} and {end or 'end'} (the data covers {calendar[0]} .. " \
                f"{calendar[-1]})"
        if calendar[0] < lo and hi < calendar[-1]:  # inside the data's range: a weekend or a holiday
            before, after = calendar.filter(calendar < lo)[-1], calendar.filter(calendar > hi)[0]
            raise WindowError(f"{name}: {where}: the data trades on {before} and next on {after}; widen the window "
                              "to include one of them")
        raise WindowError(f"{name}: {where}; choose dates inside it")


def _daily_returns(ann_df: pl.DataFrame, returns: str) -> np.ndarray:
    """Daily decimal returns per row: pct_chg, or the ratio of the stock's adj_factor-adjusted close to its last
    known one before the row (by date, whatever the row order). A missing, 0 or negative adjusted close (a
    suspended row written with a 0 or null close, a null adj_factor) is unknown: that row's return is 0 and the
    next known close carries the whole move, so it is neither lost nor turned into -100% and then +inf."""
    if returns == "pct_chg":
        return ann_df["pct_chg"].fill_null(0.0).to_numpy()
    adj = pl.col("close") * pl.col("adj_factor")
    adj = pl.when(adj > 0).then(adj)
    prev = adj.forward_fill().shift(1).over("ts_code")
    r = (ann_df.with_row_index("_i").sort("ts_code", "trade_date")
         .with_columns((adj / prev - 1).fill_null(0.0).alias("_r")).sort("_i"))
    return r["_r"].to_numpy()


class _ChunkReader:
    """Reads factor columns in source order for the rows of the date window and scatters them to [T, N].

    `window_keys`: the first read's key columns of those rows, in its order: trade_date for a Parquet path
    (a plain scan keeps the file's order), ts_code and trade_date for a LazyFrame (whose plan may not)."""

    def __init__(self, lf: pl.LazyFrame, name: str, date_cast: pl.Expr, in_window: pl.Expr,
                 window_keys: pl.DataFrame, pos: np.ndarray, ti: np.ndarray, ni: np.ndarray,
                 shape: tuple[int, int]) -> None:
        self.lf, self.name, self.date_cast, self.in_window = lf, name, date_cast, in_window
        self.window_keys = window_keys
        self.window_dates = window_keys["trade_date"].to_physical().to_numpy()
        self.pos, self.ti, self.ni, self.shape = pos, ti, ni, shape

    def read(self, cols: list[str]) -> pl.DataFrame:
        """`cols` for the window rows in the first read's order; a LazyFrame that returned its rows in another
        order is realigned on (ts_code, trade_date), so a factor value always lands on its own stock."""
        on = self.window_keys.columns
        part = collect_source(self.lf.with_columns(self.date_cast).filter(self.in_window).select(*on, *cols),
                              self.name)
        n = self.window_keys.height
        got = part["trade_date"].to_physical().to_numpy()
        aligned = (len(got) == n and np.array_equal(got, self.window_dates)
                   and (len(on) == 1 or part["ts_code"].equals(self.window_keys["ts_code"])))
        if not aligned and len(on) == 2 and part.height == n:
            part = self.window_keys.join(part.with_columns(pl.lit(True).alias("_found")), on=on, how="left",
                                         maintain_order="left")
            aligned = part.height == n and not part["_found"].null_count()  # else other rows, or duplicate keys
        if not aligned:
            raise DataError(f"{self.name}: the source returned other rows, or another row order, on a second "
                            "read; pass a Parquet path or a LazyFrame whose rows do not change between collects")
        check_factor_dtypes(part.schema, cols, self.name)
        return part

    def dense(self, part: pl.DataFrame, col: str) -> np.ndarray:
        x = np.full(self.shape, np.nan, dtype=np.float32)
        x[self.ti, self.ni] = part[col].cast(pl.Float32).fill_null(np.nan).to_numpy()[self.pos]
        return x


def _load_factors(reader: _ChunkReader, chosen: list[str], in_universe: np.ndarray, method: str,
                  warn: bool = True) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Read factor columns chunk by chunk into [T, N, F] float32, normalise per date, fill after.

    Returns (factors, missing bits packed along F, market-wide column names: flat on ≥ 99% of the loaded
    dates, hence passed through; reported, never used to decide a value). With `warn`, also warns about raw
    0/1 flag columns, columns with no value for a universe stock (an all-null column carries nothing) and
    columns passed through on flat dates at a raw scale (beyond `PASS_THROUGH_WARN`)."""
    t_n, n_n = reader.shape
    f_n = len(chosen)
    feats = np.zeros((t_n, n_n, f_n), dtype=np.float32)
    missing = np.zeros((t_n, n_n, (f_n + 7) // 8), dtype=np.uint8)
    market_wide: list[str] = []
    flags: list[str] = []
    empty: list[str] = []
    raw_scale: list[str] = []
    for c0 in range(0, f_n, FACTOR_CHUNK):
        cols = chosen[c0:c0 + FACTOR_CHUNK]
        part = reader.read(cols)
        for j, col in enumerate(cols):
            f = c0 + j
            x = reader.dense(part, col)
            if warn and is_raw_flag(part[col]):
                flags.append(col)
            if warn and not (np.isfinite(x) & in_universe).any():
                empty.append(col)
            flat = None
            if method != "raw":  # raw values pass through anyway: no flat test, no market-wide report
                flat, comparable = flat_dates(x, in_universe)
                if market_wide_share(flat, comparable) >= MARKET_WIDE_SHARE:
                    market_wide.append(col)
            z = normalize(x, in_universe, method, flat)
            if warn and flat is not None and flat.any():  # those dates hold the column's own values
                peak = float(np.nanmax(np.abs(z[flat])))
                if peak > PASS_THROUGH_WARN:
                    raw_scale.append(f"{col} (|value| up to {peak:,.4g})")
            ok = np.isfinite(z)
            feats[:, :, f] = np.where(ok, z, 0.0)
            missing[:, :, f // 8] |= (~ok).astype(np.uint8) << np.uint8(7 - f % 8)
        del part
    if market_wide and warn:
        warnings.warn(f"{reader.name}: market-wide column(s) passed through without cross-sectional "
                      f"normalisation (on each date where every stock has the same value): "
                      f"{', '.join(market_wide[:10])}", stacklevel=3)
    if raw_scale:
        warnings.warn(f"{reader.name}: column(s) passed through un-normalised on the dates where every stock has "
                      f"the same value hold raw levels far beyond the ±{ZSCORE_CLIP:g} z-score clip of the "
                      f"normalised factors: {', '.join(raw_scale[:10])}{' …' if len(raw_scale) > 10 else ''}; next "
                      "to them the per-stock factors barely move a model's input: supply such a column as a return, "
                      "a ratio or a z-score over time (e.g. an index's daily return, not its close)", stacklevel=3)
    if flags:
        warnings.warn(f"{reader.name}: {raw_flag_message(flags)}", stacklevel=3)
    if empty:
        warnings.warn(f"{reader.name}: factor column(s) with no value for a universe stock in the loaded window, "
                      f"so they carry nothing (filled and flagged missing everywhere): {', '.join(empty[:10])}"
                      f"{' …' if len(empty) > 10 else ''}; drop them or choose a window where they exist",
                      stacklevel=3)
    return feats, missing, market_wide
