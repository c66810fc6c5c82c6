"""`aurumq-rl sl walk-forward | stack | null-test | audit`: the research commands of the supervised track
(out-of-sample refits, stacking of out-of-sample scores, null tests and the leakage audit)."""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
import warnings
from pathlib import Path

from aurumq_rl.cli import sl_steps as steps
from aurumq_rl.cli.market_args import MARKET_FLAGS, market_from_args
from aurumq_rl.errors import DataError


def _rules(args: argparse.Namespace) -> dict[str, object]:
    """The universe and market rules a research report ran under, recorded beside its results."""
    return {"universe": args.universe, "market": market_from_args(args).settings()}


def _base_names(paths: list[str]) -> list[str]:
    """One report key per SCORES file: a run's `scores.parquet` by its directory, any other file by its stem;
    repeats (and the name `stacked`, the stack's own key) get `#2`, `#3`, … as in `eval` (`numbered`)."""
    from aurumq_rl.eval.sources import RUN_SCORES_FILE, numbered

    return numbered([(p.resolve().parent.name if p.name == RUN_SCORES_FILE else "") or p.stem
                     for p in map(Path, paths)], taken=["stacked"])


def run_walk_forward(args: argparse.Namespace) -> int:
    import numpy as np

    from aurumq_rl.data.scores import write_scores
    from aurumq_rl.eval.report import to_jsonable
    from aurumq_rl.io import atomic_write_json
    from aurumq_rl.sl.labels import build_label
    from aurumq_rl.sl.walk_forward import WalkForwardConfig, walk_forward

    steps.check(args)
    # the window lengths are checked on construction: before the data is loaded
    cfg = WalkForwardConfig(train_days=args.train_days, test_days=args.test_days, gap=args.gap,
                            min_train_days=args.min_train_days)
    t0 = time.perf_counter()
    panel = steps.load(args)
    if args.first_test:  # checked and normalised to YYYY-MM-DD by _check
        first = int(np.searchsorted(panel.dates, np.datetime64(args.first_test, "D")))
        if first >= len(panel.dates):
            raise DataError(f"--first-test {args.first_test}: after the last date {panel.dates[-1]} of {args.data}; "
                            "give a date inside the data")
        cfg = dataclasses.replace(cfg, first_test=first)

    def label(calib: tuple[int, int]):  # noqa: ANN202
        return build_label(panel, args.label, args.forward_period, calib=calib, rate=args.positive_rate)

    res = walk_forward(panel, label, steps.params(args), steps.seeds(args.seeds), cfg, features=args.features,
                       kind=args.model, target=args.target, fp=args.forward_period)
    out = Path(args.out_dir)
    write_scores(panel, res.scores, out / "scores.parquet", made_by="sl walk-forward")
    # the out-of-sample ICs under "test" (as in sl_run.json): spread at the top level, their "label" key
    # replaced the label's name, so the report no longer said which label it measured
    report = {"label": args.label, "forward_period": args.forward_period, "features": args.features,
              "seeds": steps.seeds(args.seeds), **_rules(args), "config": vars(cfg), "windows": res.per_window,
              "test": {k: res.metrics[k] for k in ("label", "forward_return")},
              "n_windows": res.metrics["n_windows"],
              "wall_s": round(time.perf_counter() - t0, 2)}
    atomic_write_json(to_jsonable(report), out / "sl_walk_forward.json")
    print(f"sl walk-forward: {res.metrics['n_windows']} windows, out-of-sample "
          f"{res.per_window[0]['test'][0]}…{res.per_window[-1]['test'][1]} in {report['wall_s']:.1f}s → {out}")
    print(f"  OOS rank IC vs label {steps.fmt(res.metrics['label']['rank_ic'])}  vs {args.forward_period}d return "
          f"{steps.fmt(res.metrics['forward_return']['rank_ic'])}")
    if not res.metrics["label"]["n_days"]:  # every test date too close to the data's end: "nan", unexplained
        from aurumq_rl.sl.labels import label_horizon

        warnings.warn(f"no out-of-sample date has a label for two universe stocks (label {args.label} reads "
                      f"{label_horizon(args.label, args.forward_period)} trading day(s) past its decision date; the "
                      f"data ends {panel.dates[-1]}), so the out-of-sample figures are NaN; move --first-test earlier "
                      "or shorten the label (--forward-period)", stacklevel=2)
    return 0


def run_stack(args: argparse.Namespace) -> int:
    import numpy as np

    from aurumq_rl.data.scores import read_score_frame, read_scores_record, write_scores
    from aurumq_rl.eval.ic import ic_series
    from aurumq_rl.eval.metrics import summarize_ic
    from aurumq_rl.eval.report import to_jsonable
    from aurumq_rl.eval.sources import align_long, alignment_warnings
    from aurumq_rl.infer.scorer import in_sample_message
    from aurumq_rl.io import atomic_write_json
    from aurumq_rl.sl.labels import build_label
    from aurumq_rl.sl.stacking import OOFPredictions, stack_walk_forward

    steps.check(args)
    if args.label == "binary":
        raise DataError("--label binary: its threshold is calibrated on a training window, which a stacker over "
                        "walk-forward scores does not have; stack on forward_return, main_wave, triple_barrier "
                        "or trend_scan")
    if len(args.scores) < 2:
        raise DataError(f"sl stack: {len(args.scores)} SCORES file given; give at least two to stack")
    for flag, v in (("--step", args.step), ("--min-fit-dates", args.min_fit_dates)):
        if v < 1:
            raise DataError(f"{flag} {v}: must be ≥ 1")
    if not 0 <= args.ridge < float("inf"):  # NaN or inf passed `ridge < 0` and failed later as "too few dates"
        raise DataError(f"--ridge {args.ridge:g}: give a finite L2 penalty ≥ 0, e.g. 1.0")
    _warn_other_rules(args)
    panel = steps.load(args)
    label = build_label(panel, args.label, args.forward_period)
    bases = []
    for path, name in zip(args.scores, _base_names(args.scores), strict=True):
        scores, info = align_long(read_score_frame(path), panel)
        for message in alignment_warnings(path, info, args.data, args.universe):
            warnings.warn(message, stacklevel=2)
        oos = np.isfinite(scores).any(1)
        if not oos.any():
            raise DataError(f"{path}: no score on any date of {args.data}; check the file and --data")
        in_sample = in_sample_message(read_scores_record(path) or {}, panel.dates[oos])  # an `sl score` file
        if in_sample:
            warnings.warn(f"{path}: {in_sample}, not out of sample as the stacker takes it; stack walk-forward "
                          "scores (`sl walk-forward`) or score only dates after the model's windows", stacklevel=2)
        bases.append(OOFPredictions(name, scores, oos))
    stacked = stack_walk_forward(bases, label.values, panel, label.horizon, step=args.step,
                                 min_fit_dates=args.min_fit_dates, ridge=args.ridge)
    scored = np.isfinite(stacked).any(1)
    if not scored.any():
        raise DataError(f"sl stack: fewer than --min-fit-dates {args.min_fit_dates} out-of-sample dates common to "
                        "all SCORES precede any block; give longer walk-forward runs or lower --min-fit-dates")
    out = Path(args.out_dir)
    write_scores(panel, stacked, out / "scores.parquet", made_by="sl stack")
    mask = panel.in_universe & scored[:, None]  # every figure on the dates the stacker scored
    span = label.horizon - 1  # a label compounds the close t+1 → t+horizon: its return days overlap this much
    ic = {b.name: summarize_ic(ic_series(b.scores, label.values, mask, "rank"), span) for b in bases}
    ic["stacked"] = summarize_ic(ic_series(stacked, label.values, mask, "rank"), span)
    report = {"label": args.label, "bases": args.scores, "step": args.step, "ridge": args.ridge,
              **_rules(args),
              "scored_dates": [str(panel.dates[scored][0]), str(panel.dates[scored][-1]), int(scored.sum())],
              "rank_ic_vs_label": ic}
    atomic_write_json(to_jsonable(report), out / "sl_stack.json")
    print(f"sl stack: {len(bases)} bases, stacked scores on {int(scored.sum())} dates "
          f"{report['scored_dates'][0]}…{report['scored_dates'][1]} → {out}")
    for name, r in ic.items():
        print(f"  rank IC vs label  {name:<20} {steps.fmt(r['mean'])}")
    return 0


def _warn_other_rules(args: argparse.Namespace) -> None:
    """The stacker fits on the universe and market rules of its flags: warn, naming each, when a base's
    scores file recorded others (its out-of-sample scores then cover other stocks than the stack judges)."""
    from aurumq_rl.data.scores import read_scores_record

    def shown(rules: dict) -> dict[str, object]:  # as the flags that set them
        market = rules.get("market") or {}
        return {"--universe": rules.get("universe"), **{f: market.get(k) for k, f in MARKET_FLAGS.items()},
                "limit table": "own" if "rules" in market else "built-in"}

    used = shown(_rules(args))
    for path in args.scores:
        rec = read_scores_record(path)
        if rec is None:
            continue
        diff = [f"{k} {v}" for k, v in shown(rec).items() if v is not None and v != used[k]]
        if diff:
            warnings.warn(f"{path}: made under {', '.join(diff)}, the stack runs under "
                          f"{', '.join(f'{k} {used[k]}' for k in used)}; pass the flags the bases ran under",
                          stacklevel=2)


def run_null_test(args: argparse.Namespace) -> int:
    from aurumq_rl.eval.report import to_jsonable
    from aurumq_rl.io import atomic_write_json
    from aurumq_rl.sl.audit import null_tests

    steps.check(args)
    if args.output:
        steps.check_output(args, ".json", "sl null-test writes its report as JSON")
    panel = steps.load(args, args.train_start, args.test_end)
    split, label = steps.split_and_label(args, panel)
    rep = null_tests(panel, label, split, steps.params(args), steps.seeds(args.seeds), features=args.features,
                     seed=args.seed, fp=args.forward_period, kind=args.model,
                     target=args.target)
    rep = {**rep, **_rules(args)}
    print(f"sl null-test: label={label.name}  test {rep['split']['test'][0]}…{rep['split']['test'][1]}")
    for k in ("real", "label_shuffle", "date_shuffle"):
        r = rep[k]
        lift = (f"{r['lift']:.3f}" if r["lift"] is not None and r["lift"] == r["lift"] else
                "n/a (no positive label or no scored row in the test window)" if label.binary else
                "n/a (not a binary label)")
        print(f"  {k:14s} test rank IC {steps.fmt(r['rank_ic'])}  top-decile lift {lift}  "
              f"top − mean {steps.fmt(r['top_minus_mean'])}")
    print(f"  real beats nulls: {rep['real_beats_nulls']}")
    if args.output:
        atomic_write_json(to_jsonable(rep), args.output)
    return 0


def run_audit(args: argparse.Namespace) -> int:
    from aurumq_rl.eval.report import to_jsonable
    from aurumq_rl.io import atomic_write_json
    from aurumq_rl.sl.audit import LEAK_IC_THRESHOLD, leakage_audit
    from aurumq_rl.sl.labels import build_label

    steps.check(args)
    if args.threshold is not None and not 0 < args.threshold <= 1:
        raise DataError(f"--threshold {args.threshold:g}: a |rank IC| in (0, 1], e.g. {LEAK_IC_THRESHOLD:g}")
    if args.output:
        steps.check_output(args, ".json", "sl audit writes its report as JSON")
    panel = steps.load(args)
    label = build_label(panel, args.label, args.forward_period, rate=args.positive_rate)
    rep = leakage_audit(panel, label, features=args.features,
                        threshold=args.threshold if args.threshold is not None else LEAK_IC_THRESHOLD)
    rep = {**rep, **_rules(args)}
    print(f"sl audit: label={label.name} horizon={label.horizon}  {len(rep['features'])} features, "
          f"{len(rep['flagged'])} flagged")
    for name, v in rep["features"].items():
        flag = "  LEAK?" if name in rep["flagged"] else ""
        print(f"  {name:24s} future {steps.fmt(v['future_label'])} / {steps.fmt(v['future_next_day_return'])}   "
              f"past {steps.fmt(v['past_past_return'])} / {steps.fmt(v['past_lagged_label'])}{flag}")
    if args.output:
        atomic_write_json(to_jsonable(rep), args.output)
    print(json.dumps({"flagged": rep["flagged"]}))
    return 0
