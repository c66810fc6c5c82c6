"""Value checks on the price columns that the type checks cannot see: impossible closes and volumes, NaN/inf
daily changes, non-positive optional prices, a pre_close on another price scale than the close, and single
stocks whose `pct_chg` is in percent while the rest are decimals.

`value_problems` feeds `data check`; `percent_scaled_stocks` is a hard error in `validate_keys` (every reader).
"""

from __future__ import annotations

import polars as pl

from aurumq_rl.market.status import suspended_expr

N_EXAMPLES = 3
# A stock is taken as percent-scaled when at least this many of its rows, and this share of them, move beyond
# ±100% in a day: A-share stocks do that only on a listing or relisting day (a few rows in a history).
PERCENT_STOCK_MIN_ROWS = 3
# pct_chg is close / pre_close - 1 on the same price scale: a row further off than this (far beyond a pct_chg
# rounded to 0.01%) has a pre_close on another scale, e.g. a raw one beside forward-adjusted closes
PRE_CLOSE_TOLERANCE = 0.005
PERCENT_STOCK_MIN_SHARE = 0.10
PERCENT_STOCK_RULE = (f"a stock counts as percent when at least {PERCENT_STOCK_MIN_ROWS} of its rows and "
                      f"{PERCENT_STOCK_MIN_SHARE:.0%} of them have |pct_chg| > 1 (a daily move beyond ±100%, "
                      "which A-share stocks make only on a listing or relisting day)")


def examples(rows: pl.DataFrame, value: str) -> str:
    """The first rows of `rows` by (date, code) as "(code, date: value)", for an error or warning message."""
    ex = rows.sort("trade_date", "ts_code").head(N_EXAMPLES)
    return ", ".join(f"({c}, {d}: {v})" for c, d, v in ex.select("ts_code", "trade_date", value).iter_rows())


def _problem(level: str, column: str, rows: pl.DataFrame, what: str, todo: str) -> dict:
    return {"level": level, "column": column, "rows": rows.height,
            "message": f"column {column} has {rows.height:,} {what}, e.g. {examples(rows, column)}; {todo}"}


# what reads each optional price column, so a warning can say what a non-positive value there breaks
OPTIONAL_PRICE_USES: dict[str, str] = {
    "pre_close": "limit detection takes the limit prices from it (those rows are never flagged at a limit)",
    "open": "one-price limit days and the factors that read it compare it with the other prices",
    "high": "limit detection and the factors that read it compare it with the close",
    "low": "limit detection and the factors that read it compare it with the close",
    "adj_factor": "returns='adj_close' divides by it",
}


def value_problems(keys: pl.DataFrame, columns: tuple[str, ...] | None = None) -> list[dict]:
    """Errors and warnings about impossible values in `close`, `vol`, `pct_chg` and the optional price columns
    of `OPTIONAL_PRICE_USES` when present (Float64 columns of `keys`), each with a level, the column, a row
    count and a message with examples (stock, date: value).

    NaN/inf have become null by then (`loader.cast_numeric_columns`, which warns): a missing value is one.
    error: the data would be used wrongly (a missing or non-positive close on a traded row, a negative or
    missing vol); warning: the value is read as missing (pct_chg, a bad close on a suspended row) or a
    non-positive optional price on a traded row misleads what reads it. `columns`: only the checks of those
    columns (None: all)."""
    traded = ~suspended_expr()
    bad_close = ~(pl.col("close").is_finite() & (pl.col("close") > 0)).fill_null(False)
    checks = [
        ("error", "close", bad_close & traded, "missing, non-positive or non-finite value(s) on traded rows (vol > 0)",
         "a close must be a positive price, else limit detection (and returns='adj_close') is wrong on those "
         "rows; fix them in the source (forward-adjusted prices can turn negative: use unadjusted or "
         "back-adjusted prices)"),
        ("warning", "close", bad_close & ~traded,
         "missing, non-positive or non-finite value(s) on suspended rows (vol = 0)",
         "those rows are not traded and the factor engine leaves them out, but returns='adj_close' reads that "
         "price (a 0 close makes the next return infinite); write the last close"),
        ("error", "vol", (pl.col("vol") < 0).fill_null(True) | pl.col("vol").is_nan(),
         "negative or missing value(s)",
         "vol is the volume in lots (0 = suspended): a negative or missing one is read as a suspension; fix the "
         "source's sign, or write 0 for a suspended day"),
        ("warning", "pct_chg", ~pl.col("pct_chg").is_finite().fill_null(False) & traded,
         "missing (null, NaN or inf) value(s) on traded rows",
         "they are treated as a 0 return that day (right for a suspension, wrong for a traded day); fill them "
         "from the closes (close / pre_close - 1)"),
    ]
    checks += [("warning", col, (pl.col(col) <= 0).fill_null(False) & traded, "non-positive value(s) on traded rows",
                f"{col} must be positive: {use}; fix them in the source or leave them null")
               for col, use in OPTIONAL_PRICE_USES.items() if col in keys.columns]
    if "pre_close" in keys.columns:
        implied = pl.col("close") / (1 + pl.col("pct_chg"))
        off = (((pl.col("pre_close") / implied - 1).abs() > PRE_CLOSE_TOLERANCE) & (pl.col("pre_close") > 0)
               ).fill_null(False) & traded  # a non-positive one is reported above
        checks.append(("warning", "pre_close", off,
                       f"value(s) more than {PRE_CLOSE_TOLERANCE:.1%} away from close / (1 + pct_chg) on traded rows",
                       "adjusted prices beside an unadjusted pre_close? Limit detection and the factor engine "
                       "(tech_atr14, tech_amplitude, zt_) read pre_close on close's scale: adjust it as the close "
                       "is adjusted, or drop the column (close / (1 + pct_chg) is used then)"))
    if "adj_factor" in keys.columns:
        checks.append(("warning", "adj_factor", pl.col("adj_factor").is_null() & traded,
                       "missing value(s) on traded rows", "returns='adj_close' reads no return that day and gives "
                       "the whole move to the next row with one; fill them from the vendor's adjustment table"))
    if columns is not None:
        checks = [c for c in checks if c[1] in columns]
    if not checks:
        return []
    flagged = keys.select(*[m.alias(f"_{i}") for i, (_, _, m, _, _) in enumerate(checks)])
    out = []
    for i, (level, col, _, what, todo) in enumerate(checks):
        if flagged[f"_{i}"].any():
            out.append(_problem(level, col, keys.filter(flagged[f"_{i}"]), what, todo))
    return out


PERCENT_DATE_MIN_SHARE = 0.5  # a date is taken as percent-scaled when this share of its stocks move beyond the move
# below: above every board's daily limit (±30% on the BSE) with room for rounding, so past the listing days no real
# date moves half its stocks that far, while a day in percent does (a 0.35% move is one; ±1% was missed on quiet
# days, when fewer than half the stocks move 1%: about a quarter of real dates)
PERCENT_DATE_MOVE = 0.35
PERCENT_DATE_RULE = (f"a date counts as percent when at least {PERCENT_STOCK_MIN_ROWS} of its stocks and "
                     f"{PERCENT_DATE_MIN_SHARE:.0%} of them, past their first listing days, have |pct_chg| > "
                     f"{PERCENT_DATE_MOVE:g} (no market day moves half the market beyond every board's daily limit: "
                     "a day appended from a source in percent, such as Tushare's daily table)")


def _beyond(keys: pl.DataFrame, by: str, min_share: float, move: float = 1.0) -> pl.DataFrame:
    """Groups of `by` where at least PERCENT_STOCK_MIN_ROWS rows, and `min_share` of those with a pct_chg,
    move beyond ±`move`: `by`, big, rows, sorted by `by`."""
    big = (pl.col("pct_chg").abs() > move) & pl.col("pct_chg").is_finite()
    return (keys.group_by(by)
            .agg(big.sum().alias("big"), pl.col("pct_chg").is_not_null().sum().alias("rows"))
            .filter((pl.col("big") >= PERCENT_STOCK_MIN_ROWS) & (pl.col("big") >= min_share * pl.col("rows")))
            .sort(by))


def percent_scaled_dates(keys: pl.DataFrame) -> pl.DataFrame:
    """Dates whose pct_chg looks like percent (see PERCENT_DATE_RULE): trade_date, big (rows with |pct_chg| >
    PERCENT_DATE_MOVE), rows, sorted by date."""
    return _beyond(keys, "trade_date", PERCENT_DATE_MIN_SHARE, PERCENT_DATE_MOVE)


def percent_scaled_stocks(keys: pl.DataFrame) -> pl.DataFrame:
    """Stocks whose pct_chg looks like percent (see PERCENT_STOCK_RULE): ts_code, big (rows with
    |pct_chg| > 1), rows (with a pct_chg), sorted by ts_code."""
    return _beyond(keys, "ts_code", PERCENT_STOCK_MIN_SHARE)
