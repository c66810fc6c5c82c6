"""Trade labels shared by the RL rewards, the SL track and evaluation, all with T+1 entry.

A decision made at the close of t enters at the close of t+1. Labels are NaN where their window leaves the
panel (never zero-filled), so a consumer can tell "unknown" from "flat".
"""

from __future__ import annotations

from datetime import date

import numpy as np

from aurumq_rl.data.panel import RETURN_DECIMALS, Panel, simple_return

MAIN_WAVE_MAX_HOLD = 5
# trading days a panel holds before its first decision date so that the main-wave exit rule sees its MA10 from
# the first decision on (9 suffice: a cross at the entry close t+1 compares MA10 at t and t+1); without them the
# first decisions of a panel can never exit early and their label depends on where the panel was loaded
LABEL_WARMUP_DAYS = 20


def label_warmup_start(calendar: np.ndarray, start: object) -> date:
    """The trading date of `calendar` (sorted datetime64[D]) LABEL_WARMUP_DAYS before the first one on or after
    `start` (its first date when fewer precede): where a panel whose first decision is `start` must begin so a
    main-wave label is the same whatever window was loaded."""
    first = int(np.searchsorted(calendar, np.datetime64(start, "D"), "left"))
    return calendar[max(first - LABEL_WARMUP_DAYS, 0)].astype(object)


def _trailing_mean(x: np.ndarray, w: int) -> np.ndarray:
    """Trailing mean over the last w rows (NaN for the first w-1)."""
    c = np.cumsum(np.concatenate([np.zeros((1, x.shape[1])), x], axis=0), axis=0)
    out = np.full(x.shape, np.nan)
    out[w - 1:] = (c[w:] - c[:-w]) / w
    return out


def main_wave_returns(panel: Panel, max_hold: int = MAIN_WAVE_MAX_HOLD) -> tuple[np.ndarray, np.ndarray]:
    """Main-wave hold: enter at the close of t+1; exit at the close of the day after the first death cross
    u in t+1 … t+max_hold, else at t+1+max_hold. A death cross is a close u where MA5 < MA10 (on the
    total-return index) and the close before had MA5 ≥ MA10: a stock already below at entry is held for a
    fresh cross or the full hold. The signal needs u's close, so the sale is at u+1 at the earliest (the same
    rule as every decision); T+1 is met since u+1 ≥ t+2. Holding days 1 … max_hold.

    Returns (hold return [T, N], holding days [T, N]); NaN/0 where t+1+max_hold is past the panel's end.
    """
    p = np.exp(panel.log_price())  # total-return index
    t_n = p.shape[0]
    ma5, ma10 = _trailing_mean(p, 5), _trailing_mean(p, 10)
    # the trailing means are cumulative-sum differences on an index that starts at the panel's first date, so
    # their float noise depends on where the panel was loaded: an exact tie MA5 = MA10 (cent prices make them)
    # fell on either side by that noise. Rounded like `Panel.forward_returns`, a tie is a tie (at or above)
    gap = np.round(ma5 / ma10 - 1, 12)
    below, at_or_above = gap < 0, gap >= 0  # NaN warm-up compares False in both
    cross = np.zeros_like(below)
    cross[1:] = below[1:] & at_or_above[:-1]
    ret = np.full(p.shape, np.nan)
    days = np.zeros(p.shape, dtype=np.int16)
    n_valid = t_n - 1 - max_hold
    if n_valid <= 0:
        return ret, days
    entry = p[1:1 + n_valid]
    # exit offset h (1..max_hold) after entry: the first h whose previous close t+h is a death cross
    conds = np.stack([cross[h: h + n_valid] for h in range(1, max_hold + 1)])  # [H, n, N]
    first = np.where(conds.any(0), conds.argmax(0) + 1, max_hold)
    exit_idx = np.arange(n_valid)[:, None] + 1 + first
    hold = np.round(np.take_along_axis(p, exit_idx, axis=0) / entry - 1, RETURN_DECIMALS)
    ret[:n_valid] = hold  # bars that stop before the exit: marked at the last close (`Panel.forward_returns`)
    days[:n_valid] = first
    return ret, days


def best_close_gain(logp: np.ndarray, entry: np.ndarray, days: np.ndarray | int,
                    stock: np.ndarray | None = None) -> np.ndarray:
    """The best close within a hold, as a simple return rounded as `Panel.forward_returns` (a close exactly at a
    threshold reaches it wherever the panel starts): max over h = 1 … days of exp(logp[entry + h] − logp[entry])
    − 1 of the stock (`logp` [T, N]: the log total-return index, `Panel.log_price`; entry at the close of `entry`).

    With `stock`: one hold per row, `entry`, `stock` and `days` [R] (the trade log). Without: every stock on
    each entry date `entry` [R] → [R, N], `days` an int or [R, N]. −1 where days < 1; every entry + days
    must lie in the panel. The one implementation of eval's `max_gain`, the trade log's `max_gain`
    (`eval.backtest`) and the SL `main_wave_hit` label; it loops over the hold length only, vectorised over
    the rows (whole rows of `logp` without `stock`: a row gather, as fast as slicing).
    """
    entry, days = np.asarray(entry), np.asarray(days)
    last = len(logp) - 1
    if (((entry if stock is not None else entry[:, None]) + days > last) & (days >= 1)).any():
        raise ValueError(f"best_close_gain: a hold leaves the panel (last date index {last})")

    def close(i: np.ndarray) -> np.ndarray:
        return logp[i] if stock is None else logp[i, stock]

    base = close(entry)
    top = np.full(np.broadcast_shapes(base.shape, days.shape), -np.inf)
    for h in range(1, int(days.max(initial=0)) + 1):
        np.maximum(top, close(np.minimum(entry + h, last)), out=top, where=days >= h)
    return simple_return(top - base)  # = the max of the gains: x − base is monotone in x


def trade_label(panel: Panel, kind: str, fp: int) -> np.ndarray:
    """[T, N] label of a decision at t: `forward_return` (fp days after a T+1 entry) or `main_wave`."""
    if kind == "forward_return":
        return panel.forward_returns(fp)
    if kind == "main_wave":
        return main_wave_returns(panel)[0]
    raise ValueError(f"label kind '{kind}': choose forward_return or main_wave")


def trade_label_days(panel: Panel, kind: str, fp: int) -> np.ndarray:
    """[T, N] trading days each label of `trade_label` spans after the entry: fp for `forward_return`, the
    hold of each pick for `main_wave` (1 … 5; 0 where the window leaves the panel)."""
    if kind == "forward_return":
        return np.full(panel.pct_chg.shape, fp, dtype=np.int16)
    if kind == "main_wave":
        return main_wave_returns(panel)[1]
    raise ValueError(f"label kind '{kind}': choose forward_return or main_wave")


def days_after_entry(kind: str, fp: int) -> int:
    """Days after the T+1 entry that the label of `kind` (forward_return | main_wave) reads; the label of a
    decision at t reads up to date t + 1 + this (`sl.labels.label_horizon` counts from t: one more)."""
    return fp if kind == "forward_return" else MAIN_WAVE_MAX_HOLD


def last_label_date_index(n_dates: int, kind: str, fp: int) -> int:
    """Index of the last decision date whose label window fits inside a panel of `n_dates` dates."""
    return n_dates - 2 - days_after_entry(kind, fp)


EVAL_LABELS: tuple[str, ...] = ("forward_return", "main_wave")  # the labels `eval` reports (fp and main-wave holds)


def last_decision_index(n_dates: int, fp: int, kinds: tuple[str, ...] = EVAL_LABELS) -> int:
    """Index of the last decision date whose label of every kind in `kinds` fits: one end for every figure
    of an evaluation (`eval`'s window and `evaluate_scores` share it)."""
    return min(last_label_date_index(n_dates, k, fp) for k in kinds)
