"""A date of pct_chg in percent is refused, a constant factor with warm-up nulls is named constant, and the synthetic
market keeps each IPO under the limit regime of its listing date."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest

from aurumq_rl.data.check import check_data, format_report
from aurumq_rl.data.synth import SynthConfig, generate
from aurumq_rl.errors import DataError
from aurumq_rl.market.status import annotate


def test_synth_ipo_listed_before_the_chinext_reform_keeps_its_limit_after_it() -> None:
    """A ChiNext IPO listed a few days before 2020-08-24 keeps the pre-reform regime for its first days (the
    rule table tests the listing date, `listed_on`), so from day 2 it is limited (±20% once the row's date is
    past the reform). The generator tested the row's date instead and gave those days no limit: moves of +40%
    to +75% on days the rules (and every consumer of them) say were limited."""
    df, _ = generate(SynthConfig(n_stocks=2000, n_days=120, start=date(2020, 7, 1), seed=0))
    cal = df["trade_date"].unique().sort()
    ann = annotate(df.lazy(), df.columns, cal, "price").collect()
    beyond = ann.filter(pl.col("has_limit") & ((pl.col("pct_chg") > pl.col("limit_up_pct") + 0.006)
                                               | (pl.col("pct_chg") < -pl.col("limit_down_pct") - 0.006)))
    assert beyond.height == 0, beyond.select("ts_code", "trade_date", "list_date", "listing_day", "pct_chg",
                                             "limit_up_pct")


def _market(n_dates: int, n_codes: int) -> pl.DataFrame:
    days = [date(2024, 1, 1) + timedelta(days=i) for i in range(n_dates)]
    return pl.DataFrame([{"ts_code": f"6000{j:02d}.SH", "trade_date": d, "close": 10.0,
                          "pct_chg": 0.001 * ((i * 7 + j * 3) % 11 - 5), "vol": 1.0, "alpha_001": float(i + j)}
                         for i, d in enumerate(days) for j in range(n_codes)])


def test_a_constant_factor_with_warmup_nulls_is_reported_as_constant() -> None:
    """A factor column that holds one value wherever it has one (every rolling factor has warm-up nulls) is
    constant; `n_unique` counted the null as a second value, so the report said 'constant columns: none' and
    listed it as market-wide instead."""
    df = _market(30, 5).with_columns(
        pl.when(pl.col("trade_date") >= date(2024, 1, 4)).then(1.0).otherwise(None).alias("alpha_002"))
    rep = check_data(df.lazy())
    assert rep["constant_columns"] == ["alpha_002"]


def test_a_date_whose_pct_chg_is_in_percent_is_not_passed_silently() -> None:
    """A day appended in percent (Tushare's own unit) to a decimal history: on a rally day no stock falls 1%,
    so neither the file rule (5% of rows) nor the per-stock rule (3 rows) nor the <= -1 rule trips, and the
    day's returns enter training and evaluation as +150% .. +450%. It must be refused or at least reported."""
    df = _market(60, 40)
    last = df["trade_date"].max()
    rally = df.with_columns(pl.when(pl.col("trade_date") == last)
                            .then(1.5 + 0.075 * pl.col("ts_code").str.slice(4, 2).cast(pl.Int32))  # +1.5 .. +4.4
                            .otherwise(pl.col("pct_chg")).alias("pct_chg"))
    with pytest.raises(DataError, match=r"pct_chg looks like percent on 1 date\(s\), e.g. 2024-02-29 \(40 of 40 "
                                        r"stocks\).*divide those dates' pct_chg by 100"):
        check_data(rally.lazy())
    check_data(df.lazy())  # the decimal history alone passes


def test_columns_that_no_reader_uses_are_named_with_a_prefix_hint() -> None:
    """`Alpha_003` (a misspelt prefix) and `ret5` (no prefix) are read by nothing: a silent feature loss unless
    `data check` names them; contract and status columns are not named."""
    df = _market(10, 4).with_columns(pl.col("alpha_001").alias("Alpha_003"), pl.col("alpha_001").alias("ret5"),
                                     pl.lit(False).alias("is_st"))
    rep = check_data(df.lazy())
    assert rep["ignored_columns"] == ["Alpha_003", "ret5"]
    text = format_report(rep)
    assert "note: 2 column(s) that no reader uses (not in the contract, no factor prefix): Alpha_003 (did you " \
           "mean alpha_?), ret5; a factor column must start with one of alpha_," in text
    assert check_data(_market(10, 4).lazy())["ignored_columns"] == []


def test_a_pre_close_on_another_price_scale_than_the_close_is_warned() -> None:
    """Forward-adjusted closes beside the vendor's unadjusted pre_close: limit prices and the true range are
    taken from pre_close on close's scale, so tech_atr14 / tech_amplitude mix the two scales and passed without
    a word. `data check` and the factor engine name the column, the row count and what to do; the synthetic
    market (one scale) draws no such warning."""
    from aurumq_rl.data.synth import preset
    from aurumq_rl.factors.engine_io import warn_price_problems

    df, _ = generate(preset("small"))
    assert not [p for p in check_data(df.lazy())["problems"] if p["column"] == "pre_close"]
    codes = df["ts_code"].unique().sort()[:4].to_list()
    early = pl.col("ts_code").is_in(codes) & (pl.col("trade_date") < date(2020, 9, 1))
    adjusted = df.with_columns([pl.when(early).then(pl.col(c) * 0.8).otherwise(pl.col(c)).alias(c)
                                for c in ("open", "high", "low", "close")])
    n = adjusted.filter(early & (pl.col("vol") > 0)).height
    got = [p for p in check_data(adjusted.lazy())["problems"] if p["column"] == "pre_close"]
    assert len(got) == 1 and got[0]["level"] == "warning" and got[0]["rows"] == n, got
    assert f"column pre_close has {n:,} value(s) more than 0.5% away from close / (1 + pct_chg)" in got[0]["message"]
    assert "drop the column" in got[0]["message"]
    with pytest.warns(UserWarning, match="column pre_close has .* away from close / \\(1 \\+ pct_chg\\)"):
        warn_price_problems(adjusted, "bars.parquet")


def test_traded_rows_dated_before_the_listing_are_warned() -> None:
    """A list_date after some of the stock's bars (a code reused by a later listing, a snapshot's relisting
    date) made those rows unbuyable and moved the new-listing limits, and `data check` said only that more rows
    were unbuyable. It names the column, the rows and what to fix; the synthetic market's dates draw nothing."""
    from aurumq_rl.data.synth import preset

    df, _ = generate(preset("small"))
    assert not [p for p in check_data(df.lazy())["problems"] if p["column"] == "list_date"]
    first_day = df.filter((pl.col("trade_date") == pl.col("trade_date").min()) & (pl.col("vol") > 0))
    code = first_day["ts_code"].sort()[0]
    late = date(2020, 9, 1)
    moved = df.with_columns(pl.when(pl.col("ts_code") == code).then(pl.lit(late)).otherwise(pl.col("list_date"))
                            .alias("list_date"))
    n = moved.filter((pl.col("ts_code") == code) & (pl.col("trade_date") < late) & (pl.col("vol") > 0)).height
    got = [p for p in check_data(moved.lazy())["problems"] if p["column"] == "list_date"]
    assert n > 20 and len(got) == 1 and got[0]["rows"] == n, got
    assert f"column list_date dates {n:,} traded row(s) before the stock's listing, e.g. ({code}, 2020-06-01: " \
           "2020-09-01)" in got[0]["message"]


def test_a_quiet_date_in_percent_is_refused_too() -> None:
    """A quiet day appended in percent: every stock moves less than 1% (on about a quarter of real dates fewer
    than half the stocks move 1%), so no |pct_chg| passed 1 and the day entered training as moves of ±20% ..
    ±90%, beyond every board's limit. Judged against the limits instead, it is refused like a rally day."""
    df = _market(60, 40)
    last = df["trade_date"].max()
    j = pl.col("ts_code").str.slice(4, 2).cast(pl.Int32)
    sign = pl.when(j % 2 == 0).then(1).otherwise(-1)
    quiet = df.with_columns(pl.when(pl.col("trade_date") == last).then((0.4 + 0.0125 * j) * sign)  # ±0.4 .. ±0.89
                            .otherwise(pl.col("pct_chg")).alias("pct_chg"))
    with pytest.raises(DataError, match=r"pct_chg looks like percent on 1 date\(s\), e.g. 2024-02-29 \(40 of 40 "
                                        r"stocks\) with \|pct_chg\| > 0.35.*divide those dates' pct_chg by 100"):
        check_data(quiet.lazy())
