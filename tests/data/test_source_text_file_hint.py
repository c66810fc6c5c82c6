"""A CSV given where a Parquet is read (the panel, a scores file, `infer -o picks.csv` passed to `eval --scores`) is
refused with what to do about it, not only polars' "The file must end with PAR1 or PARE"; a damaged Parquet gets
no CSV advice."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from aurumq_rl.data.check import check_data
from aurumq_rl.data.loader import load_panel
from aurumq_rl.data.scores import read_score_frame, read_scores_record
from aurumq_rl.errors import DataError


def _csv(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    pl.DataFrame({"ts_code": ["000001.SZ"], "trade_date": ["2024-01-02"], "close": [10.0], "pct_chg": [0.01],
                  "vol": [1.0], "score": [0.5]}).write_csv(path)
    return path


@pytest.mark.parametrize("read", [load_panel, check_data], ids=["load_panel", "check_data"])
def test_csv_panel_is_refused_with_how_to_convert_it(tmp_path: Path, read: object) -> None:
    path = _csv(tmp_path, "panel.csv")
    with pytest.raises(DataError, match=r"panel\.csv: .*text file \(a CSV\?\).*read_csv.*ts_code.*write_parquet"):
        read(str(path))  # type: ignore[operator]


@pytest.mark.parametrize("read", [read_score_frame, read_scores_record], ids=["frame", "record"])
def test_csv_picks_given_as_scores_say_to_write_parquet(tmp_path: Path, read: object) -> None:
    path = _csv(tmp_path, "picks.csv")
    with pytest.raises(DataError, match=r"picks\.csv: .*text file.*-o PICKS\.parquet"):
        read(path)  # type: ignore[operator]


def test_damaged_parquet_gets_no_csv_advice(tmp_path: Path) -> None:
    good = tmp_path / "good.parquet"
    pl.DataFrame({"ts_code": ["000001.SZ"], "x": [1.0]}).write_parquet(good)
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(good.read_bytes()[:-20])
    with pytest.raises(DataError, match="cannot read as Parquet") as err:
        load_panel(str(bad))
    assert "CSV" not in str(err.value)
