"""Benchmark: factor engine wall time and peak RSS per family, side by side with the pandas Alpha101 of
`alpha101v` (PyPI, MIT) on the same synthetic panel.

Each measurement runs in a fresh subprocess (peak RSS = that process's VmHWM, data loading included), from the
same Parquet file. The engine reads the long Parquet and computes one family; the reference reads it,
pivots each field to a wide dates × stocks pandas frame (timed separately) and runs its alphas one by one.
The reference runs the same alphas the engine computed (mapped alpha_NNN -> alphaN) when the alpha101 family
is registered, else every alpha whose inputs the panel has.

    python benchmarks/factors.py                          # 1000 × 1000 and 3000 × 750 (stocks × days)
    python benchmarks/factors.py --quick                  # 200 × 300, a smoke run
    python benchmarks/factors.py --sizes 500x500 --families tech,cmf --no-reference
    python benchmarks/factors.py --sizes 3000x750 --families tech --batch-days 150 --stream --no-reference
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from _common import peak_rss, run_child

FAMILIES = ("alpha101", "gtja191", "tech", "cmf", "zt")
REF_FIELDS = {"close": "close", "Open": "open", "high": "high", "low": "low", "volume": "vol", "vwap": "vwap",
              "returns": "pct_chg"}


def make_panel(dir_: Path, n_stocks: int, n_days: int) -> tuple[Path, Path]:
    """Synthetic OHLCV panel and index (`data.synth`) written to Parquet; synth's own factor columns dropped."""
    from aurumq_rl.data.synth import SynthConfig, generate

    panel, index = generate(SynthConfig(n_stocks=n_stocks, n_days=n_days))
    keep = [c for c in panel.columns if c in (
        "ts_code", "trade_date", "open", "high", "low", "close", "pre_close", "vol", "amount", "vwap", "pct_chg",
        "name", "is_st", "list_date", "industry_code")]
    p, i = dir_ / f"panel_{n_stocks}x{n_days}.parquet", dir_ / f"index_{n_stocks}x{n_days}.parquet"
    panel.select(keep).write_parquet(p)
    index.write_parquet(i)
    return p, i


def child_engine(family: str, path: str, index: str, batch_days: str = "0", stream: str = "0") -> dict:
    """`compute_factors` (whole output in memory) or, with `stream`, the CLI's path: each date batch written
    to a Parquet file as it is computed."""
    from aurumq_rl.factors.engine import compute_factors, plan_factors, run_batches
    from aurumq_rl.io import AtomicParquetWriter

    t0 = time.perf_counter()
    if stream == "1":
        job = plan_factors(path, families=family, index=index, batch_days=int(batch_days) or None)
        with tempfile.TemporaryDirectory() as tmp, AtomicParquetWriter(Path(tmp) / "out.parquet") as w:
            for part in run_batches(job, progress=False):
                w.write(part)
        rep, rows = job.report, w.rows
    else:
        out, rep = compute_factors(path, families=family, index=index, batch_days=int(batch_days) or None,
                                   progress=False)
        rows = out.height
    return {"wall_s": time.perf_counter() - t0, "peak_rss": peak_rss(), "n": len(rep.computed),
            "skipped": len(rep.skipped), "computed": rep.computed, "rows": rows, "batches": rep.batches}


def child_reference(path: str, names: str) -> dict:
    import alpha101v
    import pandas as pd
    import polars as pl
    from alpha101v import registry

    t0 = time.perf_counter()
    df = pl.read_parquet(path).sort("trade_date", "ts_code")
    wide: dict[str, pd.DataFrame] = {}
    for field, col in {**REF_FIELDS, "amount": "amount"}.items():
        w = df.pivot(on="ts_code", index="trade_date", values=col).sort("trade_date").to_pandas()
        w = w.set_index(pd.DatetimeIndex(w.pop("trade_date")))
        wide[field] = w * 1000 if field == "amount" else w  # alpha101v wants amount in yuan
    ind = df.pivot(on="ts_code", index="trade_date", values="industry_code").sort("trade_date").to_pandas()
    ind = ind.set_index(pd.DatetimeIndex(ind.pop("trade_date")))
    for f in ("ind_sector", "ind_industry", "ind_subindustry"):
        wide[f] = ind
    del df
    pivot_s = time.perf_counter() - t0
    todo = names.split(",") if names else [n for n in alpha101v.ALL_FACTOR_NAMES
                                           if set(registry.REGISTRY[n].params) <= set(wide)]
    t1 = time.perf_counter()
    failed = []
    for n in todo:
        try:
            registry.run_factor(n, wide, copy_inputs=False)
        except Exception as exc:  # noqa: BLE001 - report, keep timing the others
            failed.append(f"{n}: {type(exc).__name__}")
    return {"wall_s": time.perf_counter() - t0, "pivot_s": pivot_s, "compute_s": time.perf_counter() - t1,
            "peak_rss": peak_rss(), "n": len(todo) - len(failed), "failed": failed}


def _fmt(r: dict) -> str:
    if "error" in r:
        return f"{'—':>8}{'—':>10}{'—':>12}{'—':>14}  {r['error']}"
    per = r["wall_s"] / r["n"] * 1000 if r["n"] else float("nan")
    return f"{r['n']:>8}{r['wall_s']:>10.1f}{per:>12.0f}{r['peak_rss'] / 2**30:>14.2f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="200 stocks × 300 days")
    ap.add_argument("--sizes", default="1000x1000,3000x750", help="comma-separated STOCKSxDAYS")
    ap.add_argument("--families", default=",".join(FAMILIES))
    ap.add_argument("--batch-days", type=int, default=0, help="engine date batch size (default: automatic)")
    ap.add_argument("--stream", action="store_true",
                    help="write each date batch to Parquet as computed (the CLI's path) instead of collecting")
    ap.add_argument("--no-reference", action="store_true", help="skip alpha101v")
    ap.add_argument("--reference-sizes", help="sizes to run alpha101v on (default: all of --sizes)")
    ap.add_argument("--timeout", type=float, default=7200, help="seconds per measurement")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        kind, *rest = a.child
        if kind == "make":
            make_panel(Path(rest[0]), int(rest[1]), int(rest[2]))
            res: dict = {}
        else:
            res = child_engine(*rest) if kind == "engine" else child_reference(*rest)
        print(json.dumps(res))
        return
    sizes = ["200x300"] if a.quick else [s.strip() for s in a.sizes.split(",") if s.strip()]
    ref_sizes = set(sizes if not a.reference_sizes else a.reference_sizes.split(","))
    fams = [f.strip() for f in a.families.split(",") if f.strip()]
    print(f"machine: {os.cpu_count()} CPUs; python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            n, t = (int(v) for v in size.lower().split("x"))
            t0 = time.perf_counter()
            run_child(__file__, ["make", tmp, str(n), str(t)], a.timeout, check=True)  # keeps this process small
            path, index = Path(tmp) / f"panel_{n}x{t}.parquet", Path(tmp) / f"index_{n}x{t}.parquet"
            print(f"\n## {n} stocks × {t} days ({os.path.getsize(path) / 2**20:.0f} MiB Parquet, made in "
                  f"{time.perf_counter() - t0:.0f} s)")
            print(f"{'family':<22}{'factors':>8}{'wall s':>10}{'ms/factor':>12}{'peak RSS GiB':>14}")
            results = {}
            for fam in fams:
                results[fam] = r = run_child(__file__, ["engine", fam, str(path), str(index), str(a.batch_days),
                                                          str(int(a.stream))], a.timeout)
                label = fam if "error" in r or r["batches"] == 1 else f"{fam} ({r['batches']} batches)"
                print(f"{label:<22}" + _fmt(r), flush=True)
            if a.no_reference or size not in ref_sizes:
                continue
            eng = results.get("alpha101", {})
            names = ",".join(f"alpha{int(c.split('_')[1])}" for c in eng.get("computed", []))
            ref = run_child(__file__, ["reference", str(path), names], a.timeout)
            print(f"{'alpha101v (pandas)':<22}" + _fmt(ref), flush=True)
            if "error" not in ref:
                print(f"  reference: pivot {ref['pivot_s']:.1f} s + compute {ref['compute_s']:.1f} s; "
                      f"failed {len(ref['failed'])} {ref['failed'][:5]}")
            if "error" not in ref and eng and "error" not in eng and eng["n"]:
                print(f"  alpha101 engine vs alpha101v: {ref['wall_s'] / eng['wall_s']:.2f}× faster wall, "
                      f"{ref['peak_rss'] / eng['peak_rss']:.2f}× peak RSS ratio (reference / engine)")


if __name__ == "__main__":
    main()
