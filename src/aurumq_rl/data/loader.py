"""`load_panel`: Parquet (file, directory of shards, glob, or LazyFrame) → `Panel`.

Memory: keys and status columns are read once; factor columns are read in chunks and scattered straight
into the dense float32 array, so peak memory stays near the size of the panel itself.
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
from aurumq_rl.data.normalize import NORMALIZE_METHODS, is_market_wide, normalize
from aurumq_rl.data.panel import Panel
from aurumq_rl.errors import DataError
from aurumq_rl.market.limits import resolve_limit_method
from aurumq_rl.market.status import MarketConfig, annotate
from aurumq_rl.market.universe import UniverseSpec, universe_expr

STATUS_COLUMNS: tuple[str, ...] = (
    "open", "high", "low", "pre_close", "is_st", "name", "days_since_ipo", "list_date",
    "industry_code", "is_hs300", "is_zz500", "adj_factor",
)
FACTOR_CHUNK = 32  # factor columns read per pass


def scan_source(source: str | Path | pl.LazyFrame) -> tuple[pl.LazyFrame, str]:
    """A LazyFrame and a display name for a Parquet file, a directory of shards (hive partitions ok),
    a glob, or a LazyFrame."""
    if isinstance(source, pl.LazyFrame):
        return source, "<LazyFrame>"
    text = str(source)
    path = Path(text)
    if any(ch in text for ch in "*?["):
        return pl.scan_parquet(text, hive_partitioning=True), text
    if path.is_dir():
        if not any(path.rglob("*.parquet")):
            raise DataError(f"{path}: directory holds no .parquet file")
        return pl.scan_parquet(str(path / "**" / "*.parquet"), hive_partitioning=True), text
    if not path.is_file():
        raise DataError(f"data file not found: {path}")
    return pl.scan_parquet(text), text


def _to_date(value: str | date | None, flag: str) -> date | None:
    if value is None or isinstance(value, date):
        return value
    for fmt in ("%Y-%m-%d", "%Y%m%d"):
        try:
            from datetime import datetime

            return datetime.strptime(str(value), fmt).date()
        except ValueError:
            continue
    raise DataError(f"{flag}='{value}' is not a date; use YYYY-MM-DD")


def load_panel(
    source: str | Path | pl.LazyFrame,
    *,
    universe: UniverseSpec = "main_board_non_st",
    start: str | date | None = None,
    end: str | date | None = None,
    factors: None | int | str | list[str] = None,
    include_columns_file: str | Path | None = None,
    normalize: str = "zscore",
    returns: str = "pct_chg",
    market: MarketConfig = MarketConfig(),
) -> Panel:
    """Load a long (ts_code, trade_date) Parquet into a dense `Panel`.

    `universe`: a name (main_board_non_st, all_non_st, hs300, zz500, all) or a callable `fn(columns) ->
    pl.Expr`. `factors`: None (all known-prefix columns), N (the first N in prefix order), a glob string,
    or a list. `normalize`: zscore | rank | raw, per date over the universe. `returns`: pct_chg (compound
    the decimal daily change) or adj_close (ratio of adj_factor-adjusted closes).
    """
    if normalize not in NORMALIZE_METHODS:
        raise DataError(f"normalize='{normalize}': choose one of {', '.join(NORMALIZE_METHODS)}")
    if returns not in ("pct_chg", "adj_close"):
        raise DataError(f"returns='{returns}': choose pct_chg or adj_close")
    start_d, end_d = _to_date(start, "start"), _to_date(end, "end")
    lf, name = scan_source(source)
    try:
        schema = lf.collect_schema()
    except (pl.exceptions.ComputeError, OSError) as exc:
        raise DataError(f"{name}: cannot read as Parquet ({exc})") from exc
    columns = list(schema.names())
    check_required(columns, name)
    if returns == "adj_close" and "adj_factor" not in columns:
        raise DataError(f"returns='adj_close' needs the column adj_factor, absent from {name}")
    chosen = select_factors(columns, factors, name, include_columns_file)

    status_cols = [c for c in STATUS_COLUMNS if c in columns]
    date_cast = trade_date_expr(schema["trade_date"], name)
    raw = lf.select(*REQUIRED_COLUMNS, *status_cols).collect()
    keys = raw.with_columns(date_cast, pl.col("pct_chg").cast(pl.Float64), pl.col("vol").cast(pl.Float64))
    keys = validate_keys(keys, name, raw_dates=raw["trade_date"])
    del raw
    calendar = keys["trade_date"].unique().sort()
    method = resolve_limit_method(market.limit_method, columns, keys["close"])  # type: ignore[arg-type]
    ann = annotate(keys.lazy(), columns, calendar, method, market)
    ann = ann.with_columns(universe_expr(universe, columns, market.min_listed_days))
    if start_d is not None:
        ann = ann.filter(pl.col("trade_date") >= start_d)
    if end_d is not None:
        ann = ann.filter(pl.col("trade_date") <= end_d)
    ann_df = ann.collect()
    if ann_df.height == 0 or not ann_df["in_universe"].any():
        raise DataError(f"{name}: no row left in universe '{universe}' between {start_d or 'start'} and "
                        f"{end_d or 'end'}; widen the dates or choose another universe")

    codes = ann_df.filter(pl.col("in_universe"))["ts_code"].unique().sort()
    ann_df = ann_df.filter(pl.col("ts_code").is_in(codes.implode())).sort("ts_code", "trade_date")
    dates = ann_df["trade_date"].unique().sort()
    t_n, n_n = len(dates), len(codes)
    idx = ann_df.select(
        pl.lit(dates).search_sorted(pl.col("trade_date")).alias("_t"),
        pl.lit(codes).search_sorted(pl.col("ts_code")).alias("_n"),
    )
    ti, ni = idx["_t"].to_numpy(), idx["_n"].to_numpy()

    def dense(col: str, fill: object, dtype: type) -> np.ndarray:
        out = np.full((t_n, n_n), fill, dtype=dtype)
        out[ti, ni] = ann_df[col].fill_null(fill).to_numpy().astype(dtype)
        return out

    present = np.zeros((t_n, n_n), dtype=bool)
    present[ti, ni] = True
    in_universe = dense("in_universe", False, bool)
    daily = _daily_returns(ann_df, returns)
    pct = np.zeros((t_n, n_n), dtype=np.float64)
    pct[ti, ni] = daily
    board = ann_df.group_by("ts_code").agg(pl.col("board").first()).sort("ts_code")["board"].to_numpy()

    industry, industry_names = None, []
    if "industry_code" in columns:
        ind = ann_df["industry_code"].cast(pl.String)
        industry_names = ind.drop_nulls().unique().sort().to_list()
        lookup = {v: i for i, v in enumerate(industry_names)}
        industry = np.full((t_n, n_n), -1, dtype=np.int32)
        industry[ti, ni] = ind.replace_strict(lookup, default=-1, return_dtype=pl.Int32).to_numpy()

    feats, missing, market_wide = _load_factors(lf, name, date_cast, chosen, dates, codes,
                                                in_universe, normalize)
    return Panel(
        dates=dates.to_numpy().astype("datetime64[D]"),
        codes=codes.to_numpy().astype(str),
        factor_names=chosen,
        factors=feats,
        factor_missing=missing,
        pct_chg=pct,
        present=present,
        tradeable=dense("tradeable", False, bool),
        can_buy=dense("can_buy_raw", False, bool) & in_universe,
        can_sell=dense("can_sell", False, bool),
        in_universe=in_universe,
        is_limit_up=dense("is_limit_up", False, bool),
        is_limit_down=dense("is_limit_down", False, bool),
        board=board.astype(str),
        industry=industry,
        industry_names=industry_names,
        market_wide=market_wide,
        meta={"source": name, "universe": universe if isinstance(universe, str) else "custom",
              "normalize": normalize, "limit_method": method, "returns": returns,
              "start": str(dates[0]), "end": str(dates[-1])},
    )


def _daily_returns(ann_df: pl.DataFrame, returns: str) -> np.ndarray:
    """Daily decimal returns per row (frame sorted by ts_code, trade_date): pct_chg, or the ratio of
    consecutive adj_factor-adjusted closes of the stock."""
    if returns == "pct_chg":
        return ann_df["pct_chg"].fill_null(0.0).to_numpy()
    adj = pl.col("close") * pl.col("adj_factor")
    return ann_df.select((adj / adj.shift(1).over("ts_code") - 1).fill_null(0.0))[:, 0].to_numpy()


def _load_factors(lf: pl.LazyFrame, name: str, date_cast: pl.Expr, chosen: list[str], dates: pl.Series,
                  codes: pl.Series, in_universe: np.ndarray, method: str
                  ) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Read factor columns chunk by chunk into [T, N, F] float32, normalise per date, fill after."""
    t_n, n_n, f_n = len(dates), len(codes), len(chosen)
    feats = np.zeros((t_n, n_n, f_n), dtype=np.float32)
    missing = np.ones((t_n, n_n, f_n), dtype=bool)
    market_wide: list[str] = []
    lo, hi = dates[0], dates[-1]
    for c0 in range(0, f_n, FACTOR_CHUNK):
        cols = chosen[c0:c0 + FACTOR_CHUNK]
        part = (
            lf.select("ts_code", "trade_date", *cols)
            .with_columns(date_cast)
            .filter(pl.col("trade_date").is_between(lo, hi) & pl.col("ts_code").is_in(codes.implode()))
            .with_columns(
                pl.lit(dates).search_sorted(pl.col("trade_date")).alias("_t"),
                pl.lit(codes).search_sorted(pl.col("ts_code")).alias("_n"),
            )
            .collect()
        )
        ti, ni = part["_t"].to_numpy(), part["_n"].to_numpy()
        for j, col in enumerate(cols):
            f = c0 + j
            dtype = part.schema[col]
            if not dtype.is_numeric() and dtype != pl.Boolean:
                raise DataError(f"{name}: factor column {col} has type {dtype}; factors must be numeric")
            x = np.full((t_n, n_n), np.nan, dtype=np.float32)
            x[ti, ni] = part[col].cast(pl.Float32).fill_null(np.nan).to_numpy()
            if method != "raw" and is_market_wide(x, in_universe):
                market_wide.append(col)
                z = np.where(in_universe & np.isfinite(x), x, np.nan).astype(np.float32)
            else:
                z = normalize(x, in_universe, method)
            ok = np.isfinite(z)
            feats[:, :, f] = np.where(ok, z, 0.0)
            missing[:, :, f] = ~ok
        del part
    if market_wide:
        warnings.warn(f"{name}: market-wide column(s) passed through without cross-sectional "
                      f"normalisation: {', '.join(market_wide[:10])}", stacklevel=3)
    return feats, missing, market_wide
