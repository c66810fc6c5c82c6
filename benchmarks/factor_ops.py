"""Benchmark: the factor engine's operators one by one, to see where a family's time goes.

Each row evaluates eight instances of one operator (windows 5, 6, 8, 9, 10, 12, 15, 20 on close / volume) in
one `evaluate` call on a synthetic panel, as a factor group would, and reports that call's wall time divided by
eight: ms per operator. The first row (`x * w`, elementwise) is the fixed cost of `evaluate` itself, per operator.

    python benchmarks/factor_ops.py                       # 1000 stocks × 1000 days
    python benchmarks/factor_ops.py --size 3000x750 --ops ts_rank,ts_corr,rank
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable

WINDOWS = (5, 6, 8, 9, 10, 12, 15, 20)


def operators() -> dict[str, Callable[[int], object]]:
    """Name -> one instance of the operator for window w."""
    import polars as pl

    from aurumq_rl.factors import gtja_ops as g
    from aurumq_rl.factors import ops
    from aurumq_rl.factors.expr import wrap

    c, v = wrap(pl.col("close")), wrap(pl.col("vol"))
    return {
        "elementwise": lambda w: c * w,
        "delay": lambda w: ops.delay(c, w),
        "ts_sum": lambda w: ops.ts_sum(c, w),
        "ts_std": lambda w: ops.ts_std(c, w),
        "ts_max": lambda w: ops.ts_max(c, w),
        "rank (cs)": lambda w: ops.rank(c * w),
        "ts_rank": lambda w: ops.ts_rank(c, w),
        "decay_linear": lambda w: ops.decay_linear(c, w),
        "ts_argmax": lambda w: ops.ts_argmax(c, w),
        "ts_product": lambda w: ops.ts_product(c, w),
        "ts_corr": lambda w: ops.ts_corr(c, v, w),
        "ts_cov": lambda w: ops.ts_cov(c, v, w),
        "COVIANCE": lambda w: g.cov(c, v, w),
        "SMA": lambda w: g.sma(c, w, 1),
        "WMA": lambda w: g.wma(c, w),
        "HIGHDAY": lambda w: g.highday(c, w),
        "REGBETA": lambda w: g.regbeta(c, v, w),
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", default="1000x1000", help="STOCKSxDAYS (default 1000x1000)")
    ap.add_argument("--ops", help="comma-separated subset of the operator names")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs per operator; the best is reported")
    args = ap.parse_args(argv)
    from aurumq_rl.data.synth import SynthConfig, generate
    from aurumq_rl.factors.expr import evaluate

    table = operators()
    chosen = args.ops.split(",") if args.ops else list(table)
    unknown = [o for o in chosen if o not in table]
    if unknown:
        sys.exit(f"unknown --ops {unknown}; known: {', '.join(table)}")
    n_stocks, n_days = (int(p) for p in args.size.lower().split("x"))
    panel, _ = generate(SynthConfig(n_stocks=n_stocks, n_days=n_days))
    panel = panel.select("ts_code", "trade_date", "close", "vol").sort("ts_code", "trade_date")
    print(f"machine: {os.cpu_count()} CPUs; {n_stocks} × {n_days} ({panel.height:,} rows)")
    print(f"{'operator':14s} {'ms / op':>10s}  (one evaluate call of {len(WINDOWS)} windows ÷ {len(WINDOWS)})")
    for name in chosen:
        group = {f"f{i}": table[name](w) for i, w in enumerate(WINDOWS)}
        evaluate(panel.head(5000), group)  # compile / warm up
        best = float("inf")
        for _ in range(args.repeat):
            t = time.perf_counter()
            evaluate(panel, group)
            best = min(best, time.perf_counter() - t)
        print(f"{name:14s} {best / len(WINDOWS) * 1000:10.1f}", flush=True)


if __name__ == "__main__":
    main()
