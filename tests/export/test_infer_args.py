"""`aurumq-rl infer` argument checks that need a real bundle (the output is not the input data; --start after
--end is named as such), and the exported bundle's directory permissions."""

from __future__ import annotations

import os
import shutil
import warnings
from pathlib import Path

import polars as pl
import pytest

pytest.importorskip("onnxruntime")

from aurumq_rl.cli.main import main  # noqa: E402


def test_infer_refuses_to_overwrite_its_data(run: tuple[str, Path], tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    data, out = run
    copy = tmp_path / "m.parquet"
    shutil.copy(data, copy)
    (tmp_path / "link.parquet").symlink_to(copy)
    before = copy.read_bytes()
    for o in (copy, tmp_path / "link.parquet"):
        assert main(["infer", "--bundle", str(out), "--data", str(copy), "--date", "2021-07-01", "-o", str(o)]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"error: -o {o}: is the input file {copy}") and "choose another output path" in err
    assert copy.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.parquet", "m.parquet"]


def test_infer_start_after_end_names_both_flags(run: tuple[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    data, out = run
    assert main(["infer", "--bundle", str(out), "--data", data, "--start", "2021-03-01", "--end", "2021-01-01"]) == 2
    err = capsys.readouterr().err
    assert "--start 2021-03-01 is after --end 2021-01-01" in err and "no row left" not in err


@pytest.mark.parametrize(("window", "shown"), [
    (["--date", "2030-01-02"], "on --date 2030-01-02"),
    (["--date", "2019-01-02"], "on --date 2019-01-02"),
    (["--start", "2030-01-01"], "in --start 2030-01-01 .. --end 2021-12-10"),
    (["--start", "2019-01-01", "--end", "2019-06-30"], "in --start 2019-01-01 .. --end 2019-06-30"),
])
def test_infer_outside_the_data_says_where_the_data_ends(run: tuple[str, Path], capsys: pytest.CaptureFixture[str],
                                                         window: list[str], shown: str) -> None:
    """A date past the data's end (or before its start) names the data's range; it used to say "no row left in
    universe ... between D and D+20", an internal look-ahead date."""
    data, out = run
    assert main(["infer", "--bundle", str(out), "--data", data, *window]) == 2
    err = capsys.readouterr().err
    assert f"error: no trading date of {data} {shown} (the data covers 2020-06-01 .. 2021-12-10)" in err, err
    assert "no row left" not in err


def test_infer_on_a_weekend_window_names_the_trading_dates_around_it(run: tuple[str, Path],
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """A window inside the data's range that holds no trading date (a weekend) names the trading dates on either
    side; "choose dates inside" the data's range would point at a range the dates are already in."""
    data, out = run
    assert main(["infer", "--bundle", str(out), "--data", data, "--start", "2020-10-17", "--end", "2020-10-18"]) == 2
    err = capsys.readouterr().err
    assert (f"error: no trading date of {data} in --start 2020-10-17 .. --end 2020-10-18: the data trades on "
            "2020-10-16 and next on 2020-10-19; widen the window to include one of them") in err, err


def test_bundle_directory_follows_the_umask(run: tuple[str, Path], tmp_path: Path) -> None:
    pytest.importorskip("torch")
    from aurumq_rl.export.onnx_export import export_bundle

    old = os.umask(0o022)
    try:
        bundle = export_bundle(run[1], tmp_path / "bundle")
    finally:
        os.umask(old)
    assert bundle.stat().st_mode & 0o777 == 0o755
    for f in bundle.iterdir():
        assert f.stat().st_mode & 0o777 == 0o644, f


def test_a_top_k_beyond_the_candidates_warns_instead_of_capping_silently(run: tuple[str, Path],
                                                                         tmp_path: Path) -> None:
    """--top-k 1000 on a market of a few hundred stocks used to print fewer picks without a word."""
    data, out = run
    picks = tmp_path / "p.csv"
    with pytest.warns(UserWarning, match=r"--top-k 1000: only \d+ stock\(s\) could be picked on \d{4}-\d\d-\d\d"):
        assert main(["infer", "--bundle", str(out / "bundle"), "--data", data, "--top-k", "1000",
                     "-o", str(picks)]) == 0
    assert 0 < pl.read_csv(picks).height < 1000
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="--top-k")
        assert main(["infer", "--bundle", str(out / "bundle"), "--data", data, "--top-k", "5",
                     "-o", str(picks)]) == 0


def test_infer_without_a_date_loads_the_last_dates_window_only(run: tuple[str, Path], tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The default decision date is the data's last, and only its window is loaded and scored (it loaded and
    scored the whole history: 33 s instead of 6 on a 5000 × 1250 market); the picks are those of --date."""
    from aurumq_rl.infer.scorer import Scorer

    data, out = run
    assert main(["infer", "--bundle", str(out), "--data", data, "--date", "2021-12-10",
                 "-o", str(tmp_path / "dated.csv")]) == 0
    starts, loaded = [], []
    real_load = Scorer.load_panel

    def recording(self: Scorer, *args: object, **kw: object) -> object:  # the real loader, its window noted
        starts.append(str(kw.get("start")))
        panel = real_load(self, *args, **kw)
        loaded.append(len(panel.dates))
        return panel

    monkeypatch.setattr(Scorer, "load_panel", recording)
    assert main(["infer", "--bundle", str(out), "--data", data, "-o", str(tmp_path / "default.csv")]) == 0
    assert starts == ["2021-12-10"] and loaded == [1]
    assert (tmp_path / "default.csv").read_bytes() == (tmp_path / "dated.csv").read_bytes()


def test_infer_under_another_universe_says_so(run: tuple[str, Path], tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    """--universe other than the model's changes the population the factors are normalised over: one line says
    so; the model's own universe (or none) prints nothing of the kind."""
    data, out = run
    bundle = str(out / "bundle")
    assert main(["infer", "--bundle", bundle, "--data", data, "-o", str(tmp_path / "a.csv"),
                 "--universe", "all"]) == 0
    said = capsys.readouterr().out
    assert "universe: all (the model's is main_board_non_st); the factors are normalised per date over all" in said
    assert main(["infer", "--bundle", bundle, "--data", data, "-o", str(tmp_path / "b.csv"),
                 "--universe", "main_board_non_st"]) == 0
    assert "the model's is" not in capsys.readouterr().out


def test_batch_dates_without_a_single_pick_are_named(run: tuple[str, Path], tmp_path: Path) -> None:
    """A batch whose universe is empty on some decision dates (is_hs300 known only from a later date) wrote picks
    for the other dates only and warned about none of the empty ones ('only N could be picked' counts dates with
    at least one pick): the picks file silently lacked those dates. They are named, with their count."""
    data, out = run
    df = pl.read_parquet(data)
    days = df["trade_date"].unique().sort()
    start, member_from, end = days[-30], days[-20], days[-10]
    path = tmp_path / "late_members.parquet"
    df.with_columns((pl.col("trade_date") >= member_from).alias("is_hs300")).write_parquet(path)
    picks = tmp_path / "p.csv"
    with pytest.warns(UserWarning, match=rf"no stock could be picked on 10 of the 21 decision date\(s\) \(e\.g\. "
                                         rf"{start}, "):
        assert main(["infer", "--bundle", str(out), "--data", str(path), "--universe", "hs300", "--start",
                     str(start), "--end", str(end), "-o", str(picks)]) == 0
    assert pl.read_csv(picks)["trade_date"].n_unique() == 11


def test_infer_refuses_to_overwrite_the_run_record_beside_the_bundle(run: tuple[str, Path], tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """`--bundle RUN/bundle -o RUN/run.json` replaced the run's record (which export and eval read) with picks:
    the guard only covered files inside --bundle itself. A new file in the run directory is still fine."""
    data, out = run
    copy = tmp_path / "run"
    shutil.copytree(out, copy, ignore=shutil.ignore_patterns("tb"))
    before = (copy / "run.json").read_bytes()
    assert main(["infer", "--bundle", str(copy / "bundle"), "--data", data, "--date", "2021-07-01",
                 "-o", str(copy / "run.json")]) == 2
    assert "is a file of the model --bundle" in capsys.readouterr().err
    assert (copy / "run.json").read_bytes() == before
    assert main(["infer", "--bundle", str(copy / "bundle"), "--data", data, "--date", "2021-07-01",
                 "-o", str(copy / "picks.json")]) == 0
    assert (copy / "picks.json").is_file()
