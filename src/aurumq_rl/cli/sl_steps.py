"""Steps shared by the `aurumq-rl sl ...` commands: their common flags, the flag checks run before any work,
loading the panel, the split and the label. The commands call them through the module (`steps.load`), so one
place decides each of them."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aurumq_rl.cli.market_args import add_market_args, market_from_args
from aurumq_rl.errors import DataError
from aurumq_rl.market.universe import UNIVERSES

if TYPE_CHECKING:
    from aurumq_rl.data.panel import Panel
    from aurumq_rl.sl.dataset import Split
    from aurumq_rl.sl.labels import Label
    from aurumq_rl.sl.models import GBDTParams

DEFAULTS: dict[str, Any] = {"universe": "main_board_non_st", "label": "forward_return", "model": "lightgbm",
                            "seeds": "1,2,3", "forward_period": 5, "features": "raw", "num_threads": 2,
                            "num_boost_round": 300, "learning_rate": 0.05, "num_leaves": 31,
                            "min_data_in_leaf": 200, "early_stopping_rounds": 30, "target": "rank",
                            "positive_rate": 0.008}
DATE_FLAGS = ("train-start", "train-end", "val-start", "val-end", "test-start", "test-end")


def data_args(p: argparse.ArgumentParser, dates: bool = True, features: bool = True) -> None:
    """--data, --universe, market rules, the label; with `features`, the model inputs (--factors, --features,
    --positive-rate); with `dates`, the window flags."""
    p.add_argument("--data", required=True, help="panel Parquet (file, directory or glob)")
    p.add_argument("--universe", default=DEFAULTS["universe"],
                   help=f"stocks eligible each date: {' | '.join(UNIVERSES)} (default {DEFAULTS['universe']})")
    add_market_args(p)
    if features:
        p.add_argument("--factors", help="N, or comma-separated globs such as 'alpha_*,mf_*' (default: all)")
    p.add_argument("--label", default=DEFAULTS["label"],
                   help="forward_return | main_wave | binary | triple_barrier | trend_scan")
    p.add_argument("--forward-period", type=int, default=DEFAULTS["forward_period"],
                   help=f"label horizon in trading days after the T+1 entry (default {DEFAULTS['forward_period']})")
    if features:
        p.add_argument("--features", default=DEFAULTS["features"], help="raw | rank | zscore (per-date transform)")
        p.add_argument("--positive-rate", type=float, default=DEFAULTS["positive_rate"],
                       help="binary label: share of positives over the training window (default 0.008)")
    if dates:
        for name in DATE_FLAGS:
            p.add_argument(f"--{name}", help="YYYY-MM-DD (default: 60/20/20 split with embargo)")


def model_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", default=DEFAULTS["model"], help="lightgbm | xgboost | catboost (if installed)")
    p.add_argument("--seeds", default=DEFAULTS["seeds"], help="comma-separated seeds of the ensemble")
    p.add_argument("--num-threads", type=int, default=DEFAULTS["num_threads"],
                   help=f"threads per booster (default {DEFAULTS['num_threads']})")
    p.add_argument("--num-boost-round", type=int, default=DEFAULTS["num_boost_round"],
                   help=f"most boosting rounds, before early stopping (default {DEFAULTS['num_boost_round']})")
    p.add_argument("--learning-rate", type=float, default=DEFAULTS["learning_rate"],
                   help=f"shrinkage per round (default {DEFAULTS['learning_rate']:g})")
    p.add_argument("--num-leaves", type=int, default=DEFAULTS["num_leaves"],
                   help=f"leaves per tree (default {DEFAULTS['num_leaves']})")
    p.add_argument("--min-data-in-leaf", type=int, default=DEFAULTS["min_data_in_leaf"],
                   help=f"fewest rows in a leaf (default {DEFAULTS['min_data_in_leaf']})")
    p.add_argument("--early-stopping-rounds", type=int, default=DEFAULTS["early_stopping_rounds"],
                   help="stop after this many rounds without a better validation loss (default "
                        f"{DEFAULTS['early_stopping_rounds']})")
    p.add_argument("--target", default=DEFAULTS["target"], help="rank (per-date rank-gauss label) | raw")


def seeds(text: str) -> list[int]:
    try:
        seeds = [int(x) for x in str(text).split(",") if x.strip()]
    except ValueError as exc:
        raise DataError(f"--seeds '{text}': give comma-separated integers, e.g. 1,2,3") from exc
    if not seeds:
        raise DataError("--seeds: give at least one seed, e.g. 1,2,3")
    twice = sorted({s for s in seeds if seeds.count(s) > 1})
    if twice:  # a repeated seed trains the same member again: the ensemble would weigh it twice and look larger
        raise DataError(f"--seeds '{text}': seed(s) {', '.join(map(str, twice))} given twice; each member of the "
                        "ensemble needs its own seed, e.g. 1,2,3")
    return seeds


def check(args: argparse.Namespace) -> None:
    from aurumq_rl.data.source import to_date
    from aurumq_rl.sl.dataset import FEATURE_MODES
    from aurumq_rl.sl.labels import LABEL_KINDS

    if args.label not in LABEL_KINDS:
        raise DataError(f"--label {args.label}: choose one of {', '.join(LABEL_KINDS)}")
    rate = getattr(args, "positive_rate", None)
    if args.label == "binary" and rate is not None and not 0 < rate < 1:  # named before the data is loaded
        raise DataError(f"--positive-rate {rate:g}: must lie in (0, 1), e.g. 0.008")
    if getattr(args, "features", "raw") not in FEATURE_MODES:
        raise DataError(f"--features {args.features}: choose one of {', '.join(FEATURE_MODES)}")
    if args.forward_period < 1:
        raise DataError(f"--forward-period {args.forward_period}: must be ≥ 1")
    market_from_args(args)  # a bad --min-listed-days before any work
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
        model = getattr(args, "model", "lightgbm")
        for flag in ("num_leaves", "min_data_in_leaf"):  # LightGBM's own: the other boosters would ignore them
            if model != "lightgbm" and getattr(args, flag) != DEFAULTS[flag]:
                raise DataError(f"--{flag.replace('_', '-')} {getattr(args, flag)}: a LightGBM setting, which "
                                f"--model {model} has no counterpart for here (its trees have depth 6); drop "
                                "the flag or use --model lightgbm")
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
        from aurumq_rl.io import check_dir_not_input, check_writable

        check_writable(args.out_dir, flag="--out-dir", directory=True)
        check_dir_not_input(args.out_dir, ["scores.parquet"], args.data, *getattr(args, "scores", []))
    if getattr(args, "seed", 0) < 0:
        raise DataError(f"--seed {args.seed}: must be ≥ 0")


def check_output(args: argparse.Namespace, suffix: str, what: str) -> None:
    """-o before any work: `suffix`, not the --data input, and a path the atomic writers can create."""
    from aurumq_rl.io import check_not_input, check_writable

    if Path(args.output).suffix.lower() != suffix:
        raise DataError(f"-o {args.output}: {what}; give a {suffix} path")
    check_not_input(args.output, args.data, flag="-o")
    check_writable(args.output, flag="-o")


def params(args: argparse.Namespace) -> GBDTParams:
    from aurumq_rl.sl.models import GBDTParams

    return GBDTParams(num_boost_round=args.num_boost_round, learning_rate=args.learning_rate,
                      num_leaves=args.num_leaves, min_data_in_leaf=args.min_data_in_leaf,
                      early_stopping_rounds=args.early_stopping_rounds, num_threads=args.num_threads)


def load(args: argparse.Namespace, start: str | None = None, end: str | None = None) -> Panel:
    """The panel of --data (raw factors: the SL feature modes transform them per date) under the market rules
    of --min-listed-days / --limit-method, from `start` (LABEL_WARMUP_DAYS earlier for a main-wave label) to the
    last decision date `end` plus the label's horizon where the data has it: the last test dates keep their
    labels, as `eval` of the same window reads them (no decision is made on the extra dates)."""
    import numpy as np

    from aurumq_rl.data.check import date_counts
    from aurumq_rl.data.loader import load_panel
    from aurumq_rl.data.source import to_date

    main_wave = start is not None and getattr(args, "label", None) == "main_wave"
    calendar = np.empty(0, "datetime64[D]")
    if main_wave or end is not None:
        calendar = date_counts(args.data)["trade_date"].drop_nulls().to_numpy().astype("datetime64[D]")
    if main_wave:
        # the exit rule's MA10 warm-up before the first date, as `eval` and `train` load it: a date's label is
        # then the same whatever --train-start is (the split is by date, so no window moves)
        from aurumq_rl.data.labels import label_warmup_start

        start = str(label_warmup_start(calendar, to_date(start, "--train-start")))
    if end is not None:
        from aurumq_rl.sl.labels import label_horizon

        last = int(np.searchsorted(calendar, np.datetime64(to_date(end, "--test-end"), "D"), "right")) - 1
        if last >= 0:  # an end before the data: the loader names it
            end = str(calendar[min(last + label_horizon(args.label, args.forward_period), len(calendar) - 1)])
    factors = getattr(args, "factors", 1)  # `sl stack` reads no factor: one is loaded
    if isinstance(factors, str) and factors.isdecimal():  # int() takes these (not "²")
        factors = int(factors)
    return load_panel(args.data, universe=args.universe, start=start, end=end, factors=factors, normalize="raw",
                      market=market_from_args(args))


def split_and_label(args: argparse.Namespace, panel: Panel) -> tuple[Split, Label]:
    from aurumq_rl.sl.dataset import resolve_split
    from aurumq_rl.sl.labels import build_label, label_horizon

    split = resolve_split(panel.dates, label_horizon(args.label, args.forward_period),
                          **{n.replace("-", "_"): getattr(args, n.replace("-", "_")) for n in DATE_FLAGS})
    label = build_label(panel, args.label, args.forward_period, calib=split.train, rate=args.positive_rate)
    _check_labelled(panel, label, split)
    return split, label


def _check_labelled(panel: Panel, label: Label, split: Split) -> None:
    """Each window needs a date whose label two universe stocks have: a window closer to the data's end than the
    label reads ahead has none, and its every figure would be NaN (early stopping on nothing, a test IC of
    'nan (0 days)', exit 0)."""
    import numpy as np

    for name, (lo, hi) in (("train", split.train), ("val", split.val), ("test", split.test)):
        have = (np.isfinite(label.values[lo:hi + 1]) & panel.in_universe[lo:hi + 1]).sum(axis=1) >= 2
        if not have.any():
            raise DataError(f"the {name} window {panel.dates[lo]} … {panel.dates[hi]} has no date with a label for "
                            f"two universe stocks (label {label.name} reads {label.horizon} trading day(s) past "
                            f"its decision date; the data ends {panel.dates[-1]}): move --{name}-start earlier, "
                            "shorten the label (--forward-period), or check --universe on those dates")


def label_info(label: Any) -> dict[str, Any]:
    meta = {k: v for k, v in label.meta.items() if not hasattr(v, "shape")}
    return {"name": label.name, "horizon": label.horizon, "binary": label.binary, **meta}


def fmt(x: float) -> str:
    return "nan" if x is None or x != x else f"{x:+.4f}"
