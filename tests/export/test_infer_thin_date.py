"""Inference warns when the decision date holds far fewer stocks than the dates before it (data downloaded
before the day was complete): its picks would come from part of the market."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from aurumq_rl.infer.picks import thin_date_warning


def _market_and_bundle(tmp_path: Path) -> tuple[str, Path, pl.DataFrame, pl.Series, pl.Series]:
    """A small market (60 stocks × 40 days), a one-factor bundle, the market's frame, dates and codes."""
    from tests.export.conftest import make_bundle, small_market_file

    data = small_market_file(tmp_path)
    df = pl.read_parquet(data)
    return (data, make_bundle(tmp_path / "b", names=["alpha_001"], weights=[1.0]), df,
            df["trade_date"].unique().sort(), df["ts_code"].unique().sort())


def _counts(n: list[int]) -> pl.DataFrame:
    dates = pl.date_range(pl.date(2024, 1, 1), pl.date(2024, 1, len(n)), eager=True)
    return pl.DataFrame({"trade_date": dates, "len": n})


def test_thin_last_date_warns_and_a_full_one_does_not() -> None:
    day = np.datetime64("2024-01-30")
    assert thin_date_warning(_counts([10] * 30), day) is None
    msg = thin_date_warning(_counts([10] * 29 + [4]), day)  # 4 of 10 stocks on the last date
    assert msg is not None and "2024-01-30 holds 4 stocks against a median of 10 on the dates before it" in msg
    assert thin_date_warning(_counts([10] * 29 + [8]), day) is None  # at the 80% threshold: no warning


def test_a_date_inside_the_history_is_judged_by_the_dates_before_it_only() -> None:
    counts = _counts([10] * 20 + [3] + [1] * 9)  # later dates must not change the verdict on the 21st
    assert "holds 3 stocks" in thin_date_warning(counts, np.datetime64("2024-01-21"))
    assert thin_date_warning(counts, np.datetime64("2024-01-20")) is None
    assert thin_date_warning(counts, np.datetime64("2024-02-15")) is None  # not a date of the data


def test_too_little_history_decides_nothing() -> None:
    assert thin_date_warning(_counts([10, 10, 10, 2]), np.datetime64("2024-01-04")) is None  # from the 5th date


def test_infer_date_judges_the_date_against_the_history_before_it(run: tuple[str, Path], tmp_path: Path) -> None:
    """`infer --date D` loads its panel from D on, so the dates before D come from the whole file."""
    pytest.importorskip("onnxruntime")
    from aurumq_rl.cli.main import main

    data, out = run
    df = pl.read_parquet(data)
    dates = df["trade_date"].unique().sort()
    day = dates[len(dates) // 2]
    codes = df["ts_code"].unique().sort()
    keep = codes[: len(codes) // 3]  # a third of the market on `day`
    thin = df.filter((pl.col("trade_date") != day) | pl.col("ts_code").is_in(keep.implode()))
    path = tmp_path / "thin.parquet"
    thin.write_parquet(path)
    for source, expect in ((path, True), (data, False)):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            assert main(["infer", "--bundle", str(out / "bundle"), "--data", str(source), "--date", str(day)]) == 0
        hit = [w for w in caught if "looks incomplete" in str(w.message)]
        assert bool(hit) == expect, [str(w.message) for w in caught]
        if expect:
            assert f"{day} holds {thin.filter(pl.col('trade_date') == day).height} stocks" in str(hit[0].message)


def test_infer_warns_when_the_next_session_it_excludes_by_looks_incomplete(tmp_path: Path) -> None:
    """`infer --date D` with D+1 in the data excludes the stocks that cannot be bought at D+1; a stock with no
    bar there counts as suspended. When D+1 holds a third of the market (data downloaded before that day was
    complete), two thirds of the candidates are dropped as 'suspended' and the header says 'next session known:
    unbuyable names excluded': the replaced picks must be named in a warning."""
    pytest.importorskip("onnxruntime")

    from aurumq_rl.cli.main import main

    data, b, df, dates, codes = _market_and_bundle(tmp_path)
    day, nxt = dates[25], dates[26]
    thin = df.filter((pl.col("trade_date") != nxt) | pl.col("ts_code").is_in(codes[:20].implode()))
    path = tmp_path / "thin_next.parquet"
    thin.write_parquet(path)
    outs = {}
    for name, source in (("full", data), ("thin", path)):
        outs[name] = tmp_path / f"{name}.parquet"
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            assert main(["infer", "--bundle", str(b), "--data", str(source), "--date", str(day), "--top-k", "10",
                         "-o", str(outs[name])]) == 0
        hit = [str(w.message) for w in caught if str(nxt) in str(w.message) and "incomplete" in str(w.message)]
        assert bool(hit) == (name == "thin"), [str(w.message) for w in caught]
    full, part = pl.read_parquet(outs["full"]), pl.read_parquet(outs["thin"])
    assert set(full["ts_code"]) != set(part["ts_code"])  # the thin next day did replace picks
    assert "no bar" in hit[0] and "excluded" in hit[0]


def test_infer_batch_warns_of_a_thin_decision_date_inside_the_range(tmp_path: Path) -> None:
    """Batch mode checked only its last decision date: a thin date in the middle of --start/--end (picks made
    from part of the market) went unwarned. It is named now."""
    pytest.importorskip("onnxruntime")

    from aurumq_rl.cli.main import main

    data, b, df, dates, codes = _market_and_bundle(tmp_path)
    mid = dates[27]
    path = tmp_path / "thin_mid.parquet"
    df.filter((pl.col("trade_date") != mid) | pl.col("ts_code").is_in(codes[:20].implode())).write_parquet(path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert main(["infer", "--bundle", str(b), "--data", str(path), "--start", str(dates[25]), "--end",
                     str(dates[30]), "--top-k", "10", "-o", str(tmp_path / "p.parquet")]) == 0
    assert any(f"{mid} holds" in str(w.message) and "incomplete" in str(w.message) for w in caught), \
        [str(w.message) for w in caught]
