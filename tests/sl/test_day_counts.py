"""Every SL IC figure comes with the number of dates it averages: walk-forward windows, `sl train`, `sl stack`."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from aurumq_rl.cli.main import main
from aurumq_rl.data.panel import Panel
from aurumq_rl.data.scores import read_score_frame
from aurumq_rl.eval.ic import ic_series
from aurumq_rl.eval.metrics import summarize_ic
from aurumq_rl.eval.sources import align_long
from aurumq_rl.sl.labels import Label
from aurumq_rl.sl.walk_forward import WalkForwardConfig, walk_forward
from tests.sl.helpers import FAST

CLI_FAST = ["--num-boost-round", "40", "--learning-rate", "0.1", "--min-data-in-leaf", "50", "--num-threads", "1"]


def test_walk_forward_windows_report_their_test_days(panel: Panel, label: Label) -> None:
    res = walk_forward(panel, label, FAST, [1], WalkForwardConfig(train_days=150, test_days=40, min_train_days=100))
    t_n, h = len(panel.dates), label.horizon  # 300 dates, horizon 6: the last label is that of date T − 1 − 6
    for w, rep in zip(res.windows, res.per_window, strict=True):
        lo, hi = w.test
        assert rep["test_n_days"] == min(hi, t_n - 1 - h) - lo + 1  # ≥ 10 labelled stocks on every date
    last = res.per_window[-1]
    assert last["test_n_days"] < 40 and res.windows[-1].test[1] == t_n - 1  # the short last window says so


def test_sl_train_prints_each_ic_with_its_own_day_count(market: str, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "bin"
    assert main(["sl", "train", "--data", market, "--label", "binary", "--positive-rate", "0.01", "--seeds", "1",
                 "--out-dir", str(out), *CLI_FAST]) == 0
    text = capsys.readouterr().out
    run = json.loads((out / "sl_run.json").read_text())
    for k in ("val", "test"):
        lab, ret = run[k]["label"]["n_days"], run[k]["forward_return"]["n_days"]
        assert lab < ret  # binary labels drop the dates without a positive; the return IC keeps them
        line = next(x for x in text.splitlines() if x.split()[:3] == [k, "rank", "IC"])
        assert re.search(rf"vs label \S+ \({lab} days\)\s+vs 5d return \S+ \({ret} days\)", line), line


def test_sl_stack_t_stat_spans_the_label_overlap(market: str, panel: Panel, label: Label, tmp_path: Path) -> None:
    files = []
    for name in ("alpha_001", "alpha_002"):  # raw factors: scores needing no fit, out of sample everywhere
        f = tmp_path / name / "scores.parquet"
        f.parent.mkdir()
        pl.read_parquet(market, columns=["ts_code", "trade_date", name]).rename({name: "score"}).write_parquet(f)
        files.append(str(f))
    out = tmp_path / "stack"
    assert main(["sl", "stack", *files, "--data", market, "--step", "40", "--min-fit-dates", "60",
                 "--out-dir", str(out)]) == 0
    got = json.loads((out / "sl_stack.json").read_text())["rank_ic_vs_label"]["stacked"]
    stacked, _ = align_long(read_score_frame(str(out / "scores.parquet")), panel)
    mask = panel.in_universe & np.isfinite(stacked).any(1)[:, None]
    ic = ic_series(stacked, label.values, mask, "rank")
    assert got["n_days"] == summarize_ic(ic)["n_days"]
    # forward_return fp 5: the label reads t+1 … t+6, five return days, so fp − 1 = 4 lags
    assert got["t_stat"] == pytest.approx(summarize_ic(ic, 5)["t_stat"], rel=1e-9)
    assert got["t_stat"] != pytest.approx(summarize_ic(ic)["t_stat"], rel=1e-3)
