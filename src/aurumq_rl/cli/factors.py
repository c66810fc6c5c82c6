"""`aurumq-rl factors compute | list | doc`: run the factor engine, browse the registry, write the reference."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from aurumq_rl.cli.market_args import add_market_args, market_from_args
from aurumq_rl.errors import DataError
from aurumq_rl.factors.registry import FactorSpec, specs

if TYPE_CHECKING:
    from aurumq_rl.factors.engine import FactorReport

REFERENCE_COLUMNS = ("name", "family", "quality", "inputs", "lookback", "reference", "formula", "reason")

# `factors compute --help`: the optional INPUT columns and the factors that need them (docs/FACTORS.md, "Inputs
# and units"; tests/cli/test_cli_factors.py checks the lists against the registry)
COMPUTE_EPILOG = """\
INPUT columns: required ts_code, trade_date, open, high, low, close (yuan), vol (lots of 100 shares),
amount (thousand yuan), pct_chg (decimal); vwap and pre_close are derived when absent.
Optional columns (a factor that needs an absent one is skipped and named in the report):
  industry_code  industry per date, coarsest level (Alpha101 IndClass.sector, e.g. Shenwan L1):
                 alpha_058, alpha_067, alpha_076, alpha_079, alpha_082
  industry_l2    finer level (IndClass.industry, e.g. Shenwan L2):
                 alpha_059, alpha_063, alpha_069, alpha_070, alpha_080, alpha_087, alpha_089, alpha_091,
                 alpha_093, alpha_097
  industry_l3    finest level (IndClass.subindustry, e.g. Shenwan L3):
                 alpha_048, alpha_067, alpha_090, alpha_100
                 industry levels are labels (text, integer or categorical); IndNeutralize demeans within
                 each (date, label) group; a row without a label (null, NaN) gets null
  cap            market capitalisation per date, positive, any one unit (e.g. Tushare total_mv, 10k yuan;
                 alpha_056 only ranks returns * cap per date): alpha_056
Every factor's inputs: aurumq-rl factors list."""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("factors", help="compute factor columns from OHLCV; list and document the factors")
    fsub = p.add_subparsers(dest="factors_command", required=True, metavar="SUBCOMMAND")

    c = fsub.add_parser("compute", help="compute factors from an OHLCV Parquet and write them to OUTPUT",
                        epilog=COMPUTE_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    c.add_argument("input", metavar="INPUT", help="long (ts_code, trade_date) Parquet: file, directory or glob")
    c.add_argument("-o", "--output", required=True, metavar="OUTPUT", help="Parquet to write (atomically)")
    c.add_argument("--family", help="comma-separated families, e.g. alpha101,gtja191,tech,cmf,zt (default: all)")
    c.add_argument("--only", help="comma-separated factor names, e.g. alpha_001,gtja_005; added to --family")
    c.add_argument("--index", metavar="INDEX", help="benchmark index daily bars (trade_date, open, high, low, "
                   "close), joined as bench_*; factors that need it are skipped without it")
    c.add_argument("--index-code", metavar="CODE", help="the index to use when INDEX holds several (its ts_code "
                   "column), e.g. 000300.SH")
    c.add_argument("--batch-days", type=int, metavar="N", help="dates per batch (memory bound; default: automatic)")
    c.add_argument("--factor-batch", type=int, default=None, metavar="K",
                   help="factors evaluated together (default 16; smaller: less memory, less sharing)")
    c.add_argument("--factors-only", action="store_true",
                   help="write only ts_code, trade_date and the factors (default: also the input's other columns, "
                        "so OUTPUT is a complete training Parquet)")
    add_market_args(c, listing=False)  # the zt_ family's is_limit_up; the listing rule changes no factor
    c.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    c.add_argument("--report-json", metavar="PATH", help="also write the report as JSON")
    c.set_defaults(func=run_compute)

    ls = fsub.add_parser("list", help="list the registered factors")
    ls.add_argument("--family", help="only this family (comma-separated for several)")
    ls.add_argument("--json", action="store_true", help="print JSON")
    ls.set_defaults(func=run_list)

    d = fsub.add_parser("doc", help="write the factor reference (Markdown) generated from the registry")
    d.add_argument("-o", "--output", default="docs/FACTOR_REFERENCE.md", metavar="PATH",
                   help="Markdown file to write (default docs/FACTOR_REFERENCE.md, relative to the current directory)")
    d.set_defaults(func=run_doc)


# compute --------------------------------------------------------------------------------------------------
def input_columns(source: str, exclude: list[str]) -> pl.LazyFrame | None:
    """The input's columns other than `exclude`, keyed by ts_code and a parsed trade_date (None when there are
    none), for `attach_inputs`."""
    from aurumq_rl.data.contract import trade_date_expr
    from aurumq_rl.data.source import scan_with_schema

    lf, name, schema = scan_with_schema(source)
    extra = [c for c in schema.names() if c not in exclude]
    if not extra:
        return None
    # ts_code as String, like the engine's output it is joined to (a pandas category column is Categorical)
    return lf.select("ts_code", "trade_date", *extra).with_columns(pl.col("ts_code").cast(pl.String),
                                                                   trade_date_expr(schema["trade_date"], name))


def replaced_input_columns(source: str, computed: list[str]) -> list[str]:
    """The computed factors that the input already holds a column of: OUTPUT carries the computed values, so
    the input's own ones (another vendor's definition, say) are replaced."""
    from aurumq_rl.data.source import scan_with_schema

    _, _, schema = scan_with_schema(source)
    have = set(schema.names())
    return [c for c in computed if c in have]


def attach_inputs(out: pl.DataFrame, inputs: pl.LazyFrame | None) -> pl.DataFrame:
    """`out` (one date batch) plus the input columns (left join on ts_code, trade_date, reading only the
    batch's dates), so the factor file also carries close/pct_chg/vol/status columns and any factor columns
    computed elsewhere."""
    if inputs is None:
        return out
    lo, hi = out["trade_date"].min(), out["trade_date"].max()
    # streaming collect: only the batch's rows of a wide input are ever materialised
    inp = inputs.filter(pl.col("trade_date").is_between(lo, hi)).collect(engine="streaming")
    joined = out.join(inp, on=["ts_code", "trade_date"], how="left", maintain_order="left")
    extra = [c for c in joined.columns if c not in out.columns]
    return joined.select("ts_code", "trade_date", *extra, *out.columns[2:])


def factor_record(report: FactorReport) -> dict[str, object]:
    """What a factor file records about how it was made (its Parquet metadata, shown by `data check`): the
    command, the package version and the run's report (±inf counts only where non-zero)."""
    from aurumq_rl import __version__

    rec = report.to_dict()
    rec["inf_counts"] = {n: c for n, c in report.inf_counts.items() if c}
    return {"made_by": "factors compute", "version": __version__, **rec}


def run_compute(args: argparse.Namespace) -> int:
    from aurumq_rl.factors.engine import FACTOR_BATCH, plan_factors, run_batches
    from aurumq_rl.io import (
        AtomicParquetWriter,
        atomic_write_json,
        check_not_input,
        check_writable,
        parquet_record,
    )

    # the outputs before any work: never the input (file, a shard of its directory, its glob) or the index
    check_not_input(args.output, args.input, args.index, flag="-o")
    check_writable(args.output, flag="-o")
    if args.report_json:
        if Path(args.report_json).resolve() == Path(args.output).resolve():
            raise DataError(f"--report-json {args.report_json}: is the -o output, which the report would "
                            "overwrite; choose another path")
        check_not_input(args.report_json, args.input, args.index, flag="--report-json")
        check_writable(args.report_json, flag="--report-json")
    if args.batch_days is not None and args.batch_days < 1:
        raise DataError(f"--batch-days {args.batch_days}: give a positive number of dates")
    if args.factor_batch is not None and args.factor_batch < 1:
        raise DataError(f"--factor-batch {args.factor_batch}: give a positive number of factors")
    job = plan_factors(args.input, families=args.family, only=args.only, index=args.index,
                       index_code=args.index_code, batch_days=args.batch_days,
                       factor_batch=args.factor_batch or FACTOR_BATCH, market=market_from_args(args))
    report = job.report
    if not report.computed:
        reasons = "; ".join(f"{n}: {r}" for n, r in list(report.skipped.items())[:5])
        raise DataError(f"{args.input}: no factor could be computed ({reasons or 'nothing selected'})")
    inputs = None if args.factors_only else input_columns(args.input, ["ts_code", "trade_date", *report.computed])
    replaced = [] if args.factors_only else replaced_input_columns(args.input, report.computed)
    # each date batch goes to the file as it is computed: memory holds the inputs and one batch of factors
    width = 0
    with AtomicParquetWriter(args.output) as writer:
        for part in run_batches(job, progress=not args.no_progress):
            part = attach_inputs(part, inputs)
            writer.write(part)
            width = part.width
        writer.metadata = parquet_record(factor_record(report))
        if args.report_json:  # inside the block: a report that cannot be written leaves no -o behind
            atomic_write_json(report.to_dict(), args.report_json)
    print(report.format())
    if replaced:  # the input's own column of that name is not in OUTPUT: say so, never drop it silently
        print(f"replaced {len(replaced)} input column(s) by the computed factor of the same name (the input's "
              f"values are not in {args.output}): {', '.join(replaced[:10])}{' …' if len(replaced) > 10 else ''}")
    order = "sorted by (ts_code, trade_date)" if report.batches == 1 else \
        f"in {report.batches} date batches, each sorted by (ts_code, trade_date)"
    print(f"wrote {args.output}: {writer.rows:,} rows × {width} columns ({len(report.computed)} factors), "
          f"rows {order}")
    return 0


# list / doc -----------------------------------------------------------------------------------------------
def selected_specs(family: str | None) -> list[FactorSpec]:
    """Registered specs of the comma-separated families (all when None); unknown family → DataError."""
    all_specs = specs()
    if family is None:
        return all_specs
    known = sorted({s.family for s in all_specs})
    wanted = [f.strip() for f in family.split(",") if f.strip()]
    bad = [f for f in wanted if f not in known]
    if bad:
        raise DataError(f"unknown factor family {', '.join(bad)} (--family); registered: {', '.join(known)}")
    return [s for s in all_specs if s.family in wanted]


def spec_row(s: FactorSpec) -> dict[str, object]:
    """The reference fields of one spec (also the `list --json` record)."""
    return {"name": s.name, "family": s.family, "quality": s.quality, "inputs": list(s.inputs),
            "lookback": s.lookback, "reference": s.reference or "", "formula": s.formula, "reason": s.reason,
            "conventions": list(s.conventions)}


def run_list(args: argparse.Namespace) -> int:
    rows = [spec_row(s) for s in selected_specs(args.family)]
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    width = max([len(str(r["name"])) for r in rows] + [4])
    print(f"{'name':<{width}}  {'family':<8}  {'quality':<11}  {'lookback':>8}  inputs")
    for r in rows:
        print(f"{r['name']:<{width}}  {r['family']:<8}  {r['quality']:<11}  {r['lookback']:>8}  "
              f"{','.join(r['inputs'])}")  # type: ignore[arg-type]
    print(f"{len(rows)} factor(s)")
    return 0


def _md(v: object) -> str:
    text = ", ".join(map(str, v)) if isinstance(v, list | tuple) else str(v)
    return text.replace("|", "\\|").replace("\n", " ")


def reference_markdown(all_specs: list[FactorSpec]) -> str:
    """The factor reference: per family, one table row per factor (name, family, quality, inputs, lookback,
    reference, formula, reason)."""
    families: dict[str, list[FactorSpec]] = {}
    for s in all_specs:
        families.setdefault(s.family, []).append(s)
    lines = [
        "# Factor reference",
        "",
        "Generated from the factor registry by `aurumq-rl factors doc`; do not edit by hand.",
        "Lookback = past rows of the stock (today excluded) a value needs; the engine's date-batch warm-up is the",
        "largest lookback requested. Quality: clean (matches its stated formula/reference), best-effort (documented",
        "deviations), stub (not computed; see reason).",
        "",
        "| family | factors | clean | best-effort | stub |",
        "|---|---|---|---|---|",
    ]
    for fam, ss in families.items():
        q = [s.quality for s in ss]
        lines.append(f"| {fam} | {len(ss)} | {q.count('clean')} | {q.count('best-effort')} | {q.count('stub')} |")
    for fam, ss in families.items():
        lines += ["", f"## {fam}", "", "| " + " | ".join(REFERENCE_COLUMNS) + " |",
                  "|" + "---|" * len(REFERENCE_COLUMNS)]
        for s in ss:
            row = spec_row(s)
            formula = str(row["formula"])
            if s.conventions:
                formula += " — conventions: " + "; ".join(s.conventions)
            row["formula"] = formula
            lines.append("| " + " | ".join(_md(row[c]) for c in REFERENCE_COLUMNS) + " |")
    return "\n".join(lines) + "\n"


def run_doc(args: argparse.Namespace) -> int:
    from aurumq_rl.factors.engine import FAMILY_ORDER
    from aurumq_rl.io import atomic_write_text

    rank = {f: i for i, f in enumerate(FAMILY_ORDER)}
    ordered = sorted(specs(), key=lambda s: (rank.get(s.family, len(rank)), s.family, s.name))
    path = atomic_write_text(reference_markdown(ordered), Path(args.output))
    print(f"wrote {path}: {len(ordered)} factor(s)")
    return 0
