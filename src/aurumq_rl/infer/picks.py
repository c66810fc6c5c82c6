"""Tomorrow's picks from scores: the same selection as the env and the backtest (top-K under the industry
cap, equal or Strategy D weights; tied scores in `eval`'s order, a hash of (date, code)), after removing what
the next session's rules forbid buying when known.

A decision at the close of t fills at the close of t+1. When t+1 is in the data (a historical replay), a stock
that cannot be bought then (`Panel.can_buy`: suspended, one-price, limit-up or newly listed) is excluded
before ranking, so the next name takes its slot, as a trader placing the orders at t+1 would. The env and the
backtest keep the ranking of t and hold that slot in cash instead: replayed picks can differ from theirs on
such dates. For the latest date the next session is unknown and `next_day_known` is False.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from aurumq_rl.data.check import thin_dates
from aurumq_rl.data.panel import Panel
from aurumq_rl.eval.metrics import tie_broken
from aurumq_rl.market.selection import INDUSTRY_CAP, position_weights, select_top_k

PICK_SCHEMA: dict[str, pl.DataType] = {
    "trade_date": pl.Date(), "rank": pl.Int32(), "ts_code": pl.String(), "score": pl.Float64(),
    "weight": pl.Float64(), "board": pl.String(), "industry": pl.String(), "next_day_known": pl.Boolean()}


def buyable_next_day(panel: Panel, t: int) -> tuple[np.ndarray, bool]:
    """([N] may be bought at the close of t+1, whether t+1 is known); all True when it is not known."""
    if t + 1 >= len(panel.dates):
        return np.ones(len(panel.codes), dtype=bool), False
    return panel.can_buy[t + 1], True


def thin_date_warning(counts: pl.DataFrame, days: np.datetime64 | np.ndarray) -> str | None:
    """A warning when a decision date of `days` (one or many) holds far fewer stocks than the dates before it
    (`data.check.thin_dates`): typically data downloaded before the day was complete, so the picks come from
    part of the market. `counts`: rows per date of the whole source (`data.check.date_counts`), so a window
    that starts at a day is still judged against the dates before it (the rule looks back only, so one pass
    over the whole history judges every day)."""
    dates = counts["trade_date"].to_numpy().astype("datetime64[D]")
    n = counts["len"].to_numpy()
    thin, median = thin_dates(n)
    want = np.atleast_1d(np.asarray(days, dtype="datetime64[D]"))
    i = np.minimum(np.searchsorted(dates, want), len(dates) - 1)
    hit = np.unique(i[(dates[i] == want) & thin[i]]) if len(dates) else np.zeros(0, np.int64)
    if not len(hit):
        return None
    t = int(hit[0])
    more = f" (and {len(hit) - 1} more decision date(s) like it)" if len(hit) > 1 else ""
    return (f"{dates[t]} holds {n[t]} stocks against a median of {median[t]:.0f} on the dates before "
            f"it: the data of that day looks incomplete, so the picks come from part of the market{more}")


def thin_next_day_warning(counts: pl.DataFrame, panel: Panel, scores: np.ndarray, t_idx: np.ndarray) -> str | None:
    """A warning when the next session of a decision date in `t_idx` is in the data but thin (`thin_dates`:
    far fewer stocks than the dates before it, typically a day downloaded before it was complete): a scored
    universe stock with no bar there counts as suspended and is excluded from the picks, so the picks replace
    names only because the data of that day is missing. `counts`: rows per date of the whole source."""
    days = counts["trade_date"].to_numpy().astype("datetime64[D]")
    thin, median = thin_dates(counts["len"].to_numpy())
    n = counts["len"].to_numpy()
    said = []
    for t in t_idx:
        if t + 1 >= len(panel.dates):
            continue
        i = int(np.searchsorted(days, panel.dates[t + 1]))
        if i >= len(days) or days[i] != panel.dates[t + 1] or not thin[i]:
            continue
        lost = int((panel.in_universe[t] & np.isfinite(scores[t]) & ~panel.present[t + 1]).sum())
        if lost:
            said.append(f"{panel.dates[t + 1]} (next session of {panel.dates[t]}: {n[i]} stocks against a median "
                        f"of {median[i]:.0f}; {lost} scored candidate(s) have no bar there)")
    if not said:
        return None
    return (f"the next session looks incomplete on {len(said)} decision date(s): {'; '.join(said[:3])}"
            f"{' …' if len(said) > 3 else ''}. A stock with no bar on the next session counts as suspended and "
            "was excluded from the picks, the next names taking its slots; if that day's data is incomplete, "
            "complete it or decide on the last complete date (the next session then unknown)")


def picks_for_date(panel: Panel, scores: np.ndarray, t: int, top_k: int, *, sizing: str = "equal",
                   industry_cap: float | None = INDUSTRY_CAP) -> pl.DataFrame:
    """The top-K picks of date index t from [T, N] scores (NaN = not scored), ranked 1..K."""
    s = scores[t]
    ok_next, known = buyable_next_day(panel, t)
    valid = panel.in_universe[t] & np.isfinite(s) & ok_next
    ind = panel.industry[t] if panel.industry is not None else None
    # tied scores are ordered by the hash of (date, code) `eval` orders them by (`eval.metrics.tie_broken`), so
    # the picks served are the top K eval judged; code order sorts by exchange, board and listing age
    key = tie_broken(s[None], valid[None], panel.dates[t:t + 1], panel.codes)[0]
    chosen = select_top_k(np.where(valid, key, 0.0), valid, top_k, ind, industry_cap)
    w = position_weights(np.where(chosen, s, 0.0), chosen, sizing)
    idx = np.flatnonzero(chosen)
    idx = idx[np.argsort(-key[idx], kind="stable")]  # by score, ties in the same hash order
    names = np.asarray([*panel.industry_names, None], dtype=object)  # index -1: unknown
    industry = names[ind[idx]] if ind is not None else np.full(len(idx), None, dtype=object)
    frame = pl.DataFrame({
        "trade_date": np.full(len(idx), panel.dates[t], dtype="datetime64[D]"),
        "rank": np.arange(1, len(idx) + 1, dtype=np.int32),
        "ts_code": panel.codes[idx].astype(str),
        "score": s[idx].astype(np.float64),
        "weight": np.asarray(w)[idx].astype(np.float64),
        "board": panel.board[idx].astype(str),
        "industry": pl.Series(list(industry), dtype=pl.String),
        "next_day_known": np.full(len(idx), known),
    })
    return frame.cast(PICK_SCHEMA)


def picks_for_range(panel: Panel, scores: np.ndarray, t_idx: np.ndarray, top_k: int, *, sizing: str = "equal",
                    industry_cap: float | None = INDUSTRY_CAP) -> pl.DataFrame:
    """Picks of several decision dates, stacked (batch mode)."""
    frames = [picks_for_date(panel, scores, int(t), top_k, sizing=sizing, industry_cap=industry_cap) for t in t_idx]
    return pl.concat(frames) if frames else pl.DataFrame(schema=PICK_SCHEMA)
