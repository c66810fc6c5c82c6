"""`Scorer`: an ONNX bundle → per-stock scores for any date's cross-section, on CPU with onnxruntime alone.

Preparation is the training path's, driven by the bundle's metadata: `load_panel` with the bundle's factor
names (aligned by name: extra columns are ignored, a missing one is an error naming it), its normalisation
(with the same flat-date pass-through, `data.normalize`), its universe and market rules (unless overridden)
and its feature-group weights. Each date is scored alone over the stocks in its universe, whatever the stock list was
at training time (new listings score, delisted names simply are not there); the same input always gives the
same scores.
"""

from __future__ import annotations

import warnings
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from aurumq_rl.data.contract import MISSING_FACTOR
from aurumq_rl.data.loader import load_panel
from aurumq_rl.data.normalize import check_normalize_params
from aurumq_rl.data.panel import Panel
from aurumq_rl.data.source import to_date
from aurumq_rl.errors import DataError
from aurumq_rl.export.bundle import MODEL_FILE, check_files, onnx_session, read_metadata, run_session
from aurumq_rl.market.status import MarketConfig, market_from_settings

NEXT_DAY_MARGIN_DAYS = 20  # calendar days loaded past the last date so its next trading day is seen if known


def in_sample_message(meta: dict[str, Any], dates: np.ndarray) -> str | None:
    """A warning when some of `dates` (decision dates) lie between the first training date and the last
    validation date a model records (an RL bundle's `train_dates`/`val_dates`, an SL model's `windows`): picks
    or figures there are in-sample. None when none does or the model records no window."""
    windows = meta.get("windows") or {}
    spans = [s for s in (meta.get("train_dates"), meta.get("val_dates"), windows.get("train"), windows.get("val"))
             if s]
    if not spans or not len(dates):
        return None
    lo, hi = np.datetime64(min(s[0] for s in spans), "D"), np.datetime64(max(s[1] for s in spans), "D")
    d = np.asarray(dates).astype("datetime64[D]")
    inside = (d >= lo) & (d <= hi)
    if not inside.any():
        return None
    return (f"{int(inside.sum())} of {len(d)} decision date(s) ({d[inside][0]} …) lie in the model's training/"
            f"validation window {lo} .. {hi}: what it scores there is in-sample")


def prepare_panel(meta: dict[str, Any], data: Any, *, start: str | date | None = None,
                  end: str | date | None = None, universe: str | None = None,
                  market: MarketConfig | None = None) -> Panel:
    """Load `data` prepared exactly as the model saw it in training (see the module docstring). `universe` and
    `market` replace the model's recorded universe and market rules (`market` in the metadata; a bundle
    without it was trained under the defaults)."""
    market = market or market_from_settings(meta.get("market"))
    check_normalize_params(meta["normalize"], meta.get("normalize_params"), "metadata.json")
    try:
        panel = load_panel(data, universe=universe or meta["universe"], start=start, end=end,
                           factors=list(meta["factor_names"]), normalize=meta["normalize"], market=market,
                           warn_columns=False)
    except DataError as exc:
        if MISSING_FACTOR in str(exc):  # a factor the model needs; not a missing required column
            raise DataError(f"{exc} — the model was trained on these factors; compute them for this data "
                            "(`aurumq-rl factors compute`) or use a model trained without them") from exc
        raise
    panel.scale_factor_groups(meta.get("feature_group_weights") or {})
    unseen = [n for n in meta.get("unseen_factors") or [] if n in panel.factor_names]
    if unseen:  # never a value in training: its weights never learnt, so it gets the training's fill
        idx = [panel.factor_names.index(n) for n in unseen]
        if (panel.factors[:, :, idx] != 0).any():
            warnings.warn(f"factor(s) {', '.join(unseen[:10])} had no value on the model's training dates, so it "
                          "never learnt from them; they are held at the training's fill (0), as in training",
                          stacklevel=2)
        panel.factors[:, :, idx] = 0.0
    return panel


def extend_end(day: str | date | None, flag: str, days: int = NEXT_DAY_MARGIN_DAYS) -> date | None:
    """`day` + `days` calendar days (None stays None): load a little past a date to see its next session."""
    d = to_date(day, flag)
    return None if d is None else d + timedelta(days=days)


class Scorer:
    """Scores from an RL ONNX bundle (`aurumq-rl export`); `verify` checks the files' checksums first."""

    def __init__(self, bundle: str | Path, *, threads: int = 1, verify: bool = True) -> None:
        self.path = Path(bundle)
        if verify:
            check_files(self.path)
        self.metadata = read_metadata(self.path)
        self.factor_names: list[str] = list(self.metadata["factor_names"])
        self.session = onnx_session(self.path / MODEL_FILE, threads)

    def load_panel(self, data: Any, *, start: str | date | None = None, end: str | date | None = None,
                   universe: str | None = None, market: MarketConfig | None = None) -> Panel:
        return prepare_panel(self.metadata, data, start=start, end=end, universe=universe, market=market)

    def score(self, factors: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        """Raw graph output for prepared factors [N, F] or [B, N, F] (mask [B, N]: the cross-section)."""
        # the graph reads float32: cast first, so a float64 value beyond its range (inf once cast) is caught below
        with np.errstate(over="ignore"):
            x = np.asarray(factors, dtype=np.float32)
        if x.shape[-1] != len(self.factor_names):
            raise DataError(f"{self.path}: input has {x.shape[-1]} factors, the bundle expects "
                            f"{len(self.factor_names)} ({', '.join(self.factor_names[:5])}, …)")
        m = np.ones(x.shape[:-1], dtype=bool) if mask is None else np.asarray(mask, dtype=bool).reshape(x.shape[:-1])
        bad = m[..., None] & ~np.isfinite(x)
        if bad.any():  # the graph's context pools over the cross-section: one NaN made every stock's score NaN
            f = int(np.flatnonzero(bad.reshape(-1, x.shape[-1]).any(axis=0))[0])
            raise DataError(f"{self.path}: input holds {int(bad.sum())} NaN/inf value(s) (in float32, the graph's "
                            f"input type) among the scored stocks "
                            f"(e.g. factor {self.factor_names[f]}), which would make every stock's score NaN; "
                            "prepare the input as training did (`Scorer.load_panel`: missing values filled with "
                            "0), or leave those stocks out of the mask")
        return run_session(self.session, x, mask)

    def score_panel(self, panel: Panel) -> np.ndarray:
        """[T, N] float64 scores of every date's universe (NaN elsewhere, and where none of the model's factors
        has a value: `Panel.blank`), each date scored alone."""
        cols = _column_order(panel.factor_names, self.factor_names, str(self.path))
        out = np.full(panel.in_universe.shape, np.nan)
        scorable = panel.in_universe & ~panel.blank(cols)
        for t in np.flatnonzero(scorable.any(axis=1)):
            keep = scorable[t]
            x = panel.factors[t][keep]
            out[t, keep] = self.score(x if cols is None else x[:, cols])
        return out


def _column_order(have: list[str], want: list[str], model: str) -> np.ndarray | None:
    """Indices that put `have` in the order of `want` (None when already equal); error naming a missing one."""
    if have == want:
        return None
    pos = {n: i for i, n in enumerate(have)}
    missing = [n for n in want if n not in pos]
    if missing:
        raise DataError(f"the panel lacks factor(s) {', '.join(missing[:10])} that the model {model} needs")
    return np.array([pos[n] for n in want])
