"""`compute_factors`: input validation, derived inputs, skipping, ±inf accounting, batching, no look-ahead."""

from __future__ import annotations

import dataclasses
import warnings
from datetime import date

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from aurumq_rl.data.synth import generate, preset
from aurumq_rl.errors import DataError
from aurumq_rl.factors import ops
from aurumq_rl.factors.engine import _hops, compute_factors, select_specs
from aurumq_rl.factors.expr import X
from aurumq_rl.factors.registry import REGISTRY, FactorSpec, register, specs

TECH = "tech,cmf,zt"
# Finite-window alphas (no recursive SMA) checked by the batching test when their family is registered.
OTHER = ("alpha_001", "alpha_012", "alpha_026", "alpha_101", "gtja_001", "gtja_002", "gtja_014")


@pytest.fixture(scope="module")
def synth() -> tuple[pl.DataFrame, pl.DataFrame]:
    return generate(preset("small"))


def _extra(spec_name: str, inputs: tuple[str, ...], build: object) -> FactorSpec:
    return FactorSpec(name=spec_name, family="tech", formula="test", inputs=inputs, lookback=1,
                      quality="clean", build=build)  # type: ignore[arg-type]


def test_every_factor_skipped_leaves_the_keys_of_every_row(synth: tuple, monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing computable (the one factor asked for needs a column the data lacks): the output is the input's
    (ts_code, trade_date) keys, sorted, over every date batch."""
    df, _ = synth
    specs()
    monkeypatch.setitem(REGISTRY, "tech_zz_cap", _extra("tech_zz_cap", ("cap",), lambda: X.col("cap") / 2))
    out, rep = compute_factors(df, only="tech_zz_cap", batch_days=45, progress=False)
    assert rep.computed == [] and list(rep.skipped) == ["tech_zz_cap"] and rep.batches > 1
    assert_frame_equal(out, df.select("ts_code", "trade_date").sort("ts_code", "trade_date"))


def test_automatic_batches_hold_about_auto_batch_rows_and_twice_the_warm_up(monkeypatch: pytest.MonkeyPatch) -> None:
    """120 dates × 10 stocks = 1200 rows, 10 per date; alpha_004 warms up 8 rows. Above AUTO_BATCH_ROWS = 1000:
    1000 // 10 = 100 dates per batch (2 batches); at 100 rows: 10 dates, raised to 2 × 8 = 16 (8 batches).
    Either way the output equals one batch."""
    from aurumq_rl.factors import engine

    df = _suspended_panel({})
    full, one = compute_factors(df, only="alpha_004", progress=False)
    assert one.batches == 1
    for cap, days, batches in ((1000, 100, 2), (100, 16, 8)):
        monkeypatch.setattr(engine, "AUTO_BATCH_ROWS", cap)
        out, rep = compute_factors(df, only="alpha_004", progress=False)
        assert (rep.warmup_rows, rep.batch_days, rep.batches) == (8, days, batches)
        assert_frame_equal(full, out, rel_tol=1e-6, abs_tol=1e-7)


def test_missing_inputs_are_skipped_with_reason(synth: tuple, monkeypatch: pytest.MonkeyPatch) -> None:
    df, _ = synth
    specs()
    monkeypatch.setitem(REGISTRY, "tech_zz_cap", _extra("tech_zz_cap", ("cap",), lambda: X.col("cap") / 2))
    monkeypatch.setitem(REGISTRY, "tech_zz_bench", _extra("tech_zz_bench", ("close", "bench_close"),
                                                          lambda: X.col("close") / X.col("bench_close")))
    out, rep = compute_factors(df, only="tech_zz_cap,tech_zz_bench,tech_ma5_ratio", progress=False)
    assert rep.computed == ["tech_ma5_ratio"]
    assert "missing input(s) cap" in rep.skipped["tech_zz_cap"] and "INPUT" in rep.skipped["tech_zz_cap"]
    assert "bench_close" in rep.skipped["tech_zz_bench"] and "--index" in rep.skipped["tech_zz_bench"]
    assert "tech_zz_cap" not in out.columns and "skipped 2 factor(s)" in rep.format()


def test_index_joined_as_bench(synth: tuple, monkeypatch: pytest.MonkeyPatch) -> None:
    df, idx = synth
    specs()
    monkeypatch.setitem(REGISTRY, "tech_zz_bench", _extra("tech_zz_bench", ("close", "bench_close"),
                                                          lambda: X.col("close") / X.col("bench_close")))
    out, rep = compute_factors(df, only="tech_zz_bench", index=idx, progress=False)
    assert rep.computed == ["tech_zz_bench"]
    row = out.row(1000, named=True)
    want = (df.filter((pl.col("ts_code") == row["ts_code"]) & (pl.col("trade_date") == row["trade_date"]))["close"][0]
            / idx.filter(pl.col("trade_date") == row["trade_date"])["close"][0])
    assert row["tech_zz_bench"] == pytest.approx(want, rel=1e-6)
    # a file of several indices: refused without a choice, one picked by --index-code
    two = pl.concat([idx.with_columns(pl.lit("000300.SH").alias("ts_code")),
                     idx.with_columns(pl.lit("000905.SH").alias("ts_code"), pl.col("close") * 2)])
    with pytest.raises(DataError, match=r"several index codes.*--index-code 000300\.SH"):
        compute_factors(df, only="tech_zz_bench", index=two, progress=False)
    with pytest.raises(DataError, match=r"--index-code 399006\.SZ: not in.*000905\.SH"):
        compute_factors(df, only="tech_zz_bench", index=two, index_code="399006.SZ", progress=False)
    with pytest.raises(DataError, match="no ts_code column"):
        compute_factors(df, only="tech_zz_bench", index=idx.drop("ts_code", strict=False), index_code="000300.SH",
                        progress=False)
    picked, _ = compute_factors(df, only="tech_zz_bench", index=two, index_code="000905.SH", progress=False)
    assert picked.row(1000, named=True)["tech_zz_bench"] == pytest.approx(want / 2, rel=1e-6)


def test_an_index_with_a_bad_or_repeated_trade_date_is_named(synth: tuple) -> None:
    """Index bars whose trade_date is not a date, or holds one date twice, are refused naming --index and
    the column, before any factor is computed."""
    df, idx = synth
    text = idx.with_columns(pl.col("trade_date").dt.strftime("%Y%m%d"))
    bad = text.with_columns(pl.when(pl.int_range(pl.len()) == 3).then(pl.lit("2021-13-45"))
                            .otherwise(pl.col("trade_date")).alias("trade_date"))
    with pytest.raises(DataError, match="--index .*trade_date holds values that are not dates"):
        compute_factors(df, families="cmf", index=bad, progress=False)
    twice = pl.concat([idx, idx.head(1)])
    with pytest.raises(DataError, match="--index .*duplicate trade_date rows"):
        compute_factors(df, families="cmf", index=twice, progress=False)


def test_an_index_that_misses_dates_of_the_input_is_named(synth: tuple, monkeypatch: pytest.MonkeyPatch) -> None:
    """Index bars that stop before the stock bars (an index file not updated with them) left every benchmark
    factor null on the later dates without a word; now a warning counts the dates and names the factors.
    Nothing is said when the index covers the data or no chosen factor reads it."""
    df, idx = synth
    specs()
    monkeypatch.setitem(REGISTRY, "tech_zz_bench", _extra("tech_zz_bench", ("close", "bench_close"),
                                                          lambda: X.col("close") / X.col("bench_close")))
    dates = df["trade_date"].unique().sort()
    cut = idx.filter(pl.col("trade_date") < dates[-10])
    with pytest.warns(UserWarning, match=r"--index has no bar on 10 of the 400 dates.*tech_zz_bench.*null"):
        out, _ = compute_factors(df, only="tech_zz_bench", index=cut, progress=False)
    assert out.filter(pl.col("trade_date") >= dates[-10])["tech_zz_bench"].null_count() == out.filter(
        pl.col("trade_date") >= dates[-10]).height
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        compute_factors(df, only="tech_zz_bench", index=idx, progress=False)
        compute_factors(df, only="tech_ma5_ratio", index=cut, progress=False)


def test_index_prices_are_read_like_the_panels(synth: tuple, monkeypatch: pytest.MonkeyPatch) -> None:
    """Index prices went through a bare cast: text that is not a number was a polars traceback, a Boolean close
    became 1.0/0.0 without a word, and a NaN close a NaN factor that no warning counted. Now the panel's own
    numeric reader names the file and column, and a NaN (or null) bar is a gap the gap warning counts."""
    df, idx = synth
    specs()
    monkeypatch.setitem(REGISTRY, "tech_zz_bench", _extra("tech_zz_bench", ("close", "bench_close"),
                                                          lambda: X.col("close") / X.col("bench_close")))
    row5 = pl.int_range(pl.len()) == 5
    text = idx.with_columns(pl.when(row5).then(pl.lit("n/a")).otherwise(pl.col("close").cast(pl.String)).alias("close"))
    with pytest.raises(DataError, match=r"--index .*column close has 1 value\(s\) that are not numbers.*'n/a'"):
        compute_factors(df, only="tech_zz_bench", index=text, progress=False)
    with pytest.raises(DataError, match=r"--index .*column close has type Boolean"):
        compute_factors(df, only="tech_zz_bench", index=idx.with_columns(pl.col("close") > 0), progress=False)
    nan = idx.with_columns(pl.when(row5).then(float("nan")).otherwise(pl.col("close")).alias("close"))
    with pytest.warns(UserWarning) as got:
        out, _ = compute_factors(df, only="tech_zz_bench", index=nan, progress=False)
    said = " | ".join(str(w.message) for w in got)
    assert "close has 1 NaN/inf value(s)" in said and "--index has no bar on 1 of the 400 dates" in said
    assert not out["tech_zz_bench"].is_nan().any()


def test_vwap_and_pre_close_derived(synth: tuple) -> None:
    df, _ = synth
    given, _ = compute_factors(df, only="tech_vwap_bias,tech_amplitude", progress=False)
    derived, rep = compute_factors(df.drop("vwap", "pre_close"), only="tech_vwap_bias,tech_amplitude",
                                   progress=False)
    assert rep.derived == ["vwap", "pre_close"]
    # synth amount = vwap * vol * 100 / 1000, so amount * 1000 / (vol * 100) gives the vwap back
    traded = df.sort("ts_code", "trade_date")["vol"] > 0
    assert_frame_equal(given.filter(traded), derived.filter(traded), rel_tol=1e-5, abs_tol=1e-6)
    assert derived.filter(~traded)["tech_vwap_bias"].null_count() == int((~traded).sum())  # vol 0: no vwap


def test_inf_sanitised_and_counted(synth: tuple, monkeypatch: pytest.MonkeyPatch) -> None:
    df, _ = synth
    specs()
    # a raw polars division in a custom map (the expression layer's own `/` and `**` give null instead)
    inv = _extra("tech_zz_inv", ("close", "open"),
                 lambda: X.col("close").map(lambda e: 1.0 / (e - pl.col("open")).round(2).cast(pl.Float64)))
    monkeypatch.setitem(REGISTRY, "tech_zz_inv", inv)
    out, rep = compute_factors(df, only="tech_zz_inv", batch_days=150, progress=False)
    df = df.sort("ts_code", "trade_date")
    flat = (df["close"] - df["open"]).round(2) == 0
    traded_flat = flat & (df["vol"] > 0)
    assert int(traded_flat.sum()) > 0
    assert rep.inf_counts["tech_zz_inv"] == int(traded_flat.sum())
    assert out.filter(flat)["tech_zz_inv"].null_count() == int(flat.sum())
    assert out["tech_zz_inv"].is_infinite().sum() == 0
    assert "tech_zz_inv" in rep.format()


def test_output_layout_float32_sorted(synth: tuple) -> None:
    df, _ = synth
    out, rep = compute_factors(df.sample(fraction=1.0, shuffle=True, seed=1), families="cmf", progress=False)
    assert out.columns == ["ts_code", "trade_date", "cmf_120", "cmf_60"]
    assert out.schema["cmf_60"] == pl.Float32 and out.height == df.height
    assert out.select(pl.col("ts_code", "trade_date")).equals(df.sort("ts_code", "trade_date")
                                                               .select("ts_code", "trade_date"))
    assert rep.rows == df.height and rep.stocks == df["ts_code"].n_unique()


def test_batched_equals_unbatched(synth: tuple) -> None:
    df, idx = synth
    others = [n for n in OTHER if n in {s.name for s in specs()}]
    only = ",".join(others) or None
    full, rep1 = compute_factors(df, families=TECH, only=only, index=idx, progress=False)
    # gapped stocks (missing rows) must exist for the per-stock warm-up to be exercised
    assert (df.group_by("ts_code").len()["len"] < df["trade_date"].n_unique()).any()
    batched, rep2 = compute_factors(df, families=TECH, only=only, index=idx, batch_days=45, factor_batch=7,
                                    progress=False)
    assert rep1.batches == 1 and rep2.batches == 9 and rep2.warmup_rows >= 119
    assert_frame_equal(full, batched, rel_tol=1e-5, abs_tol=1e-6)


def _suspended_panel(gaps: dict[str, tuple[int, int]], n_stocks: int = 10, n_days: int = 120) -> pl.DataFrame:
    """Random-walk OHLCV panel (vwap = close); each stock in `gaps` has no bars on its days [a, b)."""
    rng = np.random.default_rng(0)
    days = pl.date_range(date(2021, 1, 4), date(2021, 12, 31), eager=True)
    days = days.filter(days.dt.weekday() <= 5).head(n_days)
    ret = rng.normal(0, 0.02, (n_stocks, n_days))
    close = (10 * np.cumprod(1 + ret, axis=1)).ravel()
    df = pl.DataFrame({
        "ts_code": np.repeat([f"6000{i:02d}.SH" for i in range(n_stocks)], n_days),
        "trade_date": pl.concat([days] * n_stocks), "open": close, "high": close * 1.02, "low": close * 0.98,
        "close": close, "vol": 1e5, "amount": close * 1e4, "pct_chg": ret.ravel(),
    }).with_columns(pl.int_range(pl.len()).over("ts_code").alias("_i"))
    for code, (a, b) in gaps.items():
        df = df.filter((pl.col("ts_code") != code) | ~pl.col("_i").is_between(a, b, closed="left"))
    return df.drop("_i")


def test_batched_equals_unbatched_after_a_suspension() -> None:
    # 600000.SH resumes on the first day of batch 2: its own 8-bar warm-up reaches dates before the batch's
    # market-wide warm-up, where rank(low) needs the whole cross section
    df = _suspended_panel({"600000.SH": (40, 60)})
    full, _ = compute_factors(df, only="alpha_004", progress=False)
    batched, rep = compute_factors(df, only="alpha_004", batch_days=60, progress=False)
    assert rep.batches == 2 and rep.warmup_rows == 8
    back = batched.filter((pl.col("ts_code") == "600000.SH") & (pl.col("trade_date") >= df["trade_date"][60]))
    assert back["alpha_004"].head(8).null_count() == 0
    assert_frame_equal(full, batched, rel_tol=1e-6, abs_tol=1e-7)


def test_batched_equals_unbatched_across_two_cross_sections(monkeypatch: pytest.MonkeyPatch) -> None:
    # ts(cs(ts(cs))): 600000.SH's window reaches back across its suspension to dates where 600001.SH's inner
    # window reaches back across its own, earlier suspension: both cross sections must be complete
    df = _suspended_panel({"600000.SH": (40, 60), "600001.SH": (20, 36)})
    specs()
    build = lambda: ops.ts_sum(ops.scale(ops.ts_sum(ops.scale(X.col("low")), 5)), 5)  # noqa: E731
    monkeypatch.setitem(REGISTRY, "tech_zz_nest", FactorSpec(
        name="tech_zz_nest", family="tech", formula="test", inputs=("low",), lookback=build().lookback,
        quality="clean", build=build))
    full, _ = compute_factors(df, only="tech_zz_nest", progress=False)
    batched, rep = compute_factors(df, only="tech_zz_nest", batch_days=60, progress=False)
    assert rep.batches == 2 and rep.warmup_rows == 8
    assert_frame_equal(full, batched, rel_tol=1e-6, abs_tol=1e-7)


def test_a_suspended_row_with_vol_0_gives_the_values_of_a_missing_row() -> None:
    # one suspension written the two ways vendors write it: no bar, or a bar with vol 0 at the last close
    gaps = {"600000.SH": (40, 60), "600003.SH": (70, 72), "600005.SH": (100, 101)}
    missing = _suspended_panel(gaps)
    full = _suspended_panel({})
    halted = pl.any_horizontal([(pl.col("ts_code") == c) & pl.int_range(pl.len()).over("ts_code").is_between(a, b - 1)
                                for c, (a, b) in gaps.items()])
    price = pl.when(halted.not_()).then(pl.col("close")).forward_fill().over("ts_code")
    zero_vol = full.with_columns(
        *[pl.when(halted).then(price).otherwise(pl.col(c)).alias(c) for c in ("open", "high", "low", "close")],
        *[pl.when(halted).then(0.0).otherwise(pl.col(c)).alias(c) for c in ("vol", "amount", "pct_chg")])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # vwap falls back to the typical price on this panel: same in both
        want, rep_missing = compute_factors(missing, progress=False)
        got, rep = compute_factors(zero_vol, batch_days=50, progress=False)
    assert rep.suspended_rows == 20 + 2 + 1 and rep_missing.suspended_rows == 0
    assert "23 suspended row(s) (vol == 0)" in rep.format()
    assert got.height == zero_vol.height and got.columns == want.columns
    is_halted = zero_vol.sort("ts_code", "trade_date").select(halted)["ts_code"]
    assert got.filter(is_halted).drop("ts_code", "trade_date").null_count().sum_horizontal().item() == \
        23 * (len(got.columns) - 2)
    assert_frame_equal(got.filter(~is_halted), want, rel_tol=1e-5, abs_tol=1e-6)


def test_cross_section_hops_count_cross_sections_below_a_window() -> None:
    low, rank, ts_rank = X.col("low"), ops.rank, lambda x: ops.ts_rank(x, 5)
    assert _hops({"a": rank(ts_rank(low)), "b": ops.ts_sum(ts_rank(low), 3)}) == 0  # cs only on batch dates
    assert _hops({"a": ts_rank(rank(rank(low)))}) == 1  # consecutive cross sections read one date
    assert _hops({"a": ts_rank(rank(ts_rank(rank(low)))), "b": ts_rank(low)}) == 2


def test_no_look_ahead(synth: tuple) -> None:
    df, _ = synth
    dates = df["trade_date"].unique().sort()
    t = dates[250]
    rng = np.random.default_rng(7)
    after = pl.col("trade_date") > t
    k = pl.Series(rng.uniform(0.8, 1.25, df.height))
    moved = df.with_columns(
        *[pl.when(after).then((pl.col(c) * k).round(2)).otherwise(pl.col(c)).alias(c)
          for c in ("open", "high", "low", "close")],
        pl.when(after).then(pl.col("vol") * 3 + 1).otherwise(pl.col("vol")).alias("vol"),
    ).with_columns(pl.max_horizontal("open", "high", "low", "close").alias("high"),
                   pl.min_horizontal("open", "high", "low", "close").alias("low"),
                   pl.when(after).then(pl.col("close") / pl.col("pre_close") - 1).otherwise(pl.col("pct_chg"))
                   .alias("pct_chg"))
    base, _ = compute_factors(df, families=TECH, progress=False)
    pert, _ = compute_factors(moved, families=TECH, progress=False)
    cut = pl.col("trade_date") <= t
    assert not base.filter(~cut).equals(pert.filter(~cut))  # the perturbation does reach the later rows
    assert_frame_equal(base.filter(cut), pert.filter(cut))  # exact: nothing at <= t moved


def test_bad_trade_date_is_named(synth: tuple, tmp_path) -> None:
    df, _ = synth
    bad = pl.int_range(pl.len()) == 5
    text = df.with_columns(pl.when(bad).then(pl.lit("2021/01/05"))
                           .otherwise(pl.col("trade_date").dt.strftime("%Y%m%d")).alias("trade_date"))
    text.write_parquet(tmp_path / "bad.parquet")
    with pytest.raises(DataError, match=r"1 value\(s\) that are not dates \(e\.g\. '2021/01/05'\)"):
        compute_factors(tmp_path / "bad.parquet", families="cmf", progress=False)
    ints = text.with_columns(pl.when(bad).then(pl.lit("20211345")).otherwise(pl.col("trade_date")).cast(pl.Int64)
                             .alias("trade_date"))
    with pytest.raises(DataError, match=r"not dates \(e\.g\. 20211345\)"):
        compute_factors(ints, families="cmf", progress=False)


def test_non_numeric_prices_are_named_and_numeric_text_is_read(synth: tuple) -> None:
    """The engine reads prices with the loader's rule: text that parses is used, anything else is named."""
    df, _ = synth
    as_text = df.with_columns(pl.col("amount").cast(pl.String))
    want = compute_factors(df, families="cmf", progress=False)[0]
    assert compute_factors(as_text, families="cmf", progress=False)[0].equals(want)
    bad = as_text.with_columns(pl.when(pl.int_range(pl.len()) == 3).then(pl.lit("n/a")).otherwise(pl.col("amount"))
                               .alias("amount"))
    with pytest.raises(DataError, match=r"column amount has 1 value\(s\) that are not numbers \(e\.g\. 'n/a'\)"):
        compute_factors(bad, families="cmf", progress=False)


def test_select_specs_union_and_errors() -> None:
    names = [s.name for s in select_specs("cmf", "tech_ma5_ratio")]
    assert names == ["tech_ma5_ratio", "cmf_120", "cmf_60"]
    with pytest.raises(DataError, match="unknown factor family 'techx'"):
        select_specs("techx")
    with pytest.raises(DataError, match="did you mean tech_ma5_ratio"):
        select_specs(None, "tech_ma5ratio")



def test_select_specs_without_families_or_names_is_every_registered_factor() -> None:
    got = select_specs()
    assert sorted(s.name for s in got) == sorted(s.name for s in specs())
    assert [s.name for s in got if s.family == "cmf"] == ["cmf_120", "cmf_60"]  # sorted as any selection


def test_bad_inputs_raise_data_error(synth: tuple, tmp_path) -> None:
    df, idx = synth
    with pytest.raises(DataError, match="missing required column.*amount"):
        compute_factors(df.drop("amount"), families="cmf", progress=False)
    with pytest.raises(DataError, match="pct_chg looks like percent"):
        compute_factors(df.with_columns(pl.col("pct_chg") * 100), families="cmf", progress=False)
    with pytest.raises(DataError, match="--index.*missing column.*high"):
        compute_factors(df, families="cmf", index=idx.drop("high"), progress=False)
    with pytest.raises(DataError, match="data file not found"):
        compute_factors(tmp_path / "nope.parquet", families="cmf", progress=False)
    with pytest.raises(DataError, match="batch_days"):
        compute_factors(df, families="cmf", batch_days=0, progress=False)
    with pytest.raises(DataError, match="factor_batch=0"):
        compute_factors(df, families="cmf", factor_batch=0, progress=False)


@pytest.mark.parametrize(("changes", "message"), [
    ({"inputs": ("close", "turnover")}, r"factor tech_zz: unknown inputs \['turnover'\]"),
    ({"quality": "stub", "build": None}, "factor tech_zz: a stub must carry a reason"),
    ({"quality": "stub", "build": lambda: X.col("close"), "reason": "no data"}, "build must be None exactly when"),
    ({"build": None}, "factor tech_zz: build must be None exactly when quality is 'stub'"),
])
def test_a_malformed_factor_spec_is_refused_naming_the_factor(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        dataclasses.replace(_extra("tech_zz", ("close",), lambda: X.col("close")), **changes)


def test_a_factor_name_registered_twice_is_refused_and_the_first_kept() -> None:
    first = specs()[0]
    with pytest.raises(ValueError, match=f"factor {first.name} registered twice"):
        register(dataclasses.replace(first, formula="another"))
    assert REGISTRY[first.name] is first


def test_impossible_prices_are_warned_about_like_data_check(synth: tuple) -> None:
    """A non-positive price on a traded row is warned about with `data check`'s wording (column, count, an
    example row). A suspended row written with 0 prices (a vendor convention) is not: the engine leaves it
    out of every window (the 0 close would have put an MA5 ratio of -1 on it and skewed the next 4 rows), and
    the traded rows get the values they get without it; clean data gives no warning."""
    df, _ = synth
    row = df.filter(pl.col("vol") > 0).row(500, named=True)
    at = (pl.col("ts_code") == row["ts_code"]) & (pl.col("trade_date") == row["trade_date"])
    zero = df.with_columns(pl.when(at).then(0.0).otherwise(pl.col(c)).alias(c)
                           for c in ("open", "high", "low", "close", "vol", "amount"))

    def messages(data: pl.DataFrame) -> list[str]:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            compute_factors(data, only="tech_ma5_ratio", progress=False)
        return [str(w.message) for w in caught if "column " in str(w.message)]

    assert messages(df) == []
    assert messages(zero) == []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got_zero, _ = compute_factors(zero, only="tech_ma5_ratio", progress=False)
        without, _ = compute_factors(df.filter(~at), only="tech_ma5_ratio", progress=False)
    assert got_zero.filter(at)["tech_ma5_ratio"].null_count() == 1
    assert_frame_equal(got_zero.filter(~at), without)
    traded_low = df.with_columns(pl.when(at).then(-1.0).otherwise(pl.col("low")).alias("low"))
    got = messages(traded_low)
    assert len(got) == 1 and "column low has 1 non-positive value(s) on traded rows" in got[0], got
