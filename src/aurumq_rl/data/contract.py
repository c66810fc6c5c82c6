"""The Parquet data contract: required and optional columns, factor prefixes, and input validation.

Every check raises `DataError` with the file/column/value at fault and what to do about it.
"""

from __future__ import annotations

import fnmatch
from pathlib import Path

import polars as pl

from aurumq_rl.data.columns import cast_optional_columns, date_expr
from aurumq_rl.data.sanity import (
    PERCENT_DATE_MOVE,
    PERCENT_DATE_RULE,
    PERCENT_STOCK_RULE,
    examples,
    percent_scaled_dates,
    percent_scaled_stocks,
)
from aurumq_rl.errors import DataError, did_you_mean
from aurumq_rl.market.boards import CODE_PATTERN, board_expr

REQUIRED_COLUMNS: tuple[str, ...] = ("ts_code", "trade_date", "close", "pct_chg", "vol")

# Factor columns are recognised by these prefixes, in this order (which is also the order `factors=N`
# keeps). Locked by a test: a silently dropped prefix is a silent feature loss.
FACTOR_COL_PREFIXES: tuple[str, ...] = (
    "alpha_", "gtja_", "mf_", "mfp_", "hm_", "hk_", "inst_", "mg_", "cyq_",
    "senti_", "sh_", "fund_", "ind_", "mkt_", "tech_", "cmf_", "zt_",
)

MISSING_FACTOR = "factor column(s) missing from"  # the error for a requested factor absent from the data

PERCENT_SHARE_THRESHOLD = 0.05  # share of rows with |pct_chg| > 1 above which pct_chg is taken as percent
GROSS_BAND, GROSS_SHARE = 0.3, 0.9  # pct_chg read as gross returns when this share of rows lies within 1 ± band
LISTING_ROWS = 5  # a stock's first rows may be listing days without a limit (a first day beyond +100% is common)


def factor_prefix(column: str) -> str | None:
    """The known prefix a column starts with, or None (`mfp_x` does not start with `mf_`)."""
    for p in FACTOR_COL_PREFIXES:
        if column.startswith(p):
            return p
    return None


def factor_columns(columns: list[str]) -> list[str]:
    """Factor columns in the documented order: by prefix position in FACTOR_COL_PREFIXES, then file order."""
    order = {p: i for i, p in enumerate(FACTOR_COL_PREFIXES)}
    found = [(order[p], i, c) for i, c in enumerate(columns) if (p := factor_prefix(c)) is not None]
    return [c for _, _, c in sorted(found)]


def read_text_file(path: Path, what: str) -> str:
    """A small text input (a column list, a --config) as str: UTF-8, with or without the byte-order mark Windows
    editors write (it stuck to the first name: "\\ufefftech_mfi14 missing"); another encoding (GBK comments) is a
    DataError naming the file, not a UnicodeDecodeError traceback."""
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(f"{what} {path}: not UTF-8 text (byte {exc.start}: {exc.reason}); save it as UTF-8") from exc


def read_columns_file(path: str | Path) -> list[str]:
    """Column names from a text file: one per line, `#` starts a comment, blank lines ignored."""
    p = Path(path)
    if not p.is_file():
        raise DataError(f"include-columns file not found: {p}")
    names = [line.split("#", 1)[0].strip() for line in read_text_file(p, "include-columns file").splitlines()]
    names = [n for n in names if n]
    if not names:
        raise DataError(f"include-columns file {p} lists no column")
    return names


def select_factors(available: list[str], factors: None | int | str | list[str], source: str,
                   include_columns_file: str | Path | None = None) -> list[str]:
    """Resolve the `factors` argument against the factor columns present in `source`.

    None: all; int N: the first N in the documented order; str: comma-separated globs (`alpha_*,mf_0*`);
    list: exact names. `include_columns_file` narrows the result to the names it lists.
    """
    known = factor_columns(available)
    if not known:
        raise DataError(
            f"{source}: no factor column found; factor columns must start with one of "
            f"{', '.join(FACTOR_COL_PREFIXES)}"
        )
    if factors is None:
        chosen = known
    elif isinstance(factors, bool):
        raise DataError(f"factors={factors!r}: pass None, an int, a glob string or a list of names")
    elif isinstance(factors, int):
        if factors <= 0 or factors > len(known):
            raise DataError(f"factors={factors}: {source} has {len(known)} factor columns; "
                            f"ask for 1..{len(known)}")
        chosen = known[:factors]
    elif isinstance(factors, str):
        pats = [p.strip() for p in factors.split(",") if p.strip()]
        unmatched = [p for p in pats if not any(fnmatch.fnmatchcase(c, p) for c in known)]
        if unmatched:  # a typo must not silently train on fewer factors
            raise DataError(f"factors='{factors}': no factor column in {source} matches "
                            f"{', '.join(repr(p) + did_you_mean(p, known) for p in unmatched)}; fix or drop "
                            f"{'that pattern' if len(unmatched) == 1 else 'those patterns'} "
                            f"(examples present: {', '.join(known[:5])})")
        chosen = [c for c in known if any(fnmatch.fnmatchcase(c, p) for p in pats)]
        if not chosen:
            raise DataError(f"factors='{factors}' matches no factor column in {source}; "
                            f"examples present: {', '.join(known[:5])}")
    elif not factors:  # an empty list loaded no factor at all: every stock 'without factor values'
        raise DataError(f"factors=[]: an empty list selects no factor column of {source}; name at least one, or "
                        "pass None for all")
    else:
        missing = [c for c in factors if c not in available]
        if missing:
            raise DataError(f"requested {MISSING_FACTOR} {source}: {', '.join(missing[:10])}")
        repeated = sorted({c for c in factors if factors.count(c) > 1})
        if repeated:
            raise DataError(f"factors list names {', '.join(repeated[:10])} more than once; give each factor "
                            "column once")
        chosen = list(factors)
    if include_columns_file is not None:
        wanted = read_columns_file(include_columns_file)
        missing = [c for c in wanted if c not in available]
        if missing:
            raise DataError(f"{include_columns_file} names column(s) missing from {source}: "
                            f"{', '.join(missing[:10])}")
        keep = set(wanted)
        chosen = [c for c in chosen if c in keep]
        if not chosen:
            raise DataError(f"{include_columns_file} keeps none of the selected factor columns")
    return chosen


def check_code_format(codes: pl.DataFrame, source: str) -> None:
    """Refuse (`DataError` naming `source`, the column and examples) a `ts_code` column (a frame of unique codes)
    whose codes are not 6 digits + .SH/.SZ/.BJ: the data loader's rule, shared with score files, whose
    codes in another format would otherwise match no stock and be dropped as "outside the panel"."""
    malformed = codes.filter(~pl.col("ts_code").str.contains(CODE_PATTERN).fill_null(False)).sort("ts_code")
    if malformed.height:
        raise DataError(f"{source}: column ts_code has malformed code(s) such as "
                        f"{malformed['ts_code'].head(3).to_list()}; expected 6 digits + .SH/.SZ/.BJ, "
                        "e.g. 600000.SH")


def check_required(columns: list[str], source: str) -> None:
    """Refuse a source without the required columns; a column that is one of them but for case, surrounding
    blanks or a byte-order mark ('Close', 'close ', '\\ufeffts_code' from a CSV export) is named, quoted, since it
    prints like the name the error says is missing."""
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        near = [f"{c!r} for {m}" for m in missing for c in columns if c.strip().lstrip("\ufeff").lower() == m]
        hint = f" (the file has {', '.join(near)}: rename {'it' if len(near) == 1 else 'them'})" if near else ""
        raise DataError(f"{source}: missing required column(s) {', '.join(missing)}{hint}; the contract needs "
                        f"{', '.join(REQUIRED_COLUMNS)}")


def trade_date_expr(dtype: pl.DataType, source: str) -> pl.Expr:
    """Cast `trade_date` to pl.Date (see `columns.date_expr`, the one date parser: list_date uses it too)."""
    return date_expr("trade_date", dtype, source)


SHIFTED_MIN_SUNDAYS = 2  # Sundays (and no Friday) that mark trading dates read one day early


def check_shifted_dates(dates: pl.Series, source: str) -> None:
    """Refuse trading dates one day early: Sundays (the A-share market never opens on one) and no Friday. That is
    what a Beijing midnight stored as a UTC timestamp without its zone (16:00 the day before) reads as; taken as
    is, every date-keyed rule (limit regimes, listing days, stamp duty), --start/--end and every join with other
    files (scores, an index) would be a day off. Needs `SHIFTED_MIN_SUNDAYS` Sundays (about two weeks of data)."""
    days = dates.drop_nulls().unique()
    weekday = days.dt.weekday()  # Monday 1 .. Sunday 7
    sundays = days.filter(weekday == 7).sort()
    if sundays.len() >= SHIFTED_MIN_SUNDAYS and not (weekday == 5).any():
        raise DataError(f"{source}: column trade_date puts {sundays.len()} date(s) on a Sunday (e.g. {sundays[0]}) "
                        "and none on a Friday: the A-share market never trades on Sunday, so each date looks one "
                        "day early, like a Beijing midnight stored as a UTC timestamp without its time zone (16:00 "
                        "the day before); give the timestamps their zone (e.g. .dt.replace_time_zone('UTC')) or "
                        "write the trading dates themselves")


def validate_keys(keys: pl.DataFrame, source: str, raw_dates: pl.Series | None = None) -> pl.DataFrame:
    """Check ts_code format, trade_date parse, duplicate keys, pct_chg scale and pct_chg > -1 on the key frame
    (`ts_code, trade_date, pct_chg` + any status columns). Returns the frame with B shares dropped (with a
    warning) and the optional columns cast to the types the market rules read (`cast_optional_columns`)."""
    if keys.height == 0:
        raise DataError(f"{source}: no rows")
    keys = cast_optional_columns(keys, source)
    bad_dates = keys.filter(pl.col("trade_date").is_null())
    if bad_dates.height:
        example = raw_dates.filter(keys["trade_date"].is_null())[0] if raw_dates is not None else None
        raise DataError(f"{source}: column trade_date has {bad_dates.height} value(s) that are not dates "
                        f"(e.g. {example!r}); use dates or 'YYYYMMDD' strings")
    check_shifted_dates(keys["trade_date"], source)
    codes = keys.select(pl.col("ts_code").unique())
    check_code_format(codes, source)
    boards = codes.with_columns(board_expr("ts_code"))
    unknown = boards.filter(pl.col("board").is_null())
    if unknown.height:
        raise DataError(f"{source}: ts_code(s) {unknown['ts_code'].head(3).to_list()} belong to no A-share "
                        "board (index codes?); remove them or check the exchange suffix")
    b_shares = boards.filter(pl.col("board") == "b_share")["ts_code"]
    if b_shares.len():
        import warnings

        warnings.warn(f"{source}: dropping {b_shares.len()} B-share code(s) (out of scope), e.g. "
                      f"{b_shares.head(3).to_list()}", stacklevel=3)
        keys = keys.filter(~pl.col("ts_code").is_in(b_shares.implode()))
        if keys.height == 0:
            raise DataError(f"{source}: holds only B-share codes (out of scope), e.g. {b_shares.head(3).to_list()}; "
                            "give A-share bars (600000.SH, 000001.SZ, ...)")
    # one hash pass over an integer key (a quarter of a second on 5.7 M rows, a tenth of a group-by's time);
    # the group-by runs only to name the duplicates
    key = (pl.col("ts_code").cast(pl.Categorical).to_physical().cast(pl.Int64) * 2**32
           + pl.col("trade_date").cast(pl.Int32).cast(pl.Int64))
    if keys.select(key.n_unique()).item() < keys.height:
        dup = keys.group_by("ts_code", "trade_date").len().filter(pl.col("len") > 1).sort("ts_code", "trade_date")
        row = dup.row(0, named=True)
        raise DataError(f"{source}: {dup.height} duplicate (ts_code, trade_date) key(s), e.g. "
                        f"({row['ts_code']}, {row['trade_date']}); keep one row per stock and date")
    pct = keys["pct_chg"].filter(keys["pct_chg"].is_finite())  # NaN/inf: missing, not a scale
    if pct.len() == 0:  # every return would be 0: metrics of nothing, not an error further on
        raise DataError(f"{source}: column pct_chg has no value (every row null, NaN or inf); write the daily "
                        "change as a decimal (+10% = 0.10), e.g. close / pre_close - 1")
    gross = float(((pct > 1 - GROSS_BAND) & (pct < 1 + GROSS_BAND)).mean())
    if gross > GROSS_SHARE:  # a decimal change is near 0, a percent one spread around it: these are close/pre_close
        raise DataError(f"{source}: column pct_chg looks like a gross return (close / pre_close, 1.01 for +1%): "
                        f"{gross:.0%} of rows lie within {1 - GROSS_BAND:g} .. {1 + GROSS_BAND:g}; the contract wants "
                        "the change as a decimal (+10% = 0.10): subtract 1")
    share, judged = float((pct.abs() > 1).mean()), "rows"
    if share > PERCENT_SHARE_THRESHOLD:  # judged again without listing days, which may move beyond ±100%
        later = keys.filter(pl.col("pct_chg").is_finite()
                            & (pl.int_range(pl.len()).over("ts_code", order_by="trade_date") >= LISTING_ROWS))
        if later.height:
            share = float((later["pct_chg"].abs() > 1).mean())
            judged = f"rows after each stock's first {LISTING_ROWS}"
    if share > PERCENT_SHARE_THRESHOLD:
        raise DataError(f"{source}: column pct_chg looks like percent ({share:.0%} of {judged} have |pct_chg| > 1); "
                        "the contract wants decimals: divide by 100")
    pct_stocks = percent_scaled_stocks(keys)
    if pct_stocks.height:
        ex = ", ".join(f"{c} ({b} of {n} rows)" for c, b, n in pct_stocks.head(3).iter_rows())
        raise DataError(f"{source}: column pct_chg looks like percent for {pct_stocks.height} stock(s), e.g. {ex} "
                        f"with |pct_chg| > 1; {PERCENT_STOCK_RULE}; the contract wants decimals: divide those "
                        "stocks' pct_chg by 100")
    # a listing day may move beyond ±100% (no limit), and several stocks may list on one date: not judged
    pct_dates = percent_scaled_dates(keys.filter(
        pl.int_range(pl.len()).over("ts_code", order_by="trade_date") >= LISTING_ROWS))
    if pct_dates.height:
        ex = ", ".join(f"{d} ({b} of {n} stocks)" for d, b, n in pct_dates.head(3).iter_rows())
        raise DataError(f"{source}: column pct_chg looks like percent on {pct_dates.height} date(s), e.g. {ex} "
                        f"with |pct_chg| > {PERCENT_DATE_MOVE:g}; {PERCENT_DATE_RULE}; the contract wants decimals: "
                        "divide those dates' pct_chg by 100")
    wiped = keys.filter(pl.col("pct_chg").is_finite() & (pl.col("pct_chg") <= -1))
    if wiped.height:  # log1p(-1) = -inf: the stock's price index, and every later forward return, would be lost
        raise DataError(f"{source}: column pct_chg has {wiped.height:,} value(s) of -1 or below, e.g. "
                        f"{examples(wiped, 'pct_chg')}: a fall of 100% or more (a close of 0), which would turn "
                        "the stock's compounded price to -inf and every later return of it to NaN; fix those rows "
                        "in the source (close / pre_close - 1 of positive prices; if pct_chg is in percent, "
                        "divide by 100) or leave them null (read as a 0 return)")
    return keys
