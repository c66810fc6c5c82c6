"""`aurumq-rl synth`: write the deterministic demo market."""

from __future__ import annotations

import argparse
import time

from aurumq_rl.data.synth import PRESETS, preset, write_demo


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("synth", help="generate the synthetic demo market (Parquet)")
    p.add_argument("--preset", choices=sorted(PRESETS), default="default",
                   help="small: 300 stocks × 400 days (tests); default: 3000 × 750")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("-o", "--output", required=True, help="panel Parquet path (index goes beside it)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    t0 = time.perf_counter()
    panel, index = write_demo(args.output, preset(args.preset, args.seed))
    print(f"wrote {panel} and {index} in {time.perf_counter() - t0:.1f}s")
    return 0
