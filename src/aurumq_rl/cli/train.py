"""`aurumq-rl train`: train a stock-picking policy (PPO on the vectorised simulator)."""

from __future__ import annotations

import argparse
import json
import math
import re
import tempfile
import time
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING

from aurumq_rl.cli.market_args import add_market_args, market_config
from aurumq_rl.envs.modes import REWARD_MODES
from aurumq_rl.errors import DataError
from aurumq_rl.io import check_writable
from aurumq_rl.market.selection import SIZINGS
from aurumq_rl.market.universe import UNIVERSES

if TYPE_CHECKING:
    from aurumq_rl.algos.trainer import TrainConfig

ALGORITHMS = ("ppo", "a2c", "sac", "sb3-ppo")
FLAG_DEFAULTS = {
    "universe": "main_board_non_st", "algorithm": "ppo", "total_timesteps": 300_000, "n_envs": 128, "n_steps": 32,
    "batch_size": 1024, "n_epochs": 4, "learning_rate": 1e-3, "value_learning_rate": 1e-3, "target_kl": 0.05,
    "reward_mode": "forward_return", "top_k": 30, "forward_period": 5, "cost_bps": 30.0, "seed": 0,
    "encoder_hidden": "128,64", "device": "auto", "episode_length": 60, "sizing": "equal", "eval_every": 5,
    "best_metric": "val_rank_ic",
}


def register(sub: argparse._SubParsersAction) -> None:
    D = FLAG_DEFAULTS
    p = sub.add_parser("train", help="train a policy; writes checkpoints, metrics.jsonl and run.json")
    p.add_argument("--config", help="JSON or TOML file whose keys (flag names, - or _) stand for the flags; a "
                   "flag also given on the command line wins over the file")
    p.add_argument("--data", help="panel Parquet (file, directory or glob)")
    p.add_argument("--out-dir", help="run directory")
    for name in ("train-start", "train-end", "val-start", "val-end"):
        p.add_argument(f"--{name}", help="YYYY-MM-DD" + (" (without it and --train-end: training takes the first "
                       "80%% of the dates, validation the rest)" if name == "val-start" else ""))
    p.add_argument("--universe", help=f"stocks eligible each date: {' | '.join(UNIVERSES)} (default "
                   f"{D['universe']})")
    add_market_args(p)
    p.add_argument("--algorithm", choices=ALGORITHMS,
                   help="ppo (ours, default) or an SB3 algorithm on the Gymnasium env")
    p.add_argument("--total-timesteps", type=int, help=f"env steps to train, rounded to whole updates (default "
                   f"{D['total_timesteps']:,})")
    p.add_argument("--n-envs", type=int, help=f"parallel envs (default {D['n_envs']})")
    p.add_argument("--n-steps", type=int, help=f"steps per env per update (default {D['n_steps']})")
    p.add_argument("--batch-size", type=int,
                   help=f"samples per minibatch, cut at whole dates (default {D['batch_size']})")
    p.add_argument("--n-epochs", type=int, help=f"passes over each rollout (default {D['n_epochs']})")
    p.add_argument("--learning-rate", type=float, help=f"policy learning rate, annealed linearly to 0 by ppo, "
                   f"constant in the SB3 algorithms (default {D['learning_rate']:g})")
    p.add_argument("--value-learning-rate", type=float,
                   help="the critic's own learning rate (default 1e-3; annealed like --learning-rate; ppo only)")
    p.add_argument("--target-kl", type=float,
                   help="stop an update's epochs once the policy's approx KL passes it (ppo: default 0.05; "
                   "sb3-ppo: default none, SB3's own, which checks 1.5 × it per minibatch)")
    p.add_argument("--reward-mode", help=f"{' | '.join(REWARD_MODES)} (default {D['reward_mode']}; "
                   "docs/RL.md)")
    p.add_argument("--top-k", type=int, help=f"stocks held each day (default {D['top_k']})")
    p.add_argument("--forward-period", type=int, help=f"label horizon in trading days after the T+1 entry (default "
                   f"{D['forward_period']})")
    p.add_argument("--cost-bps", type=float, help="round-trip cost budget in bps (default 30)")
    p.add_argument("--episode-length", type=int,
                   help=f"trading days per episode (default {D['episode_length']})")
    p.add_argument("--sizing", choices=SIZINGS,
                   help="position weights: equal (default) or strategy_d (∝ max(score, 0))")
    p.add_argument("--seed", type=int, help="seed of every random stream (default 0)")
    p.add_argument("--factors", help="N, or comma-separated globs such as 'alpha_*,mf_*' (in --config also a "
                                     "list: exact names in that order, or globs)")
    p.add_argument("--include-columns-file", help="text file of column names, one per line: keep only these factors")
    p.add_argument("--feature-group-weights", help="prefix=weight pairs scaling those inputs, each weight finite "
                   "and ≥ 0 (0 mutes the group), e.g. 'mf_=0.5,hk_=0'")
    p.add_argument("--encoder-hidden", help="hidden sizes, e.g. 128,64")
    p.add_argument("--device", help="auto | cpu | cuda[:i]")
    p.add_argument("--eval-every", type=int, help="validate every N updates (SB3: every N × n-envs × "
                   "n-steps env steps)")
    p.add_argument("--best-metric", help="validation metric that picks best.pt (SB3: best.zip): "
                   "val_rank_ic (default) or val_topk_return")
    p.add_argument("--threads", type=int, help="torch CPU threads")
    # switches default to None, not False, so that a config file's true is not overwritten by an absent flag
    p.add_argument("--resume", action="store_true", default=None,
                   help="continue from OUT_DIR/last.pt (--algorithm ppo only) with the same settings; only "
                   "--total-timesteps may be raised (the learning rate then anneals over the new budget), "
                   "and the --data path (same content), --out-dir (a moved run), --device (same type), --threads and "
                   "--eval-every may change")
    p.add_argument("--smoke", action="store_true", default=None,
                   help="a real short run on the small synthetic preset (generated into OUT_DIR or a temp dir)")
    p.add_argument("--no-export", action="store_true", default=None,
                   help="skip exporting OUT_DIR/bundle after training")
    p.add_argument("--no-progress", action="store_true", default=None, help="no progress bar")
    p.set_defaults(func=run)


ARGPARSE_KEYS = {"func", "command"}  # the parsers' own entries (the handler, the subcommand's name): no flags


def _merge(args: argparse.Namespace) -> dict:
    """The flag defaults, replaced by the --config keys, replaced by the flags given. `opts["explicit"]`: the
    keys the user set (by flag or --config), for checks that must tell a choice from a default."""
    opts = dict(FLAG_DEFAULTS)
    explicit: set[str] = set()
    if args.config:
        path = Path(args.config)
        if not path.is_file():
            raise DataError(f"--config: file not found: {path}")
        from aurumq_rl.data.contract import read_text_file

        text = read_text_file(path, "--config")
        try:
            loaded = tomllib.loads(text) if path.suffix.lower() == ".toml" else json.loads(text)
        except (ValueError, tomllib.TOMLDecodeError) as exc:
            raise DataError(f"--config {path}: cannot parse ({exc})") from exc
        if not isinstance(loaded, dict):
            raise DataError(f"--config {path}: holds a {type(loaded).__name__}, not an object of flag names and "
                            'values, e.g. {"top_k": 20, "universe": "all"}')
        known = set(vars(args)) - ARGPARSE_KEYS - {"config"}  # a config names no other config
        for k, v in loaded.items():
            key = k.replace("-", "_")
            if key not in known:
                nested = " (a --config file cannot include another)" if key == "config" else ""
                raise DataError(f"--config {path}: unknown key '{k}'{nested}")
            opts[key] = v
            explicit.add(key)
    given = {k: v for k, v in vars(args).items() if v is not None and k not in ARGPARSE_KEYS | {"config"}}
    opts.update(given)
    opts["explicit"] = explicit | set(given)
    return opts


SMOKE_SETS = ("data", "total_timesteps", "n_envs", "n_steps", "batch_size", "top_k", "episode_length", "eval_every")


def _smoke(opts: dict) -> dict:
    from aurumq_rl.data.synth import preset, write_demo

    clash = [k for k in SMOKE_SETS if k in opts.get("explicit", set())]
    if clash:
        raise DataError(f"--smoke sets {', '.join('--' + k.replace('_', '-') for k in clash)} itself (a fixed "
                        "small run on the synthetic preset); drop them, or train without --smoke")
    out = Path(opts.get("out_dir") or tempfile.mkdtemp(prefix="aurumq-smoke-"))
    data, _ = write_demo(str(out / "market.parquet"), preset("small", opts.get("seed", 0)))
    opts.update(data=data, out_dir=str(out / "run"), total_timesteps=128 * 32 * 8, n_envs=128, n_steps=32,
                batch_size=1024, top_k=20, episode_length=32, eval_every=4, threads=opts.get("threads") or 2)
    return opts


INT_FLAGS = {"total_timesteps": 1, "n_envs": 1, "n_steps": 1, "batch_size": 1, "n_epochs": 1, "top_k": 1,
             "forward_period": 1, "episode_length": 1, "eval_every": 1, "seed": 0}
DATE_KEYS = ("train_start", "train_end", "val_start", "val_end")
TEXT_KEYS = ("data", "out_dir", "universe", "include_columns_file")
SWITCHES = ("resume", "smoke", "no_export", "no_progress")
DEVICE_RE = re.compile(r"auto|cpu|cuda(:\d+)?")


def _flag(key: str) -> str:
    return "--" + key.replace("_", "-")


def _int(opts: dict, key: str, low: int) -> int:
    """An integer option (a flag, or a --config value of any type) that must be ≥ `low`."""
    v = opts[key]
    try:
        if isinstance(v, bool) or not isinstance(v, int | str):
            raise ValueError
        n = int(v)
    except ValueError:
        raise DataError(f"{_flag(key)} {v!r}: must be an integer ≥ {low}") from None
    if n < low:
        raise DataError(f"{_flag(key)} {n}: must be ≥ {low}")
    return n


def _float(opts: dict, key: str, low: float, strict: bool) -> float:
    """A number option that must be > `low` (strict) or ≥ `low`."""
    v = opts[key]
    try:
        if isinstance(v, bool) or not isinstance(v, int | float | str):
            raise ValueError
        x = float(v)
    except ValueError:
        raise DataError(f"{_flag(key)} {v!r}: must be a number") from None
    if not math.isfinite(x) or (x <= low if strict else x < low):
        raise DataError(f"{_flag(key)} {v}: must be {'>' if strict else '≥'} {low:g}")
    return x


def _check_types(opts: dict) -> None:
    """Paths and names are text, switches true/false, --factors a count, a pattern string or a list of names:
    a --config value of another type is an error naming the flag (not a TypeError later, nor a switch read by
    the truth of its text, where "false" is true)."""
    for key in TEXT_KEYS:
        if opts.get(key) is not None and not isinstance(opts[key], str):
            raise DataError(f"{_flag(key)} {opts[key]!r}: must be text (a path or a name)")
    for key in SWITCHES:
        if opts.get(key) is not None and not isinstance(opts[key], bool):
            raise DataError(f"{_flag(key)} {opts[key]!r}: a switch is true or false")
    f = opts.get("factors")
    names = isinstance(f, list) and all(isinstance(x, str) for x in f)
    if f is not None and not (names or isinstance(f, str) or (isinstance(f, int) and not isinstance(f, bool))):
        raise DataError(f"--factors {f!r}: give a count, comma-separated globs such as 'alpha_*,mf_*', or (in "
                        "--config) a list of column names or globs")


def _hidden(value: object) -> tuple[int, ...]:
    parts = list(value) if isinstance(value, list | tuple) else str(value).split(",")
    try:
        hidden = tuple(_int({"encoder_hidden": x}, "encoder_hidden", 1) for x in parts)
    except DataError:
        hidden = ()
    if not hidden:
        raise DataError(f"--encoder-hidden {value!r}: give hidden sizes ≥ 1, comma-separated, e.g. 128,64")
    return hidden


def _weights(value: object) -> dict[str, float]:
    """prefix=weight pairs (a string, or a --config table). A weight scales the group's normalised inputs:
    it must be finite and ≥ 0 (NaN/inf trained a NaN model; a negative one only flips the inputs' sign,
    which the network learns either way, so it is refused rather than read as a penalty)."""
    if not value:
        return {}
    try:
        if isinstance(value, dict):
            pairs = [(str(k), v) for k, v in value.items()]
        else:
            pairs = [(k.strip(), v) for k, v in (pair.split("=") for pair in str(value).split(","))]
        parsed = [(k, raw, float(raw)) for k, raw in pairs]
    except (ValueError, TypeError):
        raise DataError(f"--feature-group-weights {value!r}: give prefix=weight pairs, e.g. mf_=0.5,hk_=0") from None
    if any(not k for k, _, _ in parsed):  # an empty prefix matches every factor: one weight for all is no group
        raise DataError(f"--feature-group-weights {value!r}: a pair has no prefix; name the group, e.g. mf_=0.5")
    for k, raw, w in parsed:
        if not math.isfinite(w) or w < 0:
            raise DataError(f"--feature-group-weights {value!r}: the pair '{k}={str(raw).strip()}' has no finite "
                            "weight ≥ 0; a weight scales the group's inputs (0 mutes it, 1 leaves it as is), "
                            "e.g. mf_=0.5,hk_=0")
    return {k: w for k, _, w in parsed}


# flags an SB3 algorithm has no use for (--n-steps still paces SAC's validation, as every algorithm's); SB3
# runs on the CPU, so --device is one of them and the SB3 path's tensors are built on the CPU; SB3 trains its
# critic at --learning-rate, so --value-learning-rate is another
SB3_UNUSED = {"sb3-ppo": ("encoder_hidden", "value_learning_rate", "device"),
              "a2c": ("encoder_hidden", "batch_size", "n_epochs", "value_learning_rate", "device"),
              "sac": ("encoder_hidden", "n_epochs", "value_learning_rate", "device")}


def _check_sb3(opts: dict) -> None:
    """Refuse what the SB3 path (--algorithm a2c|sac|sb3-ppo) cannot honour, before any work: --resume (SB3
    saves no simulator or random state, nor SAC's replay buffer, so a resumed run would not be a continuation)
    and an explicit --target-kl for A2C or SAC (no KL early stop there; SB3's PPO gets it)."""
    algo = opts["algorithm"]
    if algo == "ppo":
        return
    if opts.get("resume"):
        raise DataError(f"--resume: the SB3 path (--algorithm {algo}) cannot continue a run (SB3 keeps no "
                        "simulator or random state to restore); drop --resume to train afresh into --out-dir, "
                        "or use --algorithm ppo")
    if algo in ("a2c", "sac") and "target_kl" in opts.get("explicit", ()):
        raise DataError(f"--target-kl: --algorithm {algo} has no KL early stop (only ppo and sb3-ppo have); "
                        "drop --target-kl")
    unused = [_flag(k) for k in SB3_UNUSED.get(algo, ()) if k in opts.get("explicit", ())]
    if unused:  # a warning, not an error: one flag set can then drive several algorithms side by side
        import warnings

        warnings.warn(f"{', '.join(unused)}: not used by --algorithm {algo} (SB3's own MlpPolicy and settings)",
                      stacklevel=2)


def validate(opts: dict) -> dict:
    """Check the options' types and ranges (flags and --config values alike) before anything is written.

    Returns a copy with numbers converted, dates as YYYY-MM-DD, `encoder_hidden` a tuple,
    `feature_group_weights` a dict and `market` the MarketConfig of --min-listed-days / --limit-method;
    raises DataError naming the flag."""
    from aurumq_rl.algos.trainer import BEST_METRICS
    from aurumq_rl.data.source import to_date
    from aurumq_rl.market.costs import CostModel

    opts = dict(opts)
    _check_types(opts)
    for key, low in INT_FLAGS.items():
        opts[key] = _int(opts, key, low)
    if opts.get("threads") is not None:
        opts["threads"] = _int(opts, "threads", 1)
    opts["learning_rate"] = _float(opts, "learning_rate", 0, strict=True)
    opts["value_learning_rate"] = _float(opts, "value_learning_rate", 0, strict=True)
    opts["cost_bps"] = _float(opts, "cost_bps", 0, strict=False)
    try:
        CostModel(round_trip_bps=opts["cost_bps"])
    except ValueError as exc:
        raise DataError(str(exc)) from exc
    if opts.get("target_kl") is not None:
        opts["target_kl"] = _float(opts, "target_kl", 0, strict=True)
    for key, choices in (("algorithm", ALGORITHMS), ("sizing", SIZINGS),
                         ("reward_mode", REWARD_MODES), ("best_metric", BEST_METRICS)):
        if opts[key] not in choices:
            raise DataError(f"{_flag(key)} {opts[key]!r}: choose one of {', '.join(choices)}")
    _check_sb3(opts)
    if opts["algorithm"] != "ppo" and "target_kl" not in opts.get("explicit", ()):
        opts["target_kl"] = None  # SB3's own default (no KL stop), not our PPO's 0.05; run.json records it
    if not isinstance(opts["device"], str) or not DEVICE_RE.fullmatch(opts["device"]):
        raise DataError(f"--device {opts['device']!r}: use auto, cpu, cuda or cuda:<index>")
    if opts["algorithm"] != "ppo":  # SB3 runs on the CPU: nothing of the Trainer's belongs on a GPU
        opts["device"] = "cpu"
    opts["market"] = market_config(opts.get("min_listed_days"), opts.get("limit_method"))
    opts["encoder_hidden"] = _hidden(opts["encoder_hidden"])
    opts["feature_group_weights"] = _weights(opts.get("feature_group_weights"))
    for key in DATE_KEYS:
        day = to_date(opts.get(key), _flag(key))
        opts[key] = None if day is None else day.isoformat()
    for lo, hi in (("train_start", "train_end"), ("val_start", "val_end")):
        if opts[lo] and opts[hi] and opts[lo] > opts[hi]:
            raise DataError(f"{_flag(lo)} {opts[lo]} is after {_flag(hi)} {opts[hi]}: the window would be empty; "
                            "swap or correct the dates")
    return opts


def build_config(opts: dict) -> TrainConfig:
    from aurumq_rl.algos.ppo import PPOConfig
    from aurumq_rl.algos.trainer import TrainConfig
    from aurumq_rl.envs.market_sim import EnvConfig
    from aurumq_rl.market.costs import CostModel

    for flag in ("data", "out_dir"):
        if not opts.get(flag):
            raise DataError(f"--{flag.replace('_', '-')} is required (or use --smoke)")
    check_writable(opts["out_dir"], flag="--out-dir", directory=True)
    opts = validate(opts)
    hidden, weights = opts["encoder_hidden"], opts["feature_group_weights"]
    factors = opts.get("factors")
    if isinstance(factors, str) and factors.isdecimal():  # int() takes these (not "²")
        factors = int(factors)
    if isinstance(factors, list) and any(c in name for name in factors for c in "*?["):
        factors = ",".join(factors)  # a --config list holding globs means what the flag's comma list means
    try:
        env = EnvConfig(top_k=opts["top_k"], forward_period=opts["forward_period"],
                        reward_mode=opts["reward_mode"], episode_length=opts["episode_length"],
                        cost=CostModel(round_trip_bps=opts["cost_bps"]),
                        sizing=opts["sizing"])
        ppo = PPOConfig(total_timesteps=opts["total_timesteps"], n_envs=opts["n_envs"], n_steps=opts["n_steps"],
                        batch_size=opts["batch_size"], n_epochs=opts["n_epochs"],
                        learning_rate=opts["learning_rate"], value_learning_rate=opts["value_learning_rate"],
                        target_kl=opts["target_kl"], seed=opts["seed"])
    except ValueError as exc:
        raise DataError(f"train options: {exc}") from exc
    return TrainConfig(data=str(opts["data"]), out_dir=str(opts["out_dir"]), train_start=opts.get("train_start"),
                       train_end=opts.get("train_end"), val_start=opts.get("val_start"), val_end=opts.get("val_end"),
                       universe=opts["universe"], market=opts["market"], factors=factors,
                       include_columns_file=opts.get("include_columns_file"), feature_group_weights=weights,
                       encoder_hidden=hidden, env=env, ppo=ppo, device=opts["device"],
                       eval_every=opts["eval_every"], best_metric=opts["best_metric"], threads=opts.get("threads"))


def run(args: argparse.Namespace) -> int:
    try:
        from aurumq_rl.algos.trainer import Trainer
    except ImportError as exc:
        raise DataError(f"training needs the [train] extra ({exc.name} missing): "
                        "pip install torch==2.13.0 && pip install -e '.[train]'") from exc
    opts = validate(_merge(args))  # before --smoke writes its market into --out-dir
    if opts["algorithm"] == "ppo" and not opts.get("no_export"):
        try:  # the export after training needs onnx: say so now, not after the whole run
            import aurumq_rl.export.onnx_export  # noqa: F401
        except ImportError as exc:
            raise DataError(f"exporting the trained policy needs the [train] extra ({exc.name} missing): "
                            "pip install -e '.[train]', or pass --no-export") from exc
    if opts.get("smoke"):
        opts = _smoke(opts)
    t0 = time.perf_counter()
    trainer = Trainer(build_config(opts))
    print(trainer.describe(budget=opts["algorithm"] == "ppo"))
    if opts["algorithm"] == "ppo":
        metrics = trainer.run(resume=bool(opts.get("resume")), progress=not opts.get("no_progress"))
    else:
        try:
            from aurumq_rl.algos.sb3 import sb3_budget, train_sb3
        except ImportError as exc:
            raise DataError(f"--algorithm {opts['algorithm']} needs the [train] extra ({exc.name} missing): "
                            "pip install -e '.[train]'") from exc
        print(sb3_budget(opts["algorithm"], opts["total_timesteps"], opts["n_steps"], opts["n_envs"])[1])
        metrics = train_sb3(trainer, opts["algorithm"], progress=not opts.get("no_progress"))
    keys = ("steps", "env_steps_per_s", "val_rank_ic", "val_ic", "val_topk_return")
    if opts["algorithm"] == "ppo" and not metrics:  # a --resume of a finished run: every update was done before
        print(f"nothing left to train: {opts['out_dir']} holds all {trainer.ppo.n_updates} updates; raise "
              "--total-timesteps to train on")
    else:
        print(f"trained in {time.perf_counter() - t0:.0f}s → {opts['out_dir']}")
        print("  " + "  ".join(f"{k}={metrics[k]:.4g}" for k in keys if k in metrics))
    if opts["algorithm"] == "ppo" and not opts.get("no_export"):
        from aurumq_rl.export.onnx_export import export_bundle

        bundle = export_bundle(opts["out_dir"], Path(opts["out_dir"]) / "bundle")
        print(f"  exported {bundle} (policy.onnx + metadata; `aurumq-rl infer --bundle {bundle} ...`)")
    elif opts["algorithm"] != "ppo":
        print(f"  no bundle: an SB3 baseline run (--algorithm {opts['algorithm']}) is not exported, nor scored by "
              "infer or eval; best.zip / last.zip load with stable_baselines3")
    return 0
