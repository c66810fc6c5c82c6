"""Supervised labels for the SL track, all with T+1 entry and causal by construction.

A decision made at the close of t is filled at the close of t+1 (T+1); every label here is a function of the
compounded `pct_chg` price index over dates t+1 … t+horizon only; a row whose entry cannot be filled (not
`can_buy` at t+1) is 0, what the env and eval credit such a pick. Where that window leaves the panel, the label
is NaN: those rows are dropped by the dataset, never zero-filled (a stock without a bar at the exit is marked at its
last close, as in `Panel.forward_returns`).
Each builder returns a `Label` with its values [T, N], its horizon (the last day offset the label reads) and
`last_valid` (the index of the last decision date whose window fits inside the panel).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from aurumq_rl.data.labels import MAIN_WAVE_MAX_HOLD, best_close_gain, days_after_entry, main_wave_returns
from aurumq_rl.data.panel import Panel, simple_return
from aurumq_rl.errors import DataError
from aurumq_rl.eval.backtest import DEFAULT_HIT_THRESHOLD

LABEL_KINDS: tuple[str, ...] = ("forward_return", "main_wave", "binary", "triple_barrier", "trend_scan")
MAIN_WAVE_HIT_THRESHOLD = DEFAULT_HIT_THRESHOLD  # hit: best close in the main-wave hold ≥ entry × 1.05, as eval's
EVENT_POSITIVE_RATE = 0.008  # default target share of positives for calibrated binary event labels
TREND_T_CLIP = 20.0  # |t-value| cap of trend-scanning labels (flat windows give huge t-values)


@dataclass
class Label:
    """A [T, N] label with the bookkeeping needed to keep it causal.

    `horizon`: the label of date t reads returns up to the close of t + horizon (so an embargo of horizon + 1
    dates separates windows). `last_valid`: the last date index whose label window fits in the panel.
    `binary`: values are 0/1 (classification); otherwise regression.
    """

    name: str
    values: np.ndarray  # [T, N] float64, NaN where unknown
    horizon: int
    last_valid: int
    binary: bool = False
    meta: dict[str, object] = field(default_factory=dict)


def _finish(panel: Panel, name: str, values: np.ndarray, horizon: int, binary: bool = False,
            **meta: object) -> Label:
    """NaN where the window passes the end of the data, 0 where the T+1 entry cannot be filled, then wrap in a
    `Label`. A stock whose bars stop inside the window keeps its value, marked at its last close, as in
    `Panel.forward_returns`. Unfillable (`can_buy` false at t+1: suspended, limit-up, new listing, no row): the
    env and eval credit such a pick 0 (it stays cash), so its label is 0 too, the no-trade value of every label
    kind; its hypothetical return after the limit-up (+2.1% mean 5-day excess on the real CSI 300 sample,
    against −0.02% for the rest) taught the model to chase names it could never have bought."""
    t_n = len(panel.dates)
    values = np.asarray(values, dtype=np.float64).copy()
    fillable = np.zeros(values.shape, dtype=bool)
    fillable[:-1] = panel.can_buy[1:]
    values = np.where(np.isfinite(values) & ~fillable, 0.0, values)
    values[max(t_n - horizon, 0):] = np.nan
    return Label(name, values, horizon, t_n - 1 - horizon, binary, dict(meta))


def cross_sectional_demean(x: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """x minus its per-date mean over `mask` & finite (NaN elsewhere)."""
    ok = mask & np.isfinite(x)
    n = ok.sum(1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(ok, x, 0.0).sum(1, keepdims=True) / n
    return np.where(ok, x - mean, np.nan)


def forward_excess(panel: Panel, fp: int = 5) -> Label:
    """Forward return over fp days after a T+1 entry (`Panel.forward_returns`) minus the universe mean of
    that date. Horizon fp + 1."""
    fwd = panel.forward_returns(fp)
    return _finish(panel, "forward_return", cross_sectional_demean(fwd, panel.in_universe), fp + 1, fp=fp)


def main_wave(panel: Panel) -> Label:
    """Main-wave hold return, the RL `main_wave` reward's definition (`data.labels.main_wave_returns`):
    entry at the close of t+1, exit the day after the first death cross (MA5 falls below MA10), or after 5 days."""
    ret, _ = main_wave_returns(panel)
    return _finish(panel, "main_wave", ret, MAIN_WAVE_MAX_HOLD + 1, max_hold=MAIN_WAVE_MAX_HOLD)


def main_wave_hit(panel: Panel, threshold: float = MAIN_WAVE_HIT_THRESHOLD) -> Label:
    """1 when the best close within the main-wave hold (entry t+1, up to its exit day) reaches
    entry × (1 + threshold), else 0; the binary companion of `main_wave` (threshold 5%, eval's hit rate)."""
    ret, days = main_wave_returns(panel)
    logp = panel.log_price()
    h_max = MAIN_WAVE_MAX_HOLD
    gain = np.full(logp.shape, -1.0)
    n_valid = len(logp) - 1 - h_max
    if n_valid > 0:  # each decision's own hold (`days`: 1 … 5); rounded: an exact +5% close is a hit
        gain[:n_valid] = best_close_gain(logp, np.arange(1, 1 + n_valid), days[:n_valid])
    hit = np.where(np.isfinite(ret), (gain >= threshold).astype(np.float64), np.nan)
    return _finish(panel, "main_wave_hit", hit, h_max + 1, binary=True, threshold=threshold)


def event_threshold(values: np.ndarray, mask: np.ndarray, rate: float) -> float:
    """The value whose exceedance share over `mask` & finite is `rate` (the (1 − rate) quantile)."""
    v = values[mask & np.isfinite(values)]
    if not len(v):
        raise DataError("binary label: no finite label in the calibration window; widen the training dates")
    return float(np.quantile(v, 1.0 - rate))


def binary_event(panel: Panel, fp: int = 5, rate: float = EVENT_POSITIVE_RATE,
                 calib: tuple[int, int] | None = None) -> Label:
    """1 when the fp-day forward excess return reaches a threshold chosen so that a share `rate` of the
    rows of the calibration window (date indices [lo, hi], the training window; default all) is positive.

    The threshold is fitted on the calibration window only and then applied to every date.
    """
    if not 0.0 < rate < 1.0:
        raise DataError(f"binary label: positive rate {rate} must lie in (0, 1), e.g. 0.008")
    base = forward_excess(panel, fp)
    t_n = len(panel.dates)
    lo, hi = calib if calib is not None else (0, t_n - 1)
    in_calib = np.zeros(t_n, dtype=bool)
    in_calib[max(lo, 0):hi + 1] = True
    thr = event_threshold(base.values, panel.in_universe & in_calib[:, None], rate)
    vals = np.where(np.isfinite(base.values), (base.values >= thr).astype(np.float64), np.nan)
    # an unfillable entry reads an excess of 0, which reaches a threshold below 0 (a rate of about a half or more):
    # `_finish` sets it back to 0, no event, as for every label kind
    return _finish(panel, "binary", vals, base.horizon, binary=True, fp=fp, rate=rate, threshold=thr,
                   calib=[int(lo), int(hi)])


def triple_barrier(panel: Panel, horizon_days: int = 10, profit_take: float = 0.05, stop_loss: float = 0.05
                   ) -> Label:
    """Triple barrier from the entry close of t+1: +1 if the close first reaches entry × (1 + profit_take),
    −1 if it first reaches entry × (1 − stop_loss), 0 if neither happens within `horizon_days` (the time
    barrier). Closes only (daily data cannot order intraday touches). meta["days"] holds the day of the
    first touch (horizon_days at the time barrier)."""
    if horizon_days < 1 or profit_take <= 0 or stop_loss <= 0:
        raise DataError("triple_barrier: horizon_days ≥ 1 and positive profit_take / stop_loss are required")
    logp = panel.log_price()
    t_n = len(logp)
    out = np.full(logp.shape, np.nan)
    days = np.zeros(logp.shape, dtype=np.int16)
    n_valid = t_n - 1 - horizon_days
    if n_valid > 0:
        base = logp[1:1 + n_valid]
        # rounded like `Panel.forward_returns`: the index differences carry float noise that depends on where the
        # panel starts, and a close exactly on a barrier (an ST limit move of ±5%) must touch it every time
        gains = np.stack([simple_return(logp[1 + h:1 + h + n_valid] - base) for h in range(1, horizon_days + 1)])
        up, down = gains >= profit_take, gains <= -stop_loss  # [H, n, N]
        h = np.arange(1, horizon_days + 1)[:, None, None]
        first_up = np.where(up, h, horizon_days + 1).min(0)
        first_down = np.where(down, h, horizon_days + 1).min(0)
        label = np.where(first_up < first_down, 1.0, np.where(first_down < first_up, -1.0, 0.0))
        out[:n_valid] = label
        days[:n_valid] = np.minimum(np.minimum(first_up, first_down), horizon_days)
    return _finish(panel, "triple_barrier", out, horizon_days + 1, profit_take=profit_take, stop_loss=stop_loss,
                   horizon_days=horizon_days, days=days)


def trend_scan(panel: Panel, min_len: int = 5, max_len: int = 20) -> Label:
    """Trend scanning (López de Prado): for each window length L in min_len..max_len, regress the log price
    index over the entry close of t+1 and the L closes after it on time; the label is the slope's t-value of
    the L with the largest |t| (clipped to ±20; sign = trend direction). Horizon max_len + 1."""
    if not 3 <= min_len <= max_len:
        raise DataError(f"trend_scan: need 3 ≤ min_len ({min_len}) ≤ max_len ({max_len})")
    y = panel.log_price()
    t_n, n_n = y.shape
    n_valid = t_n - 1 - max_len
    best = np.full((t_n, n_n), np.nan)
    if n_valid > 0:
        j = np.arange(t_n, dtype=np.float64)[:, None]
        zero = np.zeros((1, n_n))
        cy = np.concatenate([zero, np.cumsum(y, 0)])  # cy[k] = Σ y[0..k-1]
        cjy = np.concatenate([zero, np.cumsum(j * y, 0)])
        cyy = np.concatenate([zero, np.cumsum(y * y, 0)])
        s = np.arange(1, 1 + n_valid)[:, None]  # window start (entry day) per decision date
        top = np.zeros((n_valid, n_n))
        for length in range(min_len, max_len + 1):  # loop over window lengths, vectorised over the panel
            m = length + 1  # points: entry close plus `length` closes
            sy = cy[s[:, 0] + m] - cy[s[:, 0]]
            sjy = cjy[s[:, 0] + m] - cjy[s[:, 0]]
            syy = cyy[s[:, 0] + m] - cyy[s[:, 0]]
            sxy = sjy - s * sy - (m - 1) / 2.0 * sy  # Σ (x − x̄) y with x = 0..m-1
            sxx = m * (m * m - 1) / 12.0
            b = sxy / sxx
            syy_c = np.maximum(syy - sy * sy / m, 0.0)  # centred sum of squares
            ssr = np.maximum(syy_c - b * sxy, 0.0)
            with np.errstate(invalid="ignore", divide="ignore"):
                tval = b / np.sqrt(ssr / (m - 2) / sxx)
            perfect = ssr <= 1e-9 * syy_c  # a straight line: the t-value is unbounded
            tval = np.where(syy_c <= 1e-12 * m, 0.0, np.where(perfect, np.sign(b) * TREND_T_CLIP, tval))
            tval = np.clip(np.nan_to_num(tval, nan=0.0), -TREND_T_CLIP, TREND_T_CLIP)
            top = np.where(np.abs(tval) > np.abs(top), tval, top)
        best[:n_valid] = top
    return _finish(panel, "trend_scan", best, max_len + 1, min_len=min_len, max_len=max_len)


def build_label(panel: Panel, kind: str, fp: int = 5, *, calib: tuple[int, int] | None = None,
                rate: float = EVENT_POSITIVE_RATE) -> Label:
    """Dispatch on the CLI label name (`LABEL_KINDS`); `calib` is the training window for `binary`."""
    if kind == "forward_return":
        return forward_excess(panel, fp)
    if kind == "main_wave":
        return main_wave(panel)
    if kind == "binary":
        return binary_event(panel, fp, rate, calib)
    if kind == "triple_barrier":
        return triple_barrier(panel, horizon_days=max(fp, 2))
    if kind == "trend_scan":
        return trend_scan(panel, min_len=min(5, max(fp, 3)), max_len=max(fp, 5) * 4)
    raise DataError(f"--label {kind}: choose one of {', '.join(LABEL_KINDS)}")


def label_horizon(kind: str, fp: int) -> int:
    """Horizon of `build_label(kind, fp)` without building it (for splitting before loading labels): the dates
    after the decision its window reads, the T+1 entry day included."""
    if kind in ("forward_return", "main_wave"):
        return 1 + days_after_entry(kind, fp)
    if kind == "binary":
        return fp + 1
    if kind == "triple_barrier":
        return max(fp, 2) + 1
    if kind == "trend_scan":
        return max(fp, 5) * 4 + 1
    raise DataError(f"--label {kind}: choose one of {', '.join(LABEL_KINDS)}")
