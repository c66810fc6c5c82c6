"""Walk-forward retraining: refit on anchor dates, score the next test window out of sample, stitch the scores.

Windows (date indices, inclusive), for each anchor = the first date of a test window:
- the training span ends `gap` dates before the anchor (gap ≥ label horizon + 1, so no training label
  window reaches the test window) and covers the last `train_days` dates (5 years of 252 by default) once the
  data allow, else everything from the first date (an expanding window);
- its last `val_share` is the early-stopping window, itself embargoed (horizon + 1 dates) from the fit part;
- test windows of `test_days` follow each other without overlap until the data end.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from aurumq_rl.data.panel import Panel
from aurumq_rl.errors import DataError
from aurumq_rl.sl.dataset import Split
from aurumq_rl.sl.labels import Label
from aurumq_rl.sl.models import GBDTParams
from aurumq_rl.sl.pipeline import train_split, window_ic

TRADING_YEAR = 252
LabelSource = Label | Callable[[tuple[int, int]], Label]  # a label, or a builder given the training window


@dataclass(frozen=True)
class WalkForwardConfig:
    """Window lengths in trading dates; `gap=None` uses the minimum, label horizon + 1."""

    train_days: int = 5 * TRADING_YEAR
    test_days: int = 63
    gap: int | None = None
    val_share: float = 0.2
    min_train_days: int = 120
    first_test: int | None = None  # date index of the first anchor (default: as early as min_train_days allows)

    def __post_init__(self) -> None:
        """Check the lengths on construction, so `sl walk-forward` fails before loading the data; each error
        names the flag (val_share has none), its value and its default."""
        default = {f.name: f.default for f in fields(self)}
        if self.test_days < 1:
            raise DataError(f"--test-days {self.test_days}: must be ≥ 1 (default {default['test_days']})")
        if self.min_train_days < 1:
            raise DataError(f"--min-train-days {self.min_train_days}: must be ≥ 1 (default "
                            f"{default['min_train_days']})")
        if self.train_days < self.min_train_days:
            raise DataError(f"--train-days {self.train_days} is below --min-train-days {self.min_train_days} "
                            f"(defaults {default['train_days']} and {default['min_train_days']}): the rolling "
                            "training span must hold at least the minimum; raise --train-days or lower "
                            "--min-train-days")
        if not 0 < self.val_share < 1:
            raise DataError(f"val_share {self.val_share}: must lie strictly between 0 and 1 "
                            f"(default {default['val_share']})")


def wf_windows(n_dates: int, horizon: int, cfg: WalkForwardConfig = WalkForwardConfig()) -> list[Split]:
    """The walk-forward splits (train = fit part, val = early-stopping part, test = out-of-sample window)."""
    emb = horizon + 1
    gap = emb if cfg.gap is None else cfg.gap
    if gap < emb:
        raise DataError(f"walk-forward gap {gap} is shorter than the label horizon + 1 ({emb}); use --gap ≥ {emb}")
    anchor = cfg.first_test if cfg.first_test is not None else cfg.min_train_days + gap
    out = []
    while anchor < n_dates:
        span_hi = anchor - gap - 1
        span_lo = max(0, span_hi - cfg.train_days + 1)
        n_val = max(int((span_hi - span_lo + 1) * cfg.val_share), 2)
        val_lo = span_hi - n_val + 1
        fit_hi = val_lo - emb - 1
        span = span_hi - span_lo + 1
        if fit_hi - span_lo + 1 < 2:
            raise DataError(f"walk-forward: the first training window ({max(span, 0)} dates before the "
                            f"gap) is too short: it must hold the validation part ({n_val}), the embargo ({emb}) "
                            "and at least 2 fit dates; start the test later (--first-test) or raise "
                            "--min-train-days")
        if span < cfg.min_train_days:  # only a --first-test anchor gets here (the default one leaves exactly that)
            raise DataError(f"walk-forward: --first-test leaves the first training window {span} dates before the "
                            f"gap, fewer than --min-train-days {cfg.min_train_days}; start the test later or lower "
                            "--min-train-days")
        out.append(Split((span_lo, fit_hi), (val_lo, span_hi), (anchor, min(anchor + cfg.test_days, n_dates) - 1),
                         emb))
        anchor += cfg.test_days
    if not out:
        start = (f"--first-test (date index {cfg.first_test})" if cfg.first_test is not None else
                 f"--min-train-days {cfg.min_train_days} + the gap {gap}")
        raise DataError(f"walk-forward: no test window fits in {n_dates} dates: the first would start at {start}; "
                        "start the test earlier")
    return out


@dataclass
class WalkForwardResult:
    """Stitched out-of-sample scores [T, N] (NaN outside the test windows), the test-date mask and the windows."""

    scores: np.ndarray
    oos: np.ndarray  # [T] bool: date lies in some test window
    windows: list[Split]
    per_window: list[dict[str, Any]] = field(default_factory=list)  # dates, test_rank_ic, test_n_days, …
    metrics: dict[str, Any] = field(default_factory=dict)


def walk_forward(panel: Panel, label: LabelSource, params: GBDTParams, seeds: list[int],
                 cfg: WalkForwardConfig = WalkForwardConfig(), *, features: str = "raw",
                 columns: list[int] | None = None, kind: str = "lightgbm",
                 target: str = "rank", fp: int = 5) -> WalkForwardResult:
    """Refit a seed ensemble per window and stitch the test-window scores; `label` may be a builder called with
    each window's training range (binary labels recalibrate their threshold on it). The out-of-sample label IC
    is measured against the same stitch of labels: each test window against the label its model was trained
    on, so no threshold calibrated on test dates enters the figure."""
    first = label if isinstance(label, Label) else label((0, len(panel.dates) - 1))  # only for the horizon
    windows = wf_windows(len(panel.dates), first.horizon, cfg)
    shape = panel.in_universe.shape
    scores = np.full(shape, np.nan)
    truth = np.full(shape, np.nan)
    oos = np.zeros(shape[0], dtype=bool)
    per_window = []
    for w in windows:  # loop over windows: each fit is vectorised
        lab = label if isinstance(label, Label) else label(w.train)
        run = train_split(panel, lab, w, params, seeds, features=features, columns=columns,
                          kind=kind, target=target, fp=fp)
        lo, hi = w.test
        scores[lo:hi + 1] = run.scores[lo:hi + 1]
        truth[lo:hi + 1] = lab.values[lo:hi + 1]
        oos[lo:hi + 1] = True
        per_window.append({**{k: [str(panel.dates[a]), str(panel.dates[b])] for k, (a, b) in
                              (("train", w.train), ("val", w.val), ("test", w.test))},
                           "test_rank_ic": run.metrics["test"]["label"]["rank_ic"],
                           "test_n_days": run.metrics["test"]["label"]["n_days"],
                           "best_iterations": run.ensemble.info["best_iterations"]})
    lo, hi = windows[0].test[0], windows[-1].test[1]
    metrics = {"label": window_ic(scores, truth, panel.in_universe, lo, hi),
               "forward_return": window_ic(scores, panel.forward_returns(fp), panel.in_universe, lo, hi),
               "n_windows": len(windows)}
    return WalkForwardResult(scores, oos, windows, per_window, metrics)
