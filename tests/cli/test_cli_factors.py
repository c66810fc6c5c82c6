"""`aurumq-rl factors compute | list | doc` end to end on a small synthetic panel."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow.parquet as pq
import pytest
from polars.testing import assert_frame_equal

from aurumq_rl import __version__
from aurumq_rl.cli.main import main
from aurumq_rl.data.loader import load_panel
from aurumq_rl.data.synth import generate, preset
from aurumq_rl.factors.registry import specs
from aurumq_rl.io import read_parquet_record

ALPHAS = ("alpha_001", "alpha_101", "gtja_001", "gtja_002")


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    d = tmp_path_factory.mktemp("factors_cli")
    panel, index = generate(preset("small"))
    # drop the synthetic factor columns so the output's factors are only what the engine computed
    keep = [c for c in panel.columns if not c.startswith(("alpha_", "gtja_", "mf_", "hk_", "mkt_", "tech_"))]
    panel.select(keep).write_parquet(d / "panel.parquet")
    index.write_parquet(d / "index.parquet")
    return d / "panel.parquet", d / "index.parquet"


def test_compute_writes_loadable_output(files: tuple[Path, Path], tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    panel, index = files
    only = [n for n in ALPHAS if n in {s.name for s in specs()}]
    out = tmp_path / "factors.parquet"
    argv = ["factors", "compute", str(panel), "-o", str(out), "--family", "tech,cmf,zt", "--index", str(index),
            "--no-progress", "--report-json", str(tmp_path / "report.json")]
    if only:
        argv += ["--only", ",".join(only)]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "computed" in text and "±inf → null" in text and "wrote" in text
    report = json.loads((tmp_path / "report.json").read_text())
    names = report["computed"]
    assert {"tech_ma5_ratio", "cmf_60", "zt_count30", "tech_evt_golden_cross"} <= set(names)
    assert set(only) <= set(names)
    p = load_panel(out, universe="all", normalize="raw")
    assert set(names) <= set(p.factor_names)  # picked up by prefix, no include list needed
    raw = pl.read_parquet(out)
    assert raw.schema["cmf_60"] == pl.Float32 and "close" in raw.columns  # input columns carried along
    # the file records how it was made: the command, the version and the run's report
    rec = read_parquet_record(out)
    assert rec is not None and (rec["made_by"], rec["version"]) == ("factors compute", __version__)
    assert rec["computed"] == names and rec["limit_method"] == report["limit_method"] == "auto"
    assert rec["skipped"] == report["skipped"] and rec["inf_counts"] == {n: c for n, c in
                                                                         report["inf_counts"].items() if c}


def test_data_check_shows_how_a_factor_file_was_made(files: tuple[Path, Path], tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """`data check` of a `factors compute` output prints the record, and a note when its zt_ flags told limit
    days by another method than the check's; a file without a record prints no such line."""
    panel, _ = files
    out = tmp_path / "zt.parquet"
    assert main(["factors", "compute", str(panel), "-o", str(out), "--family", "zt", "--limit-method", "pct",
                 "--no-progress"]) == 0
    n = len(read_parquet_record(out)["computed"])
    capsys.readouterr()
    assert main(["data", "check", str(out)]) == 0
    text = capsys.readouterr().out
    made = f"made by: aurumq-rl {__version__} factors compute ({n} factors)"
    assert f"{made}; its zt_ flags told limit days by pct" in text
    assert "note: the zt_ factors were computed with --limit-method pct, this check" in text
    assert main(["data", "check", str(out), "--limit-method", "pct"]) == 0
    assert "note:" not in capsys.readouterr().out
    assert main(["data", "check", str(out), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["made_by"]["limit_method"] == "pct"
    plain = tmp_path / "plain.parquet"
    pl.read_parquet(out).write_parquet(plain)  # the same columns, no record
    assert main(["data", "check", str(plain)]) == 0
    assert "made by:" not in capsys.readouterr().out
    assert main(["data", "check", str(plain), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["made_by"] is None


def test_compute_factors_only(files: tuple[Path, Path], tmp_path: Path) -> None:
    panel, _ = files
    out = tmp_path / "f.parquet"
    assert main(["factors", "compute", str(panel), "-o", str(out), "--family", "cmf", "--factors-only",
                 "--no-progress", "--batch-days", "100"]) == 0
    assert pl.read_parquet(out).columns == ["ts_code", "trade_date", "cmf_120", "cmf_60"]


def test_compute_streams_date_batches(files: tuple[Path, Path], tmp_path: Path) -> None:
    """With --batch-days the CLI writes each date batch as it is computed (row groups of one file); the rows
    and values equal the in-memory engine's on the same batches, and the unbatched values up to float noise
    (the technical families' lookbacks are exact)."""
    from aurumq_rl.factors.engine import compute_factors

    panel, _ = files
    out = tmp_path / "f.parquet"
    assert main(["factors", "compute", str(panel), "-o", str(out), "--family", "tech,cmf", "--no-progress",
                 "--batch-days", "130", "--report-json", str(tmp_path / "r.json")]) == 0
    batches = json.loads((tmp_path / "r.json").read_text())["batches"]
    assert batches >= 2 and pq.ParquetFile(out).metadata.num_row_groups >= batches
    got = pl.read_parquet(out)
    dates = got["trade_date"].to_list()
    assert dates[0] == min(dates) and got.height == pl.read_parquet(panel).height  # first batch first, all rows
    want, _ = compute_factors(panel, families="tech,cmf", batch_days=130, progress=False)
    got = got.sort("ts_code", "trade_date")
    assert got.select(want.columns).equals(want)
    whole, rep = compute_factors(panel, families="tech,cmf", progress=False)
    assert rep.batches == 1
    assert_frame_equal(got.select(whole.columns), whole, rel_tol=1e-5, abs_tol=1e-6)
    carried = pl.read_parquet(panel).sort("ts_code", "trade_date")
    assert got["close"].equals(carried["close"]) and got["name"].equals(carried["name"])  # inputs joined per batch
    # the batch-grouped row order does not matter to the loader: same panel as from the sorted file
    got.write_parquet(tmp_path / "sorted.parquet")
    a = load_panel(out, universe="all", normalize="raw")
    b = load_panel(tmp_path / "sorted.parquet", universe="all", normalize="raw")
    assert np.array_equal(a.factors, b.factors, equal_nan=True) and np.array_equal(a.can_buy, b.can_buy)
    assert np.array_equal(a.pct_chg, b.pct_chg, equal_nan=True) and np.array_equal(a.in_universe, b.in_universe)


def test_list_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["factors", "list", "--family", "cmf"]) == 0
    text = capsys.readouterr().out
    assert "cmf_60" in text and "2 factor(s)" in text and "tech_ma5_ratio" not in text
    assert main(["factors", "list", "--family", "zt", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["name"] for r in rows} == {"zt_count30", "zt_count60", "zt_first_board", "zt_recent", "zt_streak"}
    assert all(r["family"] == "zt" and r["lookback"] > 0 and r["formula"] for r in rows)


def test_list_without_family_lists_every_registered_factor(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["factors", "list", "--json"]) == 0
    assert sorted(r["name"] for r in json.loads(capsys.readouterr().out)) == sorted(s.name for s in specs())


def test_doc_one_row_per_factor(tmp_path: Path) -> None:
    out = tmp_path / "REF.md"
    assert main(["factors", "doc", "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "| name | family | quality | inputs | lookback | reference | formula | reason |" in text
    rows = [line for line in text.splitlines() if line.startswith("| ") and line.split("|")[1].strip() in
            {s.name for s in specs()}]
    assert len(rows) == len(specs())
    cmf = next(r for r in rows if r.startswith("| cmf_60 "))
    assert "high == low" in cmf and "| 59 |" in cmf  # lookback = past rows


@pytest.mark.parametrize("extra, message", [
    (["--family", "nope"], "unknown factor family 'nope'"),
    (["--only", "alpha_9999"], "unknown factor 'alpha_9999'"),
    (["--batch-days", "0"], "--batch-days"),
    (["--factor-batch", "0"], "--factor-batch 0: give a positive number of factors"),
    (["--only", "gtja_030"], "panel.parquet: no factor could be computed (gtja_030: stub: "),
    (["--only", "gtja_075"], "no factor could be computed (gtja_075: missing input(s) bench_close"),
    # --index-code picks from the --index file: alone it was ignored (exit 0)
    (["--only", "tech_atr14", "--index-code", "000300.SH"], "--index-code 000300.SH without --index: "),
    (["--family", "tech", "--index", "no_such_index.parquet"], "--index data file not found: no_such_index.parquet"),
])
def test_bad_flags_exit_2(files: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str],
                          extra: list[str], message: str) -> None:
    panel, _ = files
    assert main(["factors", "compute", str(panel), "-o", str(tmp_path / "o.parquet"), *extra]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "o.parquet").exists()


def test_compute_checks_its_output_before_any_work(files: tuple[Path, Path], tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """-o equal to INPUT destroyed it (with --factors-only the OHLCV was gone), -o inside an input directory
    added a shard to the dataset, and an -o that is a directory failed only after the input was read."""
    panel, _ = files
    copy = tmp_path / "in.parquet"
    copy.write_bytes(panel.read_bytes())
    shards = tmp_path / "dir"
    shards.mkdir()
    (shards / "a.parquet").write_bytes(panel.read_bytes())
    cases = [
        ([str(copy), "-o", str(copy), "--factors-only"], f"-o {copy}: is the input file {copy}"),
        ([str(shards), "-o", str(shards / "f.parquet")], f"-o {shards / 'f.parquet'}: is inside the input directory"),
        ([str(tmp_path / "*.parquet"), "-o", str(tmp_path / "out.parquet")],
         f"-o {tmp_path / 'out.parquet'}: matches the input glob"),
        # a directory -o is named before the unknown --only name, which planning finds
        ([str(copy), "-o", str(shards), "--only", "alpha_9999"], f"-o: cannot write {shards} (Is a directory)"),
    ]
    for argv, message in cases:
        assert main(["factors", "compute", *argv, "--family", "tech", "--no-progress"]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"error: {message}") and "Traceback" not in err, err
    assert copy.read_bytes() == panel.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dir", "in.parquet"]
    assert [p.name for p in shards.iterdir()] == ["a.parquet"]


def test_bad_input_files_exit_2(files: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    panel, index = files
    no_amount = tmp_path / "no_amount.parquet"
    pl.read_parquet(panel).drop("amount").write_parquet(no_amount)
    assert main(["factors", "compute", str(no_amount), "-o", str(tmp_path / "o.parquet"), "--family", "cmf"]) == 2
    err = capsys.readouterr().err
    assert "no_amount.parquet" in err and "amount" in err and "Traceback" not in err
    bad_index = tmp_path / "idx.parquet"
    pl.read_parquet(index).drop("close").write_parquet(bad_index)
    assert main(["factors", "compute", str(panel), "-o", str(tmp_path / "o.parquet"), "--family", "cmf",
                 "--index", str(bad_index)]) == 2
    err = capsys.readouterr().err
    assert "idx.parquet" in err and "close" in err and "--index" in err
    shards = tmp_path / "idx"  # a directory of index shards, the newer one with an extra column
    (shards / "a").mkdir(parents=True)
    (shards / "b").mkdir()
    pl.read_parquet(index).head(100).write_parquet(shards / "a" / "part.parquet")
    pl.read_parquet(index).tail(100).with_columns(pl.lit(1.0).alias("vol")).write_parquet(shards / "b" / "part.parquet")
    assert main(["factors", "compute", str(panel), "-o", str(tmp_path / "o.parquet"), "--family", "cmf",
                 "--index", str(shards)]) == 2
    err = capsys.readouterr().err
    assert f"--index {shards}: cannot read it ({shards / 'b' / 'part.parquet'} has extra vol" in err, err
    assert main(["factors", "list", "--family", "nope"]) == 2
    assert not (tmp_path / "o.parquet").exists()


def test_compute_reads_status_columns_in_common_types(files: tuple[Path, Path], tmp_path: Path) -> None:
    """ts_code as a pandas category and list_date as Tushare's 'YYYYMMDD' text compute (and carry the input
    columns) like the native types."""
    panel, _ = files
    df = pl.read_parquet(panel)
    odd = tmp_path / "odd.parquet"
    df.with_columns(pl.col("ts_code").cast(pl.Categorical), pl.col("list_date").dt.strftime("%Y%m%d")
                    ).write_parquet(odd)
    outs = []
    for src in (panel, odd):
        outs.append(tmp_path / f"zt_{src.stem}.parquet")
        assert main(["factors", "compute", str(src), "-o", str(outs[-1]), "--family", "zt", "--no-progress"]) == 0
    a, b = pl.read_parquet(outs[0]), pl.read_parquet(outs[1])
    zt = [c for c in a.columns if c.startswith("zt_")]
    assert zt and b["ts_code"].dtype == pl.String
    assert_frame_equal(a.select("ts_code", "trade_date", *zt), b.select("ts_code", "trade_date", *zt))


OPTIONAL_INPUTS = ("industry_code", "industry_l2", "industry_l3", "cap")


def _needed_by(col: str) -> set[str]:
    return {s.name for s in specs() if col in s.inputs}


def test_compute_help_and_docs_name_the_factors_each_optional_input_feeds(capsys: pytest.CaptureFixture[str]
                                                                          ) -> None:
    """`factors compute --help` and docs/FACTORS.md list, per optional input column, exactly the factors that
    declare it, so a user knows what adding the column buys."""
    with pytest.raises(SystemExit) as e:
        main(["factors", "compute", "--help"])
    assert e.value.code == 0
    text = capsys.readouterr().out
    epilog = text[text.index("Optional columns"):]
    # a block runs from "  COLUMN  meaning" to the next such line
    heads = [(m.start(), m.group(1)) for m in re.finditer(r"^  (\w+)  ", epilog, re.M)]
    assert [c for _, c in heads] == list(OPTIONAL_INPUTS)
    for (start, col), (end, _) in zip(heads, [*heads[1:], (len(epilog), "")], strict=True):
        assert set(re.findall(r"alpha_\d{3}", epilog[start:end])) == _needed_by(col), col

    docs = (Path(__file__).resolve().parents[2] / "docs" / "FACTORS.md").read_text(encoding="utf-8")
    for col in OPTIONAL_INPUTS:
        m = re.search(rf"`{col}`: (alpha_\d{{3}}(?:,\s+\d{{3}})*)", docs)
        assert m, col
        assert {f"alpha_{n}" for n in re.findall(r"\d{3}", m.group(1))} == _needed_by(col), col


def test_compute_names_input_columns_it_replaces(files: tuple[Path, Path], tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """An input column with a computed factor's name (a vendor's own `tech_ma5_ratio`) is replaced in OUTPUT
    by the engine's values: the run says so, naming it, instead of dropping the input's values silently."""
    panel, _ = files
    src = tmp_path / "with_vendor.parquet"
    pl.read_parquet(panel).with_columns(pl.lit(123.0).alias("tech_ma5_ratio")).write_parquet(src)
    out = tmp_path / "out.parquet"
    assert main(["factors", "compute", str(src), "-o", str(out), "--only", "tech_ma5_ratio,tech_ma10_ratio",
                 "--no-progress"]) == 0
    text = capsys.readouterr().out
    assert (pl.read_parquet(out)["tech_ma5_ratio"] != 123.0).any()  # the engine's values won
    assert re.search(r"replaced 1 input column\(s\).*tech_ma5_ratio", text)
    assert "tech_ma10_ratio" not in text.split("replaced", 1)[1].splitlines()[0]
