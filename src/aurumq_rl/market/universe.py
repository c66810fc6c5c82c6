"""Universe filters as boolean polars expressions over an annotated frame (see `market.status.annotate`).

Point in time: membership on a date uses only that row's data. Accepts a name or a user callable
`fn(columns) -> pl.Expr`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
import polars as pl

from aurumq_rl.errors import DataError
from aurumq_rl.market.boards import BOARDS, MAIN
from aurumq_rl.market.selection import cap_fillable, industry_cap

UniverseSpec = str | Callable[[list[str]], pl.Expr]

UNIVERSES: tuple[str, ...] = ("main_board_non_st", "all_non_st", "hs300", "zz500", "all")


def _seasoned(min_listed_days: int) -> pl.Expr:
    return pl.col("listing_day") > min_listed_days


def universe_expr(universe: UniverseSpec, columns: list[str], min_listed_days: int = 60) -> pl.Expr:
    """Boolean `in_universe` expression for a universe name or callable.

    - main_board_non_st: a bar with vol > 0, main-board code, listed > `min_listed_days` trading days,
      not in the delisting period (退), not ST (per-date `is_st`, else the name).
    - all_non_st: the same on every A-share board.
    - hs300 / zz500: a traded, seasoned bar and `is_hs300` / `is_zz500` true on that date.
    - all: any seasoned A-share row with a traded bar.
    Every named universe leaves out a suspended day (its factors are stale and its label starts on a day it
    cannot be bought) and a stock listed ≤ `min_listed_days` days (new-listing protection: `can_buy` refuses
    it, and its listing age is known at the decision, so it is no candidate rather than a pick turned cash).
    """
    traded = ~pl.col("suspended")
    a_share = pl.col("board").is_in(list(BOARDS))
    if callable(universe):
        expr = universe(columns)
    elif universe == "main_board_non_st":
        expr = (traded & (pl.col("board") == MAIN) & _seasoned(min_listed_days)
                & ~pl.col("is_delisting") & ~pl.col("is_st"))
    elif universe == "all_non_st":
        expr = traded & a_share & _seasoned(min_listed_days) & ~pl.col("is_delisting") & ~pl.col("is_st")
    elif universe in ("hs300", "zz500"):
        col = f"is_{universe}"
        if col not in columns:
            raise DataError(f"universe '{universe}' needs the column '{col}' (per-date membership, bool); "
                            f"add it or pick one of {UNIVERSES}")
        expr = traded & a_share & _seasoned(min_listed_days) & pl.col(col).cast(pl.Boolean).fill_null(False)
    elif universe == "all":
        expr = traded & a_share & _seasoned(min_listed_days)
    else:
        raise DataError(f"unknown universe '{universe}'; choose one of {', '.join(UNIVERSES)} "
                        "or pass a callable")
    return expr.fill_null(False).alias("in_universe")


def check_top_k(in_universe: np.ndarray, top_k: int, universe: str, dates: np.ndarray,
                industry: np.ndarray | None = None, cap_frac: float | None = None) -> None:
    """DataError when no date of `dates` (rows of the [T, N] `in_universe` mask) has `top_k` universe
    stocks: a date with fewer valid stocks picks fewer, but a K no date can fill is a mistake that would
    otherwise pass silently as "pick everyone" (train, eval and the backtest share this check). An empty
    window (no date) is a DataError too. With `industry` and `cap_frac`: a warning when the cap leaves fewer
    than K picks on dates that hold K universe stocks (too few industries: fewer names, more weight each)."""
    if len(dates) == 0 or in_universe.shape[0] == 0:
        raise DataError(f"no trading date in the window (universe '{universe}'), so --top-k {top_k} has nothing "
                        "to pick from; widen the dates (--start/--end for eval, --train-start … --val-end for "
                        "train) to cover trading days of --data")
    size = int(in_universe.sum(1).max()) if in_universe.size else 0
    if top_k > size:
        raise DataError(f"--top-k {top_k}: universe '{universe}' holds at most {size} stocks on a date of "
                        f"{dates[0]} … {dates[-1]}, so no date could fill {top_k} picks; choose --top-k ≤ "
                        f"{size}, or a wider --universe")
    if industry is None or cap_frac is None:
        return
    fill = cap_fillable(in_universe, industry, top_k, cap_frac)
    short = fill < np.minimum(in_universe.sum(1), top_k)
    if short.any():
        worst = int(np.argmin(np.where(short, fill, top_k)))
        warnings.warn(f"--top-k {top_k}: the industry cap ({industry_cap(top_k, cap_frac)} per industry, "
                      f"{cap_frac:.0%} of K) leaves fewer than {top_k} picks on {int(short.sum())} of {len(dates)} "
                      f"date(s) (as few as {int(fill[worst])}, on {dates[worst]}): the universe's stocks fall in too "
                      "few industries, so those dates hold fewer names at more weight each; lower --top-k or give "
                      "finer industry codes", stacklevel=2)
