"""`aurumq-rl eval` / `compare` end to end on the small synthetic market: an oracle beats the random band, a
factor source equals evaluating the factor directly, row order does not matter, compare aligns dates, and bad
input exits 2 naming the file or flag."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
import warnings
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

from aurumq_rl.cli.main import main
from aurumq_rl.data.loader import load_panel
from aurumq_rl.data.panel import Panel
from aurumq_rl.data.source import date_index
from aurumq_rl.eval.report import evaluate_scores
from tests.eval.helpers import demo_market

START, END = "2021-01-04", "2021-04-30"
FAST = ["--start", START, "--end", END, "--top-k", "10", "--random-draws", "10", "--cost-bps", "30,60"]
GHOST = "600999.SH"  # a well-formed code absent from the market


@pytest.fixture(scope="module")
def full() -> Panel:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return load_panel(demo_market(), factors=["alpha_001"], normalize="raw")


@pytest.fixture(scope="module")
def oracle(full: Panel) -> pl.DataFrame:
    """The true 5-day forward return as a score, every universe (date, stock), plus a row for a ghost stock."""
    fwd = full.forward_returns(5)
    t, n = np.nonzero(np.isfinite(fwd) & full.in_universe)
    df = pl.DataFrame({"ts_code": full.codes[n], "trade_date": full.dates[t], "score": fwd[t, n]})
    assert GHOST not in set(full.codes)
    day = full.dates[[date_index(full.dates, "2021-02-01", "day", "start")]]
    ghost = pl.DataFrame({"ts_code": [GHOST], "trade_date": day, "score": [1.0]})
    return pl.concat([df, ghost]).with_columns(pl.col("trade_date").cast(pl.Date))


def _eval(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        rc = main(args)
    out = capsys.readouterr()
    return rc, out.out, out.err


@pytest.fixture(scope="module")
def run_a(oracle: pl.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("a")
    oracle.write_parquet(root / "oracle.parquet")
    out = root / "out"
    with pytest.warns(UserWarning, match="oracle.parquet: 1 score row.*outside the panel"):  # the ghost stock
        rc = main(["eval", "--scores", str(root / "oracle.parquet"), "alpha_001", "--data", demo_market(), *FAST,
                   "-o", str(out)])
    assert rc == 0
    return out


def _close(a: Any, b: Any, path: str = "") -> None:
    """Recursive equality with a relative tolerance on floats (sums over different stock counts)."""
    if isinstance(a, dict):
        assert set(a) == set(b), path
        for k in a:
            _close(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _close(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and isinstance(b, float):
        assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12), (path, a, b)
    else:
        assert a == b, (path, a, b)


def _at(d: Any, dotted: str) -> Any:
    for k in dotted.split("."):
        d = d[k]
    return d


def test_oracle_beats_the_random_band_and_every_file_is_written(run_a: Path) -> None:
    out = run_a
    rep = json.loads((out / "eval.json").read_text())
    o = rep["results"]["oracle"]
    assert o["rank_ic"]["mean"] > 0.99
    assert o["topk"]["equal"]["mean"] > o["random"]["topk_mean"]["p95"] and o["random"]["topk_mean_percentile"] == 100
    assert rep["sources"][0]["kind"] == "parquet" and rep["sources"][0]["ignored_stock_not_in_panel"] == 1
    assert rep["sources"][1]["kind"] == "factor" and rep["inputs"]["start"] == START
    assert rep["ensembles"] == ["ensemble:rank_mean", "ensemble:z_mean", "ensemble:z_median"]
    assert rep["overlap"]["names"] == ["oracle", "alpha_001"]
    assert {p.name for p in out.iterdir()} == {"eval.json", "report.html", "equity.png", "ic.png", "quantiles.png",
                                               "cost_sweep.png", "trades.parquet", "equity.parquet"}
    assert not list(out.parent.glob(".*.tmp"))
    page = (out / "report.html").read_text()
    assert page.count('src="data:image/png;base64,') == 4 and "http://" not in page and "https://" not in page
    trades = pl.read_parquet(out / "trades.parquet")
    assert {"source", "ts_code", "decision_date", "entry_date", "exit_date", "net_return", "reason"} <= set(
        trades.columns) and trades.filter(pl.col("source") == "oracle").height > 100
    eq = pl.read_parquet(out / "equity.parquet").filter(pl.col("source") == "oracle")["equity"]
    assert eq[-1] - 1 == pytest.approx(o["backtest"]["fp"]["30"]["total_return"], abs=1e-12)


def test_compare_uses_identical_dates_and_prints_both_names(oracle: pl.DataFrame, tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    oracle.filter(pl.col("trade_date") >= pl.date(2021, 3, 1)).write_parquet(tmp_path / "late.parquet")
    (tmp_path / "cmp").mkdir()
    (tmp_path / "cmp" / "keep.txt").write_text("mine")  # an existing OUT_DIR keeps its other files
    rc, out, _ = _eval(["compare", str(tmp_path / "late.parquet"), "factor:alpha_001", "--data", demo_market(),
                        *FAST, "-o", str(tmp_path / "cmp")], capsys)
    assert rc == 0
    rep = json.loads((tmp_path / "cmp" / "compare.json").read_text())
    assert rep["decision_dates"]["first"] == "2021-03-01" and rep["decision_dates"]["last"] == END
    assert list(rep["results"]) == ["late", "alpha_001"] and rep["ensembles"] == []
    n = {k: r["rank_ic"]["n_days"] for k, r in rep["results"].items()}
    assert n["late"] == n["alpha_001"] == rep["decision_dates"]["n"]  # the same dates for both
    header = next(line for line in out.splitlines() if line.startswith("metric"))
    assert header.split() == ["metric", "late", "alpha_001"]
    assert "net return @60bps" in out and f"report: {tmp_path / 'cmp' / 'compare.html'}" in out
    page = (tmp_path / "cmp" / "compare.html").read_text()
    assert "<th>late</th>" in page and "<th>alpha_001</th>" in page
    assert (tmp_path / "cmp" / "keep.txt").read_text() == "mine"


def test_factor_source_equals_evaluating_the_factor_directly(run_a: Path, full: Panel) -> None:
    rep = json.loads((run_a / "eval.json").read_text())
    got = rep["results"]["alpha_001"]
    first, last = rep["inputs"]["panel_dates"].split(" .. ")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        same = load_panel(demo_market(), factors=["alpha_001"], normalize="raw", start=first, end=last)
    for p in (same, full):
        s = np.where(p.factor_missing[..., 0] | ~p.in_universe, np.nan, p.factors[..., 0].astype(np.float64))
        direct = evaluate_scores(p, s, top_k=10, cost_bps=(30.0, 60.0), random_draws=10,
                                 start=date_index(p.dates, START, "--start", "start"),
                                 end=date_index(p.dates, END, "--end", "end"))
        if p is same:  # the panel the command loaded: every number
            _close(got, direct)
    # on the whole data: the draws differ (another panel shape), and so do ties of forward returns (rank IC,
    # win rates) that break on the float rounding of another cumsum base; the rest is the same
    for key in ("ic", "quantiles", "topk.equal", "topk.strategy_d", "topk.turnover", "backtest.fp.30.total_return",
                "backtest.main_wave.60.total_return", "backtest.main_wave.30.n_trades"):
        _close(_at(got, key), _at(direct, key), key)
    assert got["rank_ic"]["mean"] == pytest.approx(direct["rank_ic"]["mean"], rel=1e-3)


def test_row_order_and_date_format_do_not_change_any_number(run_a: Path, oracle: pl.DataFrame,
                                                           tmp_path: Path) -> None:
    shuffled = oracle.sample(fraction=1.0, shuffle=True, seed=7).with_columns(
        pl.col("trade_date").dt.strftime("%Y%m%d"))
    (tmp_path / "b").mkdir()
    shuffled.write_parquet(tmp_path / "b" / "oracle.parquet")
    with pytest.warns(UserWarning, match="outside the panel"):
        assert main(["eval", "--scores", str(tmp_path / "b" / "oracle.parquet"), "alpha_001", "--data",
                     demo_market(), *FAST, "-o", str(tmp_path / "out")]) == 0
    a = json.loads((run_a / "eval.json").read_text())
    b = json.loads((tmp_path / "out" / "eval.json").read_text())
    for key in ("results", "overlap", "series", "decision_dates", "settings"):
        assert a[key] == b[key], key


def _bad_inputs(root: Path, oracle: pl.DataFrame) -> dict[str, tuple[list[str], list[str]]]:
    oracle.drop("score").with_columns(pl.lit(1.0).alias("value")).write_parquet(root / "noscore.parquet")
    pl.concat([oracle.head(5), oracle.head(1)]).write_parquet(root / "dup.parquet")
    oracle.filter(pl.col("trade_date") < pl.date(2021, 2, 1)).write_parquet(root / "early.parquet")
    oracle.filter(pl.col("trade_date") > pl.date(2021, 3, 1)).write_parquet(root / "late.parquet")
    (root / "file").write_text("x")
    market = pl.read_parquet(demo_market())
    market.drop("trade_date").write_parquet(root / "nodate.parquet")
    market.head(0).write_parquet(root / "norows.parquet")
    oracle.with_columns(pl.lit(float("nan")).alias("score")).write_parquet(root / "unscored.parquet")
    ev = ["eval", "--data", demo_market(), *FAST, "-o", str(root / "out"), "--scores"]
    return {
        "missing score column": (ev + [str(root / "noscore.parquet")], ["noscore.parquet", "score"]),
        "duplicate keys": (ev + [str(root / "dup.parquet")], ["dup.parquet", "share a (ts_code, trade_date)"]),
        "unknown source": (ev + ["alpha_0001"], ["--scores alpha_0001", "unknown source", "alpha_001"]),
        "end before start": (ev + ["alpha_001", "--start", "2021-05-01"], ["--end 2021-04-30 is before --start"]),
        "no overlap": (ev + [str(root / "early.parquet"), str(root / "late.parquet")],
                       ["no decision date", "every source", "early:", "late:"]),
        "bad costs": (ev + ["alpha_001", "--cost-bps", "30,abc"], ["--cost-bps '30,abc'"]),
        "negative cost": (ev + ["alpha_001", "--cost-bps", "30,-5"], ["--cost-bps '30,-5'", "≥ 0"]),
        "no cost": (ev + ["alpha_001", "--cost-bps", ","], ["--cost-bps ','", "one or more"]),
        "nan cost": (ev + ["alpha_001", "--cost-bps", "nan"], ["--cost-bps 'nan'", "finite"]),  # was a traceback
        "infinite cost": (ev + ["alpha_001", "--cost-bps", "30,inf"], ["--cost-bps '30,inf'", "finite"]),
        "cost below the fixed fees": (ev + ["alpha_001", "--cost-bps", "3"], ["round_trip_bps=3 (--cost-bps)"]),
        "data without trade_date": (ev + ["alpha_001", "--data", str(root / "nodate.parquet")],
                                    ["nodate.parquet: no trade_date column"]),
        "data without rows": (ev + ["alpha_001", "--data", str(root / "norows.parquet")],
                              ["norows.parquet: no trading date"]),
        "no finite score": (ev + [str(root / "unscored.parquet")],
                            ["unscored.parquet: no score for a universe stock", "2021-01-04 .. 2021-04-30"]),
        "bad top-k": (ev + ["alpha_001", "--top-k", "0"], ["--top-k 0"]),
        "top-k above the universe": (ev + ["alpha_001", "--top-k", "5000"],
                                     ["--top-k 5000", "universe 'main_board_non_st' holds at most"]),
        "one compare source": (["compare", "alpha_001", "--data", demo_market()], ["at least two"]),
        "out is a file": (["eval", "--data", demo_market(), *FAST, "-o", str(root / "file"), "--scores",
                           "alpha_001"], ["-o", "(Not a directory)"]),
    }


def test_bad_input_exits_2_naming_the_file_or_flag(oracle: pl.DataFrame, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    for case, (args, needles) in _bad_inputs(tmp_path, oracle).items():
        rc, _, err = _eval(args, capsys)
        assert rc == 2, case
        assert "Traceback" not in err and all(n in err for n in needles), (case, err)
    assert not (tmp_path / "out").exists() and not list(tmp_path.glob(".*.tmp"))


def test_eval_modules_do_not_import_torch() -> None:
    code = ("import sys, aurumq_rl.cli.eval, aurumq_rl.eval.sources, aurumq_rl.eval.suite, aurumq_rl.eval.html, "
            "aurumq_rl.eval.charts; print('torch' in sys.modules, 'matplotlib' in sys.modules)")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert res.stdout.split() == ["False", "False"]


@pytest.mark.parametrize(("top_k", "refused"), [("5", False), ("6", True)])
def test_top_k_check_reads_the_decision_window_only(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                    top_k: str, refused: bool) -> None:
    """Six stocks trade on every date outside --start..--end (the loaded warm-up and forward tail); inside it,
    three trade on each date but the last, which has five. K = 5 is filled on that last decision date; K = 6
    by no decision date, though the warm-up and tail hold six."""
    cal = pl.date_range(pl.date(2024, 1, 1), pl.date(2024, 4, 30), "1d", eager=True)
    days = cal.filter(cal.dt.weekday() <= 5)[:45]
    rng = np.random.default_rng(0)
    rows = []
    for i, d in enumerate(days):
        traded = 6 if i < 25 or i > 30 else (5 if i == 30 else 3)
        for k in range(6):
            rows.append({"ts_code": f"60000{k}.SH", "trade_date": d, "close": 10.0, "pct_chg": 0.0,
                         "vol": 1000.0 if k < traded else 0.0, "alpha_001": float(rng.normal()),
                         "list_date": date(2010, 1, 4)})
    path = tmp_path / "m.parquet"
    pl.DataFrame(rows).write_parquet(path)
    rc, _, err = _eval(["eval", "--scores", "alpha_001", "--data", str(path), "--start", str(days[25]), "--end",
                        str(days[30]), "--top-k", top_k, "--random-draws", "2", "-o", str(tmp_path / "out")], capsys)
    assert rc == (2 if refused else 0), err
    if refused:
        assert "--top-k 6: universe 'main_board_non_st' holds at most 5 stocks" in err


def test_negate_flips_every_figure_of_a_factor_source(run_a: Path, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    rc, _, err = _eval(["eval", "--scores", "alpha_001", "--negate", "--data", demo_market(), *FAST, "-o",
                        str(tmp_path / "neg")], capsys)
    assert rc == 0, err
    got = json.loads((tmp_path / "neg" / "eval.json").read_text())["results"]
    plain = json.loads((run_a / "eval.json").read_text())["results"]["alpha_001"]
    assert list(got) == ["-alpha_001"]
    for key in ("rank_ic", "ic"):
        assert got["-alpha_001"][key]["mean"] == pytest.approx(-plain[key]["mean"], abs=1e-12), key


def _run_dir(root: Path, oracle: pl.DataFrame) -> Path:
    """A run directory holding a hand-written scores.parquet (no record of how it was made)."""
    root.mkdir()
    oracle.filter(pl.col("ts_code") != GHOST).write_parquet(root / "scores.parquet")
    return root


def test_a_run_dir_without_a_model_is_evaluated_on_the_default_universe(oracle: pl.DataFrame, tmp_path: Path,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    run = _run_dir(tmp_path / "run", oracle)
    rc, _, err = _eval(["eval", "--scores", str(run), "--data", demo_market(), *FAST, "-o", str(tmp_path / "o")],
                       capsys)
    assert rc == 0, err
    assert json.loads((tmp_path / "o" / "eval.json").read_text())["inputs"]["universe"] == "main_board_non_st"


def test_a_run_dir_whose_model_metadata_is_unreadable_is_named(oracle: pl.DataFrame, tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    """The record of the model beside the scores decides the universe: a corrupt one is an error, not a guess."""
    run = _run_dir(tmp_path / "run", oracle)
    (run / "bundle").mkdir()
    (run / "bundle" / "policy.onnx").write_bytes(b"")
    (run / "bundle" / "metadata.json").write_text('{"universe": ')
    rc, _, err = _eval(["eval", "--scores", str(run), "--data", demo_market(), *FAST, "-o", str(tmp_path / "o")],
                       capsys)
    assert rc == 2 and "Traceback" not in err
    assert f"--scores {run}: cannot read {run / 'bundle' / 'metadata.json'}" in err, err
    assert not (tmp_path / "o").exists()


def test_scores_off_the_trading_calendar_or_without_a_key_are_named(oracle: pl.DataFrame, full: Panel,
                                                                    tmp_path: Path) -> None:
    """Scores dated a day late (every Friday's score lands on a Saturday) and rows with no trade_date are
    ignored, and each is said: before, both were dropped without a word and the decision dates shrank."""
    shifted = oracle.filter(pl.col("ts_code") != GHOST).with_columns(pl.col("trade_date") + pl.duration(days=1))
    blank = pl.DataFrame({"ts_code": ["600000.SH"], "trade_date": [None], "score": [1.0]}, schema=shifted.schema)
    pl.concat([shifted, blank]).write_parquet(tmp_path / "late.parquet")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert main(["eval", "--scores", str(tmp_path / "late.parquet"), "--data", demo_market(), *FAST,
                     "-o", str(tmp_path / "out")]) == 0
    said = [str(w.message) for w in caught]
    assert any("1 row(s) without a trade_date or ts_code ignored" in m for m in said), said
    # expected: shifted rows inside the evaluation panel's span on a day the market does not trade
    report = json.loads((tmp_path / "out" / "eval.json").read_text())
    lo, hi = (np.datetime64(d) for d in report["inputs"]["panel_dates"].split(" .. "))
    days = shifted["trade_date"].to_numpy().astype("datetime64[D]")
    want = int(((days >= lo) & (days <= hi) & ~np.isin(days, full.dates)).sum())
    assert want > 0
    assert report["sources"][0]["ignored_date_not_trading"] == want
    off = [m for m in said if "not trading dates" in m]
    assert off == [f"{tmp_path / 'late.parquet'}: {want} score row(s) dated on days that are not trading dates of "
                   f"{demo_market()} ignored (weekends, holidays, or dates shifted by a day?); date each score by "
                   "the trading date whose close it was made after"], said


def test_a_constant_score_is_named_as_no_choice(oracle: pl.DataFrame, tmp_path: Path) -> None:
    """A source scoring every universe stock alike (a constant column) has a top-K that is the code tie-break:
    eval says so and counts the dates (`constant_dates`); a varying source is not named."""
    flat = oracle.filter(pl.col("ts_code") != GHOST).with_columns(pl.lit(1.0).alias("score"))
    flat.write_parquet(tmp_path / "flat.parquet")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert main(["eval", "--scores", str(tmp_path / "flat.parquet"), "alpha_001", "--data", demo_market(),
                     *FAST, "-o", str(tmp_path / "out")]) == 0
    said = [str(w.message) for w in caught if "tie-break" in str(w.message)]
    report = json.loads((tmp_path / "out" / "eval.json").read_text())
    flat_info, factor_info = report["sources"]
    assert flat_info["constant_dates"] == flat_info["dates_with_scores"] > 0 and factor_info["constant_dates"] == 0
    n = flat_info["dates_with_scores"]
    assert said == [f"{tmp_path / 'flat.parquet'}: one score for every universe stock on {n} of its {n} decision "
                    "dates, so its top-K there is the tie-break (a hash of date and code), not a choice; a constant "
                    "column is no signal"], said


def test_a_score_constant_on_half_its_dates_is_named_and_on_fewer_is_not(oracle: pl.DataFrame, full: Panel,
                                                                         tmp_path: Path) -> None:
    """The constant-score warning needs one score for every universe stock on at least half the source's
    decision dates: 5 of 10 is named, 4 of 10 is not."""
    days = full.dates[full.dates >= np.datetime64("2021-02-01")][:10]  # inside the FAST window's decision dates
    scored = oracle.filter(pl.col("ts_code") != GHOST).filter(pl.col("trade_date").is_in(days.astype(object)))

    def flat_on(k: int, name: str) -> Path:
        path = tmp_path / name
        scored.with_columns(pl.when(pl.col("trade_date").is_in(days[:k].astype(object))).then(1.0)
                            .otherwise(pl.col("score")).alias("score")).write_parquet(path)
        return path

    half, fewer = flat_on(5, "half.parquet"), flat_on(4, "fewer.parquet")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert main(["eval", "--scores", str(half), str(fewer), "--data", demo_market(), *FAST,
                     "-o", str(tmp_path / "out")]) == 0
    report = json.loads((tmp_path / "out" / "eval.json").read_text())
    assert [(s["dates_with_scores"], s["constant_dates"]) for s in report["sources"]] == [(10, 5), (10, 4)]
    said = [str(w.message) for w in caught if "tie-break" in str(w.message)]
    assert len(said) == 1 and said[0].startswith(f"{half}: one score for every universe stock on 5 of its 10 "), said


def test_the_backtest_is_sized_as_the_model_was_trained(oracle: pl.DataFrame, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    """A model trained (and run by `infer`) with Strategy D weights was backtested with equal weights: every
    net return, Sharpe, drawdown and the equity curve described another book. The backtest now takes the
    model's recorded sizing (the setting is in the report); --sizing chooses another."""
    run = _run_dir(tmp_path / "run", oracle)
    (run / "bundle").mkdir()
    (run / "bundle" / "policy.onnx").write_bytes(b"")
    (run / "bundle" / "metadata.json").write_text('{"universe": "main_board_non_st", "sizing": "strategy_d"}')
    reports = {}
    for flag in ([], ["--sizing", "equal"], ["--sizing", "strategy_d"]):
        out = tmp_path / f"o{len(reports)}"
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            assert main(["eval", "--scores", str(run), "--data", demo_market(), *FAST, *flag, "-o", str(out)]) == 0
        capsys.readouterr()
        reports[tuple(flag)] = json.loads((out / "eval.json").read_text())
        assert not [w for w in seen if "recorded other values" in str(w.message)]  # a flag is a choice
    recorded, equal, d = reports[()], reports[("--sizing", "equal")], reports[("--sizing", "strategy_d")]
    assert recorded["settings"]["backtest_sizing"] == "strategy_d" and equal["settings"]["backtest_sizing"] == "equal"
    name = next(iter(recorded["results"]))
    bt = lambda r: r["results"][name]["backtest"]["fp"]["30"]["total_return"]  # noqa: E731
    assert bt(recorded) == bt(d) != bt(equal)
    assert recorded["results"][name]["topk"] == equal["results"][name]["topk"]  # the table reports both anyway
    other = _run_dir(tmp_path / "run2", oracle)
    (other / "bundle").mkdir()
    (other / "bundle" / "policy.onnx").write_bytes(b"")
    (other / "bundle" / "metadata.json").write_text('{"universe": "main_board_non_st", "sizing": "equal"}')
    with pytest.warns(UserWarning, match=rf"judged under .*--sizing strategy_d.*{other} \(--sizing equal\) recorded"):
        assert main(["compare", str(run), str(other), "--data", demo_market(), *FAST, "-o", str(tmp_path / "c")]) == 0


def test_a_window_of_few_independent_periods_is_warned(oracle: pl.DataFrame, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    """The Hansen–Hodrick t-stats overstate significance on few fp-day periods (under no skill |t| > 1.96 for
    17% of scores at fp 20 over 120 dates): fewer than 20 periods are named; a long enough window is not."""
    run = _run_dir(tmp_path / "run", oracle)
    short = ["--start", START, "--end", END, "--top-k", "10", "--random-draws", "5", "--cost-bps", "30"]
    for fp, warned in (("20", True), ("1", False)):
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            assert main(["eval", "--scores", str(run), "--data", demo_market(), *short, "--forward-period", fp,
                         "-o", str(tmp_path / f"o{fp}")]) == 0
        capsys.readouterr()
        got = [str(w.message) for w in seen if "independent" in str(w.message)]
        assert bool(got) == warned, got
        if warned:
            assert re.search(rf"\d+ decision dates hold only \d independent {fp}-day periods \(under 20\)", got[0])


def test_a_model_is_judged_at_its_own_top_k(oracle: pl.DataFrame, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    """`infer` serves a model's recorded top_k (20 here); eval judged a top-30 book unless told: it now takes the
    model's top_k by default, and --top-k still chooses."""
    run = _run_dir(tmp_path / "run", oracle)
    (run / "bundle").mkdir()
    (run / "bundle" / "policy.onnx").write_bytes(b"")
    (run / "bundle" / "metadata.json").write_text('{"universe": "main_board_non_st", "top_k": 20}')
    window = ["--start", START, "--end", END, "--random-draws", "5", "--cost-bps", "30"]
    for flag, want in (([], 20), (["--top-k", "7"], 7)):
        out = tmp_path / f"o{want}"
        rc, _, err = _eval(["eval", "--scores", str(run), "--data", demo_market(), *window, *flag, "-o", str(out)],
                           capsys)
        assert rc == 0, err
        assert json.loads((out / "eval.json").read_text())["settings"]["top_k"] == want


def test_a_cost_given_twice_is_swept_once() -> None:
    """--cost-bps 30,60,30: the backtests ran per distinct cost but the summary repeated the 30 bps rows."""
    import argparse

    from aurumq_rl.cli.eval import register, settings_from_args

    ap = argparse.ArgumentParser()
    register(ap.add_subparsers())

    args = ap.parse_args(["eval", "--data", "x", "--scores", "alpha_001", "-o", "o", "--cost-bps", "30,60,30,30.0"])
    assert settings_from_args(args).cost_bps == (30.0, 60.0)
