"""`aurumq-rl sl ...`: the supervised GBDT track — train, score, walk-forward, null-test, audit.

`sl train` writes DIR/model/ (manifest + LightGBM files), DIR/scores.parquet (test-window scores in the
project's score contract: ts_code, trade_date, score) and DIR/sl_run.json. Omitted dates split the data's
dates 60/20/20 with an embargo of label horizon + 1 dates between the windows.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from pathlib import Path
from typing import Any

from aurumq_rl.errors import DataError

DEFAULTS: dict[str, Any] = {"universe": "main_board_non_st", "label": "forward_return", "model": "lightgbm",
                            "seeds": "1,2,3", "forward_period": 5, "features": "raw", "num_threads": 2,
                            "num_boost_round": 300, "learning_rate": 0.05, "num_leaves": 31,
                            "min_data_in_leaf": 200, "early_stopping_rounds": 30, "target": "rank",
                            "positive_rate": 0.008}
DATE_FLAGS = ("train-start", "train-end", "val-start", "val-end", "test-start", "test-end")


def _data_args(p: argparse.ArgumentParser, dates: bool = True) -> None:
    p.add_argument("--data", required=True, help="panel Parquet (file, directory or glob)")
    p.add_argument("--universe", default=DEFAULTS["universe"])
    p.add_argument("--factors", help="N, or comma-separated globs such as 'alpha_*,mf_*' (default: all)")
    p.add_argument("--label", default=DEFAULTS["label"],
                   help="forward_return | main_wave | binary | triple_barrier | trend_scan")
    p.add_argument("--forward-period", type=int, default=DEFAULTS["forward_period"])
    p.add_argument("--features", default=DEFAULTS["features"], help="raw | rank | zscore (per-date transform)")
    p.add_argument("--positive-rate", type=float, default=DEFAULTS["positive_rate"],
                   help="binary label: share of positives over the training window (default 0.008)")
    if dates:
        for name in DATE_FLAGS:
            p.add_argument(f"--{name}", help="YYYY-MM-DD (default: 60/20/20 split with embargo)")


def _model_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", default=DEFAULTS["model"], help="lightgbm | xgboost | catboost (if installed)")
    p.add_argument("--seeds", default=DEFAULTS["seeds"], help="comma-separated seeds of the ensemble")
    p.add_argument("--num-threads", type=int, default=DEFAULTS["num_threads"])
    p.add_argument("--num-boost-round", type=int, default=DEFAULTS["num_boost_round"])
    p.add_argument("--learning-rate", type=float, default=DEFAULTS["learning_rate"])
    p.add_argument("--num-leaves", type=int, default=DEFAULTS["num_leaves"])
    p.add_argument("--min-data-in-leaf", type=int, default=DEFAULTS["min_data_in_leaf"])
    p.add_argument("--early-stopping-rounds", type=int, default=DEFAULTS["early_stopping_rounds"])
    p.add_argument("--target", default=DEFAULTS["target"], help="rank (per-date rank-gauss label) | raw")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sl", help="supervised GBDT track: train, score, walk-forward, null-test, stack, audit")
    ssub = p.add_subparsers(dest="sl_command", required=True, metavar="SL_COMMAND")

    t = ssub.add_parser("train", help="train a seed ensemble; writes model/, scores.parquet, sl_run.json")
    _data_args(t)
    _model_args(t)
    t.add_argument("--out-dir", required=True)
    t.add_argument("--no-calibrate", action="store_true", help="binary labels: skip isotonic calibration")
    t.add_argument("--compare-features", action="store_true",
                   help="also train on the other feature mode (raw vs rank) and report both ICs")
    t.add_argument("--prune", type=float, metavar="REL",
                   help="SHAP pruning (LightGBM): drop columns below REL × mean |SHAP| (REL > 0, e.g. 0.05), "
                        "retrain, keep the better model")
    t.set_defaults(func=run_train)

    s = ssub.add_parser("score", help="score a panel with a saved SL model (score contract Parquet)")
    s.add_argument("--model", required=True, help="model directory (RUN/model)")
    s.add_argument("--data", required=True)
    s.add_argument("--start")
    s.add_argument("--end")
    s.add_argument("--universe", help="default: the model's universe")
    s.add_argument("-o", "--output", required=True, help="scores Parquet path")
    s.set_defaults(func=run_score)

    w = ssub.add_parser("walk-forward", help="retrain on anchor dates; stitched out-of-sample scores.parquet")
    _data_args(w, dates=False)
    _model_args(w)
    w.add_argument("--train-days", type=int, default=5 * 252, help="rolling training span (default 5 years)")
    w.add_argument("--test-days", type=int, default=63)
    w.add_argument("--gap", type=int, help="dates between the training span and the test window "
                                          "(default and minimum: label horizon + 1)")
    w.add_argument("--min-train-days", type=int, default=120)
    w.add_argument("--first-test", help="YYYY-MM-DD of the first test window (default: as early as possible)")
    w.add_argument("--out-dir", required=True)
    w.set_defaults(func=run_walk_forward)

    n = ssub.add_parser("null-test", help="real model vs label-shuffle and date-shuffle nulls")
    _data_args(n)
    _model_args(n)
    n.add_argument("--seed", type=int, default=0, help="shuffle seed")
    n.add_argument("-o", "--output", help="also write the report as JSON")
    n.set_defaults(func=run_null_test)

    k = ssub.add_parser("stack", help="ridge meta-stacker over out-of-sample score files, refitted walk-forward")
    k.add_argument("scores", nargs="+", metavar="SCORES",
                   help="score Parquets (ts_code, trade_date, score) that are out of sample wherever they have a "
                        "score, e.g. the scores.parquet of `sl walk-forward` runs; the stacker fits on the dates "
                        "all of them cover")
    _data_args(k, dates=False)
    k.add_argument("--step", type=int, default=63, help="dates scored per refit (default 63)")
    k.add_argument("--min-fit-dates", type=int, default=60, help="out-of-sample dates needed before a first fit")
    k.add_argument("--ridge", type=float, default=1.0)
    k.add_argument("--out-dir", required=True)
    k.set_defaults(func=run_stack)

    a = ssub.add_parser("audit", help="leakage audit: features correlating with the future label")
    _data_args(a, dates=False)
    a.add_argument("--threshold", type=float, help="future |rank IC| that triggers a flag (default 0.2)")
    a.add_argument("-o", "--output", help="also write the report as JSON")
    a.set_defaults(func=run_audit)


# ---------------------------------------------------------------- shared steps
def _seeds(text: str) -> list[int]:
    try:
        seeds = [int(x) for x in str(text).split(",") if x.strip()]
    except ValueError as exc:
        raise DataError(f"--seeds '{text}': give comma-separated integers, e.g. 1,2,3") from exc
    if not seeds:
        raise DataError("--seeds: give at least one seed, e.g. 1,2,3")
    return seeds


def _check(args: argparse.Namespace) -> None:
    from aurumq_rl.data.loader import to_date
    from aurumq_rl.sl.dataset import FEATURE_MODES
    from aurumq_rl.sl.labels import LABEL_KINDS

    if args.label not in LABEL_KINDS:
        raise DataError(f"--label {args.label}: choose one of {', '.join(LABEL_KINDS)}")
    if args.features not in FEATURE_MODES:
        raise DataError(f"--features {args.features}: choose one of {', '.join(FEATURE_MODES)}")
    if args.forward_period < 1:
        raise DataError(f"--forward-period {args.forward_period}: must be ≥ 1")
    if getattr(args, "prune", None) is not None:  # sl train: the cut is REL × the mean |SHAP| importance
        if not 0 < args.prune < float("inf"):
            raise DataError(f"--prune {args.prune:g}: must be a number > 0, e.g. 0.05 (columns below 5% of the "
                            "mean |SHAP| importance are dropped; 0 or less drops none)")
        if args.model != "lightgbm":
            raise DataError(f"--prune: SHAP pruning uses LightGBM's pred_contrib; train with --model lightgbm "
                            f"(not {args.model}) or drop --prune")
    if getattr(args, "model", None) is not None:
        from aurumq_rl.sl.models import require

        require(args.model)
    if getattr(args, "target", "rank") not in ("rank", "raw"):
        raise DataError(f"--target {args.target}: choose rank or raw")
    if getattr(args, "num_boost_round", None) is not None:  # the GBDT flags (_model_args)
        for flag, low in (("num_boost_round", 1), ("num_leaves", 2), ("min_data_in_leaf", 0),
                          ("early_stopping_rounds", 1), ("num_threads", 1)):
            if getattr(args, flag) < low:
                raise DataError(f"--{flag.replace('_', '-')} {getattr(args, flag)}: must be ≥ {low}")
        if not 0 < args.learning_rate < float("inf"):
            raise DataError(f"--learning-rate {args.learning_rate:g}: must be > 0, e.g. 0.05")
    # dates: YYYY-MM-DD or YYYYMMDD, normalised to YYYY-MM-DD (the split reads ISO dates)
    for name in (*DATE_FLAGS, "first-test"):
        attr = name.replace("-", "_")
        if getattr(args, attr, None) is not None:
            setattr(args, attr, to_date(getattr(args, attr), f"--{name}").isoformat())
    if all(hasattr(args, n.replace("-", "_")) for n in DATE_FLAGS):  # an overlap would cut a window silently
        from aurumq_rl.data.check import check_window_order

        check_window_order({n.replace("-", "_"): getattr(args, n.replace("-", "_")) for n in DATE_FLAGS},
                           ("train", "val", "test"))
    if getattr(args, "out_dir", None):  # train, walk-forward, stack: fail before the work, not after
        from aurumq_rl.io import check_writable

        check_writable(args.out_dir, flag="--out-dir", directory=True)


def _check_output(args: argparse.Namespace, suffix: str, what: str) -> None:
    """-o before any work: `suffix`, not the --data input, and a path the atomic writers can create."""
    from aurumq_rl.io import check_not_input, check_writable

    if Path(args.output).suffix.lower() != suffix:
        raise DataError(f"-o {args.output}: {what}; give a {suffix} path")
    check_not_input(args.output, args.data, flag="-o")
    check_writable(args.output, flag="-o")


def _params(args: argparse.Namespace):  # noqa: ANN202
    from aurumq_rl.sl.models import GBDTParams

    return GBDTParams(num_boost_round=args.num_boost_round, learning_rate=args.learning_rate,
                      num_leaves=args.num_leaves, min_data_in_leaf=args.min_data_in_leaf,
                      early_stopping_rounds=args.early_stopping_rounds, num_threads=args.num_threads)


def _load(args: argparse.Namespace, start: str | None = None, end: str | None = None):  # noqa: ANN202
    from aurumq_rl.data.loader import load_panel
    from aurumq_rl.sl.dataset import market_wide_columns

    factors = args.factors
    if isinstance(factors, str) and factors.isdigit():
        factors = int(factors)
    panel = load_panel(args.data, universe=args.universe, start=start, end=end, factors=factors, normalize="raw")
    pass_through = market_wide_columns(panel) if args.features != "raw" else []
    return panel, pass_through


def _split_and_label(args: argparse.Namespace, panel: Any):  # noqa: ANN202
    from aurumq_rl.sl.dataset import resolve_split
    from aurumq_rl.sl.labels import build_label, label_horizon

    split = resolve_split(panel.dates, label_horizon(args.label, args.forward_period),
                          **{n.replace("-", "_"): getattr(args, n.replace("-", "_")) for n in DATE_FLAGS})
    label = build_label(panel, args.label, args.forward_period, calib=split.train, rate=args.positive_rate)
    return split, label


def _label_info(label: Any) -> dict[str, Any]:
    meta = {k: v for k, v in label.meta.items() if not hasattr(v, "shape")}
    return {"name": label.name, "horizon": label.horizon, "binary": label.binary, **meta}


def _fmt(x: float) -> str:
    return "nan" if x is None or x != x else f"{x:+.4f}"


# ---------------------------------------------------------------- commands
def run_train(args: argparse.Namespace) -> int:
    from aurumq_rl.eval.report import to_jsonable
    from aurumq_rl.io import atomic_write_json
    from aurumq_rl.sl.model_io import save_model, write_scores
    from aurumq_rl.sl.pipeline import compare_feature_modes, train_split

    _check(args)
    t0 = time.perf_counter()
    seeds = _seeds(args.seeds)
    panel, pass_through = _load(args, args.train_start, args.test_end)
    n_cols = len(panel.factor_names)
    if args.prune is not None and args.prune > n_cols:  # no column's importance exceeds n_cols × the mean
        raise DataError(f"--prune {args.prune:g}: above the number of feature columns ({n_cols}), so it would drop "
                        f"every column; give 0 < REL ≤ {n_cols}, e.g. 0.05")
    split, label = _split_and_label(args, panel)
    params = _params(args)
    common = {"pass_through": pass_through, "kind": args.model, "target": args.target, "fp": args.forward_period,
              "calibrate": not args.no_calibrate}
    run = train_split(panel, label, split, params, seeds, features=args.features, **common)
    report: dict[str, Any] = {"label": _label_info(label), "features": args.features, "model": args.model,
                              "seeds": seeds, "forward_period": args.forward_period, "universe": args.universe,
                              "windows": split.as_dates(panel.dates), "embargo": split.embargo,
                              "best_iterations": run.ensemble.info["best_iterations"], **run.metrics}
    if args.prune is not None:
        from aurumq_rl.sl.prune import prune

        pr = prune(panel, label, split, params, seeds, rel_threshold=args.prune, features=args.features,
                   pass_through=pass_through, base=run, target=args.target, calibrate=not args.no_calibrate,
                   fp=args.forward_period)
        report["prune"] = pr.to_dict()
        if pr.better:
            run = pr.after
            report.update(best_iterations=run.ensemble.info["best_iterations"], **run.metrics)
    if args.compare_features:
        other = "rank" if args.features != "rank" else "raw"
        report["feature_modes"] = compare_feature_modes(panel, label, split, params, seeds, modes=(other,),
                                                        **{**common, "pass_through": _load_pt(panel, other)})
        report["feature_modes"][args.features] = {"val_rank_ic": run.metrics["val"]["label"]["rank_ic"],
                                                  "test_rank_ic": run.metrics["test"]["label"]["rank_ic"]}
    out = Path(args.out_dir)
    names = [panel.factor_names[c] for c in run.columns]
    save_model(out / "model", run.ensemble, features=args.features, pass_through=pass_through,
               universe=args.universe, label=report["label"], forward_period=args.forward_period,
               windows=report["windows"], extra={"source": str(args.data)})
    write_scores(panel, run.scores, out / "scores.parquet", *split.test)
    report["wall_s"] = round(time.perf_counter() - t0, 2)
    atomic_write_json(to_jsonable(report), out / "sl_run.json")
    w = report["windows"]
    print(f"sl train: label={label.name} features={args.features} seeds={seeds} factors={len(names)} "
          f"in {report['wall_s']:.1f}s → {out}")
    print(f"  train {w['train'][0]}…{w['train'][1]}  val {w['val'][0]}…{w['val'][1]}  "
          f"test {w['test'][0]}…{w['test'][1]}  (embargo {split.embargo} dates)")
    for k in ("val", "test"):
        m = report[k]
        lab, ret = m["label"], m["forward_return"]
        print(f"  {k:4s} rank IC vs label {_fmt(lab['rank_ic'])} ({lab['n_days']} days)  vs {args.forward_period}d "
              f"return {_fmt(ret['rank_ic'])} ({ret['n_days']} days)")
    if "feature_modes" in report:
        for mode, v in report["feature_modes"].items():
            print(f"  features={mode:5s} val rank IC {_fmt(v['val_rank_ic'])}  test rank IC {_fmt(v['test_rank_ic'])}")
    if "prune" in report:
        p = report["prune"]
        kept = "pruned" if p["val_rank_ic_after"] >= p["val_rank_ic_before"] else "full"
        print(f"  prune: dropped {len(p['dropped'])} column(s); val rank IC {_fmt(p['val_rank_ic_before'])} → "
              f"{_fmt(p['val_rank_ic_after'])} (kept the {kept} model)")
    return 0


def _load_pt(panel: Any, mode: str) -> list[str]:
    from aurumq_rl.sl.dataset import market_wide_columns

    return market_wide_columns(panel) if mode != "raw" else []


def run_score(args: argparse.Namespace) -> int:
    from aurumq_rl.sl.model_io import SLScorer, write_scores

    _check_output(args, ".parquet", "sl score writes the score contract as Parquet")
    t0 = time.perf_counter()
    scorer = SLScorer(args.model)
    panel = scorer.load_panel(args.data, start=args.start, end=args.end, universe=args.universe)
    scores = scorer.score_panel(panel)
    path = write_scores(panel, scores, args.output)
    print(f"sl score: {len(panel.dates)} dates × {len(panel.codes)} stocks → {path} "
          f"({time.perf_counter() - t0:.1f}s)")
    return 0


def run_walk_forward(args: argparse.Namespace) -> int:
    import numpy as np

    from aurumq_rl.eval.report import to_jsonable
    from aurumq_rl.io import atomic_write_json
    from aurumq_rl.sl.labels import build_label
    from aurumq_rl.sl.model_io import write_scores
    from aurumq_rl.sl.walk_forward import WalkForwardConfig, walk_forward

    _check(args)
    # the window lengths are checked on construction: before the data is loaded
    cfg = WalkForwardConfig(train_days=args.train_days, test_days=args.test_days, gap=args.gap,
                            min_train_days=args.min_train_days)
    t0 = time.perf_counter()
    panel, pass_through = _load(args)
    if args.first_test:  # checked and normalised to YYYY-MM-DD by _check
        first = int(np.searchsorted(panel.dates, np.datetime64(args.first_test, "D")))
        cfg = dataclasses.replace(cfg, first_test=first)

    def label(calib: tuple[int, int]):  # noqa: ANN202
        return build_label(panel, args.label, args.forward_period, calib=calib, rate=args.positive_rate)

    res = walk_forward(panel, label, _params(args), _seeds(args.seeds), cfg, features=args.features,
                       pass_through=pass_through, kind=args.model, target=args.target, fp=args.forward_period)
    out = Path(args.out_dir)
    write_scores(panel, res.scores, out / "scores.parquet")
    report = {"label": args.label, "features": args.features, "seeds": _seeds(args.seeds),
              "config": vars(cfg), "windows": res.per_window, **res.metrics,
              "wall_s": round(time.perf_counter() - t0, 2)}
    atomic_write_json(to_jsonable(report), out / "sl_walk_forward.json")
    print(f"sl walk-forward: {res.metrics['n_windows']} windows, out-of-sample "
          f"{res.per_window[0]['test'][0]}…{res.per_window[-1]['test'][1]} in {report['wall_s']:.1f}s → {out}")
    print(f"  OOS rank IC vs label {_fmt(res.metrics['label']['rank_ic'])}  vs {args.forward_period}d return "
          f"{_fmt(res.metrics['forward_return']['rank_ic'])}")
    return 0


def run_stack(args: argparse.Namespace) -> int:
    import numpy as np

    from aurumq_rl.eval.ic import ic_series
    from aurumq_rl.eval.metrics import summarize_ic
    from aurumq_rl.eval.report import to_jsonable
    from aurumq_rl.eval.sources import align_long, read_score_frame
    from aurumq_rl.io import atomic_write_json
    from aurumq_rl.sl.labels import build_label
    from aurumq_rl.sl.model_io import write_scores
    from aurumq_rl.sl.stacking import OOFPredictions, stack_walk_forward

    _check(args)
    if args.label == "binary":
        raise DataError("--label binary: its threshold is calibrated on a training window, which a stacker over "
                        "walk-forward scores does not have; stack on forward_return, main_wave, triple_barrier "
                        "or trend_scan")
    if len(args.scores) < 2 or min(args.step, args.min_fit_dates) < 1 or args.ridge < 0:
        raise DataError("sl stack: give at least two SCORES files, --step and --min-fit-dates ≥ 1, --ridge ≥ 0")
    panel, _ = _load(args)
    label = build_label(panel, args.label, args.forward_period)
    bases = []
    for path in args.scores:
        scores, _info = align_long(read_score_frame(path), panel)
        oos = np.isfinite(scores).any(1)
        if not oos.any():
            raise DataError(f"{path}: no score on any date of {args.data}; check the file and --data")
        bases.append(OOFPredictions(Path(path).parent.name or Path(path).stem, scores, oos))
    stacked = stack_walk_forward(bases, label.values, panel, label.horizon, step=args.step,
                                 min_fit_dates=args.min_fit_dates, ridge=args.ridge)
    scored = np.isfinite(stacked).any(1)
    if not scored.any():
        raise DataError(f"sl stack: fewer than --min-fit-dates {args.min_fit_dates} out-of-sample dates common to "
                        "all SCORES precede any block; give longer walk-forward runs or lower --min-fit-dates")
    out = Path(args.out_dir)
    write_scores(panel, stacked, out / "scores.parquet")
    mask = panel.in_universe & scored[:, None]  # every figure on the dates the stacker scored
    span = label.horizon - 1  # a label compounds the close t+1 → t+horizon: its return days overlap this much
    ic = {b.name: summarize_ic(ic_series(b.scores, label.values, mask, "rank"), span) for b in bases}
    ic["stacked"] = summarize_ic(ic_series(stacked, label.values, mask, "rank"), span)
    report = {"label": args.label, "bases": args.scores, "step": args.step, "ridge": args.ridge,
              "scored_dates": [str(panel.dates[scored][0]), str(panel.dates[scored][-1]), int(scored.sum())],
              "rank_ic_vs_label": ic}
    atomic_write_json(to_jsonable(report), out / "sl_stack.json")
    print(f"sl stack: {len(bases)} bases, stacked scores on {int(scored.sum())} dates "
          f"{report['scored_dates'][0]}…{report['scored_dates'][1]} → {out}")
    for name, r in ic.items():
        print(f"  rank IC vs label  {name:<20} {_fmt(r['mean'])}")
    return 0


def run_null_test(args: argparse.Namespace) -> int:
    from aurumq_rl.eval.report import to_jsonable
    from aurumq_rl.io import atomic_write_json
    from aurumq_rl.sl.audit import null_tests

    _check(args)
    if args.output:
        _check_output(args, ".json", "sl null-test writes its report as JSON")
    panel, pass_through = _load(args, args.train_start, args.test_end)
    split, label = _split_and_label(args, panel)
    rep = null_tests(panel, label, split, _params(args), _seeds(args.seeds), features=args.features,
                     pass_through=pass_through, seed=args.seed, fp=args.forward_period, kind=args.model,
                     target=args.target)
    print(f"sl null-test: label={label.name}  test {rep['split']['test'][0]}…{rep['split']['test'][1]}")
    for k in ("real", "label_shuffle", "date_shuffle"):
        r = rep[k]
        print(f"  {k:14s} test rank IC {_fmt(r['rank_ic'])}  top-decile lift {r['lift']:.3f}  "
              f"top − mean {_fmt(r['top_minus_mean'])}")
    print(f"  real beats nulls: {rep['real_beats_nulls']}")
    if args.output:
        atomic_write_json(to_jsonable(rep), args.output)
    return 0


def run_audit(args: argparse.Namespace) -> int:
    from aurumq_rl.eval.report import to_jsonable
    from aurumq_rl.io import atomic_write_json
    from aurumq_rl.sl.audit import LEAK_IC_THRESHOLD, leakage_audit
    from aurumq_rl.sl.labels import build_label

    _check(args)
    if args.output:
        _check_output(args, ".json", "sl audit writes its report as JSON")
    panel, _ = _load(args)
    label = build_label(panel, args.label, args.forward_period, rate=args.positive_rate)
    rep = leakage_audit(panel, label, features=args.features,
                        threshold=args.threshold if args.threshold is not None else LEAK_IC_THRESHOLD)
    print(f"sl audit: label={label.name} horizon={label.horizon}  {len(rep['features'])} features, "
          f"{len(rep['flagged'])} flagged")
    for name, v in rep["features"].items():
        flag = "  LEAK?" if name in rep["flagged"] else ""
        print(f"  {name:24s} future {_fmt(v['future_label'])} / {_fmt(v['future_next_day_return'])}   "
              f"past {_fmt(v['past_past_return'])} / {_fmt(v['past_lagged_label'])}{flag}")
    if args.output:
        atomic_write_json(to_jsonable(rep), args.output)
    print(json.dumps({"flagged": rep["flagged"]}))
    return 0
