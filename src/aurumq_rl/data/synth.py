"""Deterministic synthetic A-share market with a planted signal (`aurumq-rl synth`).

What it contains, and why: real-format codes on every board; ST/*ST episodes, delisting (退) periods, IPOs
and delistings inside the range; suspensions (missing rows and vol = 0 rows); prices on the 0.01 grid
clamped by the board's date-aware limit from `market.limits` (so one-price limit days occur); consistent
OHLC/vol/amount/vwap; 31 industries; an index; time-varying HS300/ZZ500 membership; factor columns.

Planted signal: a latent AR(1) score s (ρ = 0.9) drives returns two days later, r[t+2] ∋ a·σᵢ·s[t], so a
decision at the close of t with T+1 entry (close of t+1) earns it. `alpha_001 = s + N(0, 1)` has rank IC
≈ 0.05 at fp = 5; `alpha_002` (noise σ 2) and `mf_001` (σ 3) are weaker; `gtja_001 = −s + N(0, 1.5)`
predicts with the opposite sign. Every other alpha_/gtja_/mf_/... column is noise; the `tech_` columns of
`SYNTH_TECHNICAL` are computed from the bars by the factor engine (carrying no planted signal).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

import numpy as np
import polars as pl

from aurumq_rl.market.boards import BOARD_OPENED, BSE, CHINEXT, MAIN, STAR
from aurumq_rl.market.limits import limit_pct_exprs
from aurumq_rl.market.status import SEASONED_LISTING_DAY

BOARD_PREFIXES: dict[str, list[tuple[str, str]]] = {
    MAIN: [("600", "SH"), ("601", "SH"), ("603", "SH"), ("605", "SH"),
           ("000", "SZ"), ("001", "SZ"), ("002", "SZ"), ("003", "SZ")],
    CHINEXT: [("300", "SZ"), ("301", "SZ")],
    STAR: [("688", "SH")],
    BSE: [("83", "BJ"), ("87", "BJ"), ("430", "BJ"), ("920", "BJ")],
}
BOARD_SHARES = {MAIN: 0.65, CHINEXT: 0.20, STAR: 0.12, BSE: 0.03}
# technical columns the market carries (from its own bars, by the factor engine), an exp-decay event among them
SYNTH_TECHNICAL = ("tech_ma5_ratio", "tech_ma20_ratio", "tech_amplitude", "tech_volume_ratio5",
                   "tech_evt_golden_cross")
NAME_CHARS = "华信通达成海天宏新安康泰金瑞恒盛中国光明东方远航科技电子医药银行能源材料"
N_INDUSTRIES = 31


@dataclass(frozen=True)
class SynthConfig:
    n_stocks: int = 3000
    n_days: int = 750
    start: date = date(2020, 1, 2)
    seed: int = 0
    signal_strength: float = 0.045  # a in r[t+2] ∋ a·σ·s[t]
    signal_rho: float = 0.9


PRESETS: dict[str, SynthConfig] = {
    "default": SynthConfig(),
    "small": SynthConfig(n_stocks=300, n_days=400, start=date(2020, 6, 1)),
    # the `aurumq-rl demo` market: small enough for a few minutes on 2 cores, a signal a short run can learn
    "demo": SynthConfig(n_stocks=500, n_days=500, start=date(2021, 1, 4), signal_strength=0.1),
    # a full A-share market over five years (2019 … 2023, ChiNext's 2020 limit change inside): scale checks
    "market": SynthConfig(n_stocks=5000, n_days=1250, start=date(2019, 1, 2)),
}
PRESET_USES: dict[str, str] = {"small": "tests", "demo": "the demo, stronger signal", "default": "a mid-size market",
                               "market": "a full market over five years, for scale checks"}


def preset_help() -> str:
    """One line per preset for the CLI's --help: its size and what it is for."""
    return "; ".join(f"{name}: {c.n_stocks} stocks × {c.n_days} days ({PRESET_USES[name]})"
                     for name, c in PRESETS.items())


def preset(name: str, seed: int = 0) -> SynthConfig:
    if name not in PRESETS:
        raise ValueError(f"unknown preset '{name}'; choose one of {', '.join(PRESETS)}")
    return replace(PRESETS[name], seed=seed)


def weekday_calendar(start: date, n: int) -> list[date]:
    """The first `n` weekdays from `start` (a synthetic trading calendar without holidays)."""
    days, d = [], start
    while len(days) < n:
        if d.weekday() < 5:
            days.append(d)
        d += timedelta(days=1)
    return days


def _codes(rng: np.random.Generator, boards: np.ndarray) -> list[str]:
    used: set[str] = set()
    out = []
    for b in boards:
        while True:
            prefix, sfx = BOARD_PREFIXES[b][rng.integers(len(BOARD_PREFIXES[b]))]
            code = prefix + "".join(str(d) for d in rng.integers(0, 10, 6 - len(prefix)))
            if code not in used:
                used.add(code)
                out.append(f"{code}.{sfx}")
                break
    return out


def _ar1(rng: np.random.Generator, t: int, n: int, rho: float) -> np.ndarray:
    x = np.empty((t, n))
    x[0] = rng.standard_normal(n)
    eps = rng.standard_normal((t, n)) * np.sqrt(1 - rho * rho)
    for k in range(1, t):
        x[k] = rho * x[k - 1] + eps[k]
    return x


def _round_cents(x: np.ndarray) -> np.ndarray:
    return np.floor(x * 100 + 0.5 + 1e-7) / 100


def generate(cfg: SynthConfig) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Build the (panel, index) frames. Deterministic for a given config."""
    rng = np.random.default_rng(cfg.seed)
    cal = weekday_calendar(cfg.start, cfg.n_days)
    T, N = len(cal), cfg.n_stocks
    cal_np = np.array(cal, dtype="datetime64[D]")

    boards = rng.choice(list(BOARD_SHARES), size=N, p=list(BOARD_SHARES.values()))
    # Listing: most stocks predate the data; some list inside it. No stock trades before its board opened:
    # a board opening inside the range lists its stocks from then on (every BSE stock lists inside the data,
    # as the BSE's first names did), one opening after the range is replaced by the main board.
    ipo = rng.random(N) < 0.12
    list_idx = np.where(ipo, rng.integers(0, max(T - 60, 1), N), -1)
    for board in (BSE, STAR, CHINEXT):  # BSE first: its draw comes first in every seed's stream
        opened = int(np.searchsorted(cal_np, np.datetime64(BOARD_OPENED[board])))
        on = boards == board
        if opened >= T:
            boards = np.where(on, MAIN, boards)
        elif board == BSE:
            list_idx = np.where(on, rng.integers(opened, T, N), list_idx)
        elif opened > 0:
            list_idx = np.where(on & (list_idx < opened), rng.integers(opened, T, N), list_idx)
    codes = _codes(rng, boards)
    before = cal_np[0] - rng.integers(400, 7000, N).astype("timedelta64[D]")
    board_opened = np.full(N, np.datetime64(date.min, "D"))
    for board, opened in BOARD_OPENED.items():
        board_opened[boards == board] = np.datetime64(opened, "D")
    list_date = np.where(list_idx >= 0, cal_np[np.clip(list_idx, 0, T - 1)], np.maximum(before, board_opened))
    delist_idx = np.where(rng.random(N) < 0.02, rng.integers(T // 3, T, N), T)
    delist_idx = np.maximum(delist_idx, list_idx + 80).clip(max=T)
    alive = (np.arange(T)[:, None] >= np.maximum(list_idx, 0)[None, :]) & (np.arange(T)[:, None] < delist_idx)

    # Risk warning: random ST episodes, and *ST + 退 before each delisting.
    st = np.zeros((T, N), bool)
    ep = rng.random(N) < 0.04
    ep_start = rng.integers(0, T, N)
    ep_len = rng.integers(60, 200, N)
    st |= ep[None, :] & (np.arange(T)[:, None] >= ep_start) & (np.arange(T)[:, None] < ep_start + ep_len)
    delisting = (np.arange(T)[:, None] >= delist_idx - 15) & (delist_idx < T)
    st |= (np.arange(T)[:, None] >= delist_idx - 60) & (delist_idx < T)

    # Suspensions: spells of vol = 0 rows or of missing rows.
    susp = np.zeros((T, N), bool)
    for _ in range(3):
        who = rng.random(N) < 0.04
        s0 = rng.integers(0, T, N)
        ln = rng.integers(1, 20, N)
        susp |= who & (np.arange(T)[:, None] >= s0) & (np.arange(T)[:, None] < s0 + ln)
    missing_row = susp & (rng.random(N) < 0.5)[None, :]

    # Limits from the one rule table (so synthetic limit days match what detection expects).
    listing_day = np.where(list_idx[None, :] >= 0, np.arange(T)[:, None] - list_idx[None, :] + 1,
                           SEASONED_LISTING_DAY)
    up_l, down_l = _limit_table(cal, boards, st, listing_day, list_idx)

    industry = rng.integers(0, N_INDUSTRIES, N)
    beta = rng.uniform(0.7, 1.3, N)
    sigma = rng.uniform(0.012, 0.03, N)
    s = _ar1(rng, T, N, cfg.signal_rho)
    mkt = rng.normal(0.0003, 0.012, T)
    ind_ret = rng.normal(0, 0.008, (T, N_INDUSTRIES))
    idio = rng.standard_t(4, (T, N)) / np.sqrt(2.0)

    close = np.full((T, N), np.nan)
    pre = np.full((T, N), np.nan)
    price = _round_cents(np.exp(rng.normal(2.7, 0.6, N)).clip(2, 300))  # a real price: the first pre_close too
    for t in range(T):
        r = beta * mkt[t] + ind_ret[t, industry] + sigma * idio[t]
        if t >= 2:
            r += cfg.signal_strength * sigma * s[t - 2]
        new = listing_day[t] <= 5
        r = np.where(new & np.isnan(up_l[t]), rng.uniform(0.0, 0.8, N), r)  # unlimited debut days
        r = np.where(listing_day[t] == 1, np.where(np.isnan(up_l[t]), rng.uniform(0.3, 2.0, N), 0.44), r)
        target = price * (1 + r)
        lo = _round_cents(price * (1 - np.nan_to_num(down_l[t], nan=0.99)))
        hi = _round_cents(price * (1 + np.nan_to_num(up_l[t], nan=9.0)))
        c = np.clip(_round_cents(target), np.maximum(lo, 0.01), hi)
        c = np.where(susp[t] | ~alive[t], price, c)
        pre[t], close[t] = price, c
        price = np.where(alive[t], c, price)

    pct = close / pre - 1
    at_up = (close >= _round_cents(pre * (1 + up_l)) - 1e-9) & ~np.isnan(up_l)
    at_down = (close <= _round_cents(pre * (1 - down_l)) + 1e-9) & ~np.isnan(down_l)
    one_price = (at_up | at_down) & (rng.random((T, N)) < 0.3)
    vol_noise = 0.4 * sigma * np.abs(rng.standard_normal((3, T, N)))
    hi_p = np.where(np.isnan(up_l), np.inf, _round_cents(pre * (1 + np.nan_to_num(up_l))))
    lo_p = np.where(np.isnan(down_l), 0.01, _round_cents(pre * (1 - np.nan_to_num(down_l))))
    opn = np.clip(_round_cents(pre * (1 + 0.3 * pct + vol_noise[0] * rng.choice([-1, 1], (T, N)))), lo_p, hi_p)
    high = np.clip(_round_cents(np.maximum(opn, close) * (1 + vol_noise[1])), lo_p, hi_p)
    low = np.clip(_round_cents(np.minimum(opn, close) * (1 - vol_noise[2])), lo_p, hi_p)
    high, low = np.maximum(high, np.maximum(opn, close)), np.minimum(low, np.minimum(opn, close))
    flat = one_price | susp
    opn, high, low = (np.where(flat, close, a) for a in (opn, high, low))
    vwap = np.clip((opn + high + low + 2 * close) / 5, low, high)
    base_vol = np.exp(rng.normal(11, 1, N))  # lots
    vol = np.round(base_vol * np.exp(rng.normal(0, 0.3, (T, N))) * (1 + 8 * np.abs(np.nan_to_num(pct))))
    vol = np.where(susp, 0.0, np.where(one_price, np.round(vol * 0.05) + 1, vol))
    amount = vwap * vol * 100 / 1000  # thousand yuan

    shares = np.exp(rng.normal(20, 1, N))
    cap = close * shares
    hs300, zz500 = _membership(cap, alive & ~st, T, N)
    index = _index(cal, close, pre, pre * shares, hs300, alive & ~susp)  # weights: the previous close's cap

    factors = _factors(rng, s, T, N, alive, index)
    names = _names(rng, N)
    rows = alive & ~missing_row
    ti, ni = np.nonzero(rows)
    base_name = np.array(names)[ni]
    name = np.where(delisting[ti, ni], np.char.add(base_name, "退"),
                    np.where(st[ti, ni], np.char.add(np.where(delist_idx[ni] < T, "*ST", "ST"), base_name),
                             base_name))
    df = pl.DataFrame({
        "ts_code": np.array(codes)[ni], "trade_date": cal_np[ti],
        "open": opn[ti, ni], "high": high[ti, ni], "low": low[ti, ni], "close": close[ti, ni],
        "pre_close": pre[ti, ni], "vol": vol[ti, ni], "amount": amount[ti, ni], "vwap": vwap[ti, ni],
        "pct_chg": pct[ti, ni], "name": name, "is_st": st[ti, ni], "list_date": list_date[ni],
        "industry_code": np.char.add("I", np.char.zfill(industry[ni].astype(str), 2)),
        "is_hs300": hs300[ti, ni], "is_zz500": zz500[ti, ni],
        **{k: v[ti, ni].astype(np.float32) for k, v in factors.items()},
    }).sort("ts_code", "trade_date")
    df = df.with_columns(pl.col(list(factors)).fill_nan(None))  # structural gaps are nulls, not NaN
    df = _technical(df)
    return df, index


def _limit_table(cal: list[date], boards: np.ndarray, st: np.ndarray, listing_day: np.ndarray,
                 list_idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """[T, N] limit-up / limit-down fractions from the rule table, each IPO under the regime of its listing
    date (as `market.status.annotate` reads it: a first-days window may span a reform)."""
    T, N = st.shape
    cal_np = np.array(cal, dtype="datetime64[D]")
    listed_on = np.where(list_idx >= 0, cal_np[np.clip(list_idx, 0, T - 1)], np.datetime64("NaT"))
    frame = pl.DataFrame({
        "trade_date": np.repeat(cal_np, N),
        "board": np.tile(boards, T), "is_st": st.ravel(), "listing_day": listing_day.ravel(),
        "listed_on": np.tile(listed_on, T),
    })
    up, down, _ = limit_pct_exprs()
    out = frame.select(up, down)
    return (out["limit_up_pct"].to_numpy().reshape(T, N).astype(float),
            out["limit_down_pct"].to_numpy().reshape(T, N).astype(float))


def _membership(cap: np.ndarray, eligible: np.ndarray, T: int, N: int) -> tuple[np.ndarray, np.ndarray]:
    """Semi-annual reconstitution by trailing cap rank: top → HS300, next → ZZ500 (scaled to N)."""
    n300, n500 = min(300, N // 10), min(500, N // 6)
    hs, zz = np.zeros((T, N), bool), np.zeros((T, N), bool)
    cur_hs, cur_zz = np.zeros(N, bool), np.zeros(N, bool)
    for t in range(T):
        if t % 126 == 0:
            c = np.where(eligible[t], np.nan_to_num(cap[max(t - 1, 0)]), -1.0)
            order = np.argsort(-c)
            cur_hs, cur_zz = np.zeros(N, bool), np.zeros(N, bool)
            cur_hs[order[:n300]] = True
            cur_zz[order[n300:n300 + n500]] = True
        hs[t], zz[t] = cur_hs & eligible[t], cur_zz & eligible[t]
    return hs, zz


def _index(cal: list[date], close: np.ndarray, pre: np.ndarray, pre_cap: np.ndarray, members: np.ndarray,
           traded: np.ndarray) -> pl.DataFrame:
    """Cap-weighted index of the traded members, each weighted by its cap at the previous close (`pre_cap`):
    weights at the day's own close would overweight the day's winners, a drift of about the cross-sectional
    variance of returns a day (+10-20% a year) that no member earned."""
    w = np.where(members & traded, np.nan_to_num(pre_cap), 0.0)
    r = np.nan_to_num(close / pre - 1)
    ret = (w * r).sum(1) / np.maximum(w.sum(1), 1e-12)
    lvl = 4000 * np.cumprod(1 + ret)
    prev = np.concatenate([[4000.0], lvl[:-1]])
    return pl.DataFrame({
        "ts_code": "000300.SH", "trade_date": np.array(cal, dtype="datetime64[D]"),
        "open": prev * (1 + 0.3 * ret), "high": np.maximum(prev, lvl) * 1.004,
        "low": np.minimum(prev, lvl) * 0.996, "close": lvl, "pct_chg": ret,
    })


def _factors(rng: np.random.Generator, s: np.ndarray, T: int, N: int, alive: np.ndarray,
             index: pl.DataFrame) -> dict[str, np.ndarray]:
    noise = lambda rho=0.8: _ar1(rng, T, N, rho)  # noqa: E731
    out: dict[str, np.ndarray] = {
        "alpha_001": s + rng.standard_normal((T, N)),
        "alpha_002": s + 2 * rng.standard_normal((T, N)),
        "gtja_001": -s + 1.5 * rng.standard_normal((T, N)),
        "mf_001": s + 3 * rng.standard_normal((T, N)),
    }
    for k in range(3, 11):
        out[f"alpha_{k:03d}"] = noise()
    for k in range(2, 9):
        out[f"gtja_{k:03d}"] = noise()
    for k in range(2, 6):
        out[f"mf_{k:03d}"] = noise(0.5)
    connect = rng.random(N) < 0.5  # Northbound holdings exist only for Stock Connect names
    for k in range(1, 4):
        out[f"hk_{k:03d}"] = np.where(connect[None, :], noise(0.95), np.nan)
    idx_ret = index["pct_chg"].to_numpy()
    roll = lambda x, w: np.convolve(x, np.ones(w) / w)[: len(x)]  # noqa: E731  trailing mean
    out["mkt_ret5"] = np.repeat(roll(idx_ret, 5)[:, None], N, 1)
    out["mkt_vol20"] = np.repeat(np.sqrt(roll(idx_ret**2, 20))[:, None], N, 1)
    return {k: np.where(alive, v, np.nan) for k, v in out.items()}


def _technical(df: pl.DataFrame) -> pl.DataFrame:
    """The technical columns of `SYNTH_TECHNICAL`, computed from the OHLCV bars by the factor engine (one
    definition of each name: `factors compute` on this market reproduces them)."""
    from aurumq_rl.factors.engine import compute_factors  # the engine imports data modules: imported here

    tech, _ = compute_factors(df, only=SYNTH_TECHNICAL, progress=False)
    return df.join(tech, on=["ts_code", "trade_date"], how="left", maintain_order="left")


def _names(rng: np.random.Generator, n: int) -> list[str]:
    chars = np.array(list(NAME_CHARS))
    picks = rng.integers(0, len(chars), (n, 2))
    return [f"{chars[a]}{chars[b]}{i % 100:02d}" for i, (a, b) in enumerate(picks)]


def write_demo(path: str, cfg: SynthConfig) -> tuple[str, str]:
    """Write the panel to `path` and the index to `<stem>_index.parquet`, all or nothing: both go to temp files
    first and are renamed into place only once both are written (a failed write leaves neither, nor a temp)."""
    from pathlib import Path

    from aurumq_rl.io import atomic_write_parquet, atomic_write_with

    panel, index = generate(cfg)
    out = Path(path)
    idx_path = out.with_name(out.stem + "_index.parquet")

    def write_pair(tmp: str) -> None:  # the panel's temp, then the index (renamed only if the panel was written)
        panel.write_parquet(tmp)
        atomic_write_parquet(index, idx_path)

    atomic_write_with(out, write_pair)  # the panel is renamed only if the index was written too
    return str(out), str(idx_path)
