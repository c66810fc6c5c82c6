"""`aurumq-rl infer`: tomorrow's picks follow the next session's rules, the industry cap, and batch mode."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest

pytest.importorskip("onnxruntime")

from aurumq_rl.cli.main import main  # noqa: E402
from aurumq_rl.infer.scorer import Scorer  # noqa: E402
from aurumq_rl.market.limits import limit_prices  # noqa: E402
from aurumq_rl.market.selection import industry_cap  # noqa: E402

DAY = "2021-07-01"


def _picks(args: list[str], out: Path) -> pl.DataFrame:
    assert main([*args, "-o", str(out)]) == 0
    return pl.read_parquet(out)


def test_unbuyable_next_day_names_are_excluded(run: tuple[str, Path], tmp_path: Path) -> None:
    """The top names of a date, suspended or limit-up on the next session, drop out of the picks; the date's
    own scores do not change (t+1 data never reaches t's features)."""
    data, out = run
    base = _picks(["infer", "--bundle", str(out), "--data", data, "--date", DAY], tmp_path / "a.parquet")
    assert base["next_day_known"].all() and base.height == 10
    top = base["ts_code"].head(2).to_list()
    df = pl.read_parquet(data)
    nxt = df.filter(pl.col("trade_date") > pl.lit(DAY).str.to_date())["trade_date"].min()
    hit = (pl.col("trade_date") == nxt)
    mod = df.with_columns(
        pl.when(hit & (pl.col("ts_code") == top[0])).then(0.0).otherwise(pl.col("vol")).alias("vol"),  # suspended
        pl.when(hit & (pl.col("ts_code") == top[1])).then(limit_prices(pl.col("pre_close"), pl.lit(0.1),
                                                                       pl.lit(0.1))[0])  # limit-up close
        .otherwise(pl.col("close")).alias("close"))
    mod = mod.with_columns(pl.when(hit & (pl.col("ts_code") == top[1])).then(pl.col("close"))
                           .otherwise(pl.col("high")).alias("high"),
                           pl.when(hit & (pl.col("ts_code") == top[1])).then(pl.col("close") / pl.col("pre_close") - 1)
                           .otherwise(pl.col("pct_chg")).alias("pct_chg"))
    path = tmp_path / "mod.parquet"
    mod.write_parquet(path)
    after = _picks(["infer", "--bundle", str(out), "--data", str(path), "--date", DAY], tmp_path / "b.parquet")
    assert not set(top) & set(after["ts_code"].to_list())
    rest = base.filter(~pl.col("ts_code").is_in(top))
    kept = after.join(rest, on="ts_code")
    assert kept.height == rest.height
    np.testing.assert_array_equal(kept["score"].to_numpy(), kept["score_right"].to_numpy())


def test_picks_respect_the_industry_cap_and_rank_by_score(run: tuple[str, Path], tmp_path: Path) -> None:
    data, out = run
    picks = _picks(["infer", "--bundle", str(out), "--data", data, "--date", DAY, "--top-k", "20",
                    "--sizing", "strategy_d"], tmp_path / "p.parquet")
    assert picks["rank"].to_list() == list(range(1, 21))
    assert (np.diff(picks["score"].to_numpy()) <= 0).all()
    assert picks.group_by("industry").len()["len"].max() <= industry_cap(20)
    assert abs(picks["weight"].sum() - 1.0) < 1e-9
    # strategy_d: weight ∝ positive score (equal when none is positive)
    s = picks["score"].to_numpy().clip(0)
    if s.sum() > 0:
        np.testing.assert_allclose(picks["weight"].to_numpy(), s / s.sum())
    # the unconstrained ranking of the universe puts the same first name on top
    scorer = Scorer(out / "bundle")
    panel = scorer.load_panel(data, start=DAY, end=DAY)
    scores = scorer.score_panel(panel)[0]
    assert panel.codes[np.nanargmax(scores)] == picks["ts_code"][0]


def test_batch_mode_and_output_formats(run: tuple[str, Path], tmp_path: Path) -> None:
    data, out = run
    batch = _picks(["infer", "--bundle", str(out), "--data", data, "--start", "2021-07-01", "--end", "2021-07-14"],
                   tmp_path / "r.parquet")
    days = batch["trade_date"].unique().sort()
    assert len(days) == 10 and str(days[0]) == "2021-07-01" and str(days[-1]) == "2021-07-14"
    single = _picks(["infer", "--bundle", str(out), "--data", data, "--date", "2021-07-14"], tmp_path / "s.parquet")
    assert batch.filter(pl.col("trade_date") == days[-1]).equals(single)
    assert main(["infer", "--bundle", str(out), "--data", data, "--date", DAY, "-o", str(tmp_path / "p.json")]) == 0
    rows = json.loads((tmp_path / "p.json").read_text())
    assert rows[0]["rank"] == 1 and set(rows[0]) == set(single.columns)
    assert main(["infer", "--bundle", str(out), "--data", data, "--date", DAY, "-o", str(tmp_path / "p.csv")]) == 0
    assert (tmp_path / "p.csv").read_text().splitlines()[0].startswith("trade_date,rank,ts_code,score,weight")


def test_latest_date_by_default_marks_next_session_unknown(run: tuple[str, Path], tmp_path: Path) -> None:
    data, out = run
    picks = _picks(["infer", "--bundle", str(out), "--data", data], tmp_path / "l.parquet")
    last = pl.read_parquet(data)["trade_date"].max()
    assert (picks["trade_date"] == last).all() and not picks["next_day_known"].any()


@pytest.mark.parametrize(("extra", "message"), [
    (["--date", "2021-07-03"], "not a trading date"),
    (["--date", "2021-07-01", "--start", "2021-07-01"], "either --date or --start/--end"),
    (["--date", "07/01/2021"], "--date='07/01/2021' is not a date"),
    (["--date", "2021-07-01", "-o", "picks.xlsx"], ".csv, .json or .parquet"),
    (["--date", "2021-07-01", "--top-k", "0"], "--top-k 0"),
])
def test_bad_flags_are_named(run: tuple[str, Path], extra: list[str], message: str,
                             capsys: pytest.CaptureFixture[str]) -> None:
    data, out = run
    assert main(["infer", "--bundle", str(out), "--data", data, *extra]) == 2
    assert message in capsys.readouterr().err



def test_sizing_defaults_to_the_models(run: tuple[str, Path], tmp_path: Path) -> None:
    """Without --sizing, picks are weighted as the model was trained (its bundle's metadata): a run trained
    with Strategy D gives score-weighted picks, the shared equal-weight run equal ones."""
    from tests.export.conftest import TRAIN

    data, out = run
    equal = _picks(["infer", "--bundle", str(out / "bundle"), "--data", data, "--date", DAY], tmp_path / "e.parquet")
    np.testing.assert_allclose(equal["weight"].to_numpy(), 1 / equal.height)
    sd_run = tmp_path / "sd"
    assert main(["train", "--data", data, "--out-dir", str(sd_run), *TRAIN, "--sizing", "strategy_d"]) == 0
    sd = _picks(["infer", "--bundle", str(sd_run / "bundle"), "--data", data, "--date", DAY], tmp_path / "s.parquet")
    assert json.loads((sd_run / "bundle" / "metadata.json").read_text())["sizing"] == "strategy_d"
    w, s = sd["weight"].to_numpy(), sd["score"].to_numpy()
    assert w.sum() == pytest.approx(1.0) and w.std() > 0
    np.testing.assert_allclose(w, np.clip(s, 0, None) / np.clip(s, 0, None).sum())


def test_a_date_whose_next_session_suspends_every_stock_has_no_picks(run: tuple[str, Path], tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """Every stock suspended on the next session: nothing can be bought, which is said, not an empty table."""
    data, out = run
    df = pl.read_parquet(data)
    nxt = df.filter(pl.col("trade_date") > pl.lit(DAY).str.to_date())["trade_date"].min()
    path = tmp_path / "halted.parquet"
    df.with_columns(pl.when(pl.col("trade_date") == nxt).then(0.0).otherwise(pl.col("vol")).alias("vol")) \
        .write_parquet(path)
    picks = _picks(["infer", "--bundle", str(out), "--data", str(path), "--date", DAY], tmp_path / "p.parquet")
    assert picks.height == 0
    assert "no picks: no stock in the universe could be scored and bought" in capsys.readouterr().out
