"""`export_bundle`: a trained run directory → a deterministic ONNX bundle scored on CPU without torch.

The graph is the policy's scoring path only (encoder, masked context, actor head; no sampling), exported with
dynamic batch and stock axes. The golden cross-section is the run's last validation date, prepared exactly as
inference prepares it (`Scorer.load_panel`), so the bundle's replay also proves that inference and training
see the same input. Export refuses to write a bundle whose onnxruntime scores differ from torch's by more
than `parity_tolerance` (PARITY_TOL of the scores' scale). Files are written to a temporary directory beside
the target and renamed into place.
"""

from __future__ import annotations

import json
import warnings
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnxruntime
import torch

from aurumq_rl.data.normalize import ZSCORE_CLIP, check_normalize_params
from aurumq_rl.data.source import source_files, to_date
from aurumq_rl.envs.market_sim import HOLDING_AWARE
from aurumq_rl.errors import DataError, WindowError
from aurumq_rl.export.bundle import (
    BUNDLE_FILES,
    BUNDLE_FORMAT,
    CHECKSUMS_FILE,
    GOLDEN_CODES,
    GOLDEN_OBS,
    GOLDEN_SCORES,
    METADATA_FILE,
    MODEL_FILE,
    PARITY_TOL,
    SCHEMA_FILE,
    BundleError,
    onnx_session,
    parity_tolerance,
    run_session,
    schema_hash,
)
from aurumq_rl.io import atomic_dir
from aurumq_rl.market.status import market_from_settings
from aurumq_rl.policies.deep_sets import DeepSetsPolicy, ScoreModule
from aurumq_rl.provenance import sha256_file

OPSET = 17
CHECKPOINTS = ("best.pt", "last.pt")


def load_run(run_dir: str | Path, checkpoint: str | None = None) -> tuple[dict[str, Any], DeepSetsPolicy, str]:
    """(run.json manifest, policy with the checkpoint's weights in eval mode, checkpoint file name)."""
    root = Path(run_dir)
    manifest_path = root / "run.json"
    if not manifest_path.is_file():
        if (root / "sb3_model.zip").is_file():
            raise DataError(f"{root}: an SB3 baseline run (flat MLP over a fixed stock list) cannot be exported; "
                            "export a run trained with --algorithm ppo")
        raise DataError(f"{root}: no run.json; pass the directory `aurumq-rl train --out-dir` wrote")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    if manifest.get("algorithm", "ppo") != "ppo":
        raise DataError(f"{root}: an SB3 baseline run (--algorithm {manifest['algorithm']}: a flat MLP over a fixed "
                        "stock list) cannot be exported; export a run trained with --algorithm ppo")
    names = [checkpoint] if checkpoint else [c for c in CHECKPOINTS if (root / c).is_file()][:1]
    if not names or not (root / names[0]).is_file():
        raise DataError(f"{root}: no checkpoint {checkpoint or ' or '.join(CHECKPOINTS)}; train first")
    path = root / names[0]
    try:
        state = torch.load(path, map_location="cpu", weights_only=False)
    except Exception as exc:  # noqa: BLE001 - a JSON, a zip of another tool, a truncated file: one line, no traceback
        raise DataError(f"{path}: not a checkpoint written by `aurumq-rl train` ({type(exc).__name__}: {exc}); pass "
                        f"--checkpoint {' or '.join(CHECKPOINTS)} of {root}") from exc
    if not isinstance(state, dict) or "policy" not in state:
        raise DataError(f"{path}: not a checkpoint written by `aurumq-rl train` (no policy weights); pass "
                        f"--checkpoint {' or '.join(CHECKPOINTS)} of {root}")
    _check_checkpoint_of_run(path, state, manifest, root)
    cfg = manifest["config"]
    holding = cfg["env"]["reward_mode"] in HOLDING_AWARE
    policy = DeepSetsPolicy(len(manifest["factor_names"]), tuple(cfg["encoder_hidden"]), holding)
    try:
        policy.load_state_dict(state["policy"])
    except RuntimeError as exc:  # another architecture: another factor count, --encoder-hidden or reward mode
        hidden = ",".join(map(str, cfg["encoder_hidden"]))
        raise DataError(f"{path}: its weights do not fit the policy {root}/run.json describes ("
                        f"{len(manifest['factor_names'])} factors, --encoder-hidden {hidden}); it is a checkpoint "
                        "of another run: export that run's directory instead") from exc
    return manifest, policy.eval(), names[0]


def _check_checkpoint_of_run(path: Path, state: dict[str, Any], manifest: dict[str, Any], root: Path) -> None:
    """A checkpoint of another run (`--checkpoint ../other/best.pt`, a copied file) would be exported under this
    run's run.json: its factor names, universe and top-K, silently wrong when the shapes happen to match. Its own
    record must agree: the factor list of its resume key and every config key a `--resume` may not change."""
    from aurumq_rl.algos.resume import RESUME_MAY_DIFFER, flatten_config, names_digest

    diff: list[str] = []
    then_factors = state.get("resume_key", {}).get("factors")
    if then_factors is not None and then_factors != names_digest(list(manifest["factor_names"])):
        diff.append(f"factors {then_factors} (run.json: {names_digest(list(manifest['factor_names']))})")
    then, now = flatten_config(state.get("config", {})), flatten_config(manifest.get("config", {}))
    diff += [f"{k} {then[k]!r} (run.json: {now[k]!r})" for k in now
             if k in then and then[k] != now[k] and k not in RESUME_MAY_DIFFER and k != "ppo.total_timesteps"]
    if diff:
        raise DataError(f"{path}: a checkpoint of another run than {root}/run.json records ({'; '.join(diff[:5])}"
                        f"{' …' if len(diff) > 5 else ''}); export the directory that checkpoint was trained in")


def build_metadata(manifest: dict[str, Any], checkpoint: str, golden_date: str) -> dict[str, Any]:
    """Everything inference needs to prepare the input, plus the run's provenance. `market`: the rules the
    run trained under (a run.json without them was trained under the defaults)."""
    cfg = manifest["config"]
    env = cfg["env"]
    return {
        "bundle_format": BUNDLE_FORMAT, "kind": "rl_onnx", "algorithm": manifest.get("algorithm", "ppo"),
        "checkpoint": checkpoint, "train_dates": manifest["train_dates"], "val_dates": manifest["val_dates"],
        "universe": cfg["universe"], "market": market_from_settings(cfg.get("market")).settings(),
        "top_k": env["top_k"], "forward_period": env["forward_period"],
        "reward_mode": env["reward_mode"], "sizing": env["sizing"], "industry_cap": env["industry_cap"],
        "normalize": manifest.get("normalize") or "zscore",
        # the transform the run trained on (run.json), not this version's: a run trained before the winsorisation
        # records none, so export and inference refuse it (`data.normalize.check_normalize_params`)
        "normalize_params": manifest.get("normalize_params") or {"zscore_clip": ZSCORE_CLIP, "fill": 0.0,
                                                                 "per_date_over": "universe"},
        "market_wide": manifest.get("market_wide", []),
        "unseen_factors": manifest.get("unseen_factors", []), "factor_names": manifest["factor_names"],
        "feature_group_weights": cfg.get("feature_group_weights") or {},
        "encoder_hidden": cfg["encoder_hidden"], "seed": manifest.get("seed"),
        "data_sha256": manifest.get("data_sha256"), "data_files": manifest.get("data_files"),
        "golden_date": golden_date,
        "git_commit": manifest.get("git_commit"), "aurumq_rl_version": manifest.get("aurumq_rl_version"),
        "versions": {**manifest.get("versions", {}), "onnx": onnx.__version__,
                     "onnxruntime": onnxruntime.__version__, "opset": OPSET},
        "inputs": {"factors": "[B, N, F] float32", "mask": "[B, N] bool"}, "outputs": {"scores": "[B, N] float32"},
    }


def _export_graph(policy: DeepSetsPolicy, n_factors: int, path: Path) -> None:
    module = ScoreModule(policy).eval()
    x = torch.zeros(1, 8, n_factors)
    m = torch.ones(1, 8, dtype=torch.bool)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation notice
        torch.onnx.export(module, (x, m), str(path), input_names=["factors", "mask"], output_names=["scores"],
                          dynamic_axes={"factors": {0: "batch", 1: "n_stocks"}, "mask": {0: "batch", 1: "n_stocks"},
                                        "scores": {0: "batch", 1: "n_stocks"}},
                          opset_version=OPSET, dynamo=False, do_constant_folding=True)


def check_target(run_dir: str | Path, out_dir: str | Path) -> None:
    """Refuse an `out_dir` whose replacement would delete something other than an old bundle: the run
    directory, one of its parents, a file, or a non-empty directory without `checksums.json`."""
    run, target = Path(run_dir).resolve(), Path(out_dir).resolve()
    if target == run or target in run.parents:
        what = "is" if target == run else "contains"
        raise DataError(f"-o {out_dir}: {what} the run directory {run_dir}, and export replaces its target; "
                        f"pass a new directory such as {Path(run_dir) / 'bundle'}")
    if not target.exists():
        return
    if not target.is_dir():
        raise DataError(f"-o {out_dir}: exists and is not a directory; pass a new directory for the bundle")
    if any(target.iterdir()) and not (target / CHECKSUMS_FILE).is_file():
        raise DataError(f"-o {out_dir}: a non-empty directory that is not a bundle (no {CHECKSUMS_FILE}); export "
                        "replaces its target, so pass a new or empty directory, or an existing bundle")


def export_bundle(run_dir: str | Path, out_dir: str | Path, *, checkpoint: str | None = None,
                  data: str | None = None, golden_date: str | date | None = None) -> Path:
    """Export a run to a bundle at `out_dir` (an existing bundle there is replaced). Returns the bundle path.

    `data`: the panel to take the golden cross-section from (default: the run's training data);
    `golden_date`: its date, YYYY-MM-DD or YYYYMMDD (default: the run's last validation date).
    `out_dir` must not be the run directory or a parent of it, nor a non-empty directory other than a bundle.
    """
    from aurumq_rl.infer.scorer import prepare_panel

    manifest, policy, ckpt = load_run(run_dir, checkpoint)
    check_target(run_dir, out_dir)
    cfg = manifest["config"]
    day = str(to_date(golden_date, "--golden-date")) if golden_date else manifest["val_dates"][1]
    meta = build_metadata(manifest, ckpt, day)
    # a run trained on another z-score transform than this version applies: no golden cross-section, no bundle
    check_normalize_params(meta["normalize"], meta["normalize_params"], str(Path(run_dir) / "run.json"))
    chosen = "--golden-date" if golden_date else "the run's last validation date, the default --golden-date"
    source = data or cfg["data"]
    if isinstance(source, str | Path) and not source_files(source):  # the data, not the date, is at fault
        if data is not None:
            raise DataError(f"--data {data}: no Parquet file found there; pass the panel Parquet (a file, a "
                            "directory of shards or a glob) to take the golden cross-section from")
        # run.json keeps --data as it was typed: a relative path is read from the directory export runs in
        raise DataError(f"{Path(run_dir) / 'run.json'} records the training data as {source!r}, which is not found "
                        f"from {Path.cwd()} (a relative path is read from the directory you run in); pass --data "
                        "with the panel Parquet to take the golden cross-section from")
    try:
        panel = prepare_panel(meta, source, start=day, end=day)
    except WindowError as exc:  # no trading date, or no universe stock, that day: say which date, and why
        raise DataError(f"golden date {day} ({chosen}): {exc}; pass --golden-date with a trading date of "
                        "the data") from exc
    if len(panel.dates) == 0 or str(panel.dates[0]) != day:
        raise DataError(f"golden date {day} is not in {data or cfg['data']}; pass --golden-date")
    keep = panel.in_universe[0] & ~panel.blank()[0]  # the cross-section `Scorer.score_panel` scores that day
    if not keep.any():
        raise DataError(f"golden date {day} ({chosen}): no stock of the universe has any of the model's factors "
                        "that day; pass --golden-date with a date whose factors are computed")
    obs = np.ascontiguousarray(panel.factors[0][keep], dtype=np.float32)
    with torch.no_grad():
        want = ScoreModule(policy)(torch.from_numpy(obs)[None], torch.ones(1, len(obs), dtype=torch.bool))[0]
    want = want.numpy()

    target = Path(out_dir)
    with atomic_dir(target, merge=False) as tmp:
        _export_graph(policy, obs.shape[1], tmp / MODEL_FILE)
        got = run_session(onnx_session(tmp / MODEL_FILE), obs)
        diff = float(np.max(np.abs(got.astype(np.float64) - want))) if len(want) else 0.0
        tol = parity_tolerance(want)
        if not diff <= tol:
            raise BundleError(f"export: onnxruntime scores differ from torch by {diff:.3g} (> {tol:.3g}, "
                              f"{PARITY_TOL} of the largest |score|); bundle not written")
        np.save(tmp / GOLDEN_OBS, obs)
        np.save(tmp / GOLDEN_SCORES, want)
        (tmp / GOLDEN_CODES).write_text(json.dumps(panel.codes[keep].tolist()) + "\n", encoding="utf-8")
        meta["golden_max_abs_diff"] = diff
        (tmp / METADATA_FILE).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
        names = meta["factor_names"]
        (tmp / SCHEMA_FILE).write_text(json.dumps({"factor_names": names, "sha256": schema_hash(names)}, indent=2)
                                       + "\n", encoding="utf-8")
        sums = {f: sha256_file(tmp / f) for f in BUNDLE_FILES}
        (tmp / CHECKSUMS_FILE).write_text(json.dumps(sums, indent=2) + "\n", encoding="utf-8")
    return target
