"""Cross-sectional normalisation of dense [T, N] factor slices over a per-date universe mask.

Statistics use universe stocks only; values outside the universe are left NaN for the caller to fill.
Filling happens *after* normalisation (the caller records what it filled).

A date on which every universe stock has the same value (a market-wide column such as an index return, or
a factor flat that day) is passed through as is: a z-score or rank would turn it into 0 and erase the
market signal. The test uses that date's cross-section only, so no value depends on other dates (a
column-level decision over the loaded window let later rows change earlier features).
"""

from __future__ import annotations

import numpy as np

from aurumq_rl.errors import DataError

NORMALIZE_METHODS: tuple[str, ...] = ("zscore", "rank", "raw")
ZSCORE_CLIP = 5.0  # bound in robust σ for the winsorisation before the z-score, and in σ for its clip after
MAD_TO_SIGMA = 1.4826  # σ of a normal sample per unit of its median absolute deviation
WINSOR_MAX_TAIL = 0.01  # the winsorisation clips at most this share of a date's values per tail
# how a date whose MAD is 0 is winsorised (recorded in models: before this rule such dates were left as is)
WINSOR_TIED_MAD = "off_median"
# a value passed through on a flat date beyond this is a raw level (an index close, a volume), not a z-score-like
# input: next to factors within ±ZSCORE_CLIP it washes out the per-stock signal (the loader warns)
PASS_THROUGH_WARN = 2 * ZSCORE_CLIP
MARKET_WIDE_SHARE = 0.99  # a column flat on this share of its dates is reported as market-wide
FLAT_RTOL = 1e-7  # a date is flat when its std is at most this share of its largest |value|


def _moments(x: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(valid, n, mean, std) per row over finite values where `mask`; float64 accumulators, ddof = 0."""
    valid = mask & np.isfinite(x)
    n = valid.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(valid, x, 0).sum(axis=1, dtype=np.float64) / n
        # in float64: a float32 factor near 1e20 (e.g. a signed power) would overflow float32 when squared
        d = np.where(valid, x.astype(np.float64) - mean[:, None], 0)
        std = np.sqrt((d * d).sum(axis=1, dtype=np.float64) / n)
    return valid, n, mean, std


def _sorted_rows(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(each row sorted with its NaNs last, each row's count of values)."""
    return np.sort(v, axis=1), (~np.isnan(v)).sum(axis=1)


def _at(s: np.ndarray, i: np.ndarray) -> np.ndarray:
    """s[row, i[row]] with i clipped into the row."""
    return np.take_along_axis(s, np.clip(i, 0, s.shape[1] - 1)[:, None], 1)[:, 0]


def _median_of_sorted(s: np.ndarray, count: np.ndarray) -> np.ndarray:
    med = (_at(s, np.maximum(count - 1, 0) // 2) + _at(s, count // 2)) / 2
    return np.where(count > 0, med, np.nan)


def row_median(v: np.ndarray) -> np.ndarray:
    """Per-row median of the non-NaN values (NaN for a row with none), by one sort (NaN sorts last)."""
    return _median_of_sorted(*_sorted_rows(v))


def winsorize_mad(x: np.ndarray, valid: np.ndarray, bound: float = ZSCORE_CLIP,
                  max_tail: float = WINSOR_MAX_TAIL) -> np.ndarray:
    """Per row, clip to median ± bound robust σ (MAD_TO_SIGMA × the median absolute deviation) over the
    `valid` values, widened where needed so that at most `max_tail` of the values is clipped per tail (the
    bounds never fall inside the max_tail and 1 − max_tail quantiles: the value ⌈max_tail·(n−1)⌉-th from
    either end, so a single extreme value is clipped at any n ≥ 3). Robust bounds, because one extreme value
    inflates the plain σ until every other value's z-score collapses to about 0; the tail cap, because on a
    heavy-tailed factor (GTJA #164, #131 on real data) ± 5 robust σ alone clipped a third of a date's stocks
    to one tied value. A row whose MAD is 0 (more than half its values equal: a factor that is mostly 0, such
    as Alpha101 #23 on half the real dates) takes the median absolute deviation of its values off the median
    instead, so one extreme value among them is still clipped while a few rare non-zero values (sparse events)
    keep theirs; a row of one value is left as is."""
    v = np.where(valid, x, np.nan).astype(x.dtype if x.dtype == np.float32 else np.float64)  # float32 sorts faster
    s, count = _sorted_rows(v)
    med = _median_of_sorted(s, count)
    dev = np.abs(v - med[:, None])
    mad = row_median(dev)
    tied = mad == 0
    if tied.any():  # NaN (left as is) where every value equals the median
        mad[tied] = row_median(np.where(dev[tied] > 0, dev[tied], np.nan))
    half = bound * MAD_TO_SIGMA * mad
    half = np.where(half > 0, half, np.inf)
    k = np.ceil(max_tail * np.maximum(count - 1, 0)).astype(np.int64)  # values allowed past each bound
    with np.errstate(invalid="ignore"):
        lo = np.minimum(med - half, _at(s, k))
        hi = np.maximum(med + half, _at(s, count - 1 - k))
        return np.clip(v, lo[:, None], hi[:, None])


def zscore(x: np.ndarray, mask: np.ndarray, clip: float = ZSCORE_CLIP) -> np.ndarray:
    """Per-row z-score (ddof=0) over finite values where `mask`: winsorised first (`winsorize_mad`, at ±clip
    robust σ, at most WINSOR_MAX_TAIL per tail), then standardised and clipped to ±clip. Zero-variance rows → 0."""
    valid = mask & np.isfinite(x)
    x = winsorize_mad(x, valid, clip)
    valid, _, mean, std = _moments(x, mask)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (x - mean[:, None]) / np.where(std > 0, std, np.inf)[:, None]
    return np.where(valid, np.clip(z, -clip, clip), np.nan).astype(np.float32)


def average_ranks(x: np.ndarray) -> np.ndarray:
    """Per-row average ranks (1..n, ties share the mean rank); NaN stays NaN."""
    t, n = x.shape
    order = np.argsort(x, axis=1, kind="stable")  # NaN sorts last
    s = np.take_along_axis(x, order, axis=1)
    j = np.broadcast_to(np.arange(n), (t, n))
    differs = s[:, 1:] != s[:, :-1]
    first = np.concatenate([np.ones((t, 1), bool), differs], axis=1)
    last = np.concatenate([differs, np.ones((t, 1), bool)], axis=1)
    start = np.maximum.accumulate(np.where(first, j, 0), axis=1)
    end = np.minimum.accumulate(np.where(last, j, n - 1)[:, ::-1], axis=1)[:, ::-1]
    ranks_sorted = (start + end) / 2.0 + 1.0
    ranks = np.empty_like(ranks_sorted)
    np.put_along_axis(ranks, order, ranks_sorted, axis=1)
    return np.where(np.isnan(x), np.nan, ranks)


def norm_ppf(p: np.ndarray) -> np.ndarray:
    """Inverse standard normal CDF (Acklam's rational approximation, |rel err| < 1.2e-9) for p in (0, 1)."""
    a = (-3.969683028665376e01, 2.209460984245205e02, -2.759285104469687e02,
         1.383577518672690e02, -3.066479806614716e01, 2.506628277459239e00)
    b = (-5.447609879822406e01, 1.615858368580409e02, -1.556989798598866e02,
         6.680131188771972e01, -1.328068155288572e01)
    c = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e00,
         -2.549732539343734e00, 4.374664141464968e00, 2.938163982698783e00)
    d = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e00, 3.754408661907416e00)
    p = np.asarray(p, dtype=np.float64)
    out = np.full_like(p, np.nan)
    lo, hi = p < 0.02425, p > 1 - 0.02425
    mid = ~lo & ~hi & ~np.isnan(p)
    q = p[mid] - 0.5
    r = q * q
    out[mid] = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / (
        ((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
    for sel, sign in ((lo, 1.0), (hi, -1.0)):
        pp = p[sel] if sign > 0 else 1 - p[sel]
        qq = np.sqrt(-2 * np.log(pp))
        out[sel] = sign * (((((c[0] * qq + c[1]) * qq + c[2]) * qq + c[3]) * qq + c[4]) * qq + c[5]) / (
            (((d[0] * qq + d[1]) * qq + d[2]) * qq + d[3]) * qq + 1)
    return out


def rank_gauss(x: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Per-row rank → Gaussian: Φ⁻¹((rank − 0.5) / n) over finite values where `mask`."""
    v = np.where(mask & np.isfinite(x), x, np.nan).astype(np.float64)
    n = np.sum(~np.isnan(v), axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = (average_ranks(v) - 0.5) / n
    return norm_ppf(p).astype(np.float32)


def flat_dates(x: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """([T] the date has one value for every universe stock, [T] it has ≥ 2 universe values to compare).
    Equal up to float noise relative to the date's largest |value|: a factor of tiny values (~1e-8) varies."""
    valid, n, _, std = _moments(x, mask)
    scale = np.where(valid, np.abs(x), 0).max(axis=1)
    comparable = n >= 2
    return comparable & (std <= FLAT_RTOL * scale), comparable


def normalize(x: np.ndarray, mask: np.ndarray, method: str, flat: np.ndarray | None = None) -> np.ndarray:
    """Dispatch on the method name; values outside `mask` come back NaN; flat dates pass through as is
    (`flat`: `flat_dates(x, mask)[0]` when the caller has it already)."""
    if method == "raw":
        return np.where(mask & np.isfinite(x), x, np.nan).astype(np.float32)
    if method == "zscore":
        z = zscore(x, mask)
    elif method == "rank":
        z = rank_gauss(x, mask)
    else:
        raise ValueError(f"normalize='{method}': choose one of {NORMALIZE_METHODS}")
    if flat is None:
        flat, _ = flat_dates(x, mask)
    if flat.any():  # rows only: most columns have no flat date
        z[flat] = np.where(mask[flat] & np.isfinite(x[flat]), x[flat], np.nan)
    return z


def normalize_params() -> dict[str, object]:
    """This version's z-score transform as a model records it (RL run.json and bundle metadata, SL manifest):
    recorded when the model is trained, so inference can refuse inputs prepared another way."""
    return {"zscore_clip": ZSCORE_CLIP, "zscore_winsor_mad": ZSCORE_CLIP, "zscore_winsor_max_tail": WINSOR_MAX_TAIL,
            "zscore_winsor_tied_mad": WINSOR_TIED_MAD, "fill": 0.0, "per_date_over": "universe"}


ZSCORE_KEYS = ("zscore_clip", "zscore_winsor_mad", "zscore_winsor_max_tail", "zscore_winsor_tied_mad")


def check_normalize_params(method: str, params: dict[str, object] | None, what: str) -> None:
    """A DataError when a model trained on `method` inputs recorded a z-score transform (`normalize_params`) other
    than this version's, or none with the winsorisation (trained before it): fed this version's inputs, its
    scores would shift on every date with an outlier. `what` names the record (e.g. its metadata file)."""
    if method != "zscore":
        return
    params, want = params or {}, normalize_params()
    if all(params.get(k) == want[k] for k in ZSCORE_KEYS):
        return
    clip, winsor, tail, tied = (params.get(k) for k in ZSCORE_KEYS)
    had = ("not winsorised" if winsor is None else f"winsorised at ±{winsor} robust σ, "
           + (f"at most {tail:.0%} per tail" if tail is not None else "with no cap on the share clipped")
           + (", dates whose MAD is 0 left as is" if tied is None else ""))
    raise DataError(f"the model's inputs were z-scores clipped at ±{clip}, {had} ({what} normalize_params); "
                    f"this version winsorises at the median ± {ZSCORE_CLIP} robust σ (on a date whose MAD is 0, "
                    f"the MAD of the values off the median), at most {WINSOR_MAX_TAIL:.0%} per tail, and clips "
                    f"at ±{ZSCORE_CLIP}: retrain the model with this version")


def market_wide_share(flat: np.ndarray, comparable: np.ndarray) -> float:
    """Share of the comparable dates (≥ 2 universe values) that are flat; 0 when none is comparable. A column
    with a share ≥ MARKET_WIDE_SHARE is reported as market-wide (reports and warnings only: `normalize`
    decides date by date)."""
    return float(flat[comparable].mean()) if comparable.any() else 0.0
