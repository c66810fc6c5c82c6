"""`aurumq-rl export RUN_DIR -o BUNDLE_DIR` and `aurumq-rl bundle validate BUNDLE_DIR`."""

from __future__ import annotations

import argparse
from pathlib import Path

from aurumq_rl.errors import DataError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export", help="export a trained run to a deterministic ONNX bundle")
    p.add_argument("run_dir", help="run directory written by `aurumq-rl train`")
    p.add_argument("-o", "--out-dir", required=True, help="bundle directory (replaced if present)")
    p.add_argument("--checkpoint", help="checkpoint file in RUN_DIR (default best.pt, else last.pt)")
    p.add_argument("--data", help="panel for the golden cross-section (default: the run's training data)")
    p.add_argument("--golden-date", help="date of the golden cross-section (default: last validation date)")
    p.set_defaults(func=run_export)

    b = sub.add_parser("bundle", help="bundle tools")
    bsub = b.add_subparsers(dest="bundle_command", required=True, metavar="ACTION")
    v = bsub.add_parser("validate", help="checksums, factor schema and golden replay of a bundle")
    v.add_argument("bundle_dir", help="the bundle directory (policy.onnx, metadata.json, …)")
    v.set_defaults(func=run_validate)


def run_export(args: argparse.Namespace) -> int:
    try:
        from aurumq_rl.export.onnx_export import export_bundle
    except ImportError as exc:
        raise DataError(f"export needs the [train] extra ({exc.name} missing): pip install -e '.[train]'") from exc
    from aurumq_rl.export.bundle import validate_bundle

    home = Path(args.out_dir).resolve().parent
    if (home / "run.json").is_file() and home != Path(args.run_dir).resolve():
        # `infer`/`eval` take RUN/bundle as that run's model: another run's weights there would pass for its own
        raise DataError(f"-o {args.out_dir}: inside the run directory {home}, whose bundle `infer --bundle {home}` "
                        f"and `eval` read as that run's model, but the weights are {args.run_dir}'s; export into "
                        f"{Path(args.run_dir) / 'bundle'} or a directory outside any other run")
    path = export_bundle(args.run_dir, args.out_dir, checkpoint=args.checkpoint, data=args.data,
                         golden_date=args.golden_date)
    rep = validate_bundle(path)
    print(f"bundle {path}: {rep['n_factors']} factors, golden {rep['golden_date']} "
          f"({rep['golden_stocks']} stocks, max |onnx - torch| = {rep['golden_max_abs_diff']:.2e})")
    return 0


def run_validate(args: argparse.Namespace) -> int:
    from aurumq_rl.export.bundle import validate_bundle
    from aurumq_rl.infer import find_model, no_model_note

    found = find_model(args.bundle_dir)
    note = no_model_note(args.bundle_dir) if found is None else None
    if note:  # it said "incomplete bundle, missing policy.onnx, …; re-run export", which refuses an SB3 run
        raise DataError(f"{args.bundle_dir}: {note}")
    if found is not None and found[1] == "sl":  # it said "incomplete bundle, missing policy.onnx, …; re-run export"
        raise DataError(f"{args.bundle_dir}: an SL model ({found[0]}/manifest.json), not an RL bundle; `bundle "
                        "validate` checks RL bundles, and an SL model's files are checked against its manifest's "
                        "sha256 whenever it is loaded (`infer`, `eval`)")
    if found is not None and found[0] != Path(args.bundle_dir):  # a run directory: its bundle/, as infer takes it
        print(f"{args.bundle_dir}: a run directory; validating its bundle {found[0]}")
    rep = validate_bundle(found[0] if found is not None else args.bundle_dir)
    print(f"ok: {rep['bundle']} — checksums match, factor schema intact ({rep['n_factors']} factors), golden "
          f"replay on {rep['golden_date']} within {rep['golden_max_abs_diff']:.2e}")
    return 0
