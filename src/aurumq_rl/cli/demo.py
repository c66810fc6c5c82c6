"""`aurumq-rl demo`: the main job end to end on the synthetic demo market.

Steps so far: generate the market → data check. Each later stage (factors, train, export, infer, eval) adds
a step here, so the README's one demo command stays true.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from aurumq_rl.data.check import check_data, format_report
from aurumq_rl.data.synth import PRESETS, preset, write_demo


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="run the whole pipeline on the synthetic demo market")
    p.add_argument("-o", "--out-dir", default="demo", help="working directory (default: demo/)")
    p.add_argument("--preset", choices=sorted(PRESETS), default="default")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=run)


def _step(title: str) -> float:
    print(f"\n== {title} ==", flush=True)
    return time.perf_counter()


def run(args: argparse.Namespace) -> int:
    out = Path(args.out_dir)
    t = _step(f"1. synthetic market ({args.preset} preset, seed {args.seed})")
    market, index = write_demo(str(out / "market.parquet"), preset(args.preset, args.seed))
    print(f"wrote {market} and {index} ({time.perf_counter() - t:.1f}s)")
    t = _step("2. data check")
    print(format_report(check_data(market)))
    print(f"({time.perf_counter() - t:.1f}s)")
    return 0
