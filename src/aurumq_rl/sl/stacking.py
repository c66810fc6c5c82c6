"""Meta-stacker over base-model scores plus simple market-regime features, fitted on out-of-fold rows only.

Inputs are `OOFPredictions`: a base model's [T, N] scores and the [T] mask of dates where they are out of
sample (a walk-forward's test windows). The stacker uses only dates inside every base's mask — a score
produced on a base model's own training dates can never reach the fit.

Model: ridge regression of the label's per-date rank-gauss on each base's per-date centred rank, and on each
base rank × each regime feature (so the weight of a base can change with the regime). Regime features, known
at the close of t: the universe's mean daily return over the last 20 dates, and the mean cross-sectional
dispersion (std) of daily returns over the last 20 dates; standardised with the fit dates' mean / std.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from aurumq_rl.data.normalize import average_ranks
from aurumq_rl.data.panel import Panel
from aurumq_rl.errors import DataError
from aurumq_rl.sl.dataset import rank_target

REGIME_WINDOW = 20
REGIME_NAMES: tuple[str, ...] = ("market_ret_20d", "dispersion_20d")


@dataclass
class OOFPredictions:
    name: str
    scores: np.ndarray  # [T, N]
    oos: np.ndarray  # [T] bool, dates where the scores are out of sample


def regime_features(panel: Panel, window: int = REGIME_WINDOW) -> np.ndarray:
    """[T, 2] causal regime features: trailing mean of the universe's mean daily return and of its
    cross-sectional std (NaN during the warm-up)."""
    ok = panel.in_universe & panel.present
    n = ok.sum(1)
    r = np.where(ok, panel.pct_chg, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = r.sum(1) / n
        disp = np.sqrt(np.where(ok, (panel.pct_chg - mean[:, None]) ** 2, 0.0).sum(1) / n)
    x = np.stack([mean, disp], 1)
    c = np.concatenate([np.zeros((1, 2)), np.cumsum(np.nan_to_num(x), 0)])
    out = np.full(x.shape, np.nan)
    out[window - 1:] = (c[window:] - c[:-window]) / window
    return out


def _centred_ranks(scores: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Per-date average rank / n − 0.5 over `mask` & finite (NaN elsewhere)."""
    x = np.where(mask & np.isfinite(scores), scores, np.nan).astype(np.float64)
    return average_ranks(x) / np.isfinite(x).sum(1, keepdims=True).clip(min=1) - 0.5


@dataclass
class Stacker:
    base_names: list[str]
    coef: np.ndarray  # [K + K·G] ridge weights
    regime_mean: np.ndarray  # [G]
    regime_std: np.ndarray  # [G]
    fit_dates: np.ndarray  # [n] date indices the stacker was fitted on

    def _design(self, ranks: np.ndarray, regime: np.ndarray) -> np.ndarray:
        """[..., K + K·G] design: base ranks, then base rank × standardised regime."""
        g = np.nan_to_num((regime - self.regime_mean) / self.regime_std)  # [..., G]
        inter = (ranks[..., :, None] * g[..., None, :]).reshape(*ranks.shape[:-1], -1)
        return np.concatenate([ranks, inter], axis=-1)

    def predict(self, bases: list[OOFPredictions], panel: Panel) -> np.ndarray:
        """[T, N] stacked scores where every base is finite (NaN elsewhere)."""
        if [b.name for b in bases] != self.base_names:
            raise DataError(f"stacker was fitted on bases {self.base_names}; got {[b.name for b in bases]}")
        ranks = np.stack([_centred_ranks(b.scores, panel.in_universe) for b in bases], -1)  # [T, N, K]
        regime = np.broadcast_to(regime_features(panel)[:, None, :], (*ranks.shape[:2], len(REGIME_NAMES)))
        out = self._design(ranks, regime) @ self.coef
        return np.where(np.isfinite(ranks).all(-1), out, np.nan)


def fit_stacker(bases: list[OOFPredictions], label: np.ndarray, panel: Panel, dates: np.ndarray | None = None,
                ridge: float = 1.0) -> Stacker:
    """Fit the ridge stacker on rows of dates that are out of sample for every base (and inside `dates`, a
    [T] bool mask, when given), in the universe, with finite label and finite base scores."""
    if not bases:
        raise DataError("stacking needs at least one base model")
    use = np.logical_and.reduce([np.asarray(b.oos, dtype=bool) for b in bases])
    if dates is not None:
        use &= dates
    ranks = np.stack([_centred_ranks(b.scores, panel.in_universe) for b in bases], -1)
    y = rank_target(label, panel.in_universe)
    regime_all = regime_features(panel)
    ok = use[:, None] & panel.in_universe & np.isfinite(y) & np.isfinite(ranks).all(-1)
    ok &= np.isfinite(regime_all).all(1)[:, None]
    if ok.sum() < 10 * (len(bases) * (1 + len(REGIME_NAMES))):
        raise DataError("stacking: too few out-of-fold rows to fit on; run a longer walk-forward")
    ti, ni = np.nonzero(ok)
    fit_dates = np.unique(ti)
    reg = regime_all[fit_dates]
    st = Stacker([b.name for b in bases], np.zeros(0), reg.mean(0), np.where(reg.std(0) > 0, reg.std(0), 1.0),
                 fit_dates)
    a = st._design(ranks[ti, ni], regime_all[ti])
    # least squares, not `solve`: with --ridge 0 and collinear bases (a file given twice, or two runs with the same
    # ranks) the normal equations are singular; this takes their minimum-norm solution (an even split of the weight)
    st.coef = np.linalg.lstsq(a.T @ a + ridge * np.eye(a.shape[1]), a.T @ y[ti, ni], rcond=None)[0]
    return st


def stack_walk_forward(bases: list[OOFPredictions], label: np.ndarray, panel: Panel, horizon: int,
                       step: int = 63, min_fit_dates: int = 60, ridge: float = 1.0) -> np.ndarray:
    """Out-of-sample stacked scores: each block of `step` OOF dates is scored by a stacker fitted only on OOF
    dates at least horizon + 1 dates before the block (NaN before `min_fit_dates` such dates exist that the fit
    can use: dates in the regime features' warm-up count for nothing)."""
    common = np.logical_and.reduce([np.asarray(b.oos, dtype=bool) for b in bases])
    idx = np.flatnonzero(common)
    usable = common & np.isfinite(regime_features(panel)).all(1)
    out = np.full(label.shape, np.nan)
    for b0 in range(0, len(idx), step):  # loop over date blocks
        block = idx[b0:b0 + step]
        past = np.zeros_like(common)
        past[:max(block[0] - horizon - 1, 0)] = True
        if (usable & past).sum() < min_fit_dates:
            continue
        st = fit_stacker(bases, label, panel, past, ridge)
        out[block] = st.predict(bases, panel)[block]
    return out
