"""`aurumq-rl data check`: validate a Parquet against the data contract and print a report."""

from __future__ import annotations

import argparse
import json
import sys

from aurumq_rl.cli.market_args import add_market_args, market_from_args
from aurumq_rl.data.check import check_data, format_report


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("data", help="inspect input data")
    dsub = p.add_subparsers(dest="data_command", required=True, metavar="SUBCOMMAND")
    c = dsub.add_parser("check", help="validate a Parquet (file, directory or glob) and report on it")
    c.add_argument("path", help="panel Parquet: a file, a directory of shards, or a glob")
    c.add_argument("--json", action="store_true", help="print the report as JSON")
    add_market_args(c)
    c.set_defaults(func=run_check)


def run_check(args: argparse.Namespace) -> int:
    report = check_data(args.path, market=market_from_args(args))
    print(json.dumps(report, indent=2, default=str) if args.json else format_report(report))
    errors = [p for p in report["problems"] if p["level"] == "error"]
    if errors:  # the report is printed first, so every problem is seen at once
        print(f"error: {report['source']}: {len(errors)} value error(s) listed above; fix them before "
              "training", file=sys.stderr)
        return 2
    return 0
