"""A required column present but for a trailing blank, a byte-order mark (a CSV exported from Excel) or its case is
named, quoted, by the missing-column error: "missing required column(s) ts_code" about a file whose header prints
`ts_code` sent the user looking for a column that looks present."""

from __future__ import annotations

import re

import polars as pl
import pytest

from aurumq_rl.data.check import check_data
from aurumq_rl.data.loader import load_panel
from aurumq_rl.errors import DataError


def _frame() -> pl.DataFrame:
    return pl.DataFrame({"ts_code": ["600000.SH"], "trade_date": ["20240102"], "close": [10.0], "pct_chg": [0.01],
                         "vol": [1.0], "alpha_001": [0.5]})


@pytest.mark.parametrize(("old", "new"), [("ts_code", "\ufeffts_code"), ("close", "close "), ("vol", "Vol")])
@pytest.mark.parametrize("read", [load_panel, check_data], ids=["load_panel", "check_data"])
def test_near_miss_required_column_is_named(old: str, new: str, read: object) -> None:
    with pytest.raises(DataError, match=rf"missing required column\(s\) {old} \(the file has "
                                        rf"{re.escape(repr(new))} for {old}: rename it\)"):
        read(_frame().rename({old: new}))  # type: ignore[operator]


def test_truly_missing_column_gets_no_hint() -> None:
    with pytest.raises(DataError, match=r"missing required column\(s\) vol; the contract needs"):
        load_panel(_frame().drop("vol"))
