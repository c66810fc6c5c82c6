"""The data contract: prefix lockdown, factor selection, and one clear error per bad input."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest

from aurumq_rl.data.check import check_data
from aurumq_rl.data.contract import FACTOR_COL_PREFIXES, factor_columns, select_factors
from aurumq_rl.data.loader import load_panel
from aurumq_rl.errors import DataError


def test_factor_prefixes_locked() -> None:
    assert FACTOR_COL_PREFIXES == (
        "alpha_", "gtja_", "mf_", "mfp_", "hm_", "hk_", "inst_", "mg_", "cyq_",
        "senti_", "sh_", "fund_", "ind_", "mkt_", "tech_", "cmf_", "zt_",
    )
    assert isinstance(FACTOR_COL_PREFIXES, tuple) and len(FACTOR_COL_PREFIXES) == 17


def test_factor_columns_every_prefix_recognised_in_documented_order() -> None:
    cols = ["ts_code", "close"] + [f"{p}x" for p in reversed(FACTOR_COL_PREFIXES)] + ["industry_code", "alphax"]
    assert factor_columns(cols) == [f"{p}x" for p in FACTOR_COL_PREFIXES]


def test_select_factors_modes(tmp_path: Path) -> None:
    cols = ["ts_code", "mf_a", "alpha_2", "alpha_1", "tech_z"]
    assert select_factors(cols, None, "f") == ["alpha_2", "alpha_1", "mf_a", "tech_z"]
    assert select_factors(cols, 2, "f") == ["alpha_2", "alpha_1"]
    assert select_factors(cols, "alpha_*,tech_*", "f") == ["alpha_2", "alpha_1", "tech_z"]
    assert select_factors(cols, ["tech_z", "mf_a"], "f") == ["tech_z", "mf_a"]
    keep = tmp_path / "cols.txt"
    keep.write_text("# wanted\nalpha_1\n\ntech_z  # trailing comment\n")
    assert select_factors(cols, None, "f", keep) == ["alpha_1", "tech_z"]
    with pytest.raises(DataError, match=r"factors=5: f has 4 factor columns"):
        select_factors(cols, 5, "f")


def test_select_factors_names_every_pattern_that_matches_nothing() -> None:
    """A typo in one of several globs used to be dropped silently (training on fewer factors)."""
    cols = ["ts_code", "mf_001", "alpha_001", "alpha_002"]
    with pytest.raises(DataError) as err:
        select_factors(cols, "alpha_*,mf_0001,zz_*", "f")
    msg = str(err.value)
    assert "no factor column in f matches 'mf_0001' (did you mean mf_001?), 'zz_*';" in msg
    assert "fix or drop those patterns" in msg


def _frame(n_stocks: int = 4, n_days: int = 5, **overrides: object) -> pl.DataFrame:
    rows = []
    for i in range(n_stocks):
        for d in range(n_days):
            rows.append({"ts_code": f"60000{i}.SH", "trade_date": date(2024, 1, 1) + timedelta(days=d),
                         "close": 10.0 + d, "pct_chg": 0.01 * (i - 1), "vol": 100.0, "alpha_001": float(i + d)})
    df = pl.DataFrame(rows)
    return df.with_columns(**{k: v for k, v in overrides.items()}) if overrides else df


def _write(df: pl.DataFrame, tmp_path: Path) -> Path:
    p = tmp_path / "bad.parquet"
    df.write_parquet(p)
    return p


# Wrong types, each rejected the same way by load_panel and `data check`.
_BAD_TYPES = [
    (lambda d: d.with_columns(pl.format("{}%", pl.col("pct_chg") * 100).alias("pct_chg")), {},
     r"bad\.parquet: column pct_chg has 20 value\(s\) that are not numbers \(e\.g\. '-1\.0%'\)"),
    (lambda d: d.with_columns(pl.lit("n/a").alias("vol")), {}, r"bad\.parquet: column vol has .*'n/a'"),
    (lambda d: d.with_columns(pl.lit(True).alias("close"), pl.lit("x").alias("open")), {},
     r"bad\.parquet: column close has type Boolean; column open has .*'x'"),
    (lambda d: d.with_columns((pl.col("close") > 11).alias("tech_evt_up")), {},
     r"bad\.parquet: factor column tech_evt_up is Boolean.*aurumq_rl\.data\.events\.exp_decay \(tau = 10"),
    (lambda d: d.with_columns(pl.lit("a").alias("mf_x")), {}, r"bad\.parquet: factor column mf_x has type String"),
]


@pytest.mark.parametrize(
    ("mutate", "kwargs", "message"),
    [
        (lambda d: d.drop("vol"), {}, r"bad\.parquet: missing required column\(s\) vol"),
        (lambda d: d.with_columns(pl.col("pct_chg") * 100 + 1.5), {}, r"pct_chg looks like percent.*divide by 100"),
        (lambda d: pl.concat([d, d.head(1)]), {}, r"duplicate \(ts_code, trade_date\).*600000\.SH"),
        (lambda d: d.with_columns(pl.lit("600000").alias("ts_code")), {}, r"malformed code.*'600000'"),
        (lambda d: d.with_columns(pl.lit("2024-13-45").alias("trade_date")), {},
         r"trade_date has \d+ value\(s\) that are not dates.*2024-13-45"),
        (lambda d: d.with_columns(pl.lit(1.5).alias("trade_date")), {}, r"trade_date has type Float64"),
        (lambda d: d.drop("alpha_001").with_columns(pl.lit(1.0).alias("foo")), {}, r"no factor column found"),
        (lambda d: d, {"factors": ["alpha_009"]}, r"requested factor column\(s\) missing.*alpha_009"),
        (lambda d: d, {"start": "2030-01-01"}, r"no row left in universe"),
        (lambda d: d, {"universe": "csi9000"}, r"unknown universe 'csi9000'"),
        (lambda d: d, {"universe": "hs300"}, r"universe 'hs300' needs the column 'is_hs300'"),
        (lambda d: d, {"normalize": "minmax"}, r"normalize='minmax'"),
        (lambda d: d.with_columns(pl.lit("000300.SH").alias("ts_code")), {}, r"belong to no A-share board"),
        *_BAD_TYPES,
    ],
)
def test_bad_input_gets_one_clear_error(tmp_path: Path, mutate, kwargs: dict, message: str) -> None:
    path = _write(mutate(_frame()), tmp_path)
    with pytest.raises(DataError, match=message):
        load_panel(path, universe=kwargs.pop("universe", "all"), **kwargs)


@pytest.mark.parametrize(("mutate", "kwargs", "message"), _BAD_TYPES)
def test_data_check_rejects_bad_types_like_the_loader(tmp_path: Path, mutate, kwargs: dict,
                                                      message: str) -> None:
    with pytest.raises(DataError, match=message):
        check_data(_write(mutate(_frame()), tmp_path))


def test_numeric_text_columns_are_cast(tmp_path: Path) -> None:
    """Prices written as text that parse as numbers load like the numbers themselves."""
    df = _frame().with_columns(pl.col("close").cast(pl.String), pl.col("vol").cast(pl.String))
    p = load_panel(_write(df, tmp_path), universe="all")
    q = load_panel(_frame().lazy(), universe="all")
    assert (p.tradeable == q.tradeable).all() and (p.factors == q.factors).all()
    assert check_data(df.lazy())["rows"] == 20


def test_missing_file_named(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"data file not found: .*nope\.parquet"):
        load_panel(tmp_path / "nope.parquet")


def test_string_and_int_dates_accepted(tmp_path: Path) -> None:
    df = _frame().with_columns(pl.col("trade_date").dt.strftime("%Y%m%d"))
    p1 = load_panel(_write(df, tmp_path), universe="all")
    df2 = _frame().with_columns(pl.col("trade_date").dt.strftime("%Y%m%d").cast(pl.Int64))
    p2 = load_panel(df2.lazy(), universe="all")
    assert p1.dates.tolist() == p2.dates.tolist() and len(p1.dates) == 5


def test_b_shares_dropped_with_warning() -> None:
    df = pl.concat([_frame(), _frame(1).with_columns(pl.lit("900901.SH").alias("ts_code"))])
    with pytest.warns(UserWarning, match="dropping 1 B-share"):
        p = load_panel(df.lazy(), universe="all")
    assert "900901.SH" not in p.codes.tolist()
