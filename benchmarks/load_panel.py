"""Benchmark: `load_panel` wall time and peak RSS on a T × N × F factor Parquet vs the dense float32 size.

Side by side in one run with a naive baseline (read every column at once with polars, then pivot to
[T, N, F] in numpy). Each measurement runs in a fresh subprocess so peak RSS is its own.

    python benchmarks/load_panel.py                 # 3000 stocks × 750 days × 300 factors
    python benchmarks/load_panel.py --quick         # 300 × 250 × 40, a smoke run
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from _common import peak_rss, run_child


def make_parquet(path: Path, n_stocks: int, n_days: int, n_factors: int, seed: int = 0) -> None:
    """Write a long panel in row groups of 100 stocks so the generator itself stays small."""
    rng = np.random.default_rng(seed)
    dates = np.arange(np.datetime64("2021-01-04"), np.datetime64("2021-01-04") + n_days)
    codes = [f"{600000 + i:06d}.SH" if i < 1000 else f"{i - 1000:06d}.SZ" for i in range(n_stocks)]
    names = [f"alpha_{k:03d}" for k in range(n_factors)]
    writer = None
    for s0 in range(0, n_stocks, 100):
        block = codes[s0:s0 + 100]
        n = len(block) * n_days
        cols = {
            "ts_code": np.repeat(block, n_days),
            "trade_date": np.tile(dates, len(block)),
            "close": rng.uniform(5, 50, n).round(2),
            "pct_chg": rng.normal(0, 0.02, n).clip(-0.1, 0.1),
            "vol": rng.uniform(1e3, 1e6, n),
        }
        for name in names:
            cols[name] = rng.standard_normal(n).astype(np.float32)
        table = pa.table(cols)
        if writer is None:
            writer = pq.ParquetWriter(path, table.schema)
        writer.write_table(table)
    assert writer is not None
    writer.close()


def _child(mode: str, path: str) -> None:
    t0 = time.perf_counter()
    if mode == "load_panel":
        from aurumq_rl.data.loader import load_panel

        p = load_panel(path, universe="all")
        shape = p.factors.shape
    else:  # naive: everything at once, then a dense pivot
        import polars as pl

        df = pl.read_parquet(path).sort("trade_date", "ts_code")
        dates = df["trade_date"].unique().sort()
        codes = df["ts_code"].unique().sort()
        cols = [c for c in df.columns if c.startswith("alpha_")]
        ti = dates.search_sorted(df["trade_date"]).to_numpy()
        ni = codes.search_sorted(df["ts_code"]).to_numpy()
        dense = np.zeros((len(dates), len(codes), len(cols)), np.float32)
        dense[ti, ni] = df.select(cols).to_numpy()
        shape = dense.shape
    wall = time.perf_counter() - t0
    print(json.dumps({"wall_s": wall, "peak_rss": peak_rss(), "shape": shape}))


def measure(mode: str, path: Path) -> dict:
    """One mode's wall time and peak RSS, in a fresh process (a failure stops the benchmark)."""
    return run_child(__file__, [mode, str(path)], check=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--stocks", type=int, default=3000)
    ap.add_argument("--days", type=int, default=750)
    ap.add_argument("--factors", type=int, default=300)
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        _child(*a.child)
        return
    n, t, f = (300, 250, 40) if a.quick else (a.stocks, a.days, a.factors)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "panel.parquet"
        t0 = time.perf_counter()
        make_parquet(path, n, t, f)
        print(f"wrote {n} stocks × {t} days × {f} factors ({os.path.getsize(path) / 2**20:.0f} MiB) "
              f"in {time.perf_counter() - t0:.1f}s")
        dense = t * n * f * 4
        rows = [(mode, measure(mode, path)) for mode in ("load_panel", "naive")]
    print(f"\ndense float32 [T, N, F]: {dense / 2**30:.2f} GiB")
    print(f"{'method':<12}{'wall s':>9}{'peak RSS GiB':>14}{'RSS / dense':>13}")
    for mode, r in rows:
        print(f"{mode:<12}{r['wall_s']:>9.1f}{r['peak_rss'] / 2**30:>14.2f}{r['peak_rss'] / dense:>13.2f}")
    ours, base = rows[0][1], rows[1][1]
    print(f"\nload_panel vs naive: {ours['wall_s'] / base['wall_s']:.2f}× the naive wall time, "
          f"{base['peak_rss'] / ours['peak_rss']:.2f}× less peak RSS")


if __name__ == "__main__":
    main()
