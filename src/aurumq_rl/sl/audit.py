"""Research-validity checks: null tests (the pipeline on destroyed labels must find nothing) and a leakage audit.

Null tests train the same ensemble on the same rows with the training/validation target shuffled and score
the untouched test window against the true label:
- `label_shuffle`: labels permuted among the stocks of each date (kills the cross-sectional link);
- `date_shuffle`: whole label cross-sections moved to dates far away in the same window (kills the time link;
  see `shuffle_dates` for why the move is a cyclic shift rather than a plain permutation).
Both must give a test rank IC ≈ 0 and a top-decile lift ≈ 1 while the real model beats them.

Leakage audit: per feature, the mean rank IC with what lies ahead of the decision (the label; the next day's
return) versus what is already known at t (the return over the past horizon; the label of a decision made
horizon dates earlier). A causal feature can correlate with the past as much as it likes; one whose |IC|
with the future is large (≥ `threshold`) and several times its best |IC| with the past is flagged.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from aurumq_rl.data.normalize import average_ranks
from aurumq_rl.data.panel import Panel
from aurumq_rl.errors import DataError
from aurumq_rl.eval.ic import MIN_STOCKS, ic_series
from aurumq_rl.sl.dataset import Split, feature_cube
from aurumq_rl.sl.labels import Label
from aurumq_rl.sl.models import GBDTParams
from aurumq_rl.sl.pipeline import train_split, window_ic

LEAK_IC_THRESHOLD = 0.2  # mean rank IC with the future beyond anything a real daily factor achieves
LEAK_PAST_RATIO = 3.0
TOP_FRACTION = 0.1
DATE_SHIFT_MIN = 60  # dates between a feature row and the label row a date-shuffle pairs it with


def shuffle_within_dates(values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Permute each row's finite values among that row's finite positions (NaN positions stay NaN)."""
    valid = np.isfinite(values)
    slots = np.argsort(~valid, axis=1, kind="stable")  # finite positions first, in order
    donors = np.argsort(np.where(valid, rng.random(values.shape), np.inf), axis=1)  # finite, random order
    out = np.full(values.shape, np.nan)
    np.put_along_axis(out, slots, np.take_along_axis(values, donors, axis=1), axis=1)
    return np.where(valid, out, np.nan)


def shuffle_dates(values: np.ndarray, windows: list[tuple[int, int]], rng: np.random.Generator,
                  min_shift: int = DATE_SHIFT_MIN) -> np.ndarray:
    """Move whole label rows to other dates within each window [lo, hi] by a random cyclic shift k with
    min(k, L − k) ≥ min(min_shift, L // 4) (L = window length): every feature row meets a label at least that
    many dates away, so no look-back feature (momentum over the past weeks) contains the label it is paired
    with — a plain permutation would pair many dates with nearby earlier labels and reward momentum."""
    out = values.copy()
    for lo, hi in windows:
        n = hi - lo + 1
        d = max(min(min_shift, n // 4), 1)
        k = int(rng.integers(d, n - d + 1)) if n - d >= d else n // 2
        out[lo:hi + 1] = values[lo + (np.arange(n) + k) % n]
    return out


def top_lift(scores: np.ndarray, truth: np.ndarray, mask: np.ndarray, lo: int, hi: int,
             top: float = TOP_FRACTION, binary: bool = True) -> dict[str, float]:
    """Mean label of each date's top `top` share by score versus the mean label of all rows (dates lo..hi):
    `lift` = ratio (0/1 labels only: hit rate in the top / base rate; NaN for returns, whose mean is ≈ 0),
    `top_minus_mean` = difference."""
    s, t, m = scores[lo:hi + 1], truth[lo:hi + 1], mask[lo:hi + 1]
    ok = m & np.isfinite(s) & np.isfinite(t)
    r = average_ranks(np.where(ok, s, np.nan)) / ok.sum(1, keepdims=True).clip(min=1)
    sel = ok & (r > 1 - top)
    base, best = float(t[ok].mean()) if ok.any() else np.nan, float(t[sel].mean()) if sel.any() else np.nan
    return {"lift": best / base if binary and base > 0 else float("nan"), "top_minus_mean": best - base}


def null_tests(panel: Panel, label: Label, split: Split, params: GBDTParams, seeds: list[int], *,
               features: str = "raw", seed: int = 0, fp: int = 5,
               **kw: Any) -> dict[str, Any]:
    """Real model vs label-shuffle and date-shuffle nulls: test-window rank IC and top-decile lift of each,
    scored against the true label."""
    rng = np.random.default_rng(seed)
    windows = [split.train, split.val]
    fitted = np.zeros(len(panel.dates), dtype=bool)
    for lo, hi in windows:
        fitted[lo:hi + 1] = True
    variants = {
        "real": label.values,
        "label_shuffle": np.where(fitted[:, None], shuffle_within_dates(label.values, rng), label.values),
        # shifted by at least the label horizon too: a nearer label shares return days with the true one
        "date_shuffle": shuffle_dates(label.values, windows, rng, max(DATE_SHIFT_MIN, label.horizon)),
    }
    report: dict[str, Any] = {"label": label.name, "split": split.as_dates(panel.dates)}
    lo, hi = split.test
    for name, vals in variants.items():
        lab = Label(label.name, vals, label.horizon, label.last_valid, label.binary, dict(label.meta))
        run = train_split(panel, lab, split, params, seeds, features=features, fp=fp, **kw)
        report[name] = {**window_ic(run.scores, label.values, panel.in_universe, lo, hi),
                        **top_lift(run.scores, label.values, panel.in_universe, lo, hi, binary=label.binary)}
    report["real_beats_nulls"] = beats_nulls(report["real"]["rank_ic"],
                                             [report[k]["rank_ic"] for k in ("label_shuffle", "date_shuffle")])
    return report


def beats_nulls(real: float, nulls: list[float]) -> bool:
    """The real label's rank IC is above twice the largest |null rank IC|. A null without a rank IC (NaN: its
    model scored every stock alike) found nothing, so it counts as 0; it made the verdict depend on the nulls'
    order (`max` skips a NaN after a number but returns one before it)."""
    worst = max((abs(x) for x in nulls if x == x), default=0.0)
    return bool(real > 2 * worst)


def _past_return(panel: Panel, horizon: int) -> np.ndarray:
    """Return over the `horizon` dates ending at the close of t (known at the decision)."""
    logp = panel.log_price()
    out = np.full(logp.shape, np.nan)
    out[horizon:] = np.expm1(logp[horizon:] - logp[:-horizon])
    return out


def _mean_ic(x: np.ndarray, truth: np.ndarray, mask: np.ndarray) -> float:
    """Mean per-date rank IC over the dates where it is defined (NaN when none is)."""
    ic = ic_series(x, truth, mask)
    ic = ic[np.isfinite(ic)]
    return float(ic.mean()) if len(ic) else float("nan")


def leakage_audit(panel: Panel, label: Label, *, features: str = "raw", threshold: float = LEAK_IC_THRESHOLD,
                  ratio: float = LEAK_PAST_RATIO, columns: list[int] | None = None) -> dict[str, Any]:
    """Per-feature mean rank IC with the future (label, next-day return) and the past (past-horizon return,
    the label lagged by its horizon); flags features that look like the future leaked in."""
    t_n = len(panel.dates)
    h = label.horizon
    uni = panel.in_universe
    if not ((np.isfinite(label.values) & uni).sum(1) >= MIN_STOCKS).any():
        # every IC with the label would be NaN and no feature could reach the threshold: "0 flagged" would pass
        # a feature that is the label itself
        raise DataError(f"leakage audit: the label {label.name} has no date with a value for {MIN_STOCKS} universe "
                        f"stocks (it reads {h} trading day(s) past each decision; the data holds {t_n} dates), so "
                        "no feature can be compared with it; shorten --forward-period, give more dates, or check "
                        "--universe")
    next_day = np.full(panel.pct_chg.shape, np.nan)
    next_day[:-1] = np.where(panel.present[1:], panel.pct_chg[1:], np.nan)
    lagged = np.full(label.values.shape, np.nan)
    lagged[h:] = label.values[:-h]
    future = {"label": label.values, "next_day_return": next_day}
    past = {"past_return": _past_return(panel, h), "lagged_label": lagged}
    cols = list(range(len(panel.factor_names))) if columns is None else columns
    per: dict[str, dict[str, float]] = {}
    flagged = []
    for c in cols:  # loop over features, each IC vectorised over dates
        x = feature_cube(panel, 0, t_n - 1, features, [c])[:, :, 0].astype(np.float64)
        fut = {k: _mean_ic(x, v, uni) for k, v in future.items()}
        pst = {k: _mean_ic(x, v, uni) for k, v in past.items()}
        f_max = max((abs(v) for v in fut.values() if np.isfinite(v)), default=0.0)
        p_max = max((abs(v) for v in pst.values() if np.isfinite(v)), default=0.0)
        name = panel.factor_names[c]
        per[name] = {**{f"future_{k}": v for k, v in fut.items()}, **{f"past_{k}": v for k, v in pst.items()}}
        if f_max >= threshold and f_max >= ratio * p_max:
            flagged.append(name)
    return {"label": label.name, "horizon": h, "threshold": threshold, "ratio": ratio, "flagged": flagged,
            "features": per}
