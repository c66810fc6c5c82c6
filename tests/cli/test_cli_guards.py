"""CLI guards: directory outputs never land among the inputs, a negative --seed and --threads < 1 are one-line
errors, `infer -o` never overwrites the model, no flag is accepted and ignored (`sl stack`'s model-input flags,
`train --smoke` over explicit flags), every flag has help, and a failed report leaves no factor file."""

from __future__ import annotations

import argparse
import dataclasses
import shutil
from pathlib import Path

import pytest

from aurumq_rl.cli.main import build_parser, main
from aurumq_rl.data.synth import preset, write_demo
from aurumq_rl.errors import DataError


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A 40-stock × 120-day synthetic market (file), its index removed from the folder."""
    d = tmp_path_factory.mktemp("tiny")
    cfg = dataclasses.replace(preset("small"), n_stocks=40, n_days=120)
    market, index = write_demo(str(d / "m.parquet"), cfg)
    Path(index).unlink()
    return market


def _data_dir(tiny: str, tmp_path: Path) -> Path:
    d = tmp_path / "data"
    d.mkdir()
    shutil.copy(tiny, d / "part-0.parquet")
    return d


# 1. directory outputs are not checked against the inputs -------------------------------------------------
def test_eval_out_dir_inside_data_directory_is_refused(tiny: str, tmp_path: Path) -> None:
    """`eval -o DIR` inside the --data directory writes trades.parquet / equity.parquet there, so the data
    directory no longer loads (every *.parquet under it is read as a shard)."""
    d = _data_dir(tiny, tmp_path)
    rc = main(["eval", "--scores", "alpha_001", "--data", str(d), "-o", str(d / "eval"), "--top-k", "5",
               "--random-draws", "2"])
    assert rc == 2
    assert sorted(p.name for p in d.rglob("*.parquet")) == ["part-0.parquet"]


def test_sl_stack_out_dir_must_not_overwrite_a_scores_input(tmp_path: Path) -> None:
    """`sl stack A/scores.parquet B/scores.parquet --out-dir A` overwrites its own input A/scores.parquet."""
    import numpy as np

    from aurumq_rl.data.loader import load_panel
    from aurumq_rl.data.scores import write_scores

    cfg = dataclasses.replace(preset("small"), n_stocks=80, n_days=200)
    market = write_demo(str(tmp_path / "m" / "m.parquet"), cfg)[0]
    panel = load_panel(market, normalize="raw")
    rng = np.random.default_rng(0)
    for name in ("a", "b"):
        write_scores(panel, rng.normal(size=panel.in_universe.shape), tmp_path / name / "scores.parquet",
                     made_by="test")
    before = (tmp_path / "a" / "scores.parquet").read_bytes()
    rc = main(["sl", "stack", str(tmp_path / "a" / "scores.parquet"), str(tmp_path / "b" / "scores.parquet"),
               "--data", market, "--out-dir", str(tmp_path / "a"), "--step", "20", "--min-fit-dates", "20"])
    assert rc == 2
    assert (tmp_path / "a" / "scores.parquet").read_bytes() == before


# 2. negative --seed: a traceback, not a one-line error ----------------------------------------------------
def test_eval_negative_seed_is_a_one_line_error(tiny: str, tmp_path: Path) -> None:
    rc = main(["eval", "--scores", "alpha_001", "--data", tiny, "-o", str(tmp_path / "ev"), "--top-k", "5",
               "--random-draws", "2", "--seed", "-1"])  # OverflowError: Python integer -1 out of bounds for uint64
    assert rc == 2
    assert not (tmp_path / "ev").exists()


def test_sl_null_test_negative_seed_is_a_one_line_error(tiny: str) -> None:
    pytest.importorskip("lightgbm")
    rc = main(["sl", "null-test", "--data", tiny, "--seeds", "1", "--num-boost-round", "3", "--seed", "-1"])
    assert rc == 2  # ValueError: expected non-negative integer (from numpy's SeedSequence)


# 3. infer -o may overwrite the model it scores with ------------------------------------------------------
def test_infer_output_must_not_overwrite_the_model(tiny: str, tmp_path: Path) -> None:
    pytest.importorskip("lightgbm")
    run = tmp_path / "sl"
    assert main(["sl", "train", "--data", tiny, "--out-dir", str(run), "--seeds", "1", "--num-boost-round", "3",
                 "--universe", "all"]) == 0
    manifest = run / "model" / "manifest.json"
    before = manifest.read_bytes()
    rc = main(["infer", "--bundle", str(run), "--data", tiny, "--top-k", "3", "-o", str(manifest)])
    assert rc == 2
    assert manifest.read_bytes() == before


# 4. flags accepted and silently ignored -------------------------------------------------------------------
def _sub(parser: argparse.ArgumentParser, *path: str) -> argparse.ArgumentParser:
    for name in path:
        action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        parser = action.choices[name]
    return parser


def test_sl_stack_does_not_accept_flags_it_ignores() -> None:
    """`sl stack --features rank` (and --positive-rate) parse fine and change nothing: the stacker never reads
    them (the stacked scores are byte-identical)."""
    opts = {o for a in _sub(build_parser(), "sl", "stack")._actions for o in a.option_strings}
    assert not {"--features", "--positive-rate"} & opts


def test_train_smoke_honours_or_refuses_explicit_flags(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`train --smoke --top-k 5` trains with top-k 20: `_smoke` overwrites the user's flags without a word."""
    pytest.importorskip("torch")
    import aurumq_rl.algos.trainer as trainer_mod

    seen = {}

    class Stop(trainer_mod.Trainer):  # capture the config and stop before training
        def __init__(self, cfg):  # noqa: ANN001
            seen["cfg"] = cfg
            raise DataError("stop")

    monkeypatch.setattr(trainer_mod, "Trainer", Stop)
    rc = main(["train", "--smoke", "--out-dir", str(tmp_path / "s"), "--top-k", "5", "--no-export",
               "--no-progress"])
    assert rc == 2 and "cfg" not in seen  # refused before any work: --smoke sets --top-k itself


def test_infer_threads_must_be_positive(tiny: str, tmp_path: Path) -> None:
    """`infer --threads -5` / `--threads 0` are accepted (onnxruntime then uses all cores, losing the fixed thread
    count the bundle's reproducibility relies on), and for an SL model --threads is ignored."""
    pytest.importorskip("lightgbm")
    run = tmp_path / "sl"
    assert main(["sl", "train", "--data", tiny, "--out-dir", str(run), "--seeds", "1", "--num-boost-round", "3",
                 "--universe", "all"]) == 0
    assert main(["infer", "--bundle", str(run), "--data", tiny, "--top-k", "3", "--threads", "-5"]) == 2


# 5. --help describes every flag ---------------------------------------------------------------------------
def test_every_flag_has_help() -> None:
    missing = []

    def walk(p: argparse.ArgumentParser, path: list[str]) -> None:
        for a in p._actions:
            if isinstance(a, argparse._SubParsersAction):
                for name, sp in a.choices.items():
                    walk(sp, [*path, name])
            elif a.help is None:
                missing.append(f"{' '.join(path)} {'/'.join(a.option_strings) or a.dest}")

    walk(build_parser(), [])
    assert missing == [], f"{len(missing)} flags without help, e.g. {missing[:8]}"


# 6. factors compute: a failing --report-json leaves the -o Parquet behind ----------------------------------
def test_factors_compute_failed_report_leaves_no_output(tiny: str, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import aurumq_rl.io as io

    def full(obj, path):  # noqa: ANN001, ANN202  (a full disk, a quota, a vanished directory …)
        raise DataError(f"cannot write {path} (No space left on device); choose a writable file path")

    monkeypatch.setattr(io, "atomic_write_json", full)
    out = tmp_path / "f.parquet"
    rc = main(["factors", "compute", tiny, "-o", str(out), "--family", "tech", "--no-progress",
               "--report-json", str(tmp_path / "r.json")])
    assert rc == 2
    assert not out.exists(), "the command failed (exit 2) but its -o Parquet was published"
