"""The data contract: prefix lockdown, factor selection, and one clear error per bad input."""

from __future__ import annotations

import warnings
from datetime import date, timedelta
from pathlib import Path

import numpy as np
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
            rows.append({"ts_code": f"{600000 + i}.SH", "trade_date": date(2024, 1, 1) + timedelta(days=d),
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
        # one stock of twenty in percent: 5% of rows, under the global threshold; caught per stock
        (lambda d: d.with_columns(pl.when(pl.col("ts_code") == "600002.SH").then(pl.col("pct_chg") * 100 + 1.5)
                                  .otherwise(pl.col("pct_chg"))),
         {"n_stocks": 20},
         r"pct_chg looks like percent for 1 stock\(s\), e\.g\. 600002\.SH \(5 of 5 rows\).*at least 3 of its "
         r"rows and 10% of them.*divide those stocks' pct_chg by 100"),
        (lambda d: pl.concat([d, d.head(1)]), {}, r"duplicate \(ts_code, trade_date\).*600000\.SH"),
        (lambda d: d.with_columns(pl.lit("600000").alias("ts_code")), {}, r"malformed code.*'600000'"),
        (lambda d: d.with_columns(pl.lit("2024-13-45").alias("trade_date")), {},
         r"trade_date has \d+ value\(s\) that are not dates.*2024-13-45"),
        (lambda d: d.with_columns(pl.lit(1.5).alias("trade_date")), {}, r"trade_date has type Float64"),
        (lambda d: d.drop("alpha_001").with_columns(pl.lit(1.0).alias("foo")), {}, r"no factor column found"),
        (lambda d: d, {"factors": ["alpha_009"]}, r"requested factor column\(s\) missing.*alpha_009"),
        (lambda d: d, {"start": "2030-01-01"}, r"no trading date between 2030-01-01 and end \(the data covers"),
        (lambda d: d, {"universe": "csi9000"}, r"unknown universe 'csi9000'"),
        (lambda d: d, {"universe": "hs300"}, r"universe 'hs300' needs the column 'is_hs300'"),
        (lambda d: d, {"normalize": "minmax"}, r"normalize='minmax'"),
        (lambda d: d.with_columns(pl.lit("000300.SH").alias("ts_code")), {}, r"belong to no A-share board"),
        *_BAD_TYPES,
    ],
)
def test_bad_input_gets_one_clear_error(tmp_path: Path, mutate, kwargs: dict, message: str) -> None:
    path = _write(mutate(_frame(kwargs.pop("n_stocks", 4))), tmp_path)
    with pytest.raises(DataError, match=message):
        load_panel(path, universe=kwargs.pop("universe", "all"), **kwargs)


@pytest.mark.parametrize(("mutate", "kwargs", "message"), _BAD_TYPES)
def test_data_check_rejects_bad_types_like_the_loader(tmp_path: Path, mutate, kwargs: dict,
                                                      message: str) -> None:
    with pytest.raises(DataError, match=message):
        check_data(_write(mutate(_frame()), tmp_path))


def test_a_daily_change_of_minus_100_percent_or_below_is_refused_by_every_reader(tmp_path: Path) -> None:
    """pct_chg <= -1 (a close of 0) would make log1p -inf: the stock's compounded price, and every later forward
    return, lost without a word. The loader and `data check` name the count and examples; -0.99 still loads."""
    day = pl.col("trade_date")
    wiped = _frame().with_columns(
        pl.when((pl.col("ts_code") == "600001.SH") & (day == date(2024, 1, 3))).then(-1.0)
        .when((pl.col("ts_code") == "600003.SH") & (day == date(2024, 1, 2))).then(-1.5)
        .otherwise(pl.col("pct_chg")).alias("pct_chg"))
    message = (r"bad\.parquet: column pct_chg has 2 value\(s\) of -1 or below, e\.g\. \(600003\.SH, 2024-01-02: "
               r"-1\.5\), \(600001\.SH, 2024-01-03: -1\.0\): .*fix those rows in the source")
    path = _write(wiped, tmp_path)
    with pytest.raises(DataError, match=message):
        load_panel(path, universe="all")
    with pytest.raises(DataError, match=message):
        check_data(path)
    almost = _write(wiped.with_columns(pl.col("pct_chg").clip(-0.99)), tmp_path)
    assert np.isfinite(load_panel(almost, universe="all").log_price()).all()


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


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (_frame(1).with_columns(pl.lit("900901.SH").alias("ts_code")), r"holds only B-share codes.*900901\.SH"),
        (_frame().with_columns(pl.lit(None, dtype=pl.Float64).alias("pct_chg")), r"column pct_chg has no value"),
        (_frame().with_columns(pl.lit(float("nan")).alias("pct_chg")), r"column pct_chg has no value"),
    ],
    ids=["only B shares", "pct_chg all null", "pct_chg all NaN"],
)
def test_a_file_with_nothing_to_read_gets_one_clear_error(tmp_path: Path, bad: pl.DataFrame, message: str) -> None:
    """A file of B shares only left no row once they were dropped (an IndexError deep in the market rules),
    and a pct_chg with no value made `data check` fail on a float(None) while train, sl and eval ran on zero
    returns, reporting metrics of nothing. Both are now a DataError from every reader."""
    path = _write(bad, tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the B-share drop and the NaN count warn first
        for read in (lambda: load_panel(path, universe="all"), lambda: check_data(path)):
            with pytest.raises(DataError, match=r"bad\.parquet: " + message):
                read()


def _status_frame() -> pl.DataFrame:
    """_frame with every optional status column in its native type: 600001 is ST, 600002 listed inside the
    data (new-listing protection), 600003 an hs300 member, industries by stock."""
    codes = pl.col("ts_code")
    return _frame().with_columns(
        is_st=codes == "600001.SH",
        list_date=pl.when(codes == "600002.SH").then(date(2024, 1, 2)).otherwise(date(2010, 1, 4)),
        is_hs300=codes == "600003.SH",
        industry_code=pl.when(codes < "600002.SH").then(pl.lit("801010")).otherwise(pl.lit("801020")),
        name=pl.when(codes == "600001.SH").then(pl.lit("ST A")).otherwise(pl.lit("B")),
    )


_COMMON_TYPES = {
    "list_date 'YYYYMMDD' (Tushare stock_basic)": pl.col("list_date").dt.strftime("%Y%m%d"),
    "list_date 'YYYY-MM-DD'": pl.col("list_date").dt.strftime("%Y-%m-%d"),
    "list_date int YYYYMMDD": pl.col("list_date").dt.strftime("%Y%m%d").cast(pl.Int64),
    "list_date Datetime": pl.col("list_date").cast(pl.Datetime("us")),
    "is_st 'true'/'false'": pl.col("is_st").cast(pl.String),
    "is_st 'TRUE'/'False'": pl.col("is_st").cast(pl.String).str.to_titlecase().str.replace("True", "TRUE"),
    "is_st 0/1": pl.col("is_st").cast(pl.Int8),
    "is_st 0.0/1.0 with NaN": pl.when(pl.col("trade_date") == date(2024, 1, 3)).then(float("nan"))
    .otherwise(pl.col("is_st").cast(pl.Float64)).alias("is_st"),
    "is_hs300 '0'/'1'": pl.col("is_hs300").cast(pl.Int8).cast(pl.String),
    "ts_code Categorical (pandas category)": pl.col("ts_code").cast(pl.Categorical),
    "ts_code Enum": pl.col("ts_code").cast(pl.Enum([f"60000{i}.SH" for i in range(4)])),
    "name Categorical": pl.col("name").cast(pl.Categorical),
    "industry_code int": pl.col("industry_code").cast(pl.Int64),
    "industry_code float (pandas int with gaps)": pl.col("industry_code").cast(pl.Float64),
    "industry_code Categorical": pl.col("industry_code").cast(pl.Categorical),
}


@pytest.mark.parametrize("cast", _COMMON_TYPES.values(), ids=_COMMON_TYPES.keys())
def test_optional_columns_in_common_types_read_like_native(cast: pl.Expr) -> None:
    """A flag, date, code or industry in the type real files carry loads and checks as the native type does."""
    native, other = _status_frame(), _status_frame().with_columns(cast)
    for universe in ("main_board_non_st", "hs300"):
        p, q = load_panel(native.lazy(), universe=universe), load_panel(other.lazy(), universe=universe)
        assert p.codes.tolist() == q.codes.tolist()
        for mask in ("in_universe", "can_buy", "tradeable", "industry"):
            assert (getattr(p, mask) == getattr(q, mask)).all(), mask
        assert p.industry_names == q.industry_names
    assert load_panel(native.lazy(), universe="main_board_non_st").in_universe.sum() > 0
    a, b = check_data(native.lazy()), check_data(other.lazy())
    assert (a["st_share"], a["boards"], a["stocks"]) == (b["st_share"], b["boards"], b["stocks"])


@pytest.mark.parametrize(
    ("cast", "message"),
    [
        (pl.col("is_st").cast(pl.String).replace({"true": "yes"}),
         r"column is_st has 5 value\(s\) that cannot be read \(e\.g\. 'yes'\); expected Boolean, 0/1 integers"),
        (pl.col("is_st").cast(pl.Int8) * 2, r"column is_st has 5 value\(s\) other than 0 and 1 \(e\.g\. 2\)"),
        (pl.col("list_date").alias("is_hs300"), r"column is_hs300 has type Date; expected Boolean"),
        (pl.col("list_date").dt.strftime("%d/%m/%Y"),
         r"column list_date has 20 value\(s\) that cannot be read \(e\.g\. '04/01/2010'\); expected a date"),
        (pl.col("list_date").dt.strftime("%Y%m%d").cast(pl.Float64), r"column list_date has type Float64"),
        (pl.lit(True).alias("industry_code"), r"column industry_code has type Boolean; expected text or integer"),
        (pl.lit(3).alias("name"), r"column name has type Int32; expected text"),
        (pl.lit("x").alias("days_since_ipo"), r"column days_since_ipo has 20 value\(s\) that cannot be read"),
    ],
)
def test_unreadable_optional_columns_get_one_clear_error(tmp_path: Path, cast: pl.Expr, message: str) -> None:
    path = _write(_status_frame().with_columns(cast), tmp_path)
    with pytest.raises(DataError, match=r"bad\.parquet: " + message):
        load_panel(path, universe="all")
    with pytest.raises(DataError, match=message):
        check_data(path)


def test_days_since_ipo_as_float_or_text_is_read() -> None:
    """days_since_ipo as pandas writes it with gaps (float, NaN) or as text counts like the integers."""
    base = _frame().with_columns(days_since_ipo=pl.when(pl.col("ts_code") == "600002.SH").then(1).otherwise(500))

    def every_row(columns: list[str]) -> pl.Expr:  # named universes leave the new listing out altogether
        return pl.lit(True)

    p = load_panel(base.lazy(), universe=every_row)
    gaps = pl.when(pl.col("trade_date") == date(2024, 1, 3)).then(float("nan")).otherwise(pl.col("days_since_ipo"))
    for cast in (gaps.cast(pl.Float64), pl.col("days_since_ipo").cast(pl.String)):
        q = load_panel(base.with_columns(cast).lazy(), universe=every_row)
        same = (p.can_buy == q.can_buy) | (p.dates == np.datetime64("2024-01-03"))[:, None]
        assert (p.in_universe == q.in_universe).all() and same.all()
    assert p.can_buy.sum(axis=0).tolist() == [5, 5, 0, 5]  # 600002.SH: listed yesterday, protected


@pytest.mark.parametrize("tz", ["UTC", "Asia/Shanghai", "America/New_York", None])
def test_timestamps_are_read_on_the_beijing_clock(tz: str | None) -> None:
    """A tz-aware trade_date/list_date (Beijing midnight stored as UTC is 16:00 the day before) keeps its
    Beijing date; a naive timestamp keeps its own date."""
    native = _status_frame()
    stamp = pl.col("trade_date").cast(pl.Datetime("us"))
    listed = pl.col("list_date").cast(pl.Datetime("us"))
    if tz is not None:
        stamp = stamp.dt.replace_time_zone("Asia/Shanghai").dt.convert_time_zone(tz)
        listed = listed.dt.replace_time_zone("Asia/Shanghai").dt.convert_time_zone(tz)
    other = native.with_columns(stamp, listed)
    p, q = load_panel(native.lazy(), universe="all"), load_panel(other.lazy(), universe="all")
    assert p.dates.tolist() == q.dates.tolist() and (p.can_buy == q.can_buy).all()
    assert check_data(other.lazy())["dates"] == check_data(native.lazy())["dates"]


def test_listing_days_beyond_100_percent_do_not_make_a_file_look_like_percent(tmp_path: Path) -> None:
    """A file of recent listings: each stock's first day moves +250% (no limit on a listing day), 1 row in 8,
    12.5% of the file, over the 5% threshold. Without each stock's first 5 rows no move exceeds ±100%, so the
    file loads; the same file in percent (x 100 + 1.5) is still refused, judged on the later rows: stock i moves
    (i - 1) + 1.5 percent points a day there, beyond 1 for 5 of the 6 stocks (83%)."""
    listings = _frame(6, 8).with_columns(
        pl.when(pl.col("trade_date") == date(2024, 1, 1)).then(2.5).otherwise(pl.col("pct_chg")).alias("pct_chg"))
    panel = load_panel(_write(listings, tmp_path), universe="all")
    assert panel.pct_chg.max() == pytest.approx(2.5)
    percent = listings.with_columns(pl.col("pct_chg") * 100 + 1.5)
    with pytest.raises(DataError, match=r"pct_chg looks like percent \(83% of rows after each stock's first 5 "
                                        r"have \|pct_chg\| > 1\)"):
        load_panel(_write(percent, tmp_path), universe="all")


def test_duplicate_keys_are_found_exactly_and_named_in_order() -> None:
    """The duplicate check hashes one integer per (code, date): no false alarm where codes or dates repeat
    only separately (dates before 1970 included: negative day numbers), and with duplicates the count and
    the first duplicate key in (code, date) order are named."""
    from aurumq_rl.data.contract import validate_keys

    codes = ["600000.SH", "000001.SZ", "830799.BJ"]
    days = [date(1969, 12, 31), date(1970, 1, 1), date(2024, 3, 1)]
    keys = pl.DataFrame({"ts_code": [c for c in codes for _ in days], "trade_date": days * len(codes),
                         "pct_chg": [0.01] * 9})
    assert validate_keys(keys, "k.parquet").height == 9
    dup = pl.concat([keys, keys[[7, 1, 1]]])  # (830799.BJ, 1970-01-01) once more, (600000.SH, 1970-01-01) twice
    with pytest.raises(DataError, match=r"k\.parquet: 2 duplicate \(ts_code, trade_date\) key\(s\), e\.g\. "
                                        r"\(600000\.SH, 1970-01-01\)"):
        validate_keys(dup, "k.parquet")


def test_gross_returns_are_told_to_subtract_1_not_to_divide_by_100(tmp_path: Path) -> None:
    """A pct_chg written as a gross return (close / pre_close: 1.01 for +1%) was taken for percent, and the error
    said 'divide by 100': done, every stock then gained about +1% a day and loaded without a word. The error
    names the gross return and says to subtract 1."""
    path = _write(_frame(4).with_columns(pl.col("pct_chg") + 1), tmp_path)
    with pytest.raises(DataError, match=r"bad\.parquet: column pct_chg looks like a gross return \(close / "
                                        r"pre_close, 1\.01 for \+1%\).*subtract 1") as err:
        load_panel(path, universe="all")
    assert "divide by 100" not in str(err.value)
