"""A data path whose name holds a glob character (`[`, `?`, `*`) but exists as a file or directory is read as that
path, not as a pattern: `panel[v2].parquet` or `data [2024]/` used to fail with "no file matches this glob" for a
file that is there, and an output named like such an input was not recognised as the input."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from aurumq_rl.data.check import check_data
from aurumq_rl.data.loader import load_panel
from aurumq_rl.data.scores import read_score_frame
from aurumq_rl.errors import DataError
from aurumq_rl.io import check_not_input
from aurumq_rl.provenance import data_provenance
from tests.data.frames import tiny_market


def _panel() -> pl.DataFrame:
    return tiny_market(6, 5)


@pytest.mark.parametrize("name", ["panel[v2].parquet", "data [2024]/panel.parquet"])
def test_existing_file_with_bracket_in_its_path_loads(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    df = _panel()
    df.write_parquet(path)
    p = load_panel(str(path), universe="all", normalize="raw")
    assert p.factors.shape == (5, 6, 1)
    assert check_data(str(path))["rows"] == df.height
    assert data_provenance(str(path))["data_files"][0]["path"] == path.name


def test_existing_directory_with_bracket_in_its_name_loads_its_shards(tmp_path: Path) -> None:
    folder = tmp_path / "shards [1]"
    folder.mkdir()
    df = _panel()
    df.filter(pl.col("trade_date") < date(2024, 1, 3)).write_parquet(folder / "a.parquet")
    df.filter(pl.col("trade_date") >= date(2024, 1, 3)).write_parquet(folder / "b.parquet")
    p = load_panel(str(folder), universe="all", normalize="raw")
    assert len(p.dates) == 5 and len(p.codes) == 6


def test_scores_file_with_bracket_in_its_name_reads(tmp_path: Path) -> None:
    path = tmp_path / "scores[seed1].parquet"
    _panel().select("ts_code", "trade_date", pl.col("alpha_001").alias("score")).write_parquet(path)
    assert read_score_frame(path).height == 30


def test_output_named_as_a_bracketed_input_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "panel[v2].parquet"
    _panel().write_parquet(path)
    with pytest.raises(DataError, match="is the input file"):
        check_not_input(path, str(path))


def test_a_real_pattern_still_globs(tmp_path: Path) -> None:
    df = _panel()
    df.filter(pl.col("trade_date") < date(2024, 1, 3)).write_parquet(tmp_path / "p1.parquet")
    df.filter(pl.col("trade_date") >= date(2024, 1, 3)).write_parquet(tmp_path / "p2.parquet")
    p = load_panel(str(tmp_path / "p[12].parquet"), universe="all", normalize="raw")
    assert len(p.dates) == 5
    with pytest.raises(DataError, match="no file matches this glob"):
        load_panel(str(tmp_path / "q[12].parquet"))
