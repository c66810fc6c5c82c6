"""Benchmark: LightGBM training time and peak RSS of the SL track on a synthetic stocks × days × features panel.

Features are generated directly with numpy as the [rows, F] float32 matrix `sl.dataset.build_dataset`
produces (no Parquet, no loader), with a planted signal in the first column so the model has something to
learn; the first 80% of dates train, the last 20% (after a 7-date embargo) validate / early-stop. Training goes
through `aurumq_rl.sl.models.train_model` (the path `aurumq-rl sl train` uses). Peak RSS is the process's
high-water mark (VmHWM) after each stage (generation included: the feature matrix itself is rows × F × 4 bytes).

    python benchmarks/sl_train.py            # 3000 stocks × 750 days × 300 features, 2 threads
    python benchmarks/sl_train.py --quick    # 300 × 250 × 40
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import time

import numpy as np
from _common import GIB, peak_rss


def peak_gib() -> float:
    return peak_rss() / GIB


def make_rows(n_stocks: int, n_days: int, n_features: int, seed: int = 0):  # noqa: ANN201
    """(X [rows, F] float32, y [rows] float64, date index [rows]) with y = 0.1·x0 + noise per row."""
    from aurumq_rl.sl.dataset import Dataset

    rng = np.random.default_rng(seed)
    rows = n_stocks * n_days
    x = np.empty((rows, n_features), dtype=np.float32)
    for c0 in range(0, n_features, 16):  # column blocks keep the temporaries small
        x[:, c0:c0 + 16] = rng.standard_normal((rows, min(16, n_features - c0)), dtype=np.float32)
    y = 0.1 * x[:, 0] + rng.standard_normal(rows)
    t_idx = np.repeat(np.arange(n_days), n_stocks)
    n_idx = np.tile(np.arange(n_stocks), n_days)
    names = [f"alpha_{k:03d}" for k in range(n_features)]
    return Dataset(x, y, t_idx, n_idx, names)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="300 stocks × 250 days × 40 features")
    ap.add_argument("--stocks", type=int, default=3000)
    ap.add_argument("--days", type=int, default=750)
    ap.add_argument("--features", type=int, default=300)
    ap.add_argument("--rounds", type=int, default=200, help="boosting rounds (early stopping may end sooner)")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    if args.quick:
        args.stocks, args.days, args.features, args.rounds = 300, 250, 40, 50
    # OpenMP threads that spin while waiting starve each other on a shared 2-core box (10-20x slower)
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

    import lightgbm

    from aurumq_rl.eval.ic import ic_series
    from aurumq_rl.sl.dataset import Dataset
    from aurumq_rl.sl.models import GBDTParams, train_model

    t0 = time.perf_counter()
    ds = make_rows(args.stocks, args.days, args.features)
    t_gen = time.perf_counter() - t0
    rss_gen = peak_gib()
    cut, emb = int(args.days * 0.8), 7
    tr = slice(0, (cut - emb) * args.stocks)  # rows are date-major: both windows are views, not copies
    va = slice(cut * args.stocks, None)
    train = Dataset(ds.X[tr], ds.y[tr], ds.t_idx[tr], ds.n_idx[tr], ds.feature_names)
    val = Dataset(ds.X[va], ds.y[va], ds.t_idx[va], ds.n_idx[va], ds.feature_names)
    params = dataclasses.replace(GBDTParams(), num_boost_round=args.rounds, num_threads=args.threads,
                                 early_stopping_rounds=args.rounds)  # run every round: a timing, not a fit
    t0 = time.perf_counter()
    model = train_model(train, val, params, seed=1)
    t_train = time.perf_counter() - t0
    rss_train = peak_gib()
    t0 = time.perf_counter()
    pred = model.predict(val.X)
    t_pred = time.perf_counter() - t0
    shape = (args.days, args.stocks)
    s = np.full(shape, np.nan)
    f = np.full(shape, np.nan)
    s[val.t_idx, val.n_idx] = pred
    f[val.t_idx, val.n_idx] = val.y
    ic = float(np.nanmean(ic_series(s, f)))
    gib = args.stocks * args.days * args.features * 4 / 2**30
    print(f"machine: {platform.machine()}, {os.cpu_count()} logical CPUs; lightgbm {lightgbm.__version__}, "
          f"numpy {np.__version__}; threads={args.threads}, OMP_WAIT_POLICY={os.environ['OMP_WAIT_POLICY']}")
    print(f"panel: {args.stocks} stocks × {args.days} days × {args.features} features = "
          f"{args.stocks * args.days:,} rows; feature matrix {gib:.2f} GiB float32; train rows {len(train):,}, "
          f"val rows {len(val):,}")
    print("| stage | wall s | peak RSS GiB |")
    print("|---|---|---|")
    print(f"| generate features (numpy) | {t_gen:.1f} | {rss_gen:.2f} |")
    print(f"| LightGBM train ({args.rounds} rounds, best {model.best_iteration}; binning included) | "
          f"{t_train:.1f} | {rss_train:.2f} |")
    print(f"| predict validation ({len(val):,} rows) | {t_pred:.1f} | {peak_gib():.2f} |")
    print(f"validation rank IC {ic:.3f} (planted: 0.1·x0 + N(0,1), ≈ 0.1)")


if __name__ == "__main__":
    main()
