"""`train --resume`: whether a checkpoint may continue under the current settings, and what a longer run changes.

A checkpoint is tied to its config (run.json's) and to a resume key: the data's content, the panel its date and
stock indices point into, and the device type its random generators live on. `check_resumable` compares both
with the current run's and refuses, in one DataError listing every difference, all but the changes
`RESUME_MAY_DIFFER` allows and a raised --total-timesteps (what an older checkpoint did not record is
warned of, as it cannot be compared); `warn_extension` warns of the learning-rate jump
such a raise causes. Kept apart from `trainer` so the training loop reads without the comparison's rules;
loading the accepted checkpoint's state stays there, next to the saving (`Trainer._restore`).
"""

from __future__ import annotations

import hashlib
import warnings
from pathlib import Path

import torch

from aurumq_rl.algos.ppo import PPO
from aurumq_rl.data.normalize import ZSCORE_KEYS, normalize_params
from aurumq_rl.data.panel import Panel
from aurumq_rl.errors import DataError

# run.json config keys (dotted into TrainConfig) that a --resume may change, and why; every other key must equal
# the checkpoint's (see `check_resumable`). ppo.total_timesteps may also be raised (never lowered), see there.
RESUME_MAY_DIFFER = {
    "data": "the path: the data's content is compared by its sha256 instead (`resume_key`), so a moved or "
            "respelled file resumes and a file edited in place does not",
    "out_dir": "where last.pt is found: a moved run directory still resumes",
    "device": "the spelling (auto, cuda, cuda:1); the device type itself (cpu / cuda) must match, as the random "
              "generators' states live on it and do not transfer between the two",
    "threads": "CPU threads: speed only (and float rounding, as the device)",
    "eval_every": "how often to validate: validation reads the policy and draws no random number, so training "
                  "takes the same path; best.pt stays chosen by the same --best-metric",
    "ppo.chunk_rows": "rows per forward/backward pass: a memory knob, the same gradients up to rounding",
}
# the `train` flag of each config key that has one, for the refusal's message; other keys keep run.json's name
_FLAG_KEYS = ("data", "out_dir", "train_start", "train_end", "val_start", "val_end", "universe", "factors",
              "include_columns_file", "feature_group_weights", "encoder_hidden", "device", "eval_every",
              "best_metric", "threads", "env.top_k", "env.forward_period", "env.reward_mode", "env.episode_length",
              "env.sizing", "ppo.total_timesteps", "ppo.n_envs", "ppo.n_steps", "ppo.batch_size", "ppo.n_epochs",
              "ppo.learning_rate", "ppo.value_learning_rate", "ppo.target_kl", "ppo.seed",
              "market.min_listed_days", "market.limit_method")
RESUME_FLAGS = {**{k: "--" + k.rsplit(".", 1)[-1].replace("_", "-") for k in _FLAG_KEYS},
                "env.cost.round_trip_bps": "--cost-bps"}


# what `Trainer._save` writes and `Trainer._restore` reads back
CHECKPOINT_KEYS = ("policy", "opt", "updates", "env_steps", "best", "ppo_gen", "np_rng", "sim", "torch_rng")


def load_checkpoint(path: Path) -> dict:
    """The training checkpoint at `path`, loaded onto the CPU whatever the run's device: the random generators'
    states are CPU byte tensors even for CUDA generators, and `torch.load` onto a GPU moved them there, where
    `set_state` refuses them (every CUDA `--resume` failed with torch's TypeError); `Trainer._restore` moves the
    simulator's tensors to the device, and `load_state_dict` the weights and the optimiser's state. A file that
    is no such checkpoint (cut short by a copy, another tool's file) is a DataError naming it, not a traceback."""
    try:
        st = torch.load(path, map_location="cpu", weights_only=False)
    except Exception as exc:  # noqa: BLE001 - a truncated zip, a pickle of another tool: one line, no traceback
        raise DataError(f"--resume: {path} is not a readable training checkpoint ({type(exc).__name__}: "
                        f"{str(exc).splitlines()[0] if str(exc) else 'no detail'}); it was cut short or is another "
                        "tool's file: copy the run directory whole again, or train into a new --out-dir") from exc
    missing = [k for k in CHECKPOINT_KEYS if k not in st] if isinstance(st, dict) else list(CHECKPOINT_KEYS)
    if missing:
        raise DataError(f"--resume: {path} is not a checkpoint written by `aurumq-rl train` (no "
                        f"{', '.join(missing)}); resume a run directory that train wrote, or train into a new "
                        "--out-dir")
    return st


def resume_key(data_sha256: str | None, panel: Panel, device: torch.device) -> dict:
    """What a checkpoint's state is tied to beyond its config: the data's content (its sha256, whatever the
    path), the panel the stored date and stock indices point into (the same flags can load another panel
    when the data changed), the device type the random generators live on and, for z-scored inputs, the
    transform's settings (`data.normalize.normalize_params`). `--resume` requires all of it unchanged."""
    zscored = panel.meta.get("normalize") == "zscore"
    params = normalize_params()
    return {"data sha256": data_sha256[:16] if data_sha256 else None,
            "factors": names_digest(panel.factor_names), "first date": str(panel.dates[0]),
            "stocks": names_digest(list(panel.codes)), "device type": device.type,
            "z-score transform": ", ".join(f"{k} {params[k]}" for k in ZSCORE_KEYS) if zscored else None}


def check_resumable(path: Path, checkpoint: dict, key_now: dict, config_now: dict) -> int:
    """May `checkpoint` (loaded from `path`) continue under the current resume key and config (`Trainer._config`)?
    Its config must equal the current one but for the keys of `RESUME_MAY_DIFFER`, and its resume key must be
    the same (`resume_key`); else one DataError listing every difference, before anything is loaded or
    written. Returns the checkpoint's ppo.total_timesteps (the current one when it recorded none), for
    `warn_extension`.

    `ppo.total_timesteps` may be raised to extend a run, never lowered (a run cannot be shortened after the
    fact; below the updates done it would train nothing and rewrite run.json). Raising it changes the
    learning-rate schedule from the next update on: the linear anneal is `1 - updates / n_updates` of
    --learning-rate (and --value-learning-rate), so the remaining updates run at the rates an
    uninterrupted run of the new budget uses at those updates, while the updates done kept the old,
    steeper schedule. The rate therefore jumps at the resume point (after a finished run of N updates
    extended to N', from 1/N to 1 - N/N': up, unless only an update or two are added); `warn_extension`
    gives both rates."""
    key_then = checkpoint.get("resume_key", {})
    diff = [f"{k} {key_then[k]} (now {key_now[k]})" for k in key_now
            if k in key_then and key_then[k] != key_now[k]]
    then, now = flatten_config(checkpoint.get("config", {})), flatten_config(config_now)
    unchecked = [k for k in key_now if k not in key_then] + [RESUME_FLAGS.get(k, k) for k in now if k not in then]
    if unchecked:
        warnings.warn(f"--resume: {path} records no {', '.join(unchecked)} (written by an older version), so "
                      "it cannot be checked that they are unchanged; resume only with the data and settings "
                      "that trained it", stacklevel=2)
    for k in now:  # a key the checkpoint lacks (a field added since) cannot be compared: warned above
        if k not in then or then[k] == now[k] or k in RESUME_MAY_DIFFER:
            continue
        if k == "ppo.total_timesteps" and now[k] > then[k]:
            continue  # an extension
        why = ": a run can be extended, not shortened" if k == "ppo.total_timesteps" else ""
        diff.append(f"{RESUME_FLAGS.get(k, k)} {_shown(then[k])} (now {_shown(now[k])}{why})")
    if diff:
        raise DataError(f"--resume: {path} was trained with {'; '.join(diff)}; resume with the same settings "
                        "(run.json's config; --total-timesteps may be raised) and data window, or train into "
                        "a new --out-dir")
    return then.get("ppo.total_timesteps", now["ppo.total_timesteps"])


def warn_extension(ppo: PPO, total_then: int, done: int) -> None:
    """A raised --total-timesteps that adds updates: warn of the learning rate's jump (see `check_resumable`).
    `done` is the checkpoint's update count. The warning names the caller's line (`Trainer._restore`)."""
    n_then = max(1, total_then // ppo.steps_per_update)
    if not ppo.cfg.anneal_lr or ppo.n_updates == n_then or done >= ppo.n_updates:
        return
    last, nxt = 1 - (done - 1) / n_then, 1 - done / ppo.n_updates
    warnings.warn(f"--resume: --total-timesteps {total_then} raised to {ppo.cfg.total_timesteps}: the "
                  f"learning rates now anneal to 0 over {ppo.n_updates} updates instead of {n_then}, so update "
                  f"{done + 1} runs at {nxt:.0%} of --learning-rate (update {done} ran at {last:.0%})",
                  stacklevel=2)


def names_digest(names: list[str]) -> str:
    """A list in a few characters: its length and a hash of its items in order."""
    return f"{len(names)} (digest {hashlib.sha256(chr(0).join(names).encode()).hexdigest()[:8]})"


def flatten_config(config: dict, prefix: str = "") -> dict:
    """run.json's nested config as dotted keys (`ppo.learning_rate`, `env.cost.round_trip_bps`); a dict-valued
    setting (feature_group_weights) stays one value."""
    out: dict = {}
    for k, v in config.items():
        if isinstance(v, dict) and k != "feature_group_weights":
            out.update(flatten_config(v, f"{prefix}{k}."))
        else:
            out[prefix + k] = v
    return out


def _shown(value: object) -> str:
    """A config value as the flag takes it: 128,64 for a list, mf_=0.5 for weights, none for None."""
    if value is None or value == {}:
        return "none"
    if isinstance(value, list):
        return ",".join(map(str, value))
    if isinstance(value, dict):
        return ",".join(f"{k}={v}" for k, v in value.items())
    return str(value)
