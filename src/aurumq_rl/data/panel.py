"""`Panel`: the dense, aligned [T, N(, F)] arrays everything downstream consumes."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from aurumq_rl.errors import DataError

# decimals simple returns from the log index are rounded to: the cumulative-sum difference carries float noise
# that depends on where the panel starts; rounding keeps exact ties, zeros and thresholds (a +5% ST limit) exact
RETURN_DECIMALS = 12


def simple_return(log_gain: np.ndarray) -> np.ndarray:
    """exp(log_gain) − 1 rounded to RETURN_DECIMALS: every simple return taken from the log index."""
    return np.round(np.expm1(log_gain), RETURN_DECIMALS)


@dataclass
class Panel:
    """A date × stock × factor panel with the market masks of each (date, stock).

    Arrays are aligned on `dates` (T, sorted) and `codes` (N, sorted). A (date, stock) with no row in the
    data has `present=False` and is neither tradeable nor in the universe. `pct_chg` is 0 where there is
    no bar (a suspended stock's price is unchanged). Factor values are normalised per date over the
    universe; what was null/inf or outside the universe is filled with 0 and flagged in `factor_missing`
    (stored bit-packed along F: an eighth of a bool array).
    """

    dates: np.ndarray  # [T] datetime64[D]
    codes: np.ndarray  # [N] str
    factor_names: list[str]
    factors: np.ndarray  # [T, N, F] float32
    factor_missing_bits: np.ndarray  # [T, N, ceil(F/8)] uint8: the [T, N, F] missing mask packed along F
    pct_chg: np.ndarray  # [T, N] float64, daily return (decimal), 0 where no bar
    present: np.ndarray  # [T, N] bool, a row exists
    tradeable: np.ndarray  # [T, N] bool, has a bar with vol > 0 and is not a one-price limit day
    can_buy: np.ndarray  # [T, N] bool, a buy can fill: tradeable & not limit-up & listed long enough
    can_sell: np.ndarray  # [T, N] bool, tradeable & not limit-down
    in_universe: np.ndarray  # [T, N] bool
    is_limit_up: np.ndarray  # [T, N] bool
    is_limit_down: np.ndarray  # [T, N] bool
    board: np.ndarray  # [N] str
    industry: np.ndarray | None = None  # [T, N] int32 index into industry_names, -1 unknown
    industry_names: list[str] = field(default_factory=list)
    market_wide: list[str] = field(default_factory=list)  # flat on ≥ 99% of dates (reported; flat dates pass)
    meta: dict[str, object] = field(default_factory=dict)

    @property
    def factor_missing(self) -> np.ndarray:
        """[T, N, F] bool: the value was null/inf/outside the universe before the fill (materialised)."""
        return np.unpackbits(self.factor_missing_bits, axis=2, count=len(self.factor_names)).astype(bool)

    def missing_at(self, t: int) -> np.ndarray:
        """[N, F] bool missing mask of one date, without materialising the whole panel's mask."""
        return np.unpackbits(self.factor_missing_bits[t], axis=1, count=len(self.factor_names)).astype(bool)

    def missing_col(self, f: int, dates: slice = slice(None)) -> np.ndarray:
        """[t, N] bool missing mask of factor `f` over `dates`, read from the packed bits (bit 7 - f % 8 of
        byte f // 8, `np.packbits` order) without unpacking the others."""
        return ((self.factor_missing_bits[dates, :, f // 8] >> np.uint8(7 - f % 8)) & 1).astype(bool)

    def factors_without_value(self, lo: int, hi: int) -> list[str]:
        """Names of the factors missing for every universe stock on every date lo..hi: a model trained there
        only ever saw their fill value. One masked AND over the packed bits, not a pass per factor."""
        every = np.bitwise_and.reduce(self.factor_missing_bits[lo:hi + 1], axis=(0, 1),
                                      where=self.in_universe[lo:hi + 1, :, None], initial=np.uint8(255))
        missing = np.unpackbits(every, count=len(self.factor_names)).astype(bool)
        return [n for n, m in zip(self.factor_names, missing, strict=True) if m]

    def blank(self, cols: np.ndarray | None = None) -> np.ndarray:
        """[T, N] bool: every factor (of `cols`, indices into `factor_names`; default all) is missing. Such a
        row's inputs are all fill values, so a model would score it as a made-up average stock: scorers
        leave it unscored (e.g. the decision date's factors are not computed yet)."""
        if cols is None or len(np.unique(cols)) == len(self.factor_names):  # every factor: compare packed bytes
            full = np.packbits(np.ones(len(self.factor_names), dtype=bool))
            return (self.factor_missing_bits == full).all(axis=2)
        return np.stack([self.missing_at(t)[:, cols].all(axis=1) for t in range(len(self.dates))])

    def log_price(self) -> np.ndarray:
        """[T, N] log of each stock's total-return index: the cumulative Σ log(1 + pct_chg) (flat on a day
        without a bar). Every compounded return between two closes is a difference of it, never raw closes
        across ex-dates; labels, the backtest and the SL track all read it."""
        return np.cumsum(np.log1p(self.pct_chg), axis=0)

    @property
    def shape(self) -> tuple[int, int, int]:
        return self.factors.shape  # type: ignore[return-value]

    def forward_returns(self, fp: int) -> np.ndarray:
        """Forward return of holding from the close of t+1 to the close of t+1+fp.

        Decision at the close of t; with T+1 the earliest fill is the close of t+1. Returns compound the
        daily returns (never raw close across ex-dates; a day without a bar is 0), so a stock whose bars stop
        inside the window (a delisting, or a suspension to the end of the data) is marked at its last close,
        as the backtest marks a position it cannot close. NaN where the window leaves the panel.
        """
        if fp < 1:
            raise ValueError(f"forward_returns: fp={fp} must be ≥ 1")
        t = len(self.dates)
        logc = np.concatenate([np.zeros((1, self.pct_chg.shape[1])), self.log_price()], axis=0)  # Σ r[0..k-1]
        out = np.full(self.pct_chg.shape, np.nan, dtype=np.float64)
        start, stop = 1, 1 + fp  # window r[t+start+1 .. t+stop]: entry at the close of t+1
        n_valid = t - stop
        if n_valid > 0:
            out[:n_valid] = simple_return(logc[stop + 1: stop + 1 + n_valid] - logc[start + 1: start + 1 + n_valid])
        return out

    def scale_factor_groups(self, weights: dict[str, float]) -> None:
        """Multiply factor columns by prefix (`{"mf_": 0.5}`) in place: the feature-group weights of training,
        reapplied at inference. A prefix that selects no column, or a weight that is not a finite number ≥ 0
        (a NaN weight trains a NaN model), is an error."""
        for prefix, w in weights.items():
            if not np.isfinite(w) or w < 0:
                raise DataError(f"feature-group weight '{prefix}={w}': must be a finite number ≥ 0 (0 mutes the "
                                "group, 1 leaves it as is)")
            cols = [i for i, n in enumerate(self.factor_names) if n.startswith(prefix)]
            if not cols:
                raise DataError(f"feature-group weight '{prefix}': no selected factor column starts with it")
            self.factors[:, :, cols] *= np.float32(w)
