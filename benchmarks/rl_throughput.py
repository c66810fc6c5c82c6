"""Benchmark: env-steps/s of our vectorised simulator + PPO vs SB3 PPO on the Gymnasium env.

Same panel (random factors, N stocks × T dates × F factors), same PPO hyperparameters (envs, steps per env,
minibatch, epochs). Ours runs `n_envs` envs in one batch; SB3 runs `n_envs` copies of the Gymnasium wrapper of
the same simulator in a DummyVecEnv (one batched policy forward per step) with its flat MlpPolicy. Stocks
belong to 31 industries by default, so the env's 30% industry cap is in play as on real data. Also: our
rollout-only and update-only throughput, and peak RSS.

    python benchmarks/rl_throughput.py                    # N = 300, 1000, 3000 × 64 factors, CPU, training defaults
    python benchmarks/rl_throughput.py --n-envs 16 --batch-size 256      # few envs: little date sharing
    python benchmarks/rl_throughput.py --sizes 300 --quick
    python benchmarks/rl_throughput.py --industries 0     # no industry cap (the figures before 2026-11-30 PM)
    python benchmarks/rl_throughput.py --in-universe 0.6  # 60% of rows in the universe (default 90%)
    python benchmarks/rl_throughput.py --device cuda --sizes 3000 --factors 361 --sb3-off   # GPU machine
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
from _common import GIB, peak_rss, run_child


def _panel(n: int, t: int, f: int, industries: int = 0, seed: int = 0, in_universe: float = 0.9):  # noqa: ANN202
    from aurumq_rl.data.panel import Panel

    rng = np.random.default_rng(seed)
    ones = np.ones((t, n), bool)
    return Panel(dates=np.arange(np.datetime64("2021-01-04"), np.datetime64("2021-01-04") + t),
                 codes=np.array([f"{600000 + i:06d}.SH" for i in range(n)]),
                 factor_names=[f"alpha_{i:03d}" for i in range(f)],
                 factors=rng.standard_normal((t, n, f)).astype(np.float32),
                 factor_missing_bits=np.zeros((t, n, (f + 7) // 8), np.uint8),
                 pct_chg=rng.normal(0, 0.02, (t, n)), present=ones, tradeable=ones, can_buy=ones, can_sell=ones,
                 in_universe=rng.random((t, n)) < in_universe, is_limit_up=~ones, is_limit_down=~ones,
                 board=np.array(["main"] * n),
                 industry=np.tile(rng.integers(0, industries, n, dtype=np.int32), (t, 1)) if industries else None,
                 industry_names=[f"ind{i:02d}" for i in range(industries)])


def _child(kind: str, n: int, f: int, updates: int, device: str, threads: int, n_envs: int, n_steps: int,
           batch: int, industries: int, in_universe: float) -> dict:
    import torch

    from aurumq_rl.algos.device import resolve_device
    from aurumq_rl.algos.host_memory import retain_freed_memory
    from aurumq_rl.algos.ppo import PPO, PPOConfig
    from aurumq_rl.envs.market_sim import EnvConfig, MarketSim, PanelTensors
    from aurumq_rl.policies.deep_sets import DeepSetsPolicy

    torch.set_num_threads(threads)
    retain_freed_memory()  # as `train` does (resolve_device), for SB3 too: both get the same allocator settings
    # the env's 30% industry cap applies when industries > 0
    panel = _panel(n, 250, f, industries, in_universe=in_universe)
    env_cfg = EnvConfig(top_k=30, episode_length=64)
    epochs = 4
    out: dict = {"kind": kind, "n": n, "f": f}
    if kind == "ours":
        device = str(resolve_device(device))  # as `train` does: TF32 matmuls on CUDA
        data = PanelTensors(panel, env_cfg, device)
        sim = MarketSim(data, env_cfg, n_envs)
        ppo = PPO(DeepSetsPolicy(f).to(device), data, sim,
                  PPOConfig(n_envs=n_envs, n_steps=n_steps, batch_size=batch, n_epochs=epochs,
                            total_timesteps=n_envs * n_steps * updates, target_kl=None))  # SB3: no KL stop
        ppo.update(ppo.collect())  # warm-up
        sync = torch.cuda.synchronize if device.startswith("cuda") else (lambda: None)
        roll = upd = 0.0
        for _ in range(updates):
            t0 = time.perf_counter()
            buf = ppo.collect()
            sync()
            t1 = time.perf_counter()
            ppo.update(buf)
            sync()
            roll, upd = roll + t1 - t0, upd + time.perf_counter() - t1
        steps = n_envs * n_steps * updates
        out.update(steps_per_s=steps / (roll + upd), rollout_steps_per_s=steps / roll, update_steps_per_s=steps / upd)
    else:
        from stable_baselines3.common.vec_env import DummyVecEnv

        from aurumq_rl.algos.sb3 import make_model
        from aurumq_rl.envs.gym_env import StockPickingEnv
        from aurumq_rl.envs.market_sim import PanelTensors

        data = PanelTensors(panel, env_cfg, "cpu")  # one copy of the panel shared by the n_envs wrappers
        env = DummyVecEnv([lambda: StockPickingEnv(panel, env_cfg, data=data)] * n_envs)
        model = make_model("sb3-ppo", env, seed=0, n_steps=n_steps, batch_size=batch, n_epochs=epochs,
                           learning_rate=3e-4)  # the `train --algorithm sb3-ppo` model (our gamma and lambda)
        model.learn(total_timesteps=n_envs * n_steps)  # warm-up: one rollout and update, as ours has
        steps = n_envs * n_steps * updates
        t0 = time.perf_counter()
        model.learn(total_timesteps=steps, reset_num_timesteps=False)
        out.update(steps_per_s=steps / (time.perf_counter() - t0))
    out["peak_rss_gib"] = peak_rss() / GIB
    if kind == "ours" and device.startswith("cuda"):
        out["peak_gpu_gib"] = torch.cuda.max_memory_allocated() / 2**30
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="300,1000,3000")
    ap.add_argument("--factors", type=int, default=64)
    ap.add_argument("--updates", type=int, default=4)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--quick", action="store_true", help="1 update per measurement")
    ap.add_argument("--sb3-off", action="store_true", help="skip the SB3 baseline")
    ap.add_argument("--n-envs", type=int, default=128, help="envs per update, both methods (SB3: DummyVecEnv)")
    ap.add_argument("--n-steps", type=int, default=32, help="steps per env per update")
    ap.add_argument("--batch-size", type=int, default=1024, help="samples per minibatch, both methods")
    ap.add_argument("--industries", type=int, default=31,
                    help="industries (random, fixed per stock; 31 = SW level 1) under the 30%% cap; 0 = no cap")
    ap.add_argument("--in-universe", type=float, default=0.9,
                    help="share of (date, stock) rows in the universe (random); the rest is masked out")
    ap.add_argument("--child", nargs=11, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        kind, n, f, upd, dev, thr, envs, steps, batch, ind, uni = a.child
        print(json.dumps(_child(kind, int(n), int(f), int(upd), dev, int(thr), int(envs), int(steps), int(batch),
                                int(ind), float(uni))))
        return
    updates = 1 if a.quick else a.updates
    rows = []
    for n in (int(x) for x in a.sizes.split(",")):
        for kind in ("ours",) + (() if a.sb3_off else ("sb3",)):
            argv = [kind, str(n), str(a.factors), str(updates), a.device, str(a.threads), str(a.n_envs), str(a.n_steps),
                    str(a.batch_size), str(a.industries), str(a.in_universe)]
            rows.append(run_child(__file__, argv, check=True))
    print(f"device {a.device}, {a.threads} threads, {a.n_envs} envs × {a.n_steps} steps per update, minibatch "
          f"{a.batch_size}, 4 epochs, {a.industries} industries, {a.in_universe:.0%} of rows in the universe\n")
    print(f"{'N':>6}{'F':>5}  {'method':<6}{'env-steps/s':>13}{'rollout/s':>11}{'update/s':>10}{'peak RSS GiB':>14}"
          f"{'peak GPU GiB':>14}")
    for r in rows:
        print(f"{r['n']:>6}{r['f']:>5}  {r['kind']:<6}{r['steps_per_s']:>13.0f}"
              f"{r.get('rollout_steps_per_s', float('nan')):>11.0f}{r.get('update_steps_per_s', float('nan')):>10.0f}"
              f"{r['peak_rss_gib']:>14.2f}{r.get('peak_gpu_gib', float('nan')):>14.2f}")
    for n in sorted({r["n"] for r in rows}):
        ours = next(r for r in rows if r["n"] == n and r["kind"] == "ours")
        base = next((r for r in rows if r["n"] == n and r["kind"] == "sb3"), None)
        if base:
            print(f"N = {n}: ours / SB3 = {ours['steps_per_s'] / base['steps_per_s']:.1f}×")


if __name__ == "__main__":
    main()
