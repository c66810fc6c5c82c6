"""The SL track's market rules: `sl train` / `sl walk-forward` load under `--min-listed-days` /
`--limit-method` and record them; `sl score` scores under the model's recorded rules unless a flag overrides."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import warnings
from pathlib import Path

import polars as pl
import pytest

from aurumq_rl.cli.main import main
from aurumq_rl.data.panel import Panel
from aurumq_rl.data.scores import read_scores_record
from aurumq_rl.io import RECORD_KEY, parquet_record
from aurumq_rl.market.boards import MAIN
from aurumq_rl.market.limits import LIMIT_RULES, LimitRule
from aurumq_rl.market.status import MarketConfig
from aurumq_rl.sl.model_io import MANIFEST, SLScorer
from tests.sl.test_cli_sl import FAST

RULES = {"min_listed_days": 0, "limit_method": "pct"}


@pytest.fixture(scope="module")
def trained(market: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("rules") / "run"
    assert main(["sl", "train", "--data", market, "--seeds", "1", "--out-dir", str(out), "--min-listed-days", "0",
                 "--limit-method", "pct", *FAST]) == 0
    return out


@pytest.fixture(scope="module")
def new_listings(market: str) -> pl.DataFrame:
    """(ts_code, trade_date) of main-board rows in their first 60 trading days, listed inside the data."""
    df = pl.read_parquet(market, columns=["ts_code", "trade_date", "list_date"])
    cal = df["trade_date"].unique().sort()
    day = pl.lit(cal).search_sorted(pl.col("trade_date")) - pl.lit(cal).search_sorted(pl.col("list_date")) + 1
    rows = df.filter((pl.col("list_date") >= cal[0]) & (day <= 60) & pl.col("ts_code").str.contains(r"^(60|00)"))
    assert rows.height, "the SL market should hold main-board new listings"
    return rows.select("ts_code", "trade_date")


def _new_scored(scores: Path, new_listings: pl.DataFrame) -> int:
    return pl.read_parquet(scores).join(new_listings, on=["ts_code", "trade_date"]).height


def test_sl_train_records_the_rules(market: str, trained: Path) -> None:
    assert json.loads((trained / "sl_run.json").read_text())["market"] == RULES
    assert json.loads((trained / "model" / MANIFEST).read_text())["market"] == RULES
    assert read_scores_record(trained / "scores.parquet") == {"made_by": "sl train", "universe": "main_board_non_st",
                                                              "market": RULES}
    panel = SLScorer(trained / "model").load_panel(market)  # the library default: the recorded rules
    assert (panel.meta["min_listed_days"], panel.meta["limit_method"]) == (0, "pct")


def test_sl_score_defaults_to_the_models_rules(market: str, trained: Path, new_listings: pl.DataFrame,
                                              tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Trained with 0 days, the model scores new listings with no flag; --min-listed-days 60 overrides it
    (saying so), and a manifest without the record falls back to the defaults."""
    base = ["sl", "score", "--data", market, "--model"]
    assert main([*base, str(trained / "model"), "-o", str(tmp_path / "own.parquet")]) == 0
    assert _new_scored(tmp_path / "own.parquet", new_listings) > 0
    assert "market rules:" not in capsys.readouterr().out
    assert main([*base, str(trained / "model"), "--min-listed-days", "60", "-o", str(tmp_path / "flag.parquet")]) == 0
    assert _new_scored(tmp_path / "flag.parquet", new_listings) == 0
    assert "market rules: --min-listed-days 60 (the model recorded 0)" in capsys.readouterr().out
    old = tmp_path / "old"
    shutil.copytree(trained / "model", old)
    meta = json.loads((old / MANIFEST).read_text())
    del meta["market"]
    (old / MANIFEST).write_text(json.dumps(meta))
    assert main([*base, str(old), "-o", str(tmp_path / "old.parquet")]) == 0
    assert _new_scored(tmp_path / "old.parquet", new_listings) == 0


def test_sl_walk_forward_loads_under_and_records_the_rules(market: str, new_listings: pl.DataFrame,
                                                           tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "wf"
    args = ["sl", "walk-forward", "--data", market, "--seeds", "1", "--test-days", "60", "--min-train-days", "100",
            "--out-dir", str(out), *FAST]
    assert main([*args, "--min-listed-days", "0"]) == 0
    assert json.loads((out / "sl_walk_forward.json").read_text())["market"] == {**RULES, "limit_method": "auto"}
    assert _new_scored(out / "scores.parquet", new_listings) > 0
    assert main([*args, "--min-listed-days", "-5"]) == 2  # checked before any work
    assert "--min-listed-days -5: give a whole number of trading days ≥ 0" in capsys.readouterr().err


def test_eval_of_an_sl_run_directory_uses_its_models_rules(market: str, trained: Path, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    """`eval --scores RUN` reads RUN/scores.parquet; the model saved beside it (RUN/model) recorded the rules
    and universe those scores were made under, and eval applies them as it does for a model source."""
    args = ["eval", "--scores", str(trained), "--data", market, "--random-draws", "3", "--top-k", "5"]
    assert main([*args, "-o", str(tmp_path / "own")]) == 0
    inputs = json.loads((tmp_path / "own" / "eval.json").read_text())["inputs"]
    assert inputs["market"] == RULES and inputs["universe"] == "main_board_non_st"
    capsys.readouterr()
    assert main([*args, "--min-listed-days", "60", "-o", str(tmp_path / "flag")]) == 0
    assert "market rules: --min-listed-days 60" in capsys.readouterr().out


def _eval_inputs(args: list[str], out: Path) -> dict:
    assert main([*args, "-o", str(out)]) == 0
    return json.loads((out / "eval.json").read_text())["inputs"]


def test_a_scores_file_records_how_it_was_made_and_eval_judges_it_so(
        market: str, trained: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`sl score -o FILE` records its command, universe and market rules in FILE's Parquet metadata; `eval
    --scores FILE` (no model beside it) then judges the scores under them, as it would the model; a flag
    overrides them with the notice naming the file."""
    scores = tmp_path / "scores.parquet"
    assert main(["sl", "score", "--data", market, "--model", str(trained / "model"), "--universe", "all_non_st",
                 "-o", str(scores)]) == 0
    windows = json.loads((trained / "model" / "manifest.json").read_text())["windows"]  # the in-sample dates
    assert read_scores_record(scores) == {"made_by": "sl score", "universe": "all_non_st", "market": RULES,
                                          "windows": windows}
    args = ["eval", "--scores", str(scores), "--data", market, "--random-draws", "3", "--top-k", "5"]
    inputs = _eval_inputs(args, tmp_path / "own")
    assert inputs["market"] == RULES and inputs["universe"] == "all_non_st"
    capsys.readouterr()
    inputs = _eval_inputs([*args, "--limit-method", "auto"], tmp_path / "flag")
    assert inputs["market"] == {**RULES, "limit_method": "auto"}
    assert f"--limit-method auto (the scores {scores} recorded pct)" in capsys.readouterr().out


def test_eval_of_a_walk_forward_directory_uses_the_rules_it_ran_under(market: str, tmp_path: Path) -> None:
    """A walk-forward run saves no model beside its stitched scores: the file's own record carries the
    universe and rules to eval (before it, eval judged them under the defaults)."""
    out = tmp_path / "wf"
    assert main(["sl", "walk-forward", "--data", market, "--seeds", "1", "--test-days", "60", "--min-train-days",
                 "100", "--universe", "all_non_st", "--min-listed-days", "0", "--out-dir", str(out), *FAST]) == 0
    inputs = _eval_inputs(["eval", "--scores", str(out), "--data", market, "--random-draws", "3", "--top-k", "5"],
                          tmp_path / "eval")
    assert inputs["market"] == {**RULES, "limit_method": "auto"} and inputs["universe"] == "all_non_st"
    assert read_scores_record(out / "scores.parquet")["made_by"] == "sl walk-forward"


def test_a_run_scores_file_without_a_record_falls_back_to_the_model_beside_it(
        market: str, trained: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An SL run written before scores files carried a record: eval takes the model's record instead; a
    record that is not a JSON object is an error naming the file."""
    old = tmp_path / "old"
    shutil.copytree(trained, old)
    pl.read_parquet(old / "scores.parquet").write_parquet(old / "scores.parquet")  # no metadata
    assert read_scores_record(old / "scores.parquet") is None
    args = ["eval", "--scores", str(old), "--data", market, "--random-draws", "3", "--top-k", "5"]
    assert _eval_inputs(args, tmp_path / "old_eval")["market"] == RULES
    bad = tmp_path / "bad.parquet"
    pl.read_parquet(old / "scores.parquet").write_parquet(bad, metadata={RECORD_KEY: "[1, 2]"})
    assert main(["eval", "--scores", str(bad), *args[3:], "-o", str(tmp_path / "bad_eval")]) == 2
    err = capsys.readouterr().err
    assert f"{bad}: its '{RECORD_KEY}' metadata is not the JSON object aurumq-rl writes" in err
    assert not (tmp_path / "bad_eval" / "eval.json").exists()


def test_sl_stack_names_a_base_made_under_other_rules(market: str, trained: Path, tmp_path: Path) -> None:
    """The stacker runs under its own flags' universe and rules: a base whose scores file recorded others is
    named in a warning; under the bases' own rules there is none."""
    bases = []
    for name in ("a", "b"):
        bases.append(str(tmp_path / f"{name}.parquet"))
        assert main(["sl", "score", "--data", market, "--model", str(trained / "model"), "-o", bases[-1]]) == 0
    args = ["sl", "stack", *bases, "--data", market, "--step", "40", "--min-fit-dates", "60"]
    said = ("made under --min-listed-days 0, --limit-method pct, the stack runs under --universe main_board_non_st, "
            "--min-listed-days 60, --limit-method auto, limit table built-in")
    with pytest.warns(UserWarning, match=said) as rec:
        assert main([*args, "--out-dir", str(tmp_path / "default")]) == 0
    assert {str(w.message).split(":")[0] for w in rec if "made under" in str(w.message)} == set(bases)
    assert read_scores_record(tmp_path / "default" / "scores.parquet")["made_by"] == "sl stack"
    with warnings.catch_warnings(record=True) as got:
        warnings.simplefilter("always")
        assert main([*args, "--min-listed-days", "0", "--limit-method", "pct", "--out-dir", str(tmp_path / "own")]) == 0
    assert not [w for w in got if "made under" in str(w.message)]


def test_a_scores_file_of_a_callable_universe_is_judged_under_the_default_and_named(market: str,
                                                                                   tmp_path: Path) -> None:
    """A library user's scores of a panel loaded with a callable universe record `custom`, no universe eval can
    load again: eval judges them under the default universe (it failed on 'unknown universe custom') and the
    warning names the file's universe."""
    from aurumq_rl.data.loader import load_panel
    from aurumq_rl.data.scores import write_scores

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        panel = load_panel(market, universe=lambda columns: pl.lit(True), normalize="raw")
    scores = tmp_path / "custom.parquet"
    write_scores(panel, panel.factors[:, :, 0], scores, made_by="a script")
    assert read_scores_record(scores)["universe"] == "custom"
    args = ["eval", "--scores", str(scores), "--data", market, "--random-draws", "3", "--top-k", "5"]
    with pytest.warns(UserWarning, match=f"{re.escape(str(scores))} \\(--universe custom\\) recorded other values"):
        inputs = _eval_inputs(args, tmp_path / "eval")
    assert inputs["universe"] == "main_board_non_st"


def test_a_run_scores_file_with_its_own_record_is_judged_under_it_not_the_models(
        market: str, trained: Path, tmp_path: Path) -> None:
    """A run directory's scores.parquet that records how it was made wins over the model saved beside it: here
    the file was rescored by `sl score --universe all_non_st`, so eval judges it on that universe."""
    run = tmp_path / "run"
    shutil.copytree(trained, run)
    assert main(["sl", "score", "--data", market, "--model", str(run / "model"), "--universe", "all_non_st",
                 "-o", str(run / "scores.parquet")]) == 0
    inputs = _eval_inputs(["eval", "--scores", str(run), "--data", market, "--random-draws", "3", "--top-k", "5"],
                          tmp_path / "eval")
    assert inputs["universe"] == "all_non_st" and inputs["market"] == RULES


def test_sl_stack_names_a_base_with_its_own_limit_table_not_one_that_records_no_rules(
        market: str, trained: Path, tmp_path: Path) -> None:
    """A limit table has no flag, so a base whose record holds its own table is always named; a base whose
    record names no universe nor rules (written by another tool) disagrees with nothing."""
    made = tmp_path / "made.parquet"
    assert main(["sl", "score", "--data", market, "--model", str(trained / "model"), "-o", str(made)]) == 0
    frame, rec = pl.read_parquet(made), read_scores_record(made)
    table = MarketConfig(**RULES, rules=(LimitRule(MAIN, 0.01, 0.01), *LIMIT_RULES)).settings()
    own, bare = tmp_path / "own.parquet", tmp_path / "bare.parquet"
    frame.write_parquet(own, metadata=parquet_record({**rec, "market": table}))
    frame.write_parquet(bare, metadata=parquet_record({"made_by": "another tool"}))
    with warnings.catch_warnings(record=True) as got:
        warnings.simplefilter("always")
        assert main(["sl", "stack", str(own), str(bare), "--data", market, "--step", "40", "--min-fit-dates", "60",
                     "--min-listed-days", "0", "--limit-method", "pct", "--out-dir", str(tmp_path / "stack")]) == 0
    said = [str(w.message) for w in got if "made under" in str(w.message)]
    assert len(said) == 1 and said[0].startswith(f"{own}: made under limit table own, the stack runs under")


def test_scores_of_a_panel_built_without_a_loader_record_only_their_command(panel: Panel, tmp_path: Path) -> None:
    """A Panel made by hand (no loader meta) has no universe nor rules to record: its scores file records the
    command alone rather than failing."""
    from aurumq_rl.data.scores import write_scores

    path = write_scores(dataclasses.replace(panel, meta={}), panel.factors[:, :, 0], tmp_path / "s.parquet",
                        made_by="a script")
    assert read_scores_record(path) == {"made_by": "a script"}
