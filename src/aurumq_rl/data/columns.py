"""Casting the contract's key and optional columns from the types real files carry to the types the market
rules read: dates (trade_date, list_date), flags (is_st, is_hs300, is_zz500), codes and names (String) and
listing age (Int64). One parser per kind, shared by every reader, so `data check`, the loader and the factor
engine accept and reject the same inputs; a type or value that cannot be read is a `DataError`.
"""

from __future__ import annotations

import polars as pl

from aurumq_rl.errors import DataError

MARKET_TZ = "Asia/Shanghai"  # dates are Beijing dates: a tz-aware timestamp is read on this clock
DATE_TYPES = "a date, 'YYYYMMDD'/'YYYY-MM-DD' strings or int YYYYMMDD"
FLAG_COLUMNS: tuple[str, ...] = ("is_st", "is_hs300", "is_zz500")
FLAG_TYPES = "Boolean, 0/1 integers or the strings 'true'/'false'/'0'/'1' (any case)"
TEXT_COLUMNS: tuple[str, ...] = ("ts_code", "name")
# industry labels (the loader's industry_code, the factor engine's finer levels): String, NaN/null = no label
INDUSTRY_COLUMNS: tuple[str, ...] = ("industry_code", "industry_l2", "industry_l3")
_TRUE, _FALSE = ("true", "1"), ("false", "0")


def _is_text(dtype: pl.DataType) -> bool:
    return dtype == pl.String or isinstance(dtype, (pl.Categorical, pl.Enum))


def date_expr(column: str, dtype: pl.DataType, source: str) -> pl.Expr:
    """Cast `column` to pl.Date from Date, Datetime, 'YYYYMMDD'/'YYYY-MM-DD' strings or int YYYYMMDD.

    A tz-aware Datetime is converted to Beijing time before its date is taken (a Beijing midnight stored in
    UTC is 16:00 the day before); a naive one keeps its own date. Text that is not a date becomes null (the
    caller names it)."""
    col = pl.col(column)
    if dtype == pl.Date:
        return col
    if isinstance(dtype, pl.Datetime):
        if dtype.time_zone is not None:
            col = col.dt.convert_time_zone(MARKET_TZ)
        return col.dt.date().alias(column)
    if _is_text(dtype):
        text = col.cast(pl.String).str.strip_chars()
        return pl.coalesce(text.str.to_date("%Y%m%d", strict=False),
                           text.str.to_date("%Y-%m-%d", strict=False)).alias(column)
    if dtype.is_integer():
        return col.cast(pl.String).str.to_date("%Y%m%d", strict=False).alias(column)
    if dtype == pl.Null:
        return col.cast(pl.Date)
    raise DataError(f"{source}: column {column} has type {dtype}; expected {DATE_TYPES}")


def _unparsed(raw: pl.Series, parsed: pl.Series, column: str, source: str, expected: str) -> None:
    """Raise when a non-null `raw` value became null in `parsed`, naming the first one."""
    bad = raw.filter(parsed.is_null() & raw.is_not_null())
    if bad.len():
        raise DataError(f"{source}: column {column} has {bad.len()} value(s) that cannot be read (e.g. "
                        f"{bad[0]!r}); expected {expected}")


def flag_series(s: pl.Series, source: str) -> pl.Series:
    """A risk-warning / membership flag as Boolean: Boolean, 0/1 numbers (NaN = missing), or 'true'/'false'/
    '0'/'1' text in any case. Any other type or value is a `DataError` naming the column."""
    name, dtype = s.name, s.dtype
    if dtype == pl.Boolean:
        return s
    if dtype == pl.Null:
        return s.cast(pl.Boolean)
    if dtype.is_numeric():
        x = s.cast(pl.Float64).fill_nan(None)
        bad = x.filter(x.is_not_null() & ~x.is_in([0.0, 1.0]))
        if bad.len():
            raise DataError(f"{source}: column {name} has {bad.len()} value(s) other than 0 and 1 (e.g. "
                            f"{bad[0]:g}); expected {FLAG_TYPES}")
        return (x == 1.0).alias(name)
    if _is_text(dtype):
        words = {w: True for w in _TRUE} | {w: False for w in _FALSE}
        t = s.cast(pl.String)
        parsed = t.str.strip_chars().str.to_lowercase().replace_strict(words, default=None, return_dtype=pl.Boolean)
        _unparsed(t, parsed, name, source, FLAG_TYPES)
        return parsed.alias(name)
    raise DataError(f"{source}: column {name} has type {dtype}; expected {FLAG_TYPES}")


def _listing_age(s: pl.Series, source: str) -> pl.Series:
    """days_since_ipo as Int64 (trading days, 0 on the listing day) from integers, floats (NaN = missing)
    or numeric text."""
    expected = "a whole number of trading days (0 on the listing day)"
    if s.dtype.is_numeric() or s.dtype == pl.Null:
        x = s.cast(pl.Float64).fill_nan(None)
    elif _is_text(s.dtype):
        x = s.cast(pl.String).str.strip_chars().cast(pl.Float64, strict=False)
        _unparsed(s, x, s.name, source, expected)
        x = x.fill_nan(None)
    else:
        raise DataError(f"{source}: column {s.name} has type {s.dtype}; expected {expected}")
    return x.cast(pl.Int64, strict=False)  # ±inf: unknown


def _industry(s: pl.Series, source: str) -> pl.Series:
    """An industry label as String from text, categories or integer codes (floats holding whole codes, as pandas
    writes an integer column with gaps, lose the '.0'; NaN is a missing label, null)."""
    if _is_text(s.dtype) or s.dtype.is_integer() or s.dtype == pl.Null:
        return s.cast(pl.String)
    if s.dtype.is_float():
        x = s.fill_nan(None)
        if (x.drop_nulls() % 1 == 0).all():
            return x.cast(pl.Int64).cast(pl.String)
    raise DataError(f"{source}: column {s.name} has type {s.dtype}; expected text or integer industry codes")


def cast_optional_columns(frame: pl.DataFrame, source: str) -> pl.DataFrame:
    """`frame` with ts_code, name, list_date, days_since_ipo, the industry levels and the flags (those present)
    cast to String / Date / Int64 / Boolean, so the market rules read one type whatever the file held
    (a pandas category, a Tushare 'YYYYMMDD' list_date, 'true'/'false' text)."""
    casts: list[pl.Series] = []
    for col in (c for c in TEXT_COLUMNS if c in frame.columns):
        s = frame[col]
        if not (_is_text(s.dtype) or s.dtype == pl.Null):
            raise DataError(f"{source}: column {col} has type {s.dtype}; expected text (String or Categorical)")
        casts.append(s.cast(pl.String))
    if "list_date" in frame.columns:
        raw = frame["list_date"]
        parsed = frame.select(date_expr("list_date", raw.dtype, source)).to_series()
        _unparsed(raw, parsed, "list_date", source, DATE_TYPES)
        casts.append(parsed)
    casts += [flag_series(frame[c], source) for c in FLAG_COLUMNS if c in frame.columns]
    if "days_since_ipo" in frame.columns:
        casts.append(_listing_age(frame["days_since_ipo"], source))
    casts += [_industry(frame[c], source) for c in INDUSTRY_COLUMNS if c in frame.columns]
    return frame.with_columns(casts) if casts else frame
