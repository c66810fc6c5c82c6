"""Input side of the factor engine: read and validate the OHLCV panel and the benchmark index (warning about
impossible prices), derive the documented fallbacks (`vwap`, `pre_close`), and add `is_limit_up` from the
market rules.

Units (Tushare): `vol` in lots of 100 shares, `amount` in thousand yuan, prices in yuan, `pct_chg` decimal.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import polars as pl

from aurumq_rl.data.contract import check_shifted_dates, trade_date_expr, validate_keys
from aurumq_rl.data.loader import cast_numeric_columns
from aurumq_rl.data.sanity import value_problems
from aurumq_rl.data.source import collect_source, scan_with_schema
from aurumq_rl.errors import DataError
from aurumq_rl.factors.registry import KNOWN_INPUTS
from aurumq_rl.market.limits import check_limit_method, real_price_row
from aurumq_rl.market.status import (
    LISTING_SOURCES,
    MarketConfig,
    annotate,
    listing_fallback_message,
    suspended_expr,
)

REQUIRED: tuple[str, ...] = ("ts_code", "trade_date", "open", "high", "low", "close", "vol", "amount", "pct_chg")
# Read when present: the limit engine uses them (ST, listing day); factors may declare the KNOWN_INPUTS.
STATUS: tuple[str, ...] = ("is_st", "name", "list_date", "days_since_ipo")
PRICES: tuple[str, ...] = ("open", "high", "low", "close", "pre_close")  # checked by `warn_price_problems`
NUMERIC: tuple[str, ...] = ("open", "high", "low", "close", "vol", "amount", "pct_chg", "pre_close", "vwap", "cap")
INDEX_REQUIRED: tuple[str, ...] = ("trade_date", "open", "high", "low", "close")
LIMIT_FLAG = "is_limit_up"
_RAW_DATE = "__raw_trade_date"

Source = str | Path | pl.DataFrame | pl.LazyFrame

DERIVATIONS: dict[str, str] = {
    "vwap": ("amount * 1000 / (vol * 100) (yuan per share) on rows with real prices (close and previous close on "
             "the 0.01 yuan grid, as limit detection judges them, and that value inside the day's [low, high]); "
             "elsewhere (adjusted prices: amount / vol is an unadjusted price on another scale) the typical price "
             "(high + low + close) / 3; null when vol == 0. "
             "Decided row by row, so rows added later never change it; pass a vwap column on the scale of the "
             "prices to use traded value everywhere"),
    "pre_close": "close / (1 + pct_chg)",
    LIMIT_FLAG: "aurumq_rl.market.status.annotate (date-aware limit table)",
}


def _scan(source: Source, what: str) -> tuple[pl.LazyFrame, str, pl.Schema]:
    if isinstance(source, pl.DataFrame):
        return source.lazy(), f"<{what} DataFrame>", source.schema
    return scan_with_schema(source)


def load_panel_frame(source: Source) -> tuple[pl.DataFrame, list[str], str]:
    """Read the columns the engine can use from `source`, validated and sorted by (ts_code, trade_date).

    Returns (frame, the source's original column names, display name). Missing required columns, malformed
    codes or dates, duplicate keys and percent-scaled `pct_chg` raise `DataError`.
    """
    lf, name, schema = _scan(source, "INPUT")
    columns = list(schema.names())
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        hint = ""
        if "amount" in missing:
            hint = " (amount = traded value in thousand yuan, Tushare daily `amount`; the engine derives vwap from it)"
        raise DataError(f"{name}: missing required column(s) {', '.join(missing)}{hint}; the factor engine needs "
                        f"{', '.join(REQUIRED)}")
    keep = [c for c in dict.fromkeys([*REQUIRED, *KNOWN_INPUTS, *STATUS]) if c in columns]
    keep = [c for c in keep if not c.startswith("bench_")]  # benchmark bars come from --index only
    date_cast = trade_date_expr(schema["trade_date"], name)
    # the raw dates, until validated, so that a value that is not a date is named in the error
    raw = [] if schema["trade_date"] == pl.Date else [pl.col("trade_date").alias(_RAW_DATE)]
    df = cast_numeric_columns(collect_source(lf.select(keep).with_columns(*raw, date_cast), name), name, NUMERIC)
    raw_dates = df[_RAW_DATE] if raw else None
    df = validate_keys(df, name, raw_dates=raw_dates).drop(_RAW_DATE, strict=False).sort("ts_code", "trade_date")
    return df, columns, name


def warn_price_problems(df: pl.DataFrame, name: str) -> None:
    """Warn about impossible prices the engine would read (`data.sanity.value_problems`, as `data check` reports
    them: e.g. a non-positive low on a traded row). Suspended rows are left out: the engine never reads them."""
    for p in value_problems(df.filter(~suspended_expr())):
        if p["column"] in PRICES:
            warnings.warn(f"{name}: {p['message']}", stacklevel=3)


def derive_inputs(df: pl.DataFrame, vwap: bool = True) -> tuple[pl.DataFrame, list[str]]:
    """Add `vwap` (when `vwap`: a factor reads it) and `pre_close` when absent (see DERIVATIONS; pre_close also
    on its null rows, as limit detection does); returns the frame and what was derived. Warns when the typical
    price stands in for vwap on some rows, and when amount / vol looks like other units."""
    derived, exprs = [], []
    if vwap and "vwap" not in df.columns:
        vol = pl.col("vol")
        traded = pl.when(vol > 0).then(pl.col("amount") * 1000 / (vol * 100))
        inside = traded.is_between(pl.col("low") - 0.01, pl.col("high") + 0.01)
        real_rows = real_price_row(df.columns)
        real = (real_rows & inside).fill_null(False)
        typical = (pl.col("high") + pl.col("low") + pl.col("close")) / 3
        exprs.append(pl.when(vol > 0).then(pl.when(real).then(traded).otherwise(typical)).alias("vwap"))
        derived.append("vwap")
        _warn_vwap(df, traded, inside, real_rows)
    fallback = pl.col("close") / (1 + pl.col("pct_chg"))
    if "pre_close" not in df.columns:
        exprs.append(fallback.alias("pre_close"))
        derived.append("pre_close")
    elif df["pre_close"].null_count():  # the fallback on a null row too, as limit detection takes it
        exprs.append(pl.col("pre_close").fill_null(fallback))
    return (df.with_columns(exprs) if exprs else df), derived


VWAP_IN_RANGE_MIN = 0.9  # share of real-price traded rows whose amount / vol must lie in [low, high]


def _warn_vwap(df: pl.DataFrame, traded: pl.Expr, inside: pl.Expr, real: pl.Expr) -> None:
    """On real prices (`real`: the rows `market.limits.real_price_row` judges real) the day's average price
    lies between its low and high: when it does not on most of those rows, `vol` or `amount` is in other units
    than the contract's (vol in shares, amount in yuan: 100× or 1000× off). Other rows (adjusted prices) take
    the typical price: say on how many."""
    stats = df.select(
        (real & (pl.col("vol") > 0)).sum().alias("real"),
        (real & inside).sum().alias("inside"),
        (pl.col("vol") > 0).sum().alias("traded"),
        pl.when(real).then(traded / pl.col("close")).median().alias("ratio"),
    ).row(0, named=True)
    if stats["real"] and stats["inside"] < VWAP_IN_RANGE_MIN * stats["real"]:
        warnings.warn(f"vwap = amount × 1000 / (vol × 100) lies inside the day's [low, high] on only "
                      f"{stats['inside'] / stats['real']:.0%} of traded rows with real prices (median vwap / close "
                      f"= {stats['ratio']:.3g}); check the units: vol in lots of 100 shares, amount in thousand "
                      "yuan (Tushare), or give a vwap column in yuan per share", stacklevel=4)
    proxy = stats["traded"] - stats["inside"]
    if proxy:  # two causes: adjusted prices, and real prices whose amount / vol is off the day's range
        adjusted, outside = stats["traded"] - stats["real"], stats["real"] - stats["inside"]
        why = [f"{adjusted:,} with adjusted prices (not both closes on the 0.01 yuan grid, where amount / vol is on "
               "another scale)" if adjusted else "",
               f"{outside:,} with real prices whose amount / vol lies outside the day's [low, high]" if outside else ""]
        warnings.warn(f"vwap = the typical price (high + low + close) / 3 on {proxy / stats['traded']:.0%} of traded "
                      f"rows ({'; '.join(w for w in why if w)}); pass a vwap column on the scale of the prices to use "
                      "traded value", stacklevel=4)


def load_index(index: Source | None, code: str | None = None) -> pl.DataFrame | None:
    """Benchmark bars as `trade_date, bench_open, bench_high, bench_low, bench_close` (one row per date).

    A file holding several indices (a `ts_code` column) needs `code` to pick one; `code` without `index` is an
    error (it would pick from nothing). Errors name the --index / --index-code flags."""
    if index is None:
        if code is not None:
            raise DataError(f"--index-code {code} without --index: --index-code picks one index from the --index "
                            "file; pass --index INDEX.parquet (daily bars of the benchmark) or drop --index-code")
        return None
    try:
        lf, name, schema = _scan(index, "INDEX")
    except DataError as exc:
        raise DataError(f"--index {exc}; give the benchmark's daily bars (trade_date, open, high, low, close) "
                        "or drop --index") from exc
    missing = [c for c in INDEX_REQUIRED if c not in schema.names()]
    if missing:
        raise DataError(f"--index {name}: missing column(s) {', '.join(missing)}; an index file needs "
                        f"{', '.join(INDEX_REQUIRED)} (daily bars of one index, e.g. 000300.SH)")
    try:
        df = collect_source(lf, name)
    except DataError as exc:
        raise DataError(f"--index {exc}") from exc
    codes = df["ts_code"].unique().sort().to_list() if "ts_code" in df.columns else []
    if code is not None:
        if not codes:
            raise DataError(f"--index-code {code}: --index {name} has no ts_code column to select from; drop "
                            "--index-code (the file is one index)")
        if code not in codes:
            raise DataError(f"--index-code {code}: not in --index {name}, which holds {codes[:10]}")
        df = df.filter(pl.col("ts_code") == code)
    elif len(codes) > 1:
        raise DataError(f"--index {name}: holds several index codes {codes[:5]}; choose one with --index-code "
                        f"(e.g. --index-code {codes[0]})")
    # the panel's own numeric reader: text that is not a number (or a Boolean column) is a DataError naming the
    # file and column, and NaN/inf become null (counted in a warning), so they are gaps, not NaN factors
    df = cast_numeric_columns(df.select(trade_date_expr(schema["trade_date"], name), *INDEX_REQUIRED[1:]),
                              f"--index {name}", INDEX_REQUIRED[1:]).rename(
        {c: f"bench_{c}" for c in INDEX_REQUIRED[1:]})
    if df["trade_date"].null_count():
        raise DataError(f"--index {name}: column trade_date holds values that are not dates; use dates or "
                        "'YYYYMMDD' strings")
    # dates a day early (a Beijing midnight stored as a naive UTC timestamp) would join each stock row to the
    # next day's index bar: refused, as on the panel
    check_shifted_dates(df["trade_date"], f"--index {name}")
    if df["trade_date"].is_duplicated().any():
        raise DataError(f"--index {name}: duplicate trade_date rows; keep one bar per date")
    return df


def join_index(df: pl.DataFrame, bench: pl.DataFrame) -> pl.DataFrame:
    """Left-join benchmark bars on trade_date (dates the index lacks get null bench_* values)."""
    return df.join(bench, on="trade_date", how="left", maintain_order="left")


def warn_index_gaps(df: pl.DataFrame, bench: pl.DataFrame, readers: dict[str, int], columns: list[str]) -> None:
    """Warn when the index lacks dates of the panel that the factors in `readers` (name → lookback) read the
    `columns` (bench_*) of: an index file that stops before the stock bars, or misses a day, leaves those factors
    null on that date and on every later row whose window reaches it (up to `lookback` rows of each stock). A bar
    with a missing price in `columns` (null, or NaN/inf read as missing) counts as no bar; one missing only a
    column no factor reads (bench_high, say) is no gap."""
    if not readers:
        return
    dates = df["trade_date"].unique().sort()
    gaps = dates.filter(~dates.is_in(bench.drop_nulls(columns or None)["trade_date"].implode()))
    if gaps.len():
        names = list(readers)
        reach = max(readers.values())
        after = f" and, through their windows, on up to {reach} later row(s) of each stock" if reach else ""
        warnings.warn(f"--index has no bar on {gaps.len()} of the {dates.len()} dates of the input ({gaps[0]} … "
                      f"{gaps[-1]}); {', '.join(names[:5])}{' …' if len(names) > 5 else ''} read it and are "
                      f"null on those dates{after}: give index bars covering the data", stacklevel=4)


def add_limit_flags(df: pl.DataFrame, columns: list[str], market: MarketConfig = MarketConfig(),
                    name: str = "INPUT") -> pl.DataFrame:
    """Add `is_limit_up` via `market.status.annotate` on the whole frame (listing day and limit rules need the
    stock's full history, so this runs before any date batching). `df` is the frame as read (before
    `derive_inputs`) and `columns` the source's original names, so the limit engine applies its own (cent-rounded)
    pre_close fallback, on a null row too, rather than the engine's derived column. Warns (as
    `data.loader` does) when stocks without a listing date are taken for new listings: their first days have
    new-listing limits, so a limit-up close there is not flagged."""
    calendar = df["trade_date"].unique().sort()
    method = check_limit_method(market.limit_method)
    cols = [c for c in df.columns if c in columns]
    flags = (
        annotate(df.lazy().select(cols), cols, calendar, method, market)
        .select("ts_code", "trade_date", "listing_day", LIMIT_FLAG, *[c for c in LISTING_SOURCES if c in cols])
        .collect()
    )
    late = listing_fallback_message(flags, columns, "new-listing limits: a limit-up close on their first days is "
                                    "not flagged, so the zt_ factors miss it")
    if late:
        warnings.warn(f"{name}: {late}", stacklevel=3)
    return df.join(flags.select("ts_code", "trade_date", LIMIT_FLAG), on=["ts_code", "trade_date"], how="left",
                   maintain_order="left")
