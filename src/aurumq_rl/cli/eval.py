"""`aurumq-rl eval` and `aurumq-rl compare`: evaluate score sources (bundles, RL/SL runs, score Parquets,
factor columns) on identical dates, universe, costs and rules; write JSON, a self-contained HTML report,
PNG charts, the trade log and the equity curves, and print a summary table.

Heavy imports (polars, matplotlib) happen inside the commands so `aurumq-rl --help` stays fast; nothing here
imports torch.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
from pathlib import Path
from typing import Any

from aurumq_rl.cli.market_args import MARKET_FLAGS, add_market_args, market_from_args, model_market, recorded_market
from aurumq_rl.errors import DataError
from aurumq_rl.io import check_dir_not_input, check_writable
from aurumq_rl.market.selection import INDUSTRY_CAP, SIZINGS

DEFAULT_COSTS = "30,60,100"
DEFAULT_TOP_K = 30
MIN_PERIODS = 20  # independent fp-day periods below which the Hansen–Hodrick t-stats are oversized


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", required=True, help="panel Parquet (file, directory or glob)")
    p.add_argument("--start", help="first decision date, YYYY-MM-DD (default: the data's first date)")
    p.add_argument("--end", help="last decision date, YYYY-MM-DD (default: the last whose forward window and "
                   "main-wave hold fit in the data)")
    p.add_argument("--top-k", type=int, help=f"stocks picked per date (default: a model's training top_k, as infer "
                   f"picks, else {DEFAULT_TOP_K})")
    p.add_argument("--forward-period", type=int, default=5, help="holding period fp in trading days (default 5)")
    p.add_argument("--universe", help="main_board_non_st | all_non_st | hs300 | zz500 | all (default: a model's "
                                      "training universe, else main_board_non_st)")
    add_market_args(p, model=True)
    p.add_argument("--sizing", choices=SIZINGS, help="weights of the execution backtest's book: equal | "
                   "strategy_d (∝ max(score, 0)) (default: a model's training sizing, else equal; the top-K table "
                   "reports both)")
    p.add_argument("--cost-bps", default=DEFAULT_COSTS, help=f"round-trip costs to sweep (default {DEFAULT_COSTS})")
    p.add_argument("--random-draws", type=int, default=100, help="random-score draws of the baseline (default 100)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random baseline (default 0)")
    p.add_argument("--negate", action="store_true", help="negate every source's scores (e.g. a factor with "
                                                         "negative IC)")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("eval", help="evaluate score sources: eval.json, report.html, charts, trades, equity")
    p.add_argument("--scores", nargs="+", required=True, metavar="SOURCE",
                   help="bundle or model dir, RL/SL run dir, scores Parquet (ts_code, trade_date, score), or a "
                        "factor column (NAME or factor:NAME); several = multi-seed with ensembles")
    _common(p)
    p.add_argument("-o", "--out-dir", required=True, help="output directory")
    p.set_defaults(func=run_eval)
    c = sub.add_parser("compare", help="several sources side by side on identical dates: compare.json/.html")
    c.add_argument("sources", nargs="+", metavar="SOURCE", help="as eval --scores; at least two")
    _common(c)
    c.add_argument("-o", "--out-dir", default="compare", help="output directory (default: compare/)")
    c.set_defaults(func=run_compare)


def settings_from_args(args: argparse.Namespace) -> Any:
    """`EvalSettings` from the flags, DataError naming the flag on a bad value."""
    from aurumq_rl.eval.suite import EvalSettings

    try:
        costs = tuple(dict.fromkeys(float(x) for x in str(args.cost_bps).split(",") if x.strip()))  # once each
    except ValueError as exc:
        raise DataError(f"--cost-bps '{args.cost_bps}': use comma-separated numbers such as 30,60,100") from exc
    if not costs or not all(0 <= c < math.inf for c in costs):  # nan / inf: a traceback in the report
        raise DataError(f"--cost-bps '{args.cost_bps}': give one or more finite costs ≥ 0, e.g. 30,60,100")
    from aurumq_rl.market.costs import CostModel

    for c in costs:
        try:
            CostModel(round_trip_bps=c)
        except ValueError as exc:
            raise DataError(str(exc)) from exc
    top_k = DEFAULT_TOP_K if args.top_k is None else args.top_k  # a model's own: `evaluate`
    for flag, v in (("--top-k", top_k), ("--forward-period", args.forward_period),
                    ("--random-draws", args.random_draws)):
        if v < 1:
            raise DataError(f"{flag} {v}: must be ≥ 1")
    if args.seed < 0:
        raise DataError(f"--seed {args.seed}: must be ≥ 0")
    return EvalSettings(top_k=top_k, forward_period=args.forward_period, cost_bps=costs,
                        random_draws=args.random_draws, seed=args.seed)


def evaluate(args: argparse.Namespace, sources: list[str], *, ensembles: bool) -> tuple[Any, dict[str, Any]]:
    """Resolve the sources, load the evaluation panel, evaluate: (SuiteResult, inputs for the report)."""
    import warnings

    import numpy as np

    from aurumq_rl.eval import sources as src
    from aurumq_rl.eval.metrics import nonoverlap_index
    from aurumq_rl.eval.suite import evaluate_sources
    from aurumq_rl.market.universe import check_top_k

    st = settings_from_args(args)
    columns, calendar = src.data_columns_and_calendar(args.data)
    specs = [src.classify_source(s, columns, args.negate) for s in sources]
    src.unique_names(specs)
    for sp in specs:
        if sp.kind == "model":
            src.load_model(sp)
    universe = src.source_universe(specs, args.universe)
    # the market rules as the universe: the flags, else the first model's recorded rules, else the defaults
    model = next((sp for sp in specs if sp.recorded is not None), None)
    market = model_market(args, model.recorded, model.what) if model is not None else market_from_args(args)
    sizing = args.sizing or (model.recorded.get("sizing") if model is not None else None) or "equal"
    # the industry cap a model trained (and `infer` picks) under; a scores file or factor: the default cap
    cap = model.recorded.get("industry_cap", INDUSTRY_CAP) if model is not None else INDUSTRY_CAP
    st = dataclasses.replace(st, sizing=sizing, industry_cap=cap)
    if args.top_k is None and model is not None and model.recorded.get("top_k"):  # the book infer serves
        st = dataclasses.replace(st, top_k=int(model.recorded["top_k"]))
    _warn_models_disagree(specs, args, {"universe": universe, "sizing": sizing, **market.settings()}, cap)
    ep = src.load_eval_panel(args.data, specs, calendar=calendar, universe=universe, start=args.start,
                             end=args.end, forward_period=st.forward_period, market=market)
    window = slice(ep.lo, ep.hi + 1)
    check_top_k(ep.panel.in_universe[window], st.top_k, universe, ep.panel.dates[window],
                ep.panel.industry[window] if ep.panel.industry is not None else None, st.industry_cap)
    sets = [src.load_scores(sp, ep, args.data) for sp in specs]
    for s in sets:
        for message in src.alignment_warnings(str(s.spec), s.info, args.data, universe):
            warnings.warn(message, stacklevel=2)
        if not s.info["dates_with_scores"]:
            raise DataError(f"{s.spec}: no score for a universe stock on any decision date in "
                            f"{ep.panel.dates[ep.lo]} .. {ep.panel.dates[ep.hi]}; check --start/--end/--universe")
        flat = s.info["constant_dates"]
        if flat * 2 >= s.info["dates_with_scores"]:
            warnings.warn(f"{s.spec}: one score for every universe stock on {flat} of its "
                          f"{s.info['dates_with_scores']} decision dates, so its top-K there is the tie-break "
                          "(a hash of date and code), not a choice; a constant column is no signal", stacklevel=2)
        typical = s.info["median_scored_per_date"]
        if typical <= st.top_k:
            warnings.warn(f"{s.spec}: scores at most --top-k {st.top_k} universe stocks on most decision dates "
                          f"(median {typical:.0f}), so its top-K is every stock it scores and "
                          "the random baseline, drawn among the scored stocks, is the same picks; evaluate scores "
                          "of the whole universe (`sl score`, a model), not a picks file", stacklevel=2)
    dates = src.common_dates(sets, ep)
    result = evaluate_sources(ep, sets, dates, st, ensembles=ensembles)
    # the non-overlapping fp-day periods among the decision dates (as the top-K series and the backtest take them):
    # n / fp only for daily dates; a source scored weekly holds about one per date
    periods = len(nonoverlap_index(np.where(dates, 0.0, np.nan), st.forward_period))
    if periods < MIN_PERIODS:
        warnings.warn(f"{result.report['decision_dates']['n']} decision dates hold only {periods} independent "
                      f"{st.forward_period}-day periods (under {MIN_PERIODS}): the t-stats' standard errors rest on "
                      "too few of them and overstate significance (|t| > 1.96 for 10-18% of scores without skill "
                      "at fp 10-20 over 120 dates); widen --start/--end or lower --forward-period", stacklevel=2)
    d = ep.panel.dates
    inputs = {"data": str(args.data), "start": str(d[ep.lo]), "end": str(d[ep.hi]), "universe": universe,
              "market": market.settings(),
              "panel_dates": f"{d[0]} .. {d[-1]}", "panel_stocks": len(ep.panel.codes)}
    return result, inputs


def write_outputs(out_dir: str | Path, files: dict[str, Any]) -> Path:
    """Write `files` (name → dict: JSON, str: text, bytes, DataFrame: Parquet) into a temp directory beside
    OUT_DIR, then rename it to OUT_DIR (new) or move each file in with an atomic replace (existing)."""
    import polars as pl

    from aurumq_rl.io import atomic_dir, atomic_write_json, atomic_write_parquet, atomic_write_text

    out = Path(out_dir)  # checked up front by `_report` (io.check_writable)
    with atomic_dir(out, merge=True) as tmp:
        for name, obj in files.items():
            if isinstance(obj, dict):
                atomic_write_json(obj, tmp / name)
            elif isinstance(obj, str):
                atomic_write_text(obj, tmp / name)
            elif isinstance(obj, pl.DataFrame):
                atomic_write_parquet(obj, tmp / name)
            else:
                (tmp / name).write_bytes(obj)
    return out


def _report(args: argparse.Namespace, sources: list[str], command: str, ensembles: bool) -> int:
    from aurumq_rl.eval.charts import all_charts
    from aurumq_rl.eval.html import render_report
    from aurumq_rl.eval.suite import format_text_table, summary_table

    check_writable(args.out_dir, flag="-o", directory=True)  # before the work, not after
    page = "report.html" if command == "eval" else "compare.html"
    inputs_on_disk = [s for s in sources if Path(s).is_file()]  # score Parquets (a run directory is read by name)
    check_dir_not_input(args.out_dir, [f"{command}.json", page, "trades.parquet", "equity.parquet"], args.data,
                        *inputs_on_disk, flag="-o")
    other = "compare" if command == "eval" else "eval"
    if (Path(args.out_dir) / f"{other}.json").is_file():  # the shared trades/equity/charts would be the new run's
        raise DataError(f"-o {args.out_dir}: holds {other}.json, an `aurumq-rl {other}` report whose trades.parquet, "
                        f"equity.parquet and charts this {command} would replace, leaving that report beside another "
                        f"run's files; choose another directory (or remove {other}.json and its files)")
    result, inputs = evaluate(args, sources, ensembles=ensembles)
    report = {"command": command, "inputs": inputs, **result.report}
    charts = all_charts(report)
    title = "aurumq-rl evaluation" if command == "eval" else "aurumq-rl comparison"
    files: dict[str, Any] = {f"{command}.json": report,
                             page: render_report(report, charts, title=title, inputs=inputs), **charts,
                             "trades.parquet": result.trades, "equity.parquet": result.equity}
    out = write_outputs(args.out_dir, files)
    dd = report["decision_dates"]
    print(f"{command}: {dd['n']} decision dates {dd['first']} .. {dd['last']}, universe {inputs['universe']}, "
          f"top-{report['settings']['top_k']}, fp {report['settings']['forward_period']}")
    print(format_text_table(*summary_table(report)))
    print(f"report: {out / page}")
    return 0


def run_eval(args: argparse.Namespace) -> int:
    return _report(args, list(args.scores), "eval", ensembles=True)


def _warn_models_disagree(specs: list, args: argparse.Namespace, used: dict[str, object],
                          cap: float | None = None) -> None:
    """Every source is judged under one universe, one backtest sizing and one set of market rules (`used`: the
    flags, else the first recorded ones): warn when a model was trained, or a scores file made, under others
    that no flag settles, naming each. A limit table of its own (`MarketConfig.settings`' `rules`) has no flag: it is
    named whenever it differs."""
    import warnings

    flags = {"universe": "--universe", "sizing": "--sizing", **MARKET_FLAGS}
    free = [k for k in flags if getattr(args, k, None) is None]
    odd = []
    for sp in specs:
        meta = sp.recorded
        if meta is None:
            continue
        rec = {"universe": meta.get("universe") or used["universe"], "sizing": meta.get("sizing") or used["sizing"],
               **recorded_market(meta, sp.what).settings()}
        diff = [f"{flags[k]} {rec[k]}" for k in free if rec[k] != used[k]]
        if rec.get("rules") != used.get("rules"):
            diff.append("its own limit-rule table" if "rules" in rec else "the built-in limit-rule table")
        if "industry_cap" in meta and meta["industry_cap"] != cap:  # no flag: the first model's cap is used
            diff.append(f"industry cap {meta['industry_cap']} (judged under {cap})")
        if diff:
            odd.append(f"{sp.spec} ({', '.join(diff)})")
    if odd:
        shown = ", ".join(f"{flags[k]} {used[k]}" for k in free) or "the flags given"
        warnings.warn(f"every source is judged under {shown}, but {'; '.join(odd)} recorded other values; "
                      "pass the flags to choose explicitly", stacklevel=2)


def run_compare(args: argparse.Namespace) -> int:
    if len(args.sources) < 2:
        raise DataError("compare needs at least two sources; use `aurumq-rl eval --scores SOURCE` for one")
    return _report(args, list(args.sources), "compare", ensembles=False)
