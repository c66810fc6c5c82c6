"""Daily price limits: one date-aware rule table, limit prices, and limit-hit detection.

Rules are data (`LimitRule` rows), evaluated first-match-wins in table order, so a user can prepend a rule
(a new exchange notice) without touching code. Limits are fractions of the previous close; `None` = no limit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import date

import polars as pl

from aurumq_rl.market.boards import BOARDS, BSE, CHINEXT, MAIN, STAR

CHINEXT_REFORM = date(2020, 8, 24)
MAIN_REGISTRATION_REFORM = date(2023, 4, 10)
PCT_CHG_PRECISION = 1e-6  # slack for a pct_chg rounded to 4 decimals in percent (Tushare), in pct-based detection
# Caps on pct-based detection's half-cent tolerance: 0.25% when pct_chg is all there is; 1% (half a cent of a
# 0.50 yuan close) when the day's high/low also guard it, since a limit close must then also be the high/low
PCT_TOL_CAP, PCT_TOL_CAP_OHLC = 0.0025, 0.01
MAIN_ST_TO_10PCT = date(2025, 7, 7)  # SSE/SZSE notice of 2025-06-27


@dataclass(frozen=True)
class LimitRule:
    """One row of the limit table.

    Applies to rows of `board` whose trade date is in [start, end), whose risk-warning status equals `st`
    (None: either), and — for new-listing rules — whose listing day (1 = first trading day) is ≤ `first_days`.
    A new-listing rule's [start, end) is tested against the listing date, not the row's: an IPO keeps the
    regime it listed under for its whole first-days window. Rules with `first_days=None` apply to any day.
    """

    board: str
    up: float | None
    down: float | None
    st: bool | None = None
    start: date | None = None
    end: date | None = None
    first_days: int | None = None
    note: str = ""

    def settings(self) -> dict[str, object]:
        """The rule as JSON-ready knobs (dates as YYYY-MM-DD), as a model records a custom limit table."""
        return {k: v.isoformat() if isinstance(v, date) else v for k, v in asdict(self).items()}


def rules_settings(rules: Sequence[LimitRule]) -> list[dict[str, object]]:
    """A limit table as recorded beside a model (`MarketConfig.settings`)."""
    return [r.settings() for r in rules]


def rules_from_settings(recorded: object) -> tuple[LimitRule, ...]:
    """The limit table of recorded `rules_settings`; ValueError naming the rule and the knob when a record is
    not one (an unknown key or board, a limit outside (0, 1], a date that is not YYYY-MM-DD)."""
    if not isinstance(recorded, Sequence) or isinstance(recorded, str):
        raise ValueError(f"rules must be a list of limit rules, got {type(recorded).__name__}")
    known = {f.name for f in fields(LimitRule)}
    out = []
    for i, raw in enumerate(recorded):
        if not isinstance(raw, Mapping) or not known.issuperset(raw) or "board" not in raw:
            raise ValueError(f"rule {i} ({raw!r}): give a mapping with 'board' and only {', '.join(sorted(known))}")
        if raw["board"] not in BOARDS:
            raise ValueError(f"rule {i}: board {raw['board']!r} is not one of {', '.join(BOARDS)}")
        knobs = dict(raw)
        for key in ("up", "down"):
            v = knobs.get(key)
            if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 < v <= 1):
                raise ValueError(f"rule {i}: {key} {v!r} must be a fraction in (0, 1] or null (no limit)")
        for key in ("start", "end"):
            if knobs.get(key) is not None:
                try:
                    knobs[key] = date.fromisoformat(str(knobs[key]))
                except ValueError as exc:
                    raise ValueError(f"rule {i}: {key} {knobs[key]!r} is not a YYYY-MM-DD date") from exc
        st, first = knobs.get("st"), knobs.get("first_days")
        if st is not None and not isinstance(st, bool):
            raise ValueError(f"rule {i}: st {st!r} must be true, false or null (either)")
        if first is not None and (isinstance(first, bool) or not isinstance(first, int) or first < 1):
            raise ValueError(f"rule {i}: first_days {first!r} must be an integer ≥ 1 or null")
        out.append(LimitRule(**knobs))
    return tuple(out)


LIMIT_RULES: tuple[LimitRule, ...] = (
    # New listings (checked first).
    LimitRule(STAR, None, None, first_days=5, note="STAR: no limit for the first 5 trading days"),
    LimitRule(CHINEXT, None, None, start=CHINEXT_REFORM, first_days=5,
              note="ChiNext after the registration reform: no limit for the first 5 days"),
    LimitRule(CHINEXT, 0.44, 0.36, end=CHINEXT_REFORM, first_days=1, note="ChiNext IPO day before the reform"),
    LimitRule(MAIN, 0.44, 0.36, end=MAIN_REGISTRATION_REFORM, first_days=1, note="main-board IPO day +44%/-36%"),
    LimitRule(MAIN, None, None, start=MAIN_REGISTRATION_REFORM, first_days=5,
              note="main board after the 2023-04-10 registration reform: no limit for the first 5 days"),
    LimitRule(BSE, None, None, first_days=1, note="BSE: no limit on the listing day"),
    # Risk warning (ST / *ST).
    LimitRule(MAIN, 0.05, 0.05, st=True, end=MAIN_ST_TO_10PCT, note="main-board ST ±5% until mid-2025"),
    # Normal.
    LimitRule(MAIN, 0.10, 0.10, note="main board ±10% (ST too from 2025-07-07)"),
    LimitRule(CHINEXT, 0.10, 0.10, end=CHINEXT_REFORM, note="ChiNext ±10% before 2020-08-24 (ST too)"),
    LimitRule(CHINEXT, 0.20, 0.20, start=CHINEXT_REFORM, note="ChiNext ±20% (ST too)"),
    LimitRule(STAR, 0.20, 0.20, note="STAR ±20% (ST too)"),
    LimitRule(BSE, 0.30, 0.30, note="BSE ±30%"),
)


def _matches(rule: LimitRule, board: pl.Expr, st: pl.Expr, day: pl.Expr, listing_day: pl.Expr,
             listed_on: pl.Expr | None) -> pl.Expr:
    if rule.first_days is not None and listed_on is not None:
        day = listed_on.fill_null(day)
    cond = board == rule.board
    if rule.st is not None:
        cond = cond & (st == rule.st)
    if rule.start is not None:
        cond = cond & (day >= rule.start)
    if rule.end is not None:
        cond = cond & (day < rule.end)
    if rule.first_days is not None:
        cond = cond & listing_day.is_not_null() & (listing_day <= rule.first_days)
    return cond


def limit_pct_exprs(
    rules: tuple[LimitRule, ...] = LIMIT_RULES,
    *,
    board: str = "board",
    st: str = "is_st",
    day: str = "trade_date",
    listing_day: str = "listing_day",
    listed_on: str | None = "listed_on",
) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """(limit_up, limit_down, has_limit) expressions from the rule table; first matching rule wins.

    `limit_up`/`limit_down` are fractions (0.10 = 10%), null where no limit applies or no rule matches.
    `listed_on`: the listing-date column for new-listing rules (None: use the row's date).
    """
    b, s, d, ld = pl.col(board), pl.col(st).fill_null(False), pl.col(day), pl.col(listing_day)
    lo = pl.col(listed_on) if listed_on is not None else None
    up: pl.Expr = pl.lit(None, dtype=pl.Float64)
    down: pl.Expr = pl.lit(None, dtype=pl.Float64)
    has: pl.Expr = pl.lit(False)
    for rule in reversed(rules):
        m = _matches(rule, b, s, d, ld, lo)
        up = pl.when(m).then(pl.lit(rule.up, dtype=pl.Float64)).otherwise(up)
        down = pl.when(m).then(pl.lit(rule.down, dtype=pl.Float64)).otherwise(down)
        has = pl.when(m).then(pl.lit(rule.up is not None)).otherwise(has)
    return up.alias("limit_up_pct"), down.alias("limit_down_pct"), has.alias("has_limit")


def round_half_up_cents(x: pl.Expr) -> pl.Expr:
    """Round yuan prices half-up to 0.01 (the exchanges' rule; Python/polars round half-to-even)."""
    return ((x * 100 + 0.5 + 1e-7).floor() / 100).alias("rounded")


def limit_prices(pre_close: pl.Expr, up_pct: pl.Expr, down_pct: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """Limit-up and limit-down prices: previous close × (1 ± limit), rounded half-up to 0.01 yuan."""
    return (
        round_half_up_cents(pre_close * (1 + up_pct)).alias("limit_up_price"),
        round_half_up_cents(pre_close * (1 - down_pct)).alias("limit_down_price"),
    )


LIMIT_METHODS: tuple[str, ...] = ("auto", "price", "pct")


def on_tick_grid(col: str = "close", tol: float = 1e-6) -> pl.Expr:
    """Per row: the price sits on the 0.01 yuan grid, i.e. it is a real, unadjusted price. Decided row by row
    (never over the whole file): forward-adjusted data is on the grid only after a stock's last ex-date, and a
    file-level share would let rows appended later flip the method, and so the flags, of past rows."""
    c = pl.col(col) * 100
    return ((c - c.round()).abs() <= tol).fill_null(False)


def real_price_row(columns: list[str] = ()) -> pl.Expr:
    """Per row: `auto` checks it by price. The close is on the cent grid and so is the previous close (the
    `pre_close` column, else close / (1 + pct_chg) within the rounding of pct_chg): a forward-adjusted close
    lands on the grid by chance on about 1 row in 100, and rounding its adjusted previous close to the cent
    moves the limit price off the sealed close. A row whose `pre_close` is null is judged as without the column."""
    pre = pl.col("close") * 100 / (1 + pl.col("pct_chg"))
    derived = on_tick_grid() & ((pre - pre.round()).abs() <= pre.abs() * PCT_CHG_PRECISION + 1e-6).fill_null(False)
    if "pre_close" not in columns:
        return derived
    given = on_tick_grid() & on_tick_grid("pre_close")
    return pl.when(pl.col("pre_close").is_not_null()).then(given).otherwise(derived)


def real_price_share(frame: pl.DataFrame) -> float:
    """Share of the rows with a close that `auto` checks by price (`real_price_row`), for reports; `frame`
    holds close and pct_chg, and pre_close when the data has it."""
    rows = frame.filter(pl.col("close").is_not_null())
    return float(rows.select(real_price_row(rows.columns).mean()).item()) if rows.height else 0.0


def check_limit_method(method: str) -> str:
    """`method` when it is one of LIMIT_METHODS (auto, price, pct), else a ValueError naming them."""
    if method not in LIMIT_METHODS:
        raise ValueError(f"limit_method='{method}': choose one of {LIMIT_METHODS}")
    return method


def limit_flag_exprs(method: str, columns: list[str] = ()) -> list[pl.Expr]:
    """Expressions adding `is_limit_up`, `is_limit_down` to a frame that already has `close, pct_chg,
    limit_up_pct, limit_down_pct, _pre_close` (+ `high`, `low` when in `columns`).

    price: close equals the rounded limit price (pre_close taken from the column or close/(1+pct_chg),
    rounded to the cent). pct: pct_chg within half a cent of the limit plus `PCT_CHG_PRECISION` for pct_chg's
    own rounding; a close below the day's high cannot be a limit-up close (nor one above the low a limit-down
    close): adjustment scales a day's prices alike, so a sealed close still equals the high. Adjusted prices do
    not tell the real price level, so the half cent is capped: at 1% on a row whose high (low) guards the flag,
    as a limit close under 2 yuan needs (1.54 → 1.69 is +9.74%), else at 0.25%. auto: price on rows whose close
    and previous close are on the cent grid (`real_price_row`), pct elsewhere. In all, a move beyond the limit
    means no limit applied that day (a resumption after a delisting, say), so it is no limit hit.
    """
    check_limit_method(method)
    up, down = pl.col("limit_up_pct"), pl.col("limit_down_pct")
    close, pct, pre = pl.col("close"), pl.col("pct_chg"), pl.col("_pre_close")
    # price: beyond = more than half a cent past the limit price
    up_p, down_p = limit_prices(pre, up, down)
    price_up = close.is_between(up_p - 1e-6, up_p + 0.005)
    price_down = close.is_between(down_p - 0.005, down_p + 1e-6)
    # pct: beyond = past twice the half-cent tolerance (the cent rounding of the limit price reaches one);
    # the rounding of the limit price can reach the tolerance exactly, and pct_chg itself is rounded
    # (Tushare: 4 decimals in percent, so within 5e-7): a sealed -9.9754% at 20.35 → 18.32 must still count
    def pct_tol(guard: str) -> pl.Expr:
        cap = pl.lit(PCT_TOL_CAP)
        if guard in columns:
            cap = pl.when(pl.col(guard).is_not_null()).then(PCT_TOL_CAP_OHLC).otherwise(cap)
        return (0.005 / pre).clip(1e-4, cap) + PCT_CHG_PRECISION

    tol_up, tol_down = pct_tol("high"), pct_tol("low")
    pct_up = pct.is_between(up - tol_up, up + 2 * tol_up)
    pct_down = pct.is_between(-down - 2 * tol_down, -down + tol_down)
    if "high" in columns:
        pct_up = pct_up & (close >= pl.col("high") * (1 - 1e-9)).fill_null(True)
    if "low" in columns:
        pct_down = pct_down & (close <= pl.col("low") * (1 + 1e-9)).fill_null(True)
    if method == "price":
        hit_up, hit_down = price_up, price_down
    elif method == "pct":
        hit_up, hit_down = pct_up, pct_down
    else:
        grid = real_price_row(columns)
        hit_up = pl.when(grid).then(price_up).otherwise(pct_up)
        hit_down = pl.when(grid).then(price_down).otherwise(pct_down)
    hit_up = (hit_up & up.is_not_null()).fill_null(False).alias("is_limit_up")
    hit_down = (hit_down & down.is_not_null()).fill_null(False).alias("is_limit_down")
    return [hit_up, hit_down]


def pre_close_expr(columns: list[str], method: str) -> pl.Expr:
    """Previous close: the column where it has a value, else close / (1 + pct_chg), cent-rounded where the price
    is real (method price, or auto on a row `real_price_row` judges real). A null in the column (a shard or a
    period without it) would otherwise switch limit detection off on that row under every method."""
    derived = pl.col("close") / (1 + pl.col("pct_chg"))
    if method == "price":
        derived = round_half_up_cents(derived)
    elif method == "auto":
        derived = pl.when(real_price_row(columns)).then(round_half_up_cents(derived)).otherwise(derived)
    if "pre_close" in columns:
        return pl.col("pre_close").fill_null(derived).alias("_pre_close")
    return derived.alias("_pre_close")


def one_price_expr(columns: list[str]) -> pl.Expr:
    """One-price limit day: open = high = low = close at a limit (needs OHLC; False without it)."""
    if not {"open", "high", "low"} <= set(columns):
        return pl.lit(False).alias("is_one_price")
    same = (pl.col("open") == pl.col("high")) & (pl.col("high") == pl.col("low")) & (pl.col("low") == pl.col("close"))
    return (same & (pl.col("is_limit_up") | pl.col("is_limit_down"))).fill_null(False).alias("is_one_price")


def with_limit_flags(lf: pl.LazyFrame, columns: list[str], method: str,
                     rules: tuple[LimitRule, ...] = LIMIT_RULES) -> pl.LazyFrame:
    """Add limit fractions, limit flags and one-price flags. Needs `board, is_st, listing_day, listed_on`."""
    up, down, has = limit_pct_exprs(rules)
    return (
        lf.with_columns(up, down, has, pre_close_expr(columns, method))
        .with_columns(limit_flag_exprs(method, columns))
        .with_columns(one_price_expr(columns))
        .drop("_pre_close")
    )
