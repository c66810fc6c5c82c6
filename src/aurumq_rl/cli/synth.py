"""`aurumq-rl synth`: write the deterministic demo market."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from aurumq_rl.data.synth import PRESETS, preset, preset_help, write_demo
from aurumq_rl.errors import DataError
from aurumq_rl.io import check_writable


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("synth", help="generate the synthetic demo market (Parquet)")
    p.add_argument("--preset", choices=sorted(PRESETS), default="default",
                   help=preset_help())
    p.add_argument("--seed", type=int, default=0, help="seed of the synthetic market (default 0)")
    p.add_argument("-o", "--output", required=True, help="panel Parquet path (index goes beside it)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if Path(args.output).suffix != ".parquet":
        raise DataError(f"-o {args.output}: the panel is written as Parquet; choose a path ending in .parquet")
    if args.seed < 0:
        raise DataError(f"--seed {args.seed}: must be ≥ 0")
    check_writable(args.output)
    t0 = time.perf_counter()
    panel, index = write_demo(args.output, preset(args.preset, args.seed))
    print(f"wrote {panel} and {index} in {time.perf_counter() - t0:.1f}s")
    return 0
