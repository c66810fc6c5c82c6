"""`aurumq-rl data check`: validate a Parquet against the contract and report what is in it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
from numpy.lib.stride_tricks import sliding_window_view

from aurumq_rl.data.contract import (
    FACTOR_COL_PREFIXES,
    REQUIRED_COLUMNS,
    check_required,
    factor_columns,
    factor_prefix,
    trade_date_expr,
    validate_keys,
)
from aurumq_rl.data.events import is_raw_flag, raw_flag_message
from aurumq_rl.data.loader import STATUS_COLUMNS, cast_numeric_columns, check_factor_dtypes
from aurumq_rl.data.normalize import FLAT_RTOL, MARKET_WIDE_SHARE
from aurumq_rl.data.sanity import examples, value_problems
from aurumq_rl.data.source import DataSource, collect_source, scan_with_schema, to_date
from aurumq_rl.errors import DataError, did_you_mean
from aurumq_rl.factors.registry import KNOWN_INPUTS
from aurumq_rl.io import read_parquet_record
from aurumq_rl.market.limits import check_limit_method, real_price_share
from aurumq_rl.market.status import MarketConfig, annotate

STATS_CHUNK = 64
THIN_DATE_FRAC = 0.8  # a date with fewer stocks than this share of the median before it is reported
THIN_DATE_WINDOW = 20  # dates that median is taken over


def check_data(source: DataSource, market: MarketConfig = MarketConfig()) -> dict:
    """Run every contract check; return a JSON-able report. Raises `DataError` on bad input; impossible
    values that leave the data readable are listed in `problems` (level error or warning, see
    `sanity.value_problems`)."""
    lf, name, schema = scan_with_schema(source)
    columns = list(schema.names())
    check_required(columns, name)
    factors = factor_columns(columns)
    if not factors:
        raise DataError(f"{name}: no factor column found; factor columns must start with one of "
                        f"{', '.join(FACTOR_COL_PREFIXES)} (compute some with `aurumq-rl factors compute`)")
    check_factor_dtypes(schema, factors, name)
    status_cols = [c for c in STATUS_COLUMNS if c in columns]
    raw = cast_numeric_columns(collect_source(lf.select(*REQUIRED_COLUMNS, *status_cols), name), name)
    keys = raw.with_columns(trade_date_expr(schema["trade_date"], name))
    keys = validate_keys(keys, name, raw_dates=raw["trade_date"])
    calendar = keys["trade_date"].unique().sort()
    method = check_limit_method(market.limit_method)
    ann = annotate(keys.lazy(), columns, calendar, method, market).collect()

    # a date inside a stock's span without its row: a suspension the data leaves out (vol = 0 rows are kept)
    spans = (ann.with_columns(pl.col("trade_date").rank("dense").alias("_i"))
             .group_by("ts_code").agg(pl.col("board").first(), (pl.col("_i").max() - pl.col("_i").min() + 1
                                                                  - pl.len()).alias("absent")))
    per_board = (
        ann.group_by("board")
        .agg(pl.col("ts_code").n_unique().alias("stocks"), pl.len().alias("rows"),
             pl.col("is_limit_up").mean().alias("limit_up_share"),
             pl.col("is_limit_down").mean().alias("limit_down_share"),
             pl.col("is_one_price").mean().alias("one_price_share"),
             pl.col("suspended").mean().alias("suspended_share"))
        .join(spans.group_by("board").agg(pl.col("absent").sum().alias("absent_rows")), on="board")
        .with_columns((pl.col("absent_rows") / (pl.col("rows") + pl.col("absent_rows"))).alias("absent_share"))
        .sort("board")
    )
    pct = keys["pct_chg"].filter(keys["pct_chg"].is_finite()).abs()  # NaN/inf: reported in `problems`
    report: dict = {
        "source": name,
        "rows": keys.height,
        "dates": {"count": calendar.len(), "first": str(calendar[0]), "last": str(calendar[-1])},
        "stocks": int(keys["ts_code"].n_unique()),
        "boards": per_board.to_dicts(),
        "pct_chg_scale": {"abs_p50": float(pct.quantile(0.5)), "abs_p99": float(pct.quantile(0.99)),
                          "share_abs_gt_1": float((pct > 1).mean()), "unit": "decimal"},
        "limit_method": method,
        # rows a buy refuses, and the named universes leave out, for their listing age (new-listing protection)
        "new_listing": {"min_listed_days": market.min_listed_days,
                        "share": float((ann["listing_day"] <= market.min_listed_days).mean())},
        "by_price_share": real_price_share(keys),  # auto: the rows checked by price
        "optional_columns_present": status_cols,
        "st_share": float(ann["is_st"].mean()),
        "thin_dates": _thin_dates(keys),
        "problems": value_problems(keys) + _before_listing(ann, columns),
    }
    report["made_by"] = _made_by(source)
    report.update(_factor_stats(lf, factors, name))
    ints = [c for c in factors if schema[c].is_integer()]  # rare: one extra read of those columns only
    report["raw_flag_columns"] = ([c for c in ints if is_raw_flag(collect_source(lf.select(c), name)[c])]
                                  if ints else [])
    known = {*REQUIRED_COLUMNS, *STATUS_COLUMNS, *KNOWN_INPUTS, *factors}
    report["ignored_columns"] = [c for c in columns if c not in known]
    return report


def _before_listing(ann: pl.DataFrame, columns: list[str]) -> list[dict]:
    """Traded rows the listing column dates before the stock's listing (listing day < 1): a wrong list_date (a
    code reused by a new listing, a snapshot's relisting date) makes them unbuyable and starts the new-listing
    limits on the wrong day, which showed only as a larger share of unbuyable rows."""
    src = next((c for c in ("days_since_ipo", "list_date") if c in columns), None)
    early = ann.filter((pl.col("listing_day") < 1) & ~pl.col("suspended")) if src else ann.clear()
    if not early.height:
        return []
    return [{"level": "warning", "column": src, "rows": early.height,
             "message": f"column {src} dates {early.height:,} traded row(s) before the stock's listing, e.g. "
                        f"{examples(early, src)}; those rows are never buyable and the new-listing limits start on "
                        f"the wrong day: fix {src} for those stocks (a reused code, or a relisting date?)"}]


def _made_by(source: object) -> dict | None:
    """What a single Parquet we wrote records about how it was made (`factors compute`'s record: command,
    version, factor count, the limit method of its `zt_` flags); None for other sources."""
    if not isinstance(source, (str, Path)) or not Path(source).is_file():
        return None
    rec = read_parquet_record(source)
    if rec is None:
        return None
    out = {k: rec[k] for k in ("made_by", "version", "limit_method") if k in rec}
    if isinstance(rec.get("computed"), list):
        out["factors"] = len(rec["computed"])
    return out


def thin_dates(counts: np.ndarray, frac: float = THIN_DATE_FRAC, window: int = THIN_DATE_WINDOW
               ) -> tuple[np.ndarray, np.ndarray]:
    """([T] bool, [T] median): date t holds fewer than `frac` × the median stock count of the `window` dates
    before it (judged from the 5th date on; a market that grows over the years is no alarm), e.g. a last
    date downloaded before the data was complete. Shared by `data check` and `infer`."""
    c = np.asarray(counts, dtype=np.float64)
    prior = sliding_window_view(np.concatenate([np.full(window, np.nan), c]), window)[:len(c)]  # t-window..t-1
    judged = np.arange(len(c)) >= 5
    median = np.full(len(c), np.nan)
    median[judged] = np.nanmedian(prior[judged], axis=1)
    return judged & (c < frac * median), median


def date_counts(source: DataSource) -> pl.DataFrame:
    """Rows per trade date of a source (trade_date, len), sorted: the whole history, read from one column,
    for judging a date that a loaded window starts at (`infer --date`)."""
    lf, name, schema = scan_with_schema(source)
    if "trade_date" not in schema.names():
        raise DataError(f"{name}: no trade_date column")
    q = lf.select(trade_date_expr(schema["trade_date"], name)).group_by("trade_date").len().sort("trade_date")
    return collect_source(q, name)


def date_window(calendar: np.ndarray, start: date | None, end: date | None, name: str, window: str
                ) -> tuple[int, int]:
    """(first, last): the indices of the first date ≥ `start` and of the last date ≤ `end` (None: open) in the
    sorted trading dates `calendar` [datetime64[D]] of source `name`. When no date lies between them, a
    DataError naming `window` (the flags and dates as given, e.g. "in --start A .. --end B") and the data's
    own range, so the user sees where the data ends rather than an empty result further on."""
    if not len(calendar):
        raise DataError(f"{name}: no trading date in the data")
    first = 0 if start is None else int(np.searchsorted(calendar, np.datetime64(start, "D")))
    last = len(calendar) - 1 if end is None else int(np.searchsorted(calendar, np.datetime64(end, "D"), "right")) - 1
    if first > last:
        if 0 < first < len(calendar):  # inside the data's range, between two trading dates (a weekend, a holiday)
            raise DataError(f"no trading date of {name} {window}: the data trades on {calendar[first - 1]} and "
                            f"next on {calendar[first]}; widen the window to include one of them")
        raise DataError(f"no trading date of {name} {window} (the data covers {calendar[0]} .. {calendar[-1]}); "
                        "choose dates inside it")
    return first, last


WINDOW_NAMES = {"train": "training", "val": "validation", "test": "test"}


def check_window_order(days: dict[str, str | date | None], windows: tuple[str, ...] = ("train", "val")) -> None:
    """Each window of `windows` (prefixes of `days`' keys: train_start, train_end, val_start, …) follows the
    ones before it (and none starts after its own end): a later start after an earlier end and start, a later
    end after an earlier start, checked on the dates given (YYYY-MM-DD or YYYYMMDD; None skipped), before any
    loading. Otherwise a DataError naming both flags and dates: an overlap used to cut the earlier window
    silently."""
    flag = {k: "--" + k.replace("_", "-") for k in days}
    day = {k: to_date(v, flag[k]) for k, v in days.items()}
    for a in windows:  # a window's own start after its end: it would be empty ("fewer than 2 dates … widen it")
        lo, hi = day.get(f"{a}_start"), day.get(f"{a}_end")
        if lo is not None and hi is not None and lo > hi:
            raise DataError(f"{flag[f'{a}_start']} {lo} is after {flag[f'{a}_end']} {hi}: the {WINDOW_NAMES[a]} "
                            "window would be empty; swap or correct the dates")
    for i, a in enumerate(windows):
        for b in windows[i + 1:]:
            for early, late in ((f"{a}_end", f"{b}_start"), (f"{a}_start", f"{b}_start"), (f"{a}_start", f"{b}_end")):
                if day.get(early) is not None and day.get(late) is not None and day[late] <= day[early]:
                    raise DataError(f"{flag[late]} {day[late]} is not after {flag[early]} {day[early]}: the "
                                    f"{WINDOW_NAMES[b]} window must follow the {WINDOW_NAMES[a]} window")


def _thin_dates(keys: pl.DataFrame) -> list[dict]:
    per_date = keys.group_by("trade_date").len().sort("trade_date")
    thin, median = thin_dates(per_date["len"].to_numpy())
    rows = per_date.with_columns(pl.Series("median_before", median)).filter(pl.Series(thin))
    return [{"date": str(d), "stocks": int(n), "median_before": float(m)} for d, n, m in rows.iter_rows()]


def _factor_stats(lf: pl.LazyFrame, factors: list[str], name: str) -> dict:
    """Null (or NaN) and inf share per prefix; constant columns; empty columns (no finite value); market-wide
    columns (constant across stocks on ≥ 99% of dates)."""
    stats: list[dict] = []
    for c0 in range(0, len(factors), STATS_CHUNK):
        cols = factors[c0:c0 + STATS_CHUNK]
        finite = {c: (lambda v: pl.when(v.is_finite()).then(v))(pl.col(c).cast(pl.Float64)) for c in cols}
        agg = collect_source(lf.select(
            *[(pl.col(c).is_null() | pl.col(c).cast(pl.Float64).is_nan()).sum().alias(f"{c}\x00null")
              for c in cols],
            *[pl.col(c).cast(pl.Float64).is_infinite().sum().alias(f"{c}\x00inf") for c in cols],
            # constant: at most one distinct finite value (null, NaN and inf are missing values, so a rolling
            # factor's warm-up nulls do not hide a dead column)
            *[(v.max() == v.min()).fill_null(True).alias(f"{c}\x00one") for c, v in finite.items()],
            *[v.count().alias(f"{c}\x00finite") for c, v in finite.items()],  # 0: the column holds nothing
            pl.len().alias("\x00rows"),
        ), name).row(0, named=True)
        per_date = collect_source(lf.group_by("trade_date").agg(  # flat as `normalize.flat_dates` tests it
            *[(v.std(ddof=0) <= FLAT_RTOL * v.abs().max()).fill_null(False).alias(c) for c, v in finite.items()],
            *[(v.count() >= 2).alias(f"{c}\x00n") for c, v in finite.items()],
        ), name)
        for c in cols:
            valid = per_date[f"{c}\x00n"]
            mw = bool(valid.sum() > 0 and (per_date[c] & valid).sum() >= MARKET_WIDE_SHARE * valid.sum())
            stats.append({"column": c, "prefix": factor_prefix(c), "null": agg[f"{c}\x00null"],
                          "inf": agg[f"{c}\x00inf"], "constant": bool(agg[f"{c}\x00one"]),
                          "empty": agg[f"{c}\x00finite"] == 0, "market_wide": mw})
        rows = agg["\x00rows"]
    df = pl.DataFrame(stats)
    by_prefix = (
        df.group_by("prefix", maintain_order=True)
        .agg(pl.len().alias("columns"), (pl.col("null").sum() / (pl.len() * rows)).alias("null_share"),
             (pl.col("inf").sum() / (pl.len() * rows)).alias("inf_share"))
    )
    return {
        "factor_columns": len(factors),
        "prefixes": by_prefix.to_dicts(),
        "constant_columns": df.filter(pl.col("constant"))["column"].to_list(),
        "empty_columns": df.filter(pl.col("empty"))["column"].to_list(),  # constant too: no value at all
        "market_wide_columns": df.filter(pl.col("market_wide") & ~pl.col("constant"))["column"].to_list(),
    }


def _limit_text(rep: dict) -> str:
    if rep["limit_method"] != "auto":
        return rep["limit_method"]
    return (f"by price on {rep['by_price_share']:.0%} of rows (real prices: close and previous close on the cent "
            "grid), by pct_chg elsewhere")


def _st_text(rep: dict) -> str:
    """The ST share, or why there is none: without is_st and name no row can be told ST, which a 0.00% share
    would pass off as a market without risk warnings."""
    if {"is_st", "name"} & set(rep.get("optional_columns_present", ["is_st"])):
        return f"ST share {rep['st_share']:.2%}"
    return ("ST unknown (no is_st or name column: no stock is treated as ST, so main_board_non_st and all_non_st "
            "keep risk-warning stocks, under their board's normal limits)")


def format_report(rep: dict) -> str:
    """Human-readable table of a `check_data` report."""
    lines = [
        f"data check: {rep['source']}",
        f"  rows {rep['rows']:,} · dates {rep['dates']['count']} ({rep['dates']['first']} … "
        f"{rep['dates']['last']}) · stocks {rep['stocks']:,} · factor columns {rep['factor_columns']}",
        f"  pct_chg: decimal, |pct_chg| p50 {rep['pct_chg_scale']['abs_p50']:.4f}, p99 "
        f"{rep['pct_chg_scale']['abs_p99']:.4f} · limit detection: {_limit_text(rep)} · {_st_text(rep)}",
        f"  new-listing protection: {rep['new_listing']['min_listed_days']} trading days "
        f"({rep['new_listing']['share']:.2%} of rows not buyable for their listing age)",
        "",
        f"  {'board':<10}{'stocks':>8}{'rows':>11}{'limit-up':>10}{'limit-dn':>10}{'1-price':>9}{'susp':>8}"
        f"{'absent':>8}",
    ]
    for b in rep["boards"]:
        lines.append(f"  {b['board']:<10}{b['stocks']:>8,}{b['rows']:>11,}{b['limit_up_share']:>10.2%}"
                     f"{b['limit_down_share']:>10.2%}{b['one_price_share']:>9.2%}{b['suspended_share']:>8.2%}"
                     f"{b['absent_share']:>8.2%}")
    lines.append("  (susp: rows with vol = 0; absent: dates inside a stock's span with no row, not tradeable)")
    thin = rep["thin_dates"]
    if thin:
        shown = ", ".join(f"{t['date']} ({t['stocks']})" for t in thin[-5:])
        last = thin[-1]["date"] == rep["dates"]["last"]
        lines.append(f"  warning: {len(thin)} date(s) hold fewer than {THIN_DATE_FRAC:.0%} of the stocks of the "
                     f"{THIN_DATE_WINDOW} dates before them: {shown}"
                     + ("; the LAST date is incomplete, so inference picks from a partial market" if last else ""))
    made = rep.get("made_by")
    if made:
        zt = made.get("limit_method")
        lines.append(f"  made by: aurumq-rl {made.get('version', '?')} {made.get('made_by', '?')}"
                     + (f" ({made['factors']} factors)" if "factors" in made else "")
                     + (f"; its zt_ flags told limit days by {zt}" if zt else ""))
        if zt and zt != rep["limit_method"]:
            lines.append(f"  note: the zt_ factors were computed with --limit-method {zt}, this check (and a run "
                         f"with the same flags) tells limit days by {rep['limit_method']}")
    for p in rep["problems"]:
        lines.append(f"  {p['level']}: {p['message']}")
    ignored = rep.get("ignored_columns") or []
    if ignored:  # a factor whose prefix is misspelt would be a silent feature loss
        shown = ", ".join(c + did_you_mean(c.lower()[:6], list(FACTOR_COL_PREFIXES)) for c in ignored[:10])
        lines.append(f"  note: {len(ignored)} column(s) that no reader uses (not in the contract, no factor prefix): "
                     f"{shown}{' …' if len(ignored) > 10 else ''}; a factor column must start with one of "
                     f"{', '.join(FACTOR_COL_PREFIXES)}")
    lines += ["", f"  {'prefix':<10}{'columns':>8}{'null':>9}{'inf':>9}"]
    for p in rep["prefixes"]:
        lines.append(f"  {p['prefix']:<10}{p['columns']:>8}{p['null_share']:>9.2%}{p['inf_share']:>9.2%}")
    lines.append("")
    lines.append(f"  constant columns: {', '.join(rep['constant_columns']) or 'none'}")
    empty = rep.get("empty_columns") or []
    if empty:  # "constant" reads as "one value": these have none, and load filled and flagged missing everywhere
        lines.append(f"  warning: {len(empty)} factor column(s) hold no value at all (every row null, NaN or inf), "
                     f"so they carry nothing: {', '.join(empty[:10])}{' …' if len(empty) > 10 else ''}; compute "
                     "them, or drop them")
    lines.append(f"  market-wide columns (passed through un-normalised): "
                 f"{', '.join(rep['market_wide_columns']) or 'none'}")
    if rep["raw_flag_columns"]:
        lines.append(f"  warning: {raw_flag_message(rep['raw_flag_columns'])}")
    return "\n".join(lines)
