"""Time-series building blocks of the technical families (`factors.technical`), as staged `X` operators.

Every operator here has a *finite* lookback, so a value at row t depends on a fixed number of the stock's past
rows only. That is what makes date-batched evaluation (the engine's warm-up overlap) exact, and what keeps a
factor's value independent of where the data happen to start:

- `ema`: an exponentially weighted mean over a finite window whose dropped tail weighs < `EMA_TAIL` of the total
  (weights renormalised to sum 1). The recursive EMA (`ewm_mean(adjust=False)`) instead depends on its seed,
  i.e. on the first row of the data.
- `decay_event`: `data.events.exp_decay` (exp(-rows since the last event / tau), 1 on the event day, 0 with no
  event) with events older than `horizon` rows forgotten (value 0 instead of < exp(-horizon / tau)).
- `streak`: length of the run of true flags ending today, capped at `cap`.
- `warm_up`: nulls the stock's first rows. `decay_event` and `streak` give a value from the first row (0, or a
  partial run) although an event before the data could not be seen; the technical factors built on them pass
  through `warm_up` so that, like every windowed factor, they are null until their lookback is reached.

Rows are the stock's own bars in date order (a suspension without bars does not break a window).
"""

from __future__ import annotations

import math

import polars as pl

from aurumq_rl.data.events import EVENT_TAU_DAYS
from aurumq_rl.factors.expr import F64, X, ts
from aurumq_rl.factors.ops_rolling import weighted_sum

EMA_TAIL = 1e-3  # weight share beyond the truncated EMA window
EVENT_HORIZON = 100  # rows an event is remembered: exp(-100 / 10) = 4.5e-5 is dropped to 0


def ema_length(alpha: float, tail: float = EMA_TAIL) -> int:
    """Window length L of a truncated EMA with smoothing `alpha`: the smallest L with (1 - alpha)^L <= tail."""
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    return max(1, math.ceil(math.log(tail) / math.log(1.0 - alpha) - 1e-12))


def ema_weights(alpha: float, length: int) -> list[float]:
    """Truncated-EMA weights, oldest first, summing to 1: w_i ∝ alpha (1 - alpha)^i for i = 0 (today) .. L-1."""
    raw = [alpha * (1.0 - alpha) ** i for i in range(length)]
    total = sum(raw)
    return [w / total for w in reversed(raw)]


def weighted_window(x: object, weights: list[float]) -> X:
    """Rolling weighted sum Σ w_j x_{t-L+1+j} (weights oldest first); null when the window holds a null."""
    return ts(x, lambda e: weighted_sum(e, weights))


def ema(x: object, *, span: int | None = None, alpha: float | None = None) -> tuple[X, int]:
    """Truncated EMA of x and its window length. `span` gives alpha = 2 / (span + 1) (MACD); `alpha` directly
    (GTJA/KDJ SMA(x, n, m) has alpha = m / n). A full window is required: the first L - 1 rows are null."""
    if (span is None) == (alpha is None):
        raise ValueError("give exactly one of span, alpha")
    a = 2.0 / (span + 1.0) if span is not None else float(alpha)  # type: ignore[arg-type]
    n = ema_length(a)
    return weighted_window(x, ema_weights(a, n)), n


def decay_event(flag: object, *, tau: float = EVENT_TAU_DAYS, horizon: int = EVENT_HORIZON) -> X:
    """exp(-(rows since the stock's most recent event) / tau), 1 on the event day; 0 when the last event is
    `horizon` or more rows back (or there is none). Null flags count as no event. Causal."""

    def f(e: pl.Expr) -> pl.Expr:
        hit = e.cast(pl.Boolean).fill_null(False)
        i = pl.int_range(pl.len(), dtype=pl.Int64)
        last = pl.when(hit).then(i).otherwise(None).forward_fill(limit=horizon - 1)
        return (-(i - last).cast(F64) / tau).exp().fill_null(0.0)

    return ts(flag, f)


def streak(flag: object, *, cap: int) -> X:
    """Number of consecutive rows with a true flag ending today (0 when today's flag is false or null),
    capped at `cap` so the value needs only the last `cap` rows."""

    def f(e: pl.Expr) -> pl.Expr:
        hit = e.cast(pl.Boolean).fill_null(False)
        i = pl.int_range(pl.len(), dtype=pl.Int64)
        last_miss = pl.when(hit.not_()).then(i).otherwise(None).forward_fill(limit=cap)
        run = pl.when(last_miss.is_null()).then(pl.min_horizontal(i + 1, pl.lit(cap))).otherwise(i - last_miss)
        return run.cast(F64)

    return ts(flag, f)


def warm_up(x: object, lookback: int) -> X:
    """x with the stock's first `lookback` rows null (the rows before a value could see its whole lookback).
    Positional on the stock's rows, hence exact under date batching: a batch loads at least `lookback` rows of
    each stock before the dates it keeps, or the stock's rows from its first."""

    def f(e: pl.Expr) -> pl.Expr:
        return pl.when(pl.int_range(pl.len(), dtype=pl.Int64) >= lookback).then(e)

    return ts(x, f)
