"""Execution backtest in numpy with the env's fill rules (`envs/market_sim.py`), and a cost sweep.

Timeline. Decisions are taken after the close of t on the dates start, start+P, start+2P, … ≤ end, where the
rebalance period P is 1 (hold="daily"), forward_period (hold="fp") or MAIN_WAVE_MAX_HOLD (hold="main_wave");
a date without scores moves the next decision to the next date with some, P or more after the previous one
(`metrics.nonoverlap_index`, the non-overlapping top-K series' dates), and the book holds until then.
Each decision fills at the close of t+1; the book is weights over NAV (cash is the rest, earning 0).

Per day d, from the first fill f0 to the last day L (= last fill + P):
1. drift: the book earns g = w·r[d]; the day's net return is g minus the costs of the fill at the close of d−1
   (the env's accounting: `portfolio_return` of step t = new·r[t+2] − cost of the fill at t+1);
   w ← w(1+r)/(1+g) (`market.fills.drift`, shared with `MarketSim.step`).
2. trade at the close of d:
   - fill day (d−1 a decision date): target = the decision's weights (equal or strategy_d over its picks); the
     env's rule applies (`market.fills.fill`, shared with `MarketSim.step`): a rise of weight where the stock
     cannot be bought (suspended, one-price, limit-up) or a cut where it cannot be sold (suspended, one-price,
     limit-down) is frozen at the drifted weight, the other targets are scaled down to the budget left (never
     up: an unfilled buy stays cash).
   - other days: only exits: deferred sales (a wanted exit that could not be sold) are retried every day,
     and main-wave positions leave at their planned exit day; nothing is bought.
   - with `liquidate`, everything sellable is sold at the close of L (cost charged to day L). A position that
     cannot be sold at L (limit-down, suspended) is sold at the first close after L where it can be, as any
     deferred sale is; what it earns and costs from L's close to that sale is booked on day L, so every
     source's equity curve keeps the dates f0..L.
3. costs = buy turnover × buy rate(d) + sell turnover × sell rate(d) (`CostModel.rates`, stamp duty by date;
   `market.fills.trade_costs`).
T+1 holds by construction: the earliest exit of a fill at d is d+1.

Main wave: a cohort decided at t (every MAIN_WAVE_MAX_HOLD days) holds each filled pick from the close of t+1
to the close of its planned exit day t+1+h, h = the `main_wave_returns` holding days (first death cross,
MA5 falling below MA10 on the total-return index, else MAIN_WAVE_MAX_HOLD); the proceeds sit in cash until the next
cohort fills at t+1+MAIN_WAVE_MAX_HOLD, the latest planned exit, so cohorts never overlap except for deferred
sales. A name re-picked while held keeps its position (net trade only, one log row).

Trade log: one row per position — opened when a name's weight goes from 0 to > 0, closed when it returns to
0 — plus one row per pick that could not be bought. gross_return = price index at exit / at entry − 1;
costs = buy rate at entry + sell rate at exit × (1 + gross), per unit bought (resizing trades while held
are in the equity curve, not in the row); net_return = gross − costs. `reason`: limit_up_at_entry /
suspended_at_entry (suspended or one-price) / new_listing_at_entry (listed for fewer than
`MarketConfig.min_listed_days`) / no_cash_at_entry (budget held by deferred sales) for skipped picks;
limit_down_exit_deferred / suspended_exit_deferred (the last blocking cause; `defer_days` days) for exits that
came late; open_at_end for positions never sellable before the panel's end (bars that stop: a delisting),
marked at their last close. The trade figures (win rate, hit rate, mean net return) count every entered
position, open_at_end ones included at their mark without a sale cost (`n_open` says how many), so a position
that could never be sold does not drop out of them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import polars as pl

from aurumq_rl.data.labels import MAIN_WAVE_MAX_HOLD, best_close_gain, main_wave_returns
from aurumq_rl.data.panel import Panel
from aurumq_rl.eval.metrics import (
    TRADING_DAYS,
    annualised_sharpe,
    max_drawdown,
    nonoverlap_index,
    select_picks,
    tie_broken,
)
from aurumq_rl.market.costs import CostModel
from aurumq_rl.market.fills import drift, fill, trade_costs
from aurumq_rl.market.selection import INDUSTRY_CAP, position_weights

HOLDS: tuple[str, ...] = ("fp", "main_wave", "daily")
COST_SWEEP_BPS: tuple[float, ...] = (30.0, 60.0, 100.0)
DEFAULT_HIT_THRESHOLD = 0.05
REASONS = {0: None, 1: "limit_down_exit_deferred", 2: "suspended_exit_deferred", 3: "limit_up_at_entry",
           4: "suspended_at_entry", 5: "open_at_end", 6: "no_cash_at_entry", 7: "new_listing_at_entry"}


@dataclass
class BacktestResult:
    """Daily net equity of the simulated book and its trade log (see the module docstring)."""

    dates: np.ndarray  # [D] the days f0..L
    daily_return: np.ndarray  # [D] net return of each day; 0 on f0 (its fill's costs are charged to f0+1)
    equity: np.ndarray  # [D] cumprod(1 + daily_return)
    turnover: np.ndarray  # [D] buy + sell turnover at each day's close (fraction of NAV)
    cost: np.ndarray  # [D] costs of each day's close trades (fraction of NAV)
    trades: pl.DataFrame
    hold: str
    period: int  # days between rebalances (at least: a date without scores moves the next one later)
    n_fills: int  # decisions filled (the opening build is the first): rebalances after it = n_fills − 1

    def period_returns(self) -> np.ndarray:
        """Compounded net return of each P days from the first fill (fill to next fill when no date without
        scores moved a decision later): the non-overlapping series."""
        r = self.daily_return[1:]
        n = len(r) // self.period * self.period
        blocks = np.prod(1 + r[:n].reshape(-1, self.period), axis=1) - 1
        return blocks if n == len(r) else np.append(blocks, np.prod(1 + r[n:]) - 1)

    def summary(self, hit_threshold: float = DEFAULT_HIT_THRESHOLD) -> dict[str, object]:
        """Headline figures: total/annual return, vol, Sharpe (daily × √252 and per period × √(252/P)), max
        drawdown of the daily curve, turnover (buy + sell per rebalance after the first, the opening build and
        the closing liquidation left out) and costs, trade hit rate (max
        gain ≥ threshold) and win rate (net return > 0) over every entered position (open ones at their mark),
        and row counts by reason."""
        r = self.daily_return[1:]
        n = len(r)
        std = float(r.std(ddof=1)) if n > 1 else math.nan
        end = float(self.equity[-1])
        tr = self.trades
        entered = tr.filter(pl.col("entry_date").is_not_null())
        reasons = tr.filter(pl.col("reason").is_not_null())["reason"].value_counts().sort("reason")
        return {
            "hold": self.hold, "period": self.period, "start": str(self.dates[0]), "end": str(self.dates[-1]),
            "n_days": n, "total_return": end - 1,
            "annual_return": end ** (TRADING_DAYS / n) - 1 if n and end > 0 else math.nan,
            "annual_vol": std * math.sqrt(TRADING_DAYS),
            "sharpe_daily": float(r.mean()) / std * math.sqrt(TRADING_DAYS) if std > 0 else math.nan,
            "sharpe_period": annualised_sharpe(self.period_returns(), self.period),
            "max_drawdown": max_drawdown(r),
            # between the opening build and the closing liquidation (a book that never changes turns over 0)
            "turnover_per_rebalance": float(self.turnover[1:-1].sum()) / max(self.n_fills - 1, 1),
            "total_cost": float(self.cost.sum()),
            "n_trades": entered.height,
            "n_open": entered.filter(pl.col("exit_date").is_null()).height,
            "win_rate": float((entered["net_return"] > 0).mean()) if entered.height else math.nan,
            "hit_rate": float((entered["max_gain"] >= hit_threshold).mean()) if entered.height else math.nan,
            "mean_trade_net_return": float(entered["net_return"].mean()) if entered.height else math.nan,
            "reasons": {str(k): int(v) for k, v in zip(reasons["reason"], reasons["count"], strict=True)},
        }


def _period(hold: str, forward_period: int, max_hold: int) -> int:
    if hold not in HOLDS:
        raise ValueError(f"hold='{hold}': choose one of {', '.join(HOLDS)}")
    if forward_period < 1:
        raise ValueError(f"forward_period={forward_period} must be ≥ 1")
    return {"daily": 1, "fp": forward_period, "main_wave": max_hold}[hold]


def simulate(panel: Panel, scores: np.ndarray, *, top_k: int = 30, hold: str = "fp", forward_period: int = 5,
             cost: CostModel | None = None, sizing: str = "equal", industry_cap: float | None = INDUSTRY_CAP,
             start: int | None = None, end: int | None = None, picks: np.ndarray | None = None,
             liquidate: bool = True) -> BacktestResult:
    """Simulate the top-K book of `scores` [T, N] over decision dates start..end (indices, inclusive; end is
    clipped so the last hold fits in the panel). `picks` [T, N] bool overrides the selection (scores then
    only size the positions, as in `MarketSim.step(scores, chosen)`)."""
    cost = CostModel() if cost is None else cost
    period = _period(hold, forward_period, MAIN_WAVE_MAX_HOLD)
    t_n, n_n = panel.pct_chg.shape
    last = t_n - 2 - period  # last fill t+1, last day t+1+period ≤ T−1
    start = 0 if start is None else start
    end = last if end is None else min(end, last)
    # every P-th date that has something to pick, as the non-overlapping top-K series takes them: after a date
    # without scores (a source scored weekly, a holiday week) the next decision is the next scored date, not a
    # date of the old phase that has none (the book sold out and sat in cash for the period)
    window = np.arange(start, max(end + 1, start))
    scored = (picks[window].any(1) if picks is not None else
              (panel.in_universe[window] & np.isfinite(scores[window])).any(1))
    decisions = start + nonoverlap_index(np.where(scored, 0.0, np.nan), period)
    if not len(decisions):
        raise ValueError(f"no decision date in {start}..{end} with scores (the last with a full {hold} hold is "
                         f"{last})")
    if picks is None:
        valid = panel.in_universe[decisions] & np.isfinite(scores[decisions])
        ind = panel.industry[decisions] if panel.industry is not None else None
        # tied scores ordered by the hash of (date, code), as the env, eval and infer order them (not by code)
        key = tie_broken(scores[decisions], valid, panel.dates[decisions], panel.codes)
        chosen = select_picks(key, valid, top_k, ind, industry_cap)
    else:
        chosen = picks[decisions].astype(bool)
    weights = position_weights(np.nan_to_num(scores[decisions].astype(np.float64)), chosen, sizing)
    hold_days = main_wave_returns(panel)[1][decisions].astype(np.int64) if hold == "main_wave" else None

    buy_ok = panel.can_buy
    sell_ok = panel.can_sell
    buy_rate, sell_rate = cost.rates(panel.dates)
    f0, last_day = int(decisions[0]) + 1, int(decisions[-1]) + 1 + period
    n_days = last_day - f0 + 1
    daily, turn, costs = np.zeros(n_days), np.zeros(n_days), np.zeros(n_days)
    log = _TradeLog(n_n)
    w = np.zeros(n_n)
    planned_exit = np.full(n_n, np.iinfo(np.int64).max)
    pending = np.zeros(n_n, dtype=bool)
    carry_cost = 0.0
    fill_of = {int(t) + 1: k for k, t in enumerate(decisions)}  # fill day → its decision
    for i, d in enumerate(range(f0, last_day + 1)):
        if i:
            g, w = drift(w, panel.pct_chg[d])
            daily[i] = g - carry_cost
        c = w
        k = fill_of.get(d)
        if k is not None:  # fill day of decision k
            target = weights[k]
            new, costs[i], buys, sells = fill(target, c, buy_ok[d], sell_ok[d], buy_rate[d], sell_rate[d])
            if hold_days is not None:
                planned_exit = np.where(target > 0, d + hold_days[k], planned_exit)
            log.skips(d, target, c, new, panel.is_limit_up[d], panel.tradeable[d], buy_ok[d])
        else:
            due = pending | (planned_exit <= d) | (liquidate and d == last_day)
            target = np.where(due, 0.0, c)
            new = np.where(due & sell_ok[d], 0.0, c)
            costs[i], buys, sells = trade_costs(c, new, buy_rate[d], sell_rate[d])
        pending = (target == 0) & (new > 0)
        log.update(d, c, new, target, pending & (c > 0), panel.is_limit_down[d])
        turn[i] = buys + sells
        carry_cost = costs[i]
        w = new
    daily[-1] -= costs[-1]  # the close of L: liquidation; without it, only the deferred sales retried there
    end_day = last_day
    if liquidate:  # sales still blocked at L: the first close after L that can take them, booked on day L
        growth, d = 1.0, last_day
        while w.any() and d < t_n - 1:
            d += 1
            g, w = drift(w, panel.pct_chg[d])
            new = np.where(sell_ok[d], 0.0, w)
            c_d, _, sells = trade_costs(w, new, buy_rate[d], sell_rate[d])
            log.update(d, w, new, np.zeros(n_n), (new > 0), panel.is_limit_down[d])
            costs[-1] += growth * (1 + g) * c_d  # in units of L's NAV
            turn[-1] += growth * (1 + g) * sells
            growth *= (1 + g) * (1 - c_d)
            w = new
        daily[-1] = (1 + daily[-1]) * growth - 1
        end_day = d
    trades = log.frame(panel, end_day, buy_rate, sell_rate)
    return BacktestResult(panel.dates[f0:last_day + 1], daily, np.cumprod(1 + daily), turn, costs, trades, hold,
                          period, len(decisions))


class _TradeLog:
    """Per-stock open-position state and the rows of closed positions and skipped buys (vectorised per day)."""

    FIELDS = ("stock", "decision", "entry", "exit", "weight", "target", "defer", "reason")

    def __init__(self, n: int) -> None:
        self.entry = np.full(n, -1)
        self.weight = np.zeros(n)
        self.target = np.zeros(n)
        self.defer = np.zeros(n, dtype=np.int64)
        self.reason = np.zeros(n, dtype=np.int64)
        self.rows: list[dict[str, np.ndarray]] = []

    def _add(self, stock: np.ndarray, decision: np.ndarray, entry: np.ndarray, exit_: int, reason: np.ndarray,
             weight: np.ndarray, target: np.ndarray, defer: np.ndarray) -> None:
        n = len(stock)
        if n:
            self.rows.append(dict(zip(self.FIELDS, (stock, decision, entry, np.full(n, exit_), weight, target,
                                                    defer, reason), strict=True)))

    def skips(self, d: int, target: np.ndarray, c: np.ndarray, new: np.ndarray, limit_up: np.ndarray,
              tradeable: np.ndarray, buy_ok: np.ndarray) -> None:
        """Picks of the decision filled at d that could not be bought at all: limit-up, suspended/one-price,
        a new listing, or no cash left (the budget is held by positions whose sale was deferred)."""
        s = np.flatnonzero((target > 0) & (c == 0) & (new == 0))
        z = np.zeros(len(s), np.int64)
        reason = np.where(limit_up[s], 3, np.where(buy_ok[s], 6, np.where(tradeable[s], 7, 4)))
        self._add(s, z + d - 1, z - 1, -1, reason, z * 0.0, target[s], z)

    def update(self, d: int, c: np.ndarray, new: np.ndarray, target: np.ndarray, deferred: np.ndarray,
               limit_down: np.ndarray) -> None:
        """Close positions sold out at d, count deferred exits, open positions bought from zero at d."""
        wanted = (c > 0) & (target > 0) & ~deferred  # re-picked while held: a blocked exit no longer owed
        self.defer[wanted], self.reason[wanted] = 0, 0
        s = np.flatnonzero((c > 0) & (new == 0))
        e = self.entry[s]
        self._add(s, e - 1, e, d, self.reason[s], self.weight[s], self.target[s], self.defer[s])
        self.entry[s] = -1
        self.defer[deferred] += 1
        self.reason[deferred] = np.where(limit_down[deferred], 1, 2)
        o = (c == 0) & (new > 0)  # only on fill days: the decision is d − 1
        self.entry[o], self.weight[o], self.target[o], self.defer[o], self.reason[o] = d, new[o], target[o], 0, 0

    def frame(self, panel: Panel, last_day: int, buy_rate: np.ndarray, sell_rate: np.ndarray) -> pl.DataFrame:
        """The log as a polars DataFrame sorted by decision date and code; positions still held after the last
        day are `open_at_end`, marked at its close."""
        s = np.flatnonzero(self.entry >= 0)
        e = self.entry[s]
        self._add(s, e - 1, e, -1, np.full(len(s), 5), self.weight[s], self.target[s], self.defer[s])
        empty = {"weight": np.zeros(0), "target": np.zeros(0)}
        col = {f: np.concatenate([r[f] for r in self.rows]) if self.rows else empty.get(f, np.zeros(0, np.int64))
               for f in self.FIELDS}
        stock, entry, exit_ = col["stock"], col["entry"], col["exit"]
        ok = entry >= 0
        e = np.where(ok, entry, 0)
        m = np.where(ok, np.where(exit_ >= 0, exit_, last_day), 0)  # the close the position is marked at
        logp = panel.log_price()
        base = logp[e, stock]
        gross = np.where(ok, np.expm1(logp[m, stock] - base), np.nan)
        best = np.where(ok & (m > e), best_close_gain(logp, e, m - e, stock), np.nan)
        sold = np.where(exit_ >= 0, sell_rate[np.maximum(exit_, 0)], 0.0)
        cst = np.where(ok, buy_rate[e] + sold * (1 + gross), np.nan)

        def date(i: np.ndarray) -> np.ndarray:
            return np.where(i >= 0, panel.dates[np.maximum(i, 0)], np.datetime64("NaT"))

        frame = pl.DataFrame({
            "ts_code": panel.codes[stock].astype(str), "decision_date": date(col["decision"]),
            "entry_date": date(entry), "exit_date": date(exit_), "weight": col["weight"],
            "target_weight": col["target"], "hold_days": m - e, "gross_return": gross, "costs": cst,
            "net_return": gross - cst, "max_gain": best, "defer_days": col["defer"],
            "reason": pl.Series([REASONS[k] for k in range(len(REASONS))], dtype=pl.String).gather(col["reason"]),
        })
        return frame.with_columns(pl.col("decision_date", "entry_date", "exit_date").cast(pl.Date)).sort(
            "decision_date", "ts_code")


def cost_sweep_runs(panel: Panel, scores: np.ndarray, bps: tuple[float, ...] = COST_SWEEP_BPS,
                    **kwargs: object) -> dict[str, BacktestResult]:
    """`simulate(...)` per round-trip cost in bps (same picks); keys are the bps as strings."""
    return {f"{b:g}": simulate(panel, scores, cost=CostModel(round_trip_bps=b), **kwargs) for b in bps}


def sweep_summaries(runs: dict[str, BacktestResult], hit_threshold: float = DEFAULT_HIT_THRESHOLD
                    ) -> dict[str, dict[str, object]]:
    """`summary(hit_threshold)` of each run of `cost_sweep_runs`, same keys."""
    return {k: r.summary(hit_threshold) for k, r in runs.items()}
