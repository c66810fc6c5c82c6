"""Score sources: classification, the scores Parquet contract, alignment to the panel, the evaluation window
(warm-up, forward tail, decision range), raw factor scores and the common decision dates."""

from __future__ import annotations

import dataclasses
import json
import warnings
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from aurumq_rl.data.labels import MAIN_WAVE_MAX_HOLD
from aurumq_rl.data.loader import load_panel
from aurumq_rl.data.scores import read_score_frame
from aurumq_rl.errors import DataError
from aurumq_rl.eval.report import evaluate_scores_full
from aurumq_rl.eval.sources import (
    TAIL_MARGIN_DAYS,
    WARMUP_DAYS,
    EvalPanel,
    ScoreSet,
    SourceSpec,
    align_dense,
    align_long,
    classify_source,
    common_dates,
    data_columns_and_calendar,
    factor_scores,
    load_eval_panel,
    load_scores,
    numbered,
    unique_names,
)
from aurumq_rl.market.status import MarketConfig
from tests.eval.helpers import demo_market, make_panel

COLUMNS = ["ts_code", "trade_date", "close", "pct_chg", "vol", "alpha_001", "gtja_001"]


def _scores(path: Path, codes: list[str], dates: list, values: list[float]) -> Path:
    pl.DataFrame({"ts_code": codes, "trade_date": dates, "score": values}).write_parquet(path)
    return path


def test_classify_every_kind(tmp_path: Path) -> None:
    assert classify_source("factor:alpha_001", COLUMNS).kind == "factor"
    bare = classify_source("gtja_001", COLUMNS, negate=True)
    assert (bare.kind, bare.factor, bare.name, bare.negate) == ("factor", "gtja_001", "-gtja_001", True)
    f = _scores(tmp_path / "mine.parquet", ["600000.SH"], ["2021-01-04"], [1.0])
    assert (classify_source(str(f), COLUMNS).kind, classify_source(str(f), COLUMNS).name) == ("parquet", "mine")
    run = tmp_path / "sl_run"
    run.mkdir()
    _scores(run / "scores.parquet", ["600000.SH"], ["2021-01-04"], [1.0])
    (run / "manifest.json").write_text(json.dumps({"kind": "sl_gbdt"}))
    spec = classify_source(str(run), COLUMNS)  # scores.parquet wins over the model
    assert (spec.kind, spec.path, spec.name) == ("run", run / "scores.parquet", "sl_run")
    for name, files in (("bundle", ("metadata.json", "policy.onnx")), ("sl_model", ("manifest.json",))):
        d = tmp_path / name
        d.mkdir()
        for fn in files:
            (d / fn).write_text(json.dumps({"kind": "sl_gbdt"}))
        assert classify_source(str(d), COLUMNS).kind == "model"
    (tmp_path / "rl_run" / "bundle").mkdir(parents=True)  # an empty bundle/ is no model
    with pytest.raises(DataError, match="neither scores.parquet nor a model"):
        classify_source(str(tmp_path / "rl_run"), COLUMNS)
    for fn in ("metadata.json", "policy.onnx"):
        (tmp_path / "rl_run" / "bundle" / fn).write_text("{}")
    assert classify_source(str(tmp_path / "rl_run"), COLUMNS).kind == "model"


def test_unknown_sources_name_the_argument_and_what_is_accepted(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"alpha_01.*unknown source.*alpha_001.*scores Parquet.*factor column"):
        classify_source("alpha_01", COLUMNS)
    with pytest.raises(DataError, match="factor:mf_999.*not in the data"):
        classify_source("factor:mf_999", COLUMNS)
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="empty.*neither scores.parquet nor a model"):
        classify_source(str(tmp_path / "empty"), COLUMNS)
    with pytest.raises(DataError, match="no_such.parquet"):
        classify_source(str(tmp_path / "no_such.parquet"), COLUMNS)


def test_unique_names() -> None:
    specs = [SourceSpec("a/x", "run", "x"), SourceSpec("b/x", "run", "x"), SourceSpec("y", "factor", "y")]
    unique_names(specs)
    assert [s.name for s in specs] == ["x", "x#2", "y"]
    # a name already taken (sl stack's own `stacked` key) counts as the first of its kind
    assert numbered(["a", "a", "stacked", "a"], taken=["stacked"]) == ["a", "a#2", "stacked#2", "a#3"]


def test_score_frame_contract(tmp_path: Path) -> None:
    f = _scores(tmp_path / "s.parquet", ["600000.SH", "600001.SH", "600002.SH"],
                ["2021-01-04", "20210105", "2021-01-06"], [1.0, float("inf"), None])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # every row keyed: nothing ignored, nothing said
        df = read_score_frame(f)
    assert df.schema == {"ts_code": pl.String, "trade_date": pl.Date, "score": pl.Float64}
    assert df["trade_date"].cast(pl.String).to_list() == ["2021-01-04", "2021-01-05", "2021-01-06"]
    assert df["score"][0] == 1.0 and np.isnan(df["score"][1]) and np.isnan(df["score"][2])
    ints = tmp_path / "int.parquet"
    pl.DataFrame({"ts_code": ["600000.SH"], "trade_date": [20210104], "score": [2]}).write_parquet(ints)
    assert read_score_frame(ints)["trade_date"].cast(pl.String).to_list() == ["2021-01-04"]


def test_score_rows_without_a_date_or_a_code_are_ignored_and_counted(tmp_path: Path) -> None:
    f = _scores(tmp_path / "s.parquet", ["600000.SH", None, "600002.SH", None],
                ["2021-01-04", "2021-01-05", None, None], [1.0, 2.0, 3.0, 4.0])
    with pytest.warns(UserWarning, match=r"s\.parquet: 3 row\(s\) without a trade_date or ts_code ignored"):
        df = read_score_frame(f)
    assert df.rows() == [("600000.SH", date(2021, 1, 4), 1.0)]

@pytest.mark.parametrize(("frame", "match"), [
    ({"ts_code": ["600000.SH"], "trade_date": ["2021-01-04"], "value": [1.0]}, r"bad.parquet: missing column.*score"),
    ({"ts_code": ["600000.SH"] * 2, "trade_date": ["2021-01-04", "20210104"], "score": [1.0, 2.0]},
     r"bad.parquet: 2 rows share.*600000.SH on 2021-01-04"),
    ({"ts_code": ["600000.SH"], "trade_date": ["04/01/2021"], "score": [1.0]}, r"bad.parquet.*trade_date.*04/01/2021"),
    ({"ts_code": ["600000.SH"], "trade_date": ["2021-01-04"], "score": ["high"]}, r"bad.parquet.*score.*numeric"),
])
def test_score_frame_rejects_bad_files(tmp_path: Path, frame: dict, match: str) -> None:
    pl.DataFrame(frame).write_parquet(tmp_path / "bad.parquet")
    with pytest.raises(DataError, match=match):
        read_score_frame(tmp_path / "bad.parquet")


def test_data_whose_shards_differ_is_a_data_error_naming_the_odd_shard(tmp_path: Path) -> None:
    """A directory whose shards have different columns (a factor added later): DataError naming the odd shard
    (`eval` / `compare` died with a polars SchemaError traceback). The same for a scores Parquet whose footer
    reads but whose data does not, below."""
    market = pl.read_parquet(demo_market())
    (tmp_path / "d" / "y1").mkdir(parents=True)
    (tmp_path / "d" / "y2").mkdir()
    market.head(100).write_parquet(tmp_path / "d" / "y1" / "part.parquet")
    market.tail(100).with_columns(pl.col("alpha_001").alias("alpha_011")).write_parquet(tmp_path / "d" / "y2" /
                                                                                        "part.parquet")
    with pytest.raises(DataError, match=r"y2/part.parquet has extra alpha_011 compared with .*y1/part.parquet"):
        data_columns_and_calendar(tmp_path / "d")


def test_a_scores_parquet_that_cannot_be_read_is_a_data_error(tmp_path: Path) -> None:
    bad = _scores(tmp_path / "s.parquet", ["600000.SH"] * 1000, ["2021-01-04"] * 1000, [float(i) for i in range(1000)])
    pl.read_parquet(bad).write_parquet(bad, compression="uncompressed", statistics=False)
    raw = bytearray(bad.read_bytes())
    raw[4:len(raw) // 2] = b"\xff" * (len(raw) // 2 - 4)  # the data pages; the footer (schema) stays intact
    bad.write_bytes(bytes(raw))
    with pytest.raises(DataError, match=r"s.parquet: cannot read it \(.*\); it must be a readable Parquet file: "
                                        r"rewrite or replace it$"):  # one file: no talk of shards
        read_score_frame(bad)


def test_align_long_ignores_and_counts_outside_rows_and_is_order_free() -> None:
    p = make_panel(np.zeros((3, 2)))  # dates 2024-01-02..04, codes 600000.SH 600001.SH
    frame = pl.DataFrame({"ts_code": ["600001.SH", "600000.SH", "688001.SH", "600000.SH"],
                          "trade_date": ["2024-01-03", "2024-01-04", "2024-01-03", "2023-12-29"],
                          "score": [1.5, -2.0, 9.0, 9.0]}).with_columns(pl.col("trade_date").str.to_date())
    out, info = align_long(frame, p)
    expect = np.full((3, 2), np.nan)
    expect[1, 1], expect[2, 0] = 1.5, -2.0
    np.testing.assert_array_equal(out, expect)
    assert info == {"rows": 4, "rows_used": 2, "ignored_date_outside_panel": 1, "ignored_date_not_trading": 0,
                    "ignored_stock_not_in_panel": 1}
    shuffled, _ = align_long(frame.sample(fraction=1.0, shuffle=True, seed=3), p)
    np.testing.assert_array_equal(shuffled, expect)


def test_align_long_counts_rows_dated_between_trading_dates() -> None:
    """A row dated inside the panel's span on a day that is not one of its trading dates (here 2024-01-03 of a
    panel trading on the 2nd, 4th and 5th) is counted apart from rows before or after the panel."""
    p = dataclasses.replace(make_panel(np.zeros((3, 2))),
                            dates=np.array(["2024-01-02", "2024-01-04", "2024-01-05"], dtype="datetime64[D]"))
    frame = pl.DataFrame({"ts_code": ["600000.SH"] * 4, "trade_date": ["2024-01-03", "2024-01-04", "2024-01-06",
                                                                        "2024-01-01"],
                          "score": [1.0, 2.0, 3.0, 4.0]}).with_columns(pl.col("trade_date").str.to_date())
    _, info = align_long(frame, p)
    assert (info["rows_used"], info["ignored_date_outside_panel"], info["ignored_date_not_trading"]) == (1, 3, 1)


def test_constant_dates_counts_dates_where_two_or_more_universe_scores_are_equal(tmp_path: Path) -> None:
    """A date counts as constant when at least two universe stocks are scored and their scores are all equal;
    a score for a stock outside the universe does not break the tie, and one scored stock is no tie."""
    uni = np.ones((5, 3), bool)
    uni[:, 2] = False  # 600002.SH is never in the universe
    ep = EvalPanel(make_panel(np.zeros((5, 3)), in_universe=uni), 0, 4, "all")
    d = [f"2024-01-0{i}" for i in range(2, 7)]
    rows = [("600000.SH", d[0], 1.0), ("600001.SH", d[0], 1.0), ("600002.SH", d[0], 5.0),  # equal in the universe
            ("600000.SH", d[1], 1.0),  # one scored stock: no tie
            ("600000.SH", d[2], 1.0), ("600001.SH", d[2], 2.0),  # varies
            ("600000.SH", d[3], 3.0), ("600001.SH", d[3], 3.0),  # equal
            ("600000.SH", d[4], 4.0), ("600001.SH", d[4], float("nan")), ("600002.SH", d[4], 4.0)]  # one finite
    path = tmp_path / "s.parquet"
    pl.DataFrame({"ts_code": [r[0] for r in rows], "trade_date": [r[1] for r in rows],
                  "score": [r[2] for r in rows]}).with_columns(pl.col("trade_date").str.to_date()).write_parquet(path)
    got = load_scores(classify_source(str(path), COLUMNS), ep, demo_market())
    assert got.info["dates_with_scores"] == 5 and got.info["constant_dates"] == 2  # the 2nd and the 5th January


def test_align_dense_reindexes_dates_and_codes() -> None:
    p = make_panel(np.zeros((3, 2)))
    dates = np.array(["2024-01-03", "2024-01-05"], dtype="datetime64[D]")
    codes = np.array(["600001.SH", "600009.SH", "600000.SH"])
    out = align_dense(dates, codes, np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), p)
    np.testing.assert_array_equal(out, [[np.nan, np.nan], [3.0, 1.0], [np.nan, np.nan]])


def test_eval_panel_window_warmup_tail_and_errors() -> None:
    data = demo_market()
    columns, cal = data_columns_and_calendar(data)
    specs = [classify_source("alpha_001", columns)]
    ep = load_eval_panel(data, specs, calendar=cal, universe="main_board_non_st", start="2021-01-04",
                         end="2021-03-31", forward_period=5)
    d = ep.panel.dates
    assert str(d[ep.lo]) == "2021-01-04" and str(d[ep.hi]) == "2021-03-31"
    assert ep.lo == WARMUP_DAYS and len(d) - 1 - ep.hi == 5 + 2 + TAIL_MARGIN_DAYS  # warm-up, forward tail
    assert ep.panel.factor_names == ["alpha_001"] and ep.panel.meta["normalize"] == "raw"
    kw = {"calendar": cal, "universe": "main_board_non_st", "forward_period": 5}
    with pytest.raises(DataError, match="--end 2021-01-01 is before --start 2021-03-01"):
        load_eval_panel(data, specs, start="2021-03-01", end="2021-01-01", **kw)
    with pytest.raises(DataError, match="no trading date"):
        load_eval_panel(data, specs, start="2030-01-01", end="2030-02-01", **kw)
    with pytest.raises(DataError, match="--start='soon'"):
        load_eval_panel(data, specs, start="soon", end=None, **kw)
    with pytest.raises(DataError, match=rf"forward window.*move --start to {cal[-1 - 1 - 5]} or earlier"):
        load_eval_panel(data, specs, start=str(cal[-3]), end=None, **kw)
    with pytest.warns(UserWarning, match="no full 5-day forward window and 5-day main-wave hold"):
        tail = load_eval_panel(data, specs, start=str(cal[-40]), end=None, **kw)
    assert tail.hi == len(tail.panel.dates) - 2 - 5


@pytest.mark.parametrize("fp", [2, 5, 8])
def test_eval_window_ends_where_every_reported_label_fits(fp: int) -> None:
    """With --end at the data's end the window stops at the last decision whose forward window and main-wave
    hold both fit: the dates eval.json counts are the dates `evaluate_scores` reports on (with fp < 5 the
    window used to run past them, to T − 2 − fp)."""
    data = demo_market()
    columns, cal = data_columns_and_calendar(data)
    specs = [classify_source("alpha_001", columns)]
    with pytest.warns(UserWarning, match=f"no full {fp}-day forward window and 5-day main-wave hold"):
        ep = load_eval_panel(data, specs, calendar=cal, universe="main_board_non_st", start=str(cal[-40]),
                             end=None, forward_period=fp)
    t_n = len(ep.panel.dates)
    assert ep.hi == t_n - 2 - max(fp, MAIN_WAVE_MAX_HOLD)
    scores = factor_scores(ep.panel, "alpha_001")
    ev = evaluate_scores_full(ep.panel, scores, forward_period=fp, random_draws=2, cost_bps=(30.0,),
                              start=ep.lo, end=ep.hi)
    assert ev.hi == ep.hi


def test_a_window_on_the_last_fitting_date_is_kept_as_is() -> None:
    """--start = --end = the last decision date whose 5-day forward window and main-wave hold fit: one date,
    evaluated without a clipping warning; with --end past it, clipped to that one date; a date later has none
    left."""
    data = demo_market()
    columns, cal = data_columns_and_calendar(data)
    specs = [classify_source("alpha_001", columns)]
    kw = {"calendar": cal, "universe": "main_board_non_st", "forward_period": 5}
    last = str(cal[-1 - 1 - 5])  # fill at the next close, then 5 more closes: the data's last one
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ep = load_eval_panel(data, specs, start=last, end=last, **kw)
    assert ep.lo == ep.hi and str(ep.panel.dates[ep.hi]) == last
    assert ep.hi == len(ep.panel.dates) - 2 - MAIN_WAVE_MAX_HOLD
    with pytest.warns(UserWarning, match=f"evaluated up to {last}"):  # --end past it: clipped to that one date
        clipped = load_eval_panel(data, specs, start=last, end=None, **kw)
    assert clipped.lo == clipped.hi and str(clipped.panel.dates[clipped.hi]) == last
    later = str(cal[-1 - 5])
    with pytest.raises(DataError, match=f"move --start to {last} or earlier"):
        load_eval_panel(data, specs, start=later, end=later, **kw)


def test_factor_scores_are_the_raw_values_nan_where_missing() -> None:
    names = ["alpha_001", "alpha_002", "alpha_003", "alpha_004", "alpha_005", "alpha_006", "alpha_007",
             "alpha_008", "alpha_009", "gtja_001"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        p = load_panel(demo_market(), factors=names, normalize="raw", start="2021-01-04", end="2021-02-26")
        raw = pl.read_parquet(demo_market(), columns=["ts_code", "trade_date", "gtja_001"])
    miss = p.factor_missing
    for f in (0, 8, 9):  # bits in the first and the second packed byte
        s = factor_scores(p, names[f])
        assert np.array_equal(np.isnan(s), miss[..., f] | ~p.in_universe)
        np.testing.assert_array_equal(s[~np.isnan(s)], p.factors[..., f][~np.isnan(s)].astype(np.float64))
    s = factor_scores(p, "gtja_001")
    t, n = np.argwhere(np.isfinite(s))[0]
    row = raw.filter((pl.col("ts_code") == p.codes[n]) & (pl.col("trade_date") == p.dates[t].astype(object)))
    assert s[t, n] == pytest.approx(row["gtja_001"][0], rel=1e-6)  # the raw value, not normalised


def test_common_dates_is_the_intersection_and_fails_when_empty() -> None:
    p = make_panel(np.zeros((6, 3)))
    ep = EvalPanel(p, 1, 4, "all")
    a, b = np.full((6, 3), np.nan), np.full((6, 3), np.nan)
    a[0:4, 0], b[2:6, 1] = 1.0, 2.0
    ok = common_dates([ScoreSet("a", "parquet", "a", a), ScoreSet("b", "parquet", "b", b)], ep)
    assert np.flatnonzero(ok).tolist() == [2, 3]
    c = np.full((6, 3), np.nan)
    c[4:, 2] = 1.0
    with pytest.raises(DataError, match=r"no decision date.*every source.*a: 2024-01-02 \.\. 2024-01-05.*c: "):
        common_dates([ScoreSet("a", "parquet", "a", a), ScoreSet("c", "parquet", "c", c)], ep)


class _FakeScorer:
    """Stands in for `aurumq_rl.infer.load_scorer(path)`: a 'model' whose score is the raw alpha_001."""

    metadata = {"universe": "all_non_st"}
    factor_names = ["alpha_001"]
    calls: list[tuple] = []

    def load_panel(self, data: str, *, start: str | None = None, end: str | None = None,
                   universe: str | None = None, market: MarketConfig | None = None):  # noqa: ANN201
        self.calls.append((start, end, universe, market))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return load_panel(data, universe=universe, start=start, end=end, factors=["alpha_001"], normalize="raw",
                              market=market or MarketConfig())

    def score_panel(self, panel) -> np.ndarray:  # noqa: ANN001
        return factor_scores(panel, "alpha_001")


def test_model_sources_delegate_to_infer_and_align(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import types

    from aurumq_rl.eval.sources import load_model, load_scores, source_universe
    from aurumq_rl.infer import find_model

    fake = types.ModuleType("aurumq_rl.infer")
    fake.load_scorer = lambda path: _FakeScorer()  # type: ignore[attr-defined]
    fake.find_model = find_model  # type: ignore[attr-defined]
    monkeypatch.setitem(__import__("sys").modules, "aurumq_rl.infer", fake)
    (tmp_path / "bundle").mkdir()
    for fn in ("metadata.json", "policy.onnx"):
        (tmp_path / "bundle" / fn).write_text("{}")
    data = demo_market()
    columns, cal = data_columns_and_calendar(data)
    spec = classify_source(str(tmp_path), columns)
    load_model(spec)
    universe = source_universe([spec], None)
    assert universe == "all_non_st" and source_universe([spec], "hs300") == "hs300"
    market = MarketConfig(min_listed_days=5)
    ep = load_eval_panel(data, [spec], calendar=cal, universe=universe, start="2021-01-04", end="2021-02-26",
                         forward_period=5, market=market)
    got = load_scores(spec, ep, data)  # the model is scored under the evaluation's universe and market rules
    assert _FakeScorer.calls[-1] == (str(ep.panel.dates[0]), str(ep.panel.dates[ep.hi]), "all_non_st", market)
    window = slice(0, ep.hi + 1)
    np.testing.assert_array_equal(got.scores[window], factor_scores(ep.panel, "alpha_001")[window])
    assert np.isnan(got.scores[ep.hi + 1:]).all() and got.kind == "model" and got.info["dates_with_scores"] > 30
