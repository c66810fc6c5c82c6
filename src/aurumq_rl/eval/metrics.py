"""Evaluation metrics on dense [T, N] arrays: scores, forward returns and a validity mask, vectorised over dates.

Conventions (see DOMAIN.md, "Evaluation definitions"):
- A decision at the close of t is filled at the close of t+1 (T+1); `fwd[t]` is the fp-day return from that
  fill (`Panel.forward_returns(fp)`). The candidate set of date t is the validity mask (universe of t) where
  the score is finite; a pick that cannot be bought at t+1 (suspended, one-price, limit-up) earns 0 (cash),
  and a pick whose bars stop inside the window (a delisting) is marked at its last close — the env's rules
  and the backtest's.
- Overlapping series: one value per decision date (each spans fp days), Sharpe × √(252/fp).
  Non-overlapping series: the decision dates first, first+fp, first+2·fp, … where `first` is the first date
  with a finite value (a date without one moves the next period to the next dated value); each value is one
  fp-day period, so its Sharpe is also × √(252/fp), and its equity curve (compounded) gives the max drawdown
  and the annualised volatility.
- IC t-stat: mean / Hansen–Hodrick standard error with fp − 1 lags (the daily ICs of overlapping fp-day
  returns are autocorrelated; `summarize_ic`, `overlap_var`).
- std uses ddof = 1. Dates with no finite value are dropped from every summary.
"""

from __future__ import annotations

import hashlib
import math

import numpy as np

from aurumq_rl.data.labels import best_close_gain
from aurumq_rl.data.normalize import average_ranks
from aurumq_rl.eval.ic import ic_series, rank_ic_on, ranked
from aurumq_rl.market.selection import INDUSTRY_CAP, position_weights, select_top_k

TRADING_DAYS = 252


def _finite(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    return x[np.isfinite(x)]


def _std(v: np.ndarray) -> float:
    return float(v.std(ddof=1)) if len(v) > 1 else math.nan


# ---------------------------------------------------------------- IC
def _lag_sums(x: np.ndarray, lags: int) -> tuple[int, list[float]]:
    """(n finite dates, [S_0 … S_L]): e = x − mean on the finite dates, 0 elsewhere; S_k = Σ_t e_t·e_{t+k}
    pairs dates k apart (both finite)."""
    fin = np.isfinite(x)
    n = int(fin.sum())
    if n < 2:
        return n, []
    e = np.where(fin, x - x[fin].mean(), 0.0)
    return n, [float(e[:len(e) - k] @ e[k:]) for k in range(min(lags, len(e) - 1) + 1)]


def newey_west_var(x: np.ndarray, lags: int) -> float:
    """Variance of the mean of a per-date series `x` (NaN = no value that date) by Newey–West (Bartlett kernel):
    (S_0 + 2 Σ_{k=1..L} (1 − k/(L+1)) S_k) / (n (n − 1)) (`_lag_sums`). The n/(n − 1) small-sample factor
    (Stata's `newey`) makes L = 0 the usual s²/n (ddof = 1); Bartlett weights keep it ≥ 0."""
    n, s = _lag_sums(x, lags)
    if n < 2:
        return math.nan
    return (s[0] + 2 * sum((1 - k / (lags + 1)) * s[k] for k in range(1, len(s)))) / (n * (n - 1))


def overlap_var(x: np.ndarray, lags: int) -> float:
    """Variance of the mean of a per-date series whose values overlap `lags` dates (fp-day returns: fp − 1) by
    Hansen–Hodrick: (S_0 + 2 Σ_{k=1..L} S_k) / (n (n − 1)), the uniform weights that an overlap's MA(L)
    autocorrelation calls for (Bartlett's shrink it: under no skill the Newey–West t has a spread of about 1.25
    at fp = 5, not 1). Falls back to `newey_west_var` when a short or odd sample makes it ≤ 0."""
    n, s = _lag_sums(x, lags)
    if n < 2:
        return math.nan
    var = (s[0] + 2 * sum(s[1:])) / (n * (n - 1))
    return var if var > 0 else newey_west_var(x, lags)


def summarize_ic(ic: np.ndarray, forward_period: int = 1) -> dict[str, float]:
    """Mean, std, ICIR (mean/std), t-stat, share of positive days and n over the finite dates of a per-date IC
    series whose returns span `forward_period` days (1 = no overlap).

    The ICs of dates less than fp apart share return days, so they are autocorrelated and ICIR·√n overstates
    the significance about √fp-fold; the t-stat is mean / Hansen–Hodrick standard error with fp − 1 lags (the
    overlap length, `overlap_var`), which is ICIR·√n when fp = 1."""
    x = np.asarray(ic, dtype=np.float64)
    v = _finite(x)
    n = len(v)
    mean = float(v.mean()) if n else math.nan
    std = _std(v)
    var = overlap_var(x, forward_period - 1)
    return {"mean": mean, "std": std, "icir": mean / std if std > 0 else math.nan,
            "t_stat": mean / math.sqrt(var) if var > 0 else math.nan,
            "positive_share": float((v > 0).mean()) if n else math.nan, "n_days": n}


def ic_report(scores: np.ndarray, fwd: np.ndarray, mask: np.ndarray, *, forward_period: int
              ) -> dict[str, dict[str, float]]:
    """Pearson IC and Spearman rank IC summaries of `scores` vs the `forward_period`-day returns `fwd` over
    `mask` (see `ic_series`, `summarize_ic`)."""
    return {k: summarize_ic(ic_series(scores, fwd, mask, method), forward_period)
            for k, method in (("ic", "pearson"), ("rank_ic", "rank"))}


# ---------------------------------------------------------------- quantiles
def _quantile_dates(scores: np.ndarray, fwd: np.ndarray, mask: np.ndarray, n_buckets: int
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(candidates [T, N]: in `mask` with finite score and return, [T] dates with ≥ B candidates, [T] dates
    whose candidates' scores are not all equal)."""
    valid = mask & np.isfinite(scores) & np.isfinite(fwd)
    width = np.where(valid, scores, -np.inf).max(1) - np.where(valid, scores, np.inf).min(1)
    return valid, valid.sum(1) >= n_buckets, width > 0


def quantile_gap_reason(scores: np.ndarray, fwd: np.ndarray, mask: np.ndarray, n_buckets: int) -> str | None:
    """Why `quantile_returns` has no usable date (None when it has one)."""
    _, enough, ranked = _quantile_dates(scores, fwd, mask, n_buckets)
    if (enough & ranked).any():
        return None
    return "constant scores on every date" if enough.any() else f"fewer than {n_buckets} stocks on every date"


def quantile_returns(scores: np.ndarray, fwd: np.ndarray, mask: np.ndarray, n_buckets: int = 5
                     ) -> tuple[np.ndarray, np.ndarray]:
    """(bucket means [B] averaged over dates, per-date long-short spread [T] = top − bottom bucket).

    Per date, the n stocks in `mask` with finite score and return sorted by score fill the rank axis [0, n), one
    unit per stock; bucket k is the slice [k·n/B, (k+1)·n/B) (0 = lowest scores), so every bucket weighs n/B
    stocks and a stock straddling a boundary counts in both by its share. Tied scores are spread evenly over the
    positions they occupy together: each position of a tied group carries the group's mean return. This is the
    exact average over every order of the ties, so no tie is broken by column order (or anything else that may
    correlate with returns), tied stocks are treated alike, and ties never empty a bucket. A date is left out
    (NaN) when it has fewer than B such stocks or one score for all (`quantile_gap_reason` says why when none
    is left)."""
    valid, enough, ranked = _quantile_dates(scores, fwd, mask, n_buckets)
    t_n, n_n = valid.shape
    x = np.where(valid, scores, np.nan).astype(np.float64)
    # each tied group's mean return (a group shares its average rank, so 2 × rank is an integer group key)
    key = (np.arange(t_n)[:, None] * (2 * n_n + 2) + np.nan_to_num(2 * average_ranks(x)).astype(np.int64))[valid]
    _, group = np.unique(key, return_inverse=True)
    g = (np.bincount(group, weights=fwd[valid]) / np.bincount(group))[group]
    # unit cell [p, p + 1) of each stock (any order inside a group: its cells carry the same g); its first
    # bucket k0 = ⌊p·B/n⌋ holds the share a = (min(B(p+1), (k0+1)·n) − B·p)/B, the next bucket the rest
    n = np.broadcast_to(valid.sum(1, keepdims=True), valid.shape)[valid]
    p = np.argsort(np.argsort(x, axis=1, kind="stable"), axis=1)[valid]  # NaN sorts last: p = 0 … n−1
    k0 = p * n_buckets // n
    a = (np.minimum(n_buckets * (p + 1), (k0 + 1) * n) - n_buckets * p) / n_buckets
    row = np.nonzero(valid)[0] * n_buckets
    size = t_n * n_buckets
    sums = (np.bincount(row + k0, weights=a * g, minlength=size)
            + np.bincount(row + np.minimum(k0 + 1, n_buckets - 1), weights=(1 - a) * g, minlength=size))
    ok = enough & ranked
    mass = valid.sum(1, keepdims=True) / n_buckets  # stocks per bucket
    with np.errstate(invalid="ignore", divide="ignore"):
        per_date = np.where(ok[:, None], sums.reshape(t_n, n_buckets) / mass, np.nan)
    means = per_date[ok].mean(0) if ok.any() else np.full(n_buckets, np.nan)
    return means, per_date[:, -1] - per_date[:, 0]


# ---------------------------------------------------------------- top-K
def buyable_next(can_buy: np.ndarray) -> np.ndarray:
    """[T, N]: a pick decided at t can be filled at the close of t+1 (`Panel.can_buy` then: tradeable, not
    limit-up, listed long enough)."""
    out = np.zeros_like(can_buy)
    out[:-1] = can_buy[1:]
    return out


def select_picks(scores: np.ndarray, valid: np.ndarray, top_k: int, industry: np.ndarray | None = None,
                 cap_frac: float | None = INDUSTRY_CAP) -> np.ndarray:
    """[T, N] bool top-K picks per date among `valid` with finite scores, under the industry cap when
    `industry` is given (the env's `select_top_k`)."""
    ok = valid & np.isfinite(scores)
    return select_top_k(np.where(ok, scores, 0.0), ok, top_k, industry, cap_frac)


TIEBREAK_SEED = 0x7469655F627265  # the (date, stock) keys that order tied scores, apart from any random draw's


def tie_broken(scores: np.ndarray, valid: np.ndarray, dates: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """[T, N] scores whose ties are ordered by a hash of (date, stock) instead of the column (code) order: the
    per-date average rank over `valid` ∩ finite plus a uniform [0, 0.5) of (`TIEBREAK_SEED`, date, code). The
    average ranks of two distinct scores differ by ≥ 1, so only tied stocks change places; NaN elsewhere.
    Column order sorts by code, i.e. by exchange, board and listing age, which correlate with returns: a score
    with few distinct values (a count, a rounded or small tree model) would have its top-K decided by them."""
    ok = valid & np.isfinite(scores)
    r = average_ranks(np.where(ok, scores, np.nan).astype(np.float64))
    return np.where(ok, r + 0.5 * tie_keys(dates, codes), np.nan)


def tie_keys(dates: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """[T, N] uniform [0, 1) of (`TIEBREAK_SEED`, date, code): among tied scores the higher key goes first."""
    return random_scores(random_score_keys(dates, codes, TIEBREAK_SEED), 0)


def topk_returns(scores: np.ndarray, fwd: np.ndarray, picks: np.ndarray, buy_next: np.ndarray,
                 sizing: str = "equal") -> np.ndarray:
    """[T] return of the top-K book per decision date: Σ weight × fwd, where unfillable picks (and picks with
    an unknown return) earn 0. `sizing`: equal | strategy_d (∝ max(score, 0)). NaN on dates with no pick or
    no finite forward return at all (the window leaves the panel)."""
    w = position_weights(np.nan_to_num(scores), picks, sizing)
    r = np.where(buy_next, np.nan_to_num(fwd), 0.0)
    out = (w * r).sum(1)
    out[~picks.any(1) | ~np.isfinite(fwd).any(1)] = np.nan
    return out


# ---------------------------------------------------------------- series statistics
def annualised_sharpe(returns: np.ndarray, forward_period: int) -> float:
    """mean / std (ddof=1) × √(252/fp) of a series of fp-day returns (finite values only)."""
    v = _finite(returns)
    std = _std(v)
    return float(v.mean() / std * math.sqrt(TRADING_DAYS / forward_period)) if std > 0 else math.nan


def nonoverlap_index(returns: np.ndarray, forward_period: int, offset: int = 0) -> np.ndarray:
    """Indices of the non-overlapping dates: the first finite date at or after first + offset (first = the first
    finite date), then each time the first finite date at least fp after the previous one. On a series finite
    every day that is first + offset + k·fp; a date without a value (a source scored weekly, a week with a
    holiday, a date blanked for the other sources) moves the next period to the next dated value instead of
    dropping every later period that falls on the old phase."""
    at = np.flatnonzero(np.isfinite(returns))
    if not len(at):
        return np.zeros(0, dtype=np.int64)
    out, want = [], int(at[0]) + offset
    while (j := int(np.searchsorted(at, want))) < len(at):
        out.append(int(at[j]))
        want = int(at[j]) + forward_period
    return np.asarray(out, dtype=np.int64)


def max_drawdown(returns: np.ndarray) -> float:
    """Largest peak-to-trough loss (a positive fraction) of the curve compounding `returns` from 1."""
    v = _finite(returns)
    if not len(v):
        return math.nan
    eq = np.concatenate([[1.0], np.cumprod(1 + v)])
    return float((1 - eq / np.maximum.accumulate(eq)).max())


def series_stats(returns: np.ndarray, forward_period: int) -> dict[str, float]:
    """Mean, overlapping and non-overlapping Sharpe, drawdown and annualised vol of a per-date fp-day series.

    `sharpe_nonoverlap_offsets` averages the non-overlapping Sharpe over the fp possible start offsets (the
    single-offset figure depends on the phase)."""
    no = returns[nonoverlap_index(returns, forward_period)]
    by_offset = [annualised_sharpe(returns[nonoverlap_index(returns, forward_period, o)], forward_period)
                 for o in range(forward_period)]
    v = _finite(returns)
    return {"mean": float(v.mean()) if len(v) else math.nan, "n_dates": len(v),
            "sharpe_overlap": annualised_sharpe(returns, forward_period),
            "sharpe_nonoverlap": annualised_sharpe(no, forward_period),
            "sharpe_nonoverlap_offsets": float(np.nanmean(by_offset)) if np.isfinite(by_offset).any()
            else math.nan,
            "n_nonoverlap": len(no), "max_drawdown": max_drawdown(no),
            "annual_vol": _std(no) * math.sqrt(TRADING_DAYS / forward_period),
            "total_return_nonoverlap": float(np.prod(1 + no) - 1) if len(no) else math.nan}


def max_gain(logp: np.ndarray, hold: int) -> np.ndarray:
    """[T, N] best close-to-close gain within the hold: max over h = 1..hold of P[t+1+h]/P[t+1] − 1, entry at
    the close of t+1 (`logp`: the log total-return index, `Panel.log_price`). NaN where t+1+hold leaves the
    panel (`data.labels.best_close_gain` on every decision date)."""
    out = np.full(logp.shape, np.nan)
    n_valid = len(logp) - 1 - hold
    if n_valid > 0:
        out[:n_valid] = best_close_gain(logp, np.arange(1, 1 + n_valid), hold)
    return out


def hit_win_rates(picks: np.ndarray, buy_next: np.ndarray, fwd: np.ndarray, gain: np.ndarray,
                  threshold: float) -> tuple[float, float]:
    """(hit rate, win rate) over filled picks with a known return: share whose max gain within the hold
    reaches `threshold`, share whose realised (gross) hold return is > 0."""
    m = picks & buy_next & np.isfinite(fwd) & np.isfinite(gain)
    if not m.any():
        return math.nan, math.nan
    return float((gain[m] >= threshold).mean()), float((fwd[m] > 0).mean())


def set_turnover(picks: np.ndarray, step: int = 1) -> float:
    """Mean share of the top-K names that are new versus the previous rebalance date, over the rebalance dates
    as the non-overlapping series and the backtest take them: the first date with picks at least `step` after
    the previous one (`nonoverlap_index` of the dates with picks), so a source scored every other date or
    weekly through a holiday week is compared on the dates it rebalances, not on a fixed phase that misses
    them. A pair 2·step or more apart (a hole in the scores, at step 1 any missing date) is not compared."""
    rows = nonoverlap_index(np.where(picks.any(1), 0.0, np.nan), step)
    near = np.diff(rows) < 2 * step
    if not near.any():
        return math.nan
    prev, cur = picks[rows[:-1][near]], picks[rows[1:][near]]
    return float(((cur & ~prev).sum(1) / cur.sum(1)).mean())


# ---------------------------------------------------------------- random baseline
def percentile_of(value: float, dist: np.ndarray) -> float:
    """Percentile (0..100) of `value` in `dist`: share below plus half the share equal (mid-rank)."""
    d = _finite(dist)
    if not len(d) or not math.isfinite(value):
        return math.nan
    return float(100 * ((d < value).sum() + 0.5 * (d == value).sum()) / len(d))


_MIX1, _MIX2, _GOLDEN = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB), np.uint64(0x9E3779B97F4A7C15)


def _mix64(x: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser on a uint64 array (wrapping arithmetic): a stateless, well-spread hash."""
    x = (x ^ (x >> np.uint64(30))) * _MIX1
    x = (x ^ (x >> np.uint64(27))) * _MIX2
    return x ^ (x >> np.uint64(31))


def random_score_keys(dates: np.ndarray, codes: np.ndarray, seed: int) -> np.ndarray:
    """[T, N] uint64 keys of (seed, date, stock) for `random_scores`."""
    code_h = np.array([int.from_bytes(hashlib.blake2b(str(c).encode(), digest_size=8).digest(), "little")
                       for c in codes], dtype=np.uint64)
    day = np.asarray(dates, dtype="datetime64[D]").astype(np.int64).astype(np.uint64)
    base = _mix64(code_h ^ _mix64(np.full(1, seed, dtype=np.uint64)))
    return _mix64(base[None, :] + day[:, None] * _GOLDEN)


def random_scores(keys: np.ndarray, draw: int) -> np.ndarray:
    """Uniform [0, 1) scores of random draw `draw`, a function of (seed, draw, date, stock) alone: a stock
    gets the same number on a date whatever window or universe was loaded around it, so random-baseline
    figures of overlapping windows agree on their common dates."""
    u = _mix64(keys + np.full(1, draw + 1, dtype=np.uint64) * _MIX2) >> np.uint64(11)
    return u.astype(np.float64) * 2.0**-53


def random_baseline(valid: np.ndarray, fwd: np.ndarray, buy_next: np.ndarray, top_k: int, *, dates: np.ndarray,
                    codes: np.ndarray, draws: int = 100, seed: int = 0, industry: np.ndarray | None = None,
                    cap_frac: float | None = INDUSTRY_CAP, sizing: str = "equal") -> tuple[np.ndarray, np.ndarray]:
    """Random uniform scores (`random_scores` of `dates` × `codes`) under the same masks and pipeline:
    ([draws, T] top-K returns, [draws] mean rank IC). The same seed gives the same draws."""
    keys = random_score_keys(dates, codes, seed)
    series = np.empty((draws, valid.shape[0]))
    rank_ic = np.empty(draws)
    judged = valid & np.isfinite(fwd)  # random scores are finite everywhere: the same stocks every draw
    fwd_ranks = ranked(fwd, judged)  # so the returns are ranked once, not once per draw
    for i in range(draws):
        s = random_scores(keys, i)
        picks = select_picks(s, valid, top_k, industry, cap_frac)
        series[i] = topk_returns(s, fwd, picks, buy_next, sizing)
        ic = _finite(rank_ic_on(s, fwd_ranks, judged))
        rank_ic[i] = ic.mean() if len(ic) else np.nan
    return series, rank_ic


def excess_over_random(series: np.ndarray, random_series: np.ndarray, forward_period: int) -> dict[str, float]:
    """The top-K series' excess over the random draws' mean on each date: its mean and Hansen–Hodrick t-stat
    (fp − 1 lags, `overlap_var`), n dates. The significance test of "beats random": the draws' percentile
    ranks the window's mean among books redrawn independently every date, whose spread is far narrower than
    a persistent score's (a factor or model without skill lands outside their p05..p95 a third of the time).

    The excess is the mean of the per-draw differences (the same figure): a draw that holds the same book as
    the series (top-K at least the candidates) differs by exactly 0, not by the rounding of a mean of equal
    values, whose noise gave a t-stat of any size."""
    diff = np.asarray(series, dtype=np.float64)[None, :] - random_series
    n_draws = np.isfinite(diff).sum(axis=0)
    excess = np.where(n_draws > 0, np.where(np.isfinite(diff), diff, 0.0).sum(axis=0) / np.maximum(n_draws, 1),
                      np.nan)
    fin = excess[np.isfinite(excess)]
    var = overlap_var(excess, forward_period - 1)
    mean = float(fin.mean()) if len(fin) else math.nan
    return {"mean": mean, "t_stat": mean / math.sqrt(var) if var > 0 else math.nan, "n": int(len(fin))}


def distribution(dist: np.ndarray) -> dict[str, float]:
    """p05 / p50 / p95 (linear interpolation) of the finite values."""
    d = _finite(dist)
    if not len(d):
        return {"p05": math.nan, "p50": math.nan, "p95": math.nan}
    p05, p50, p95 = np.percentile(d, [5, 50, 95])
    return {"p05": float(p05), "p50": float(p50), "p95": float(p95)}
