"""Benchmark: ONNX scoring latency on one CPU thread, and the whole `aurumq-rl infer` command's wall time.

1. Latency: a Deep Sets policy (F factors, hidden 128,64) exported with the project's exporter, scoring one
   date of N stocks with onnxruntime on 1 thread, side by side with the same policy in torch eager on 1
   thread (the baseline); median and p95 over repeated calls after a warm-up.
2. `infer` end to end: a synthetic Parquet of N stocks × D dates × F factors, a bundle exported from a
   policy with random weights (training quality does not change the cost), and the CLI run as a fresh
   process (imports, Parquet read, normalisation, scoring, selection, output) — wall time and peak RSS.

    python benchmarks/inference.py            # 5000 × 361 latency; infer on 3000 stocks × 361 factors
    python benchmarks/inference.py --quick
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from _common import GIB


def _policy_run(root: Path, n_factors: int, data: str, day: str) -> Path:
    """A run directory (run.json + best.pt) holding an untrained policy, in the layout `train` writes."""
    import torch

    from aurumq_rl.data.normalize import normalize_params
    from aurumq_rl.policies.deep_sets import DeepSetsPolicy

    torch.manual_seed(0)
    policy = DeepSetsPolicy(n_factors, (128, 64))
    run = root / "run"
    run.mkdir(parents=True, exist_ok=True)
    torch.save({"policy": policy.state_dict()}, run / "best.pt")
    names = [f"alpha_{i:03d}" for i in range(n_factors)]
    env = {"top_k": 30, "forward_period": 5, "reward_mode": "forward_return", "sizing": "equal", "industry_cap": 0.3}
    manifest = {"algorithm": "ppo", "factor_names": names, "market_wide": [], "normalize": "zscore",
                "normalize_params": normalize_params(),
                "train_dates": [day, day], "val_dates": [day, day], "seed": 0, "versions": {},
                "config": {"data": data, "universe": "all", "env": env, "encoder_hidden": [128, 64],
                           "feature_group_weights": {}}}
    (run / "run.json").write_text(json.dumps(manifest))
    return run


def latency(n: int, f: int, repeats: int) -> dict:
    import onnxruntime  # noqa: F401  (fail early when absent)
    import torch

    from aurumq_rl.export.bundle import onnx_session, run_session
    from aurumq_rl.export.onnx_export import _export_graph
    from aurumq_rl.policies.deep_sets import DeepSetsPolicy, ScoreModule

    torch.set_num_threads(1)
    torch.manual_seed(0)
    policy = DeepSetsPolicy(f, (128, 64)).eval()
    x = np.random.default_rng(0).standard_normal((n, f)).astype(np.float32)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "p.onnx"
        _export_graph(policy, f, path)
        sess = onnx_session(path, threads=1)
        ort_t = _time(lambda: run_session(sess, x), repeats)
    module = ScoreModule(policy)
    xt, mt = torch.from_numpy(x)[None], torch.ones(1, n, dtype=torch.bool)
    with torch.no_grad():
        torch_t = _time(lambda: module(xt, mt), repeats)
    return {"n": n, "f": f, "ort_median_ms": ort_t[0], "ort_p95_ms": ort_t[1], "torch_median_ms": torch_t[0],
            "torch_p95_ms": torch_t[1]}


def _time(fn, repeats: int) -> tuple[float, float]:  # noqa: ANN001
    for _ in range(5):
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return float(np.median(times)), float(np.percentile(times, 95))


def _write_market(path: Path, n: int, days: int, f: int) -> str:
    import polars as pl

    rng = np.random.default_rng(1)
    dates = np.arange(np.datetime64("2023-03-01"), np.datetime64("2023-03-01") + days * 2)
    dates = dates[np.is_busday(dates)][:days]
    codes = np.array([f"{600000 + i:06d}.SH" if i < n // 2 else f"{i:06d}.SZ" for i in range(n)])
    pct = np.round(rng.normal(0, 0.02, (days, n)), 4)
    close = np.round(10 * np.cumprod(1 + pct, axis=0), 2)
    cols = {"ts_code": np.tile(codes, days), "trade_date": np.repeat(dates, n), "close": close.ravel(),
            "pct_chg": pct.ravel(), "vol": np.full(days * n, 1e5)}
    df = pl.DataFrame(cols).with_columns(pl.col("trade_date").cast(pl.Date))
    feats = rng.standard_normal((days * n, f)).astype(np.float32)
    df = df.hstack(pl.DataFrame(feats, schema=[f"alpha_{i:03d}" for i in range(f)]))
    df.write_parquet(path)
    return str(dates[-2])


def infer_wall(n: int, days: int, f: int) -> dict:
    from aurumq_rl.export.onnx_export import export_bundle

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        data = root / "market.parquet"
        day = _write_market(data, n, days, f)
        bundle = export_bundle(_policy_run(root, f, str(data), day), root / "bundle")
        child = (f"import sys; sys.path.insert(0, {str(Path(__file__).resolve().parent)!r}); "
                 "from _common import peak_rss; from aurumq_rl.cli.main import main; rc = main(sys.argv[1:]); "
                 "print('RSS', peak_rss()); sys.exit(rc)")
        cmd = [sys.executable, "-c", child,
               "infer", "--bundle", str(bundle), "--data", str(data), "--date", day, "--universe", "all",
               "-o", str(root / "picks.parquet")]
        walls = []
        for _ in range(3):
            t0 = time.perf_counter()
            res = subprocess.run(cmd, capture_output=True, text=True, check=True)
            walls.append(time.perf_counter() - t0)
        rss = int(res.stdout.rsplit("RSS", 1)[1].split()[0]) / GIB
    return {"n": n, "days": days, "f": f, "wall_s_median": float(np.median(walls)), "peak_rss_gib": rss}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    lat_sizes = [(1000, 64)] if args.quick else [(3000, 361), (5000, 361)]
    print("| scoring one date, 1 thread | N | F | onnxruntime median (p95) ms | torch eager median (p95) ms | ratio |")
    print("|---|---|---|---|---|---|")
    for n, f in lat_sizes:
        r = latency(n, f, 20 if args.quick else 50)
        ratio = r["torch_median_ms"] / r["ort_median_ms"]
        print(f"| policy.onnx | {n} | {f} | {r['ort_median_ms']:.1f} ({r['ort_p95_ms']:.1f}) | "
              f"{r['torch_median_ms']:.1f} ({r['torch_p95_ms']:.1f}) | {ratio:.2f}× |")
    n, days, f = (500, 30, 32) if args.quick else (3000, 30, 361)
    w = infer_wall(n, days, f)
    print(f"\n`aurumq-rl infer` one date, {n} stocks × {f} factors (Parquet of {days} dates): "
          f"{w['wall_s_median']:.2f} s wall (median of 3 fresh processes), peak RSS {w['peak_rss_gib']:.2f} GiB")
    print(f"(host: {resource.getpagesize()}-byte pages; run on an idle machine for quotable figures)")


if __name__ == "__main__":
    main()
