"""Per-row market status: board, risk warning, delisting, listing day, suspension, limit hits, and the
trading masks every consumer shares (loader, env, backtest, inference).

`annotate` is the single place these are derived; every rule reads only the row's own date (point in time).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

from aurumq_rl.market.boards import board_expr
from aurumq_rl.market.limits import (
    LIMIT_RULES,
    LimitRule,
    check_limit_method,
    rules_from_settings,
    rules_settings,
    with_limit_flags,
)

# Listing day given to stocks whose listing precedes the data (no `list_date`/`days_since_ipo`):
# far past any new-listing rule or protection window.
SEASONED_LISTING_DAY = 10_000


def suspended_expr() -> pl.Expr:
    """True on a suspended row: `vol` 0, negative, missing or NaN (DOMAIN.md: no bar or vol == 0). The one
    definition read by the trading masks, `data check` and the factor engine (which leaves such rows out of
    every window, as a day without a bar)."""
    return ~(pl.col("vol").fill_null(0).fill_nan(0) > 0)


@dataclass(frozen=True)
class MarketConfig:
    """Knobs of the market rules. `min_listed_days`: new-listing protection (no buying, not in the
    default universes) until a stock has traded this many days (an integer ≥ 0; 0 turns it off).
    `limit_method`: how limit-up/down days are told (`market.limits.LIMIT_METHODS`: auto, price, pct).
    Bad knobs raise ValueError on construction, so a config read back from a model is checked too."""

    min_listed_days: int = 60
    limit_method: str = "auto"
    rules: tuple[LimitRule, ...] = LIMIT_RULES

    def __post_init__(self) -> None:
        n = self.min_listed_days
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ValueError(f"min_listed_days={n!r}: must be an integer ≥ 0")
        check_limit_method(self.limit_method)
        rules_from_settings(rules_settings(self.rules))  # the checks a model's recorded table gets at inference

    def settings(self) -> dict[str, object]:
        """The knobs a run or model records (run.json's config, the SL manifests, the bundle metadata under
        `market`), so inference can apply the rules training ran under (`market_from_settings`). A limit
        table other than the built-in `LIMIT_RULES` (a rule prepended for a new exchange notice) is recorded
        in full under `rules`; the built-in one is not, so records stay short and old models read the same."""
        out: dict[str, object] = {"min_listed_days": self.min_listed_days, "limit_method": self.limit_method}
        if tuple(self.rules) != LIMIT_RULES:
            out["rules"] = rules_settings(self.rules)
        return out


def market_from_settings(recorded: Mapping[str, object] | None) -> MarketConfig:
    """The `MarketConfig` of recorded `settings()`; a knob not recorded (a model saved before the record
    existed) takes the default, so such a model keeps the rules it was trained under (60 days, auto, the
    built-in limit table). ValueError when a knob is not valid."""
    knobs = {**MarketConfig().settings(), **(recorded or {})}
    rules = rules_from_settings(knobs["rules"]) if "rules" in knobs else LIMIT_RULES
    return MarketConfig(min_listed_days=knobs["min_listed_days"], limit_method=knobs["limit_method"],  # type: ignore[arg-type]
                        rules=rules)


def st_expr(columns: list[str]) -> pl.Expr:
    """Risk warning per row: `is_st` wins where present; else the name starts with ST/*ST (S*ST, SST too)."""
    from_name = (
        pl.col("name").str.strip_chars().str.contains(r"^(\*ST|ST|S\*ST|SST)").fill_null(False)
        if "name" in columns
        else pl.lit(False)
    )
    if "is_st" in columns:
        return pl.col("is_st").cast(pl.Boolean).fill_null(from_name).alias("is_st")
    return from_name.alias("is_st")


def delisting_expr(columns: list[str]) -> pl.Expr:
    """In the delisting period: the name carries 退."""
    if "name" not in columns:
        return pl.lit(False).alias("is_delisting")
    return pl.col("name").str.contains("退").fill_null(False).alias("is_delisting")


def listed_on_expr(columns: list[str], calendar: pl.Series) -> pl.Expr:
    """The listing date (the date of listing day 1), read by the new-listing limit rules: an IPO keeps the
    regime it listed under. `list_date` where the data has it (a listing before the data starts too); else, or
    where it is null, from `t_idx` and `listing_day` on the data's calendar, null when listing day 1 is before
    the data starts (the rules then test the row's date) or after it ends: a row before its stock's listing (a
    negative `days_since_ipo`) has listing day ≤ 0 and no listing date on the calendar."""
    first = pl.col("t_idx") - pl.col("listing_day") + 1
    cal, last = pl.lit(calendar), len(calendar) - 1
    derived = pl.when(first.is_between(0, last)).then(cal.gather(first.clip(0, last))).otherwise(None)
    if "list_date" in columns:
        derived = pl.col("list_date").cast(pl.Date).fill_null(derived)
    return derived.alias("listed_on")


LISTING_SOURCES: tuple[str, ...] = ("days_since_ipo", "list_date")  # listing age columns, in precedence order


def listing_day_expr(columns: list[str], calendar: pl.Series) -> pl.Expr:
    """Trading day number since listing, 1 on the listing day. Needs the `t_idx` column (calendar index).

    Sources, row by row, the first with a value: `days_since_ipo` (trading days, 0 on the listing day);
    `list_date` (counted on the data's calendar; weekdays before the data's first date); else the stock's first
    bar when it comes after the data's first date; else seasoned. A row without a close is no bar: a dense
    (date × stock) grid writes the days before a listing as rows of nulls, which must not make the listing look
    seasoned. A null value falls through like an absent column (a left join on a stock list without delisted
    names leaves their list_date null): it never makes a stock listed on the data's first date, nor drops its
    rows from trading.
    """
    first = pl.col("t_idx").filter(pl.col("close").is_not_null()).min().over("ts_code")
    out = pl.when(first > 0).then(pl.col("t_idx") - first + 1).otherwise(pl.col("t_idx") + SEASONED_LISTING_DAY)
    if "list_date" in columns:
        listed = pl.col("list_date").cast(pl.Date)
        list_idx = pl.lit(calendar).search_sorted(listed, side="left")
        # Listed before the data starts: weekdays before the first date stand in for trading days.
        before = pl.business_day_count(listed, pl.lit(calendar[0]))
        from_date = (
            pl.when(listed.is_null()).then(None)
            .when(listed < calendar[0]).then(pl.col("t_idx") + before + 1)
            .otherwise(pl.col("t_idx") - list_idx + 1)
        )
        out = from_date.fill_null(out)
    if "days_since_ipo" in columns:
        out = (pl.col("days_since_ipo").cast(pl.Int64) + 1).fill_null(out)
    return out.cast(pl.Int64).alias("listing_day")


def listing_fallback_message(annotated: pl.DataFrame, columns: list[str], consequence: str) -> str | None:
    """Without a list_date/days_since_ipo value, `listing_day_expr` takes a stock whose first bar comes after the
    data's first date for a new listing from that bar, and so one merely suspended on that date. The warning
    that says how many (a few named) and `consequence` (what the caller then does to them); None when no stock
    is concerned. `annotated`: rows with `ts_code`, `listing_day` and the listing columns of `columns`."""
    sources = [c for c in LISTING_SOURCES if c in columns]
    fell_back = pl.all_horizontal([pl.col(c).is_null() for c in sources]) if sources else pl.lit(True)
    late = annotated.filter(fell_back & (pl.col("listing_day") < SEASONED_LISTING_DAY))["ts_code"].unique().sort()
    if not late.len():
        return None
    what = ("no list_date or days_since_ipo column" if not sources else
            f"{' and '.join(sources)} missing (null) on some rows")
    return (f"{what}, so {late.len()} stock(s) whose first bar comes after the data's first date "
            f"(e.g. {', '.join(late[:3])}) are treated as new listings from that bar ({consequence}), as is a "
            "stock that was only suspended then; add a list_date column, or fill its missing values, to avoid it")


def annotate(lf: pl.LazyFrame, columns: list[str], calendar: pl.Series, method: str,
             config: MarketConfig = MarketConfig()) -> pl.LazyFrame:
    """Add status and mask columns to a long (ts_code, trade_date) frame.

    `calendar` is the sorted array of the data's trading dates; `method` the resolved limit-detection method.
    Adds: t_idx, board, is_st, is_delisting, listing_day, listed_on, suspended, limit_up_pct, limit_down_pct, has_limit,
    is_limit_up, is_limit_down, is_one_price, tradeable, can_buy_raw, can_sell. (`can_buy_raw`: a buy can fill
    that day; the universe gates the decision the day before, not the fill.)
    """
    cal = pl.DataFrame({"trade_date": calendar, "t_idx": pl.int_range(0, len(calendar), eager=True)})
    lf = lf.join(cal.lazy(), on="trade_date", how="left")
    lf = lf.with_columns(board_expr("ts_code"), st_expr(columns), delisting_expr(columns))
    lf = lf.with_columns(listing_day_expr(columns, calendar))
    lf = lf.with_columns(listed_on_expr(columns, calendar))
    lf = lf.with_columns(suspended_expr().alias("suspended"))
    lf = with_limit_flags(lf, columns, method, config.rules)
    tradeable = ~pl.col("suspended") & ~pl.col("is_one_price")
    return lf.with_columns(
        tradeable.alias("tradeable"),
        (tradeable & ~pl.col("is_limit_up") & (pl.col("listing_day") > config.min_listed_days)).alias(
            "can_buy_raw"
        ),
        (tradeable & ~pl.col("is_limit_down")).alias("can_sell"),
    )
