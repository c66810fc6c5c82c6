"""`validate_bundle` and `bundle validate` on a hand-built bundle (a linear ONNX graph, no torch): a complete sealed
bundle validates; every file is checksummed; the golden replay must match within 1e-5 and a NaN score never does;
the factor schema must match its hash; another bundle format is refused; and a bundle JSON file that is not an
object is named in a clean error."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

from aurumq_rl.export.bundle import BUNDLE_FILES, BundleError, schema_hash, validate_bundle  # noqa: E402
from tests.export.conftest import NAMES, _seal, make_bundle  # noqa: E402


def test_a_hand_built_bundle_validates(tmp_path: Path) -> None:
    rep = validate_bundle(make_bundle(tmp_path / "b"))
    assert rep["n_factors"] == 3 and rep["golden_stocks"] == 6 and rep["golden_max_abs_diff"] == 0.0


@pytest.mark.parametrize("name", BUNDLE_FILES)
def test_every_bundle_file_is_checksummed(tmp_path: Path, name: str) -> None:
    b = make_bundle(tmp_path / "b")
    with (b / name).open("ab") as fh:
        fh.write(b" ")
    with pytest.raises(BundleError, match=rf"{name}: sha256 does not match"):
        validate_bundle(b)


def test_golden_replay_tolerance_is_1e_5_of_the_scores_scale(tmp_path: Path) -> None:
    scale = max(1.0, float(np.abs(np.load(make_bundle(tmp_path / "probe") / "golden_scores.npy")).max()))
    assert validate_bundle(make_bundle(tmp_path / "ok", golden_shift=0.2e-5 * scale))["golden_max_abs_diff"] > 0
    with pytest.raises(BundleError, match="golden replay differs"):
        validate_bundle(make_bundle(tmp_path / "off", golden_shift=5e-5 * scale))


def test_golden_replay_tolerance_scales_with_the_scores(tmp_path: Path) -> None:
    """A trained policy's scores reach tens, where float32 kernels summing in another order differ by a few ulps
    (276 stocks × 303 factors on the real sample: 1.0e-5 at scores up to 16, and export refused a sound graph):
    the tolerance is 1e-5 of the largest |score|, at least 1e-5."""
    big = [1.0, 10.0, 100.0]  # golden scores up to about 110
    assert validate_bundle(make_bundle(tmp_path / "ok", weights=big, golden_shift=5e-5))["golden_max_abs_diff"] > 1e-5
    with pytest.raises(BundleError, match=r"golden replay differs .*tolerance 0\.0011"):
        validate_bundle(make_bundle(tmp_path / "off", weights=big, golden_shift=5e-3))


def test_a_graph_scoring_nan_does_not_validate(tmp_path: Path) -> None:
    """NaN weights make every score NaN: the replay cannot match finite golden scores (a NaN difference is not
    within any tolerance)."""
    with pytest.raises(BundleError, match="golden replay differs"):
        validate_bundle(make_bundle(tmp_path / "nan", weights=[np.nan, 10.0, 100.0]))


def test_factor_schema_must_match_its_hash(tmp_path: Path) -> None:
    """Factor lists reordered in both metadata and schema, checksums resealed, stale schema hash: refused."""
    b = make_bundle(tmp_path / "b")
    rev = NAMES[::-1]
    meta = json.loads((b / "metadata.json").read_text())
    (b / "metadata.json").write_text(json.dumps({**meta, "factor_names": rev}))
    (b / "factor_schema.json").write_text(json.dumps({"factor_names": rev, "sha256": schema_hash(NAMES)}))
    _seal(b)
    with pytest.raises(BundleError, match="factor names do not match their sha256"):
        validate_bundle(b)


def test_another_bundle_format_is_refused(tmp_path: Path) -> None:
    """A newer format (a newer release wrote it) says to upgrade; an older or unknown one says to re-export."""
    with pytest.raises(BundleError, match="bundle_format 2, this version reads 1; upgrade aurumq-rl"):
        validate_bundle(make_bundle(tmp_path / "b", bundle_format=2))
    with pytest.raises(BundleError, match="bundle_format 0, this version reads 1; re-export the run"):
        validate_bundle(make_bundle(tmp_path / "c", bundle_format=0))


@pytest.mark.parametrize("name", ["factor_schema.json", "metadata.json"])
def test_a_bundle_json_that_is_not_an_object_is_named(tmp_path: Path, name: str,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """Valid JSON of another type (resealed, so the checksums pass) is a clear error, exit 2, no traceback."""
    from aurumq_rl.cli.main import main

    b = make_bundle(tmp_path / "b")
    (b / name).write_text('["alpha_001"]')
    _seal(b)
    assert main(["bundle", "validate", str(b)]) == 2
    err = capsys.readouterr().err
    assert f"{b / name}: a JSON list, expected a JSON object" in err and "Traceback" not in err, err


def test_a_checksums_file_that_is_not_json_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from aurumq_rl.cli.main import main

    b = make_bundle(tmp_path / "b")
    (b / "checksums.json").write_text('{"policy.onnx": ')
    assert main(["bundle", "validate", str(b)]) == 2
    err = capsys.readouterr().err
    assert f"{b / 'checksums.json'}: cannot read as JSON" in err and "Traceback" not in err, err


def test_a_path_that_is_not_a_directory_is_not_a_bundle(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from aurumq_rl.cli.main import main

    f = tmp_path / "policy.onnx"
    f.write_bytes(b"")
    for path in (f, tmp_path / "absent"):
        assert main(["bundle", "validate", str(path)]) == 2
        assert f"{path}: not a bundle directory" in capsys.readouterr().err


def test_a_bundle_without_checksum_for_a_file_is_refused_naming_it(tmp_path: Path) -> None:
    b = make_bundle(tmp_path / "b")
    sums = json.loads((b / "checksums.json").read_text())
    del sums["golden_codes.json"]
    (b / "checksums.json").write_text(json.dumps(sums))
    with pytest.raises(BundleError, match=r"checksums\.json: no checksum for golden_codes\.json"):
        validate_bundle(b)


def test_golden_arrays_of_the_wrong_shape_are_refused(tmp_path: Path) -> None:
    """Golden observations with one factor too few (resealed): the shapes are named before any replay."""
    b = make_bundle(tmp_path / "b")
    np.save(b / "golden_obs.npy", np.load(b / "golden_obs.npy")[:, :2])
    _seal(b)
    with pytest.raises(BundleError, match=r"golden arrays have shapes \(6, 2\) / \(6,\), expected \[N, 3\]"):
        validate_bundle(b)


def test_validating_without_onnxruntime_says_to_install_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from aurumq_rl.errors import DataError

    b = make_bundle(tmp_path / "b")
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    with pytest.raises(DataError, match="needs onnxruntime.*pip install onnxruntime"):
        validate_bundle(b)


def test_bundle_validate_takes_a_run_directory_and_names_an_sl_model(tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """`infer --bundle RUN` takes a run directory holding bundle/, but `bundle validate RUN` said "incomplete
    bundle, missing policy.onnx, … re-run export" of a complete run; an SL model directory got the same advice.
    The run's bundle is validated (and said so); an SL model is named as one."""
    from aurumq_rl.cli.main import main

    run = tmp_path / "run"
    run.mkdir()
    make_bundle(run / "bundle")
    assert main(["bundle", "validate", str(run)]) == 0
    out = capsys.readouterr().out
    assert f"validating its bundle {run / 'bundle'}" in out and f"ok: {run / 'bundle'}" in out
    sl = tmp_path / "sl" / "model"
    sl.mkdir(parents=True)
    (sl / "manifest.json").write_text(json.dumps({"kind": "sl_gbdt"}))
    for path in (sl, sl.parent):
        assert main(["bundle", "validate", str(path)]) == 2
        err = capsys.readouterr().err
        assert f"error: {path}: an SL model" in err and "re-run `aurumq-rl export`" not in err, err


def test_a_bundle_infer_would_refuse_does_not_validate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A z-score bundle recorded with another transform than this version applies (trained before the
    winsorisation) is refused by every `infer` and `eval`; `bundle validate` said "ok" of it, so a check after an
    upgrade passed and inference then failed."""
    from aurumq_rl.cli.main import main
    from aurumq_rl.errors import DataError

    b = make_bundle(tmp_path / "b", normalize="zscore",
                    normalize_params={"zscore_clip": 5.0, "fill": 0.0, "per_date_over": "universe"})
    with pytest.raises(DataError, match=r"metadata\.json normalize_params.*retrain"):
        validate_bundle(b)
    assert main(["bundle", "validate", str(b)]) == 2
    assert "ok:" not in capsys.readouterr().out
