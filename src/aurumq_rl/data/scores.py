"""The score-file contract every score travels in, between `sl`, `infer` and `eval`: a Parquet with
`ts_code` (str), `trade_date` (Date), `score` (Float64), one row per (date, stock) with a finite score.

The file's key-value metadata (`io.RECORD_KEY`, JSON) records the command that made the scores and the universe
and market rules of their panel, so `eval --scores FILE` judges them under the rules they were made under.
A file written elsewhere needs only the three columns (dates may be strings or integers; see
`read_score_frame`).
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from aurumq_rl.data.contract import check_code_format, trade_date_expr
from aurumq_rl.data.panel import Panel
from aurumq_rl.data.source import collect_source, text_file_hint
from aurumq_rl.errors import DataError
from aurumq_rl.io import atomic_write_parquet, parquet_record, read_parquet_record

SCORE_COLUMNS: tuple[str, ...] = ("ts_code", "trade_date", "score")
SCORE_SCHEMA = {"ts_code": pl.String, "trade_date": pl.Date, "score": pl.Float64}


def scores_frame(panel: Panel, scores: np.ndarray, lo: int = 0, hi: int | None = None) -> pl.DataFrame:
    """Long score frame (ts_code, trade_date, score) of dates lo..hi with a finite score, sorted."""
    hi = len(panel.dates) - 1 if hi is None else hi
    s = np.asarray(scores, dtype=np.float64)[lo:hi + 1]
    ti, ni = np.nonzero(np.isfinite(s))
    return pl.DataFrame({"ts_code": panel.codes[ni].astype(str), "trade_date": panel.dates[lo + ti],
                         "score": s[ti, ni]}, schema=SCORE_SCHEMA).sort("trade_date", "ts_code")


def write_scores(panel: Panel, scores: np.ndarray, path: str | Path, lo: int = 0, hi: int | None = None, *,
                 made_by: str, windows: dict[str, Any] | None = None) -> Path:
    """Write the score contract Parquet atomically, with `scores_record` in the file's metadata."""
    return atomic_write_parquet(scores_frame(panel, scores, lo, hi), path,
                                metadata=scores_record(panel, made_by, windows))


def scores_record(panel: Panel, made_by: str, windows: dict[str, Any] | None = None) -> dict[str, str]:
    """The Parquet key-value metadata of scores made on `panel` by the command `made_by`: the command and the
    universe and market rules the panel's loader recorded, read back by `read_scores_record`; `windows`: the
    training/validation windows of the model that scored them (`{"train": [first, last], "val": [...]}`), so
    `eval` can say which decision dates are in-sample."""
    rec: dict[str, Any] = {"made_by": made_by, **{k: panel.meta[k] for k in ("universe", "market") if k in panel.meta}}
    if windows:
        rec["windows"] = windows
    return parquet_record(rec)


def read_scores_record(path: str | Path) -> dict[str, Any] | None:
    """The record `write_scores` left in a scores Parquet (`made_by`, `universe`, `market`); None for a file
    written elsewhere. A record that is not a JSON object is a DataError naming the file."""
    return read_parquet_record(path, "scores Parquet")


def read_score_frame(path: str | Path) -> pl.DataFrame:
    """Read a scores Parquet as (ts_code str, trade_date Date, score Float64), validated: the three columns
    present, dates parseable (Date, Datetime, YYYY-MM-DD / YYYYMMDD strings, int YYYYMMDD), score numeric,
    no duplicate (ts_code, trade_date). Null / non-finite scores become NaN (not scored)."""
    name = str(path)
    try:
        lf = pl.scan_parquet(name, glob=False)  # a file: `scores[v2].parquet` is its name, not a pattern
        schema = lf.collect_schema()
    except (pl.exceptions.ComputeError, OSError) as exc:
        raise DataError(f"{name}: cannot read as a scores Parquet ({exc}){text_file_hint(name)}") from exc
    missing = [c for c in SCORE_COLUMNS if c not in schema.names()]
    if missing:
        raise DataError(f"{name}: missing column(s) {', '.join(missing)} (has {', '.join(schema.names()[:10])}); "
                        "a scores Parquet needs ts_code, trade_date, score")
    if not (schema["score"].is_numeric() or schema["score"] == pl.Boolean):
        raise DataError(f"{name}: column score has type {schema['score']}; scores must be numeric")
    raw = collect_source(lf.select(SCORE_COLUMNS), name)
    df = raw.with_columns(pl.col("ts_code").cast(pl.String), trade_date_expr(schema["trade_date"], name),
                          pl.col("score").cast(pl.Float64))
    bad = df["trade_date"].is_null() & raw["trade_date"].is_not_null()
    if bad.any():
        raise DataError(f"{name}: column trade_date has {int(bad.sum())} value(s) that are not dates (e.g. "
                        f"{raw['trade_date'].filter(bad)[0]!r}); use dates or 'YYYY-MM-DD' / 'YYYYMMDD' strings")
    keyed = df.filter(pl.col("trade_date").is_not_null() & pl.col("ts_code").is_not_null())
    if keyed.height < df.height:
        warnings.warn(f"{name}: {df.height - keyed.height} row(s) without a trade_date or ts_code ignored",
                      stacklevel=2)
    df = keyed
    check_code_format(df.select(pl.col("ts_code").unique()), name)
    dup = df.filter(pl.struct("ts_code", "trade_date").is_duplicated())
    if dup.height:
        ex = dup.row(0, named=True)
        raise DataError(f"{name}: {dup.height} rows share a (ts_code, trade_date) key, e.g. {ex['ts_code']} on "
                        f"{ex['trade_date']}; keep one score per stock and date")
    return df.with_columns(pl.when(pl.col("score").is_finite()).then(pl.col("score")).otherwise(None)
                           .fill_null(np.nan))
