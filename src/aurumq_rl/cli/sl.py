"""`aurumq-rl sl ...`: the supervised GBDT track — train, score, walk-forward, null-test, audit.

`sl train` writes DIR/model/ (manifest + LightGBM files), DIR/scores.parquet (test-window scores in the
project's score contract: ts_code, trade_date, score) and DIR/sl_run.json. Omitted dates split the data's
dates 60/20/20 with an embargo of label horizon + 1 dates between the windows.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from aurumq_rl.cli import sl_research
from aurumq_rl.cli import sl_steps as steps
from aurumq_rl.cli.market_args import add_market_args, market_from_args, model_market
from aurumq_rl.cli.sl_steps import DATE_FLAGS, DEFAULTS
from aurumq_rl.errors import DataError
from aurumq_rl.provenance import data_provenance

__all__ = ["DATE_FLAGS", "DEFAULTS", "register", "run_score", "run_train"]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sl", help="supervised GBDT track: train, score, walk-forward, null-test, stack, audit")
    ssub = p.add_subparsers(dest="sl_command", required=True, metavar="SL_COMMAND")

    t = ssub.add_parser("train", help="train a seed ensemble; writes model/, scores.parquet, sl_run.json")
    steps.data_args(t)
    steps.model_args(t)
    t.add_argument("--out-dir", required=True, help="run directory: model/, scores.parquet, sl_run.json")
    t.add_argument("--no-calibrate", action="store_true", help="binary labels: skip isotonic calibration")
    t.add_argument("--compare-features", action="store_true",
                   help="also train on the other feature mode (raw vs rank) and report both ICs")
    t.add_argument("--prune", type=float, metavar="REL",
                   help="SHAP pruning (LightGBM): drop columns below REL × mean |SHAP| (REL > 0, e.g. 0.05), "
                        "retrain, keep the better model")
    t.set_defaults(func=run_train)

    s = ssub.add_parser("score", help="score a panel with a saved SL model (score contract Parquet)")
    s.add_argument("--model", required=True, help="model directory (RUN/model)")
    s.add_argument("--data", required=True, help="panel Parquet (file, directory or glob) with the model's factors")
    s.add_argument("--start", help="first date to score, YYYY-MM-DD (default: the data's first)")
    s.add_argument("--end", help="last date to score, YYYY-MM-DD (default: the data's last)")
    s.add_argument("--universe", help="default: the model's universe")
    add_market_args(s, model=True)
    s.add_argument("-o", "--output", required=True, help="scores Parquet path")
    s.set_defaults(func=run_score)

    w = ssub.add_parser("walk-forward", help="retrain on anchor dates; stitched out-of-sample scores.parquet")
    steps.data_args(w, dates=False)
    steps.model_args(w)
    w.add_argument("--train-days", type=int, default=5 * 252, help="rolling training span (default 5 years)")
    w.add_argument("--test-days", type=int, default=63, help="dates per out-of-sample test window (default 63)")
    w.add_argument("--gap", type=int, help="dates between the training span and the test window "
                                          "(default and minimum: label horizon + 1)")
    w.add_argument("--min-train-days", type=int, default=120,
                   help="dates before the first test window, fit + validation (default 120)")
    w.add_argument("--first-test", help="YYYY-MM-DD of the first test window (default: as early as possible)")
    w.add_argument("--out-dir", required=True, help="run directory: scores.parquet (stitched test windows), report")
    w.set_defaults(func=sl_research.run_walk_forward)

    n = ssub.add_parser("null-test", help="real model vs label-shuffle and date-shuffle nulls")
    steps.data_args(n)
    steps.model_args(n)
    n.add_argument("--seed", type=int, default=0, help="shuffle seed")
    n.add_argument("-o", "--output", help="also write the report as JSON")
    n.set_defaults(func=sl_research.run_null_test)

    k = ssub.add_parser("stack", help="ridge meta-stacker over out-of-sample score files, refitted walk-forward")
    k.add_argument("scores", nargs="+", metavar="SCORES",
                   help="score Parquets (ts_code, trade_date, score) that are out of sample wherever they have a "
                        "score, e.g. the scores.parquet of `sl walk-forward` runs; the stacker fits on the dates "
                        "all of them cover")
    steps.data_args(k, dates=False, features=False)
    k.add_argument("--step", type=int, default=63, help="dates scored per refit (default 63)")
    k.add_argument("--min-fit-dates", type=int, default=60, help="out-of-sample dates needed before a first fit")
    k.add_argument("--ridge", type=float, default=1.0, help="L2 penalty of the stacker's ridge fit (default 1.0)")
    k.add_argument("--out-dir", required=True, help="run directory: scores.parquet (stacked), report")
    k.set_defaults(func=sl_research.run_stack)

    a = ssub.add_parser("audit", help="leakage audit: features correlating with the future label")
    steps.data_args(a, dates=False)
    a.add_argument("--threshold", type=float, help="future |rank IC| that triggers a flag (default 0.2)")
    a.add_argument("-o", "--output", help="also write the report as JSON")
    a.set_defaults(func=sl_research.run_audit)


# ---------------------------------------------------------------- commands
def run_train(args: argparse.Namespace) -> int:
    from aurumq_rl.data.scores import write_scores
    from aurumq_rl.eval.report import to_jsonable
    from aurumq_rl.io import atomic_write_json
    from aurumq_rl.sl.model_io import save_model
    from aurumq_rl.sl.pipeline import compare_feature_modes, train_split

    steps.check(args)
    t0 = time.perf_counter()
    seeds = steps.seeds(args.seeds)
    panel = steps.load(args, args.train_start, args.test_end)
    n_cols = len(panel.factor_names)
    if args.prune is not None and args.prune > n_cols:  # no column's importance exceeds n_cols × the mean
        raise DataError(f"--prune {args.prune:g}: above the number of feature columns ({n_cols}), so it would drop "
                        f"every column; give 0 < REL ≤ {n_cols}, e.g. 0.05")
    split, label = steps.split_and_label(args, panel)
    w = split.as_dates(panel.dates)  # before the fits, as `train` prints its windows: they may take minutes
    print(f"sl train: train {w['train'][0]}…{w['train'][1]}  val {w['val'][0]}…{w['val'][1]}  "
          f"test {w['test'][0]}…{w['test'][1]}  (embargo {split.embargo} dates)", flush=True)
    params = steps.params(args)
    common = {"kind": args.model, "target": args.target, "fp": args.forward_period,
              "calibrate": not args.no_calibrate}
    run = train_split(panel, label, split, params, seeds, features=args.features, **common)
    market = market_from_args(args)
    report: dict[str, Any] = {"label": steps.label_info(label), "features": args.features, "model": args.model,
                              "seeds": seeds, "forward_period": args.forward_period, "universe": args.universe,
                              "market": market.settings(),
                              "windows": w, "embargo": split.embargo,
                              "best_iterations": run.ensemble.info["best_iterations"], **run.metrics}
    if args.prune is not None:
        from aurumq_rl.sl.prune import prune

        pr = prune(panel, label, split, params, seeds, rel_threshold=args.prune, features=args.features,
                   base=run, target=args.target, calibrate=not args.no_calibrate,
                   fp=args.forward_period)
        report["prune"] = {**pr.to_dict(), "model_kept": "pruned" if pr.better and pr.dropped else "full"}
        if pr.better:
            run = pr.after
            report.update(best_iterations=run.ensemble.info["best_iterations"], **run.metrics)
    if args.compare_features:
        other = "rank" if args.features != "rank" else "raw"
        # on the columns of the model kept (a --prune may have dropped some): the two figures differ by the mode only
        report["feature_modes"] = compare_feature_modes(panel, label, split, params, seeds, modes=(other,),
                                                        columns=run.columns, **common)
        report["feature_modes"][args.features] = {"val_rank_ic": run.metrics["val"]["label"]["rank_ic"],
                                                  "test_rank_ic": run.metrics["test"]["label"]["rank_ic"]}
    out = Path(args.out_dir)
    names = [panel.factor_names[c] for c in run.columns]
    save_model(out / "model", run.ensemble, features=args.features, universe=args.universe, label=report["label"],
               forward_period=args.forward_period, windows=report["windows"], market=market,
               extra={"source": str(args.data), **data_provenance(args.data)})
    write_scores(panel, run.scores, out / "scores.parquet", *split.test, made_by="sl train")
    report["wall_s"] = round(time.perf_counter() - t0, 2)
    atomic_write_json(to_jsonable(report), out / "sl_run.json")
    print(f"sl train: label={label.name} features={args.features} seeds={seeds} factors={len(names)} "
          f"in {report['wall_s']:.1f}s → {out}")
    for k in ("val", "test"):
        m = report[k]
        lab, ret = m["label"], m["forward_return"]
        print(f"  {k:4s} rank IC vs label {steps.fmt(lab['rank_ic'])} ({lab['n_days']} days)  "
              f"vs {args.forward_period}d return {steps.fmt(ret['rank_ic'])} ({ret['n_days']} days)")
    if "feature_modes" in report:
        for mode, v in report["feature_modes"].items():
            print(f"  features={mode:5s} val rank IC {steps.fmt(v['val_rank_ic'])}  "
                  f"test rank IC {steps.fmt(v['test_rank_ic'])}")
    if "prune" in report:
        p = report["prune"]
        if not p["dropped"]:
            print("  prune: no column below the threshold; the full model stands")
        else:
            print(f"  prune: dropped {len(p['dropped'])} column(s); val rank IC "
                  f"{steps.fmt(p['val_rank_ic_before'])} → {steps.fmt(p['val_rank_ic_after'])} "
                  f"(kept the {p['model_kept']} model)")
    return 0


def run_score(args: argparse.Namespace) -> int:
    import warnings

    import numpy as np

    from aurumq_rl.data.scores import write_scores
    from aurumq_rl.infer.scorer import in_sample_message
    from aurumq_rl.sl.model_io import SLScorer

    steps.check_output(args, ".parquet", "sl score writes the score contract as Parquet")
    t0 = time.perf_counter()
    scorer = SLScorer(args.model)
    panel = scorer.load_panel(args.data, start=args.start, end=args.end, universe=args.universe,
                              market=model_market(args, scorer.metadata))
    scores = scorer.score_panel(panel)
    in_sample = in_sample_message(scorer.metadata, panel.dates[np.isfinite(scores).any(axis=1)])
    if in_sample:  # as `infer` says it; the file records the windows, so `eval` of it says it too
        warnings.warn(in_sample, stacklevel=2)
    path = write_scores(panel, scores, args.output, made_by="sl score", windows=scorer.metadata.get("windows"))
    print(f"sl score: {len(panel.dates)} dates × {len(panel.codes)} stocks → {path} "
          f"({time.perf_counter() - t0:.1f}s)")
    return 0
