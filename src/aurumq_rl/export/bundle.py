"""The ONNX bundle on disk: its files, their checksums, and `validate_bundle` (core install: no torch).

A bundle directory holds
- `policy.onnx`: inputs `factors` [B, N, F] float32 and `mask` [B, N] bool (B and N dynamic), output `scores`
  [B, N] float32 — deterministic per-stock scores; the market context is taken over the masked stocks only;
- `metadata.json`: how the policy was trained and how its input must be prepared (factor names in order,
  normalisation, market-wide columns, feature-group weights, universe, top-K, forward period, …);
- `factor_schema.json`: the ordered factor names and the sha256 of their newline-joined list;
- `golden_obs.npy` / `golden_scores.npy` / `golden_codes.json`: one real date's cross-section and the torch
  policy's scores on it (the replay that proves the graph still computes what was trained);
- `checksums.json`: sha256 of every other file.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from aurumq_rl.data.normalize import check_normalize_params
from aurumq_rl.errors import DataError
from aurumq_rl.provenance import sha256_file

if TYPE_CHECKING:
    import onnxruntime as ort

BUNDLE_FORMAT = 1
MODEL_FILE = "policy.onnx"
METADATA_FILE = "metadata.json"
SCHEMA_FILE = "factor_schema.json"
GOLDEN_OBS = "golden_obs.npy"
GOLDEN_SCORES = "golden_scores.npy"
GOLDEN_CODES = "golden_codes.json"
CHECKSUMS_FILE = "checksums.json"
BUNDLE_FILES: tuple[str, ...] = (MODEL_FILE, METADATA_FILE, SCHEMA_FILE, GOLDEN_OBS, GOLDEN_SCORES, GOLDEN_CODES)
PARITY_TOL = 1e-5  # max |onnxruntime − torch| on the golden cross-section, per unit of the largest |score| (≥ 1)


def parity_tolerance(scores: np.ndarray) -> float:
    """The largest |onnxruntime − torch| difference the golden scores may show: PARITY_TOL relative to their
    scale (at least 1). Float32 kernels that sum in another order differ by a few ulps of the score, and a
    trained policy's scores reach tens (an ulp of 16 is 1.9e-6: 276 stocks × 303 factors differed by 1.0e-5)."""
    return PARITY_TOL * max(1.0, float(np.max(np.abs(scores), initial=0.0)))


class BundleError(DataError):
    """A bundle is incomplete, tampered with, or no longer reproduces its golden scores."""


def schema_hash(names: list[str]) -> str:
    """sha256 of the ordered factor names joined by newlines: changes with any rename, addition or reorder."""
    return hashlib.sha256("\n".join(names).encode("utf-8")).hexdigest()


def _read_json(path: Path, what: str = "a JSON object") -> dict[str, Any]:
    """A bundle JSON file, which must hold an object (`what` describes it for the error)."""
    try:
        obj = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BundleError(f"{path}: cannot read as JSON ({exc}); re-export the bundle") from exc
    if not isinstance(obj, dict):
        raise BundleError(f"{path}: a JSON {type(obj).__name__}, expected {what}; re-run `aurumq-rl export`")
    return obj


def check_files(bundle: str | Path) -> dict[str, str]:
    """Every bundle file present and matching `checksums.json`; returns the checksums. Names the bad file."""
    root = Path(bundle)
    if not root.is_dir():
        raise BundleError(f"{root}: not a bundle directory (expected {', '.join(BUNDLE_FILES)})")
    missing = [f for f in (*BUNDLE_FILES, CHECKSUMS_FILE) if not (root / f).is_file()]
    if missing:
        raise BundleError(f"{root}: incomplete bundle, missing {', '.join(missing)}; re-run `aurumq-rl export`")
    sums = _read_json(root / CHECKSUMS_FILE, "an object of file name → sha256")
    for name in BUNDLE_FILES:
        want = sums.get(name)
        if want is None:
            raise BundleError(f"{root / CHECKSUMS_FILE}: no checksum for {name}; re-run `aurumq-rl export`")
        if sha256_file(root / name) != want:
            raise BundleError(f"{root / name}: sha256 does not match checksums.json — the file was modified or "
                              "corrupted; re-export the bundle or restore the file")
    return sums


def read_metadata(bundle: str | Path) -> dict[str, Any]:
    """`metadata.json`, checked against `factor_schema.json` (names and hash)."""
    root = Path(bundle)
    meta = _read_json(root / METADATA_FILE)
    schema = _read_json(root / SCHEMA_FILE)
    names = schema.get("factor_names")
    if not isinstance(names, list) or schema_hash(names) != schema.get("sha256"):
        raise BundleError(f"{root / SCHEMA_FILE}: factor names do not match their sha256")
    if meta.get("factor_names") != names:
        raise BundleError(f"{root}: metadata.json and factor_schema.json list different factors")
    fmt = meta.get("bundle_format")
    if fmt != BUNDLE_FORMAT:
        # a newer format was written by a newer aurumq-rl: upgrading reads it, re-exporting needs its run
        todo = ("upgrade aurumq-rl to the version that wrote it" if isinstance(fmt, int) and fmt > BUNDLE_FORMAT
                else "re-export the run with this version (`aurumq-rl export RUN`)")
        raise BundleError(f"{root}: bundle_format {fmt!r}, this version reads {BUNDLE_FORMAT}; {todo}")
    return meta


def onnx_session(model: str | Path, threads: int = 1) -> ort.InferenceSession:
    """A CPU onnxruntime session with sequential execution and a fixed thread count (reproducible output)."""
    try:
        import onnxruntime as ort
    except ImportError as exc:
        raise DataError("scoring a bundle needs onnxruntime, a core dependency missing from this environment: "
                        "pip install onnxruntime (or reinstall aurumq-rl)") from exc
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.log_severity_level = 3
    return ort.InferenceSession(str(model), sess_options=opts, providers=["CPUExecutionProvider"])


def run_session(session: Any, factors: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    """Scores of a [N, F] or [B, N, F] float32 input (mask: which stocks form the cross-section)."""
    x = np.ascontiguousarray(factors, dtype=np.float32)
    single = x.ndim == 2
    xb = x[None] if single else x
    m = np.ones(xb.shape[:2], dtype=bool) if mask is None else np.asarray(mask, dtype=bool).reshape(xb.shape[:2])
    out = session.run(["scores"], {"factors": xb, "mask": m})[0]
    return out[0] if single else out


def validate_bundle(bundle: str | Path, threads: int = 1) -> dict[str, Any]:
    """Checksums, schema, the recorded input transform (this version must apply it) and golden replay; returns a
    small report. Raises `BundleError` (a `DataError` for the transform) naming the problem."""
    root = Path(bundle)
    check_files(root)
    meta = read_metadata(root)
    # inputs prepared by another z-score transform than this version's: `infer` and `eval` refuse the bundle
    check_normalize_params(meta.get("normalize", "zscore"), meta.get("normalize_params"), str(root / METADATA_FILE))
    obs = np.load(root / GOLDEN_OBS)
    want = np.load(root / GOLDEN_SCORES)
    n_f = len(meta["factor_names"])
    if obs.ndim != 2 or obs.shape[1] != n_f or want.shape != (obs.shape[0],):
        raise BundleError(f"{root}: golden arrays have shapes {obs.shape} / {want.shape}, expected [N, {n_f}] / [N]")
    got = run_session(onnx_session(root / MODEL_FILE, threads), obs)
    diff = float(np.max(np.abs(got.astype(np.float64) - want))) if len(want) else 0.0
    tol = parity_tolerance(want)
    if not diff <= tol:
        raise BundleError(f"{root}: golden replay differs from the trained policy by {diff:.3g} "
                          f"(tolerance {tol:.3g}); the graph does not compute the trained scores")
    return {"bundle": str(root), "n_factors": n_f, "golden_date": meta.get("golden_date"),
            "golden_stocks": int(obs.shape[0]), "golden_max_abs_diff": diff, "algorithm": meta.get("algorithm")}
