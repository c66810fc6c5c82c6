"""`aurumq-rl demo`: the main job end to end on the synthetic demo market.

synthetic market → data check → factor engine (technical families and a slice of Alpha101 / GTJA191, joined
to the market's columns) → train PPO (exports its ONNX bundle) → validate the bundle → tomorrow's picks
(`infer`) → evaluation report on the held-out test window (`eval`) → LightGBM track (`sl train`) → RL vs SL
vs the best single factor on identical dates and rules (`compare`). Each step is the same CLI command a user
would type (printed before it runs), so the demo is also a worked example.

Windows: the first 60% of dates train, the next 20% validate (checkpoint and early-stopping choice), the last
20% test, each earlier window ending an embargo (the fp-day label's horizon + 1 dates) before the next starts, so no
training or validation label reads a return of a later window; RL, SL and the best single factor (chosen on the
validation window, never on the test window) get the same windows.
"""

from __future__ import annotations

import argparse
import shlex
import time
from pathlib import Path

import numpy as np
import polars as pl

from aurumq_rl.data.check import check_data, format_report
from aurumq_rl.data.synth import PRESETS, preset, preset_help, write_demo
from aurumq_rl.errors import DataError
from aurumq_rl.io import check_writable

TRAIN_FLAGS = ["--total-timesteps", "32768", "--n-envs", "128", "--n-steps", "32", "--batch-size", "1024",
               "--top-k", "20", "--episode-length", "32", "--eval-every", "4", "--learning-rate", "1e-3"]
TOP_K = "20"
FORWARD_PERIOD = 5  # the label of every step: train's, sl train's, eval's and compare's default fp
# The factor-engine step: the technical families plus a slice of Alpha101 / GTJA191 whose names the synthetic
# market does not use (its alpha_001..010 and gtja_001..008 are placeholders; alpha_001 carries the planted
# signal and must not be overwritten).
ENGINE_FAMILIES = "tech,cmf,zt"
ENGINE_ONLY = ",".join([f"alpha_{i:03d}" for i in range(11, 21)] + [f"gtja_{i:03d}" for i in range(9, 19)])


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="run the whole pipeline on the synthetic demo market")
    p.add_argument("-o", "--out-dir", default="demo", help="working directory (default: demo/)")
    p.add_argument("--preset", choices=sorted(PRESETS), default="demo",
                   help=f"synthetic market (default demo): {preset_help()}")
    p.add_argument("--seed", type=int, default=0, help="seed of the synthetic market and of training (default 0)")
    p.add_argument("--skip-sl", action="store_true", help="skip the LightGBM track and the comparison")
    p.set_defaults(func=run)


class _Steps:
    """The demo's numbered steps: prints each banner and, at the end, the wall time of every step (so a run
    on a larger preset shows where its time went)."""

    def __init__(self) -> None:
        self.t0 = self.t = time.perf_counter()
        self.times: list[tuple[str, float]] = []

    def start(self, name: str, detail: str = "") -> None:
        """Begin step `name` (its label in the summary); the banner adds `detail`."""
        self._close()
        self.times.append((name, 0.0))
        print(f"\n== {len(self.times)}. {name}{' ' + detail if detail else ''} ==", flush=True)

    def _close(self) -> None:
        now = time.perf_counter()
        if self.times:
            self.times[-1] = (self.times[-1][0], now - self.t)
        self.t = now

    def summary(self) -> str:
        self._close()
        width = max(len(name) for name, _ in self.times)
        rows = [f"  {i}. {name:<{width}} {sec:7.1f} s" for i, (name, sec) in enumerate(self.times, 1)]
        return "\n".join(["step times:", *rows, f"  total {time.perf_counter() - self.t0:.1f} s"])


def _cli(args: list[str]) -> None:
    from aurumq_rl.cli.main import main

    print("$ aurumq-rl " + shlex.join(args), flush=True)
    if main(args) != 0:
        raise DataError(f"demo step failed: aurumq-rl {shlex.join(args)}")


def split_dates(market: str, fp: int = FORWARD_PERIOD) -> dict[str, str]:
    """60/20/20 train/validation/test windows over the market's trading dates, embargoed as `sl train` splits
    them (`sl.dataset.resolve_split`): a window ends the fp-day label's horizon + 1 dates before the next starts.
    (`train` embargoes only its training window from validation: its validation labels would otherwise read the
    test window's first returns, and choose the RL checkpoint on them.)"""
    from aurumq_rl.sl.dataset import resolve_split
    from aurumq_rl.sl.labels import label_horizon

    dates = pl.scan_parquet(market).select(pl.col("trade_date").unique().sort()).collect()["trade_date"]
    split = resolve_split(dates.to_numpy(), label_horizon("forward_return", fp))
    (tr_lo, tr_hi), (va_lo, va_hi), (te_lo, te_hi) = split.train, split.val, split.test
    return {"train_start": str(dates[tr_lo]), "train_end": str(dates[tr_hi]), "val_start": str(dates[va_lo]),
            "val_end": str(dates[va_hi]), "test_start": str(dates[te_lo]), "test_end": str(dates[te_hi])}


def best_factor(market: str, start: str, end: str, fp: int = FORWARD_PERIOD) -> tuple[str, float]:
    """The factor column with the highest mean rank IC over [start, end] (the validation window)."""
    from aurumq_rl.data.loader import load_panel
    from aurumq_rl.eval.ic import ic_series

    panel = load_panel(market, start=start, end=end, normalize="raw")
    fwd = panel.forward_returns(fp)
    missing = panel.factor_missing
    ics = []
    for f in range(len(panel.factor_names)):
        ic = ic_series(panel.factors[:, :, f], fwd, panel.in_universe & ~missing[:, :, f], "rank")
        ics.append(float(ic[np.isfinite(ic)].mean()) if np.isfinite(ic).any() else -np.inf)
    best = int(np.argmax(ics))
    return panel.factor_names[best], float(ics[best])


def _check_extras(skip_sl: bool) -> None:
    """Fail before any work when an extra the demo needs is missing."""
    import importlib.util

    need = {"torch": "train", "onnx": "train", "onnxruntime": "train"} | ({} if skip_sl else {"lightgbm": "sl"})
    missing = sorted({extra for mod, extra in need.items() if importlib.util.find_spec(mod) is None})
    if missing:
        raise DataError(f"the demo needs the [{','.join(missing)}] extra(s): pip install torch==2.13.0 && "
                        "pip install -e '.[train,sl]'" + ("" if skip_sl else " (or pass --skip-sl)"))


def run(args: argparse.Namespace) -> int:
    if args.seed < 0:
        raise DataError(f"--seed {args.seed}: must be ≥ 0 (a random seed is a non-negative integer)")
    _check_extras(args.skip_sl)
    out = Path(args.out_dir)
    check_writable(out / "market.parquet")  # the first file the demo writes: a bad -o fails before any work
    steps = _Steps()
    steps.start("synthetic market", f"({args.preset} preset, seed {args.seed})")
    market, index = write_demo(str(out / "market.parquet"), preset(args.preset, args.seed))
    print(f"wrote {market} and {index}")
    steps.start("data check")
    print(format_report(check_data(market)))

    steps.start("factor engine", "(technical families and a slice of Alpha101 / GTJA191 from the OHLCV bars)")
    features = str(out / "features.parquet")
    _cli(["factors", "compute", market, "-o", features, "--index", index, "--family", ENGINE_FAMILIES,
          "--only", ENGINE_ONLY, "--no-progress"])
    print(f"{features} = the market's columns + the computed factors")
    market = features

    w = split_dates(market)
    run_dir, sl_dir = out / "rl_run", out / "sl_run"
    steps.start("train PPO", f"on {w['train_start']}..{w['train_end']}, validate on {w['val_start']}..{w['val_end']}")
    _cli(["train", "--data", market, "--out-dir", str(run_dir), "--train-start", w["train_start"],
          "--train-end", w["train_end"], "--val-start", w["val_start"], "--val-end", w["val_end"],
          "--seed", str(args.seed), "--no-progress", *TRAIN_FLAGS])
    steps.start("validate the bundle", "(checksums, schema, golden replay)")
    _cli(["bundle", "validate", str(run_dir / "bundle")])
    steps.start("tomorrow's picks", "from the bundle (CPU, onnxruntime)")
    _cli(["infer", "--bundle", str(run_dir / "bundle"), "--data", market, "--top-k", TOP_K,
          "-o", str(out / "picks.csv")])
    window = ["--data", market, "--start", w["test_start"], "--end", w["test_end"], "--top-k", TOP_K]
    steps.start("evaluate the policy", f"on the held-out test window {w['test_start']}..{w['test_end']}")
    _cli(["eval", "--scores", str(run_dir), *window, "-o", str(out / "eval")])
    if not args.skip_sl:
        steps.start("LightGBM track", "on the same windows")
        _cli(["sl", "train", "--data", market, "--label", "forward_return", "--model", "lightgbm",
              "--train-start", w["train_start"], "--train-end", w["train_end"], "--val-start", w["val_start"],
              "--val-end", w["val_end"], "--test-start", w["test_start"], "--test-end", w["test_end"],
              "--seeds", "1,2", "--out-dir", str(sl_dir)])
        steps.start("compare", "RL vs SL vs the best single factor on the test window")
        name, ic = best_factor(market, w["val_start"], w["val_end"])
        print(f"best single factor on the validation window: {name} (rank IC {ic:.3f})")
        _cli(["compare", str(run_dir), str(sl_dir), f"factor:{name}", *window, "-o", str(out / "compare")])
    print("\n" + steps.summary())
    print(f"\ndemo finished: picks {out / 'picks.csv'}, "
          f"report {out / 'eval' / 'report.html'}" + ("" if args.skip_sl else f", {out / 'compare' / 'compare.html'}"))
    return 0
