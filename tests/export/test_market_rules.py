"""The market rules (`--min-listed-days`, `--limit-method`) go from `train` into run.json and the bundle, and
`infer` / `eval` score a bundle under the rules it recorded unless a flag overrides them (with a notice)."""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import polars as pl
import pytest

pytest.importorskip("torch")

from aurumq_rl.cli.main import main  # noqa: E402
from aurumq_rl.data.scores import read_scores_record  # noqa: E402
from aurumq_rl.export.bundle import CHECKSUMS_FILE, METADATA_FILE  # noqa: E402
from aurumq_rl.infer.scorer import Scorer  # noqa: E402
from aurumq_rl.market.boards import MAIN  # noqa: E402
from aurumq_rl.market.limits import LIMIT_RULES, LimitRule  # noqa: E402
from aurumq_rl.market.status import MarketConfig  # noqa: E402
from aurumq_rl.provenance import sha256_file  # noqa: E402
from tests.export.conftest import TRAIN  # noqa: E402

DAY = "2021-07-01"
RULES = {"min_listed_days": 0, "limit_method": "pct"}  # trained with these: new listings join at once
DEFAULT = {"min_listed_days": 60, "limit_method": "auto"}


@pytest.fixture(scope="module")
def market_run(run: tuple[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run on the shared data trained under RULES, set through `--config` keys."""
    out = tmp_path_factory.mktemp("market") / "run"
    cfg = out.parent / "rules.json"
    cfg.write_text(json.dumps(RULES))
    assert main(["train", "--config", str(cfg), "--data", run[0], "--out-dir", str(out), *TRAIN]) == 0
    return out


@pytest.fixture(scope="module")
def recent(run: tuple[str, Path]) -> set[str]:
    """Main-board stocks listed within the 60 trading days up to DAY (inside the default protection)."""
    df = pl.read_parquet(run[0], columns=["ts_code", "trade_date", "list_date"])
    cal = df["trade_date"].unique().sort()
    day = pl.Series([DAY]).str.to_date()[0]
    first = cal[cal.search_sorted(day) - 59]
    codes = set(df.filter((pl.col("trade_date") == day) & pl.col("list_date").is_between(first, day)
                          & pl.col("ts_code").str.contains(r"^(60|00)"))["ts_code"].to_list())
    assert codes, "the shared data should hold main-board new listings near DAY"
    return codes


def _picked(bundle: Path, data: str, tmp_path: Path, *flags: str) -> set[str]:
    """Every stock `infer` can pick on DAY (K above the universe size), so the set is the universe's
    scored, buyable stocks: which stocks that is depends on the market rules."""
    out = tmp_path / f"picks{len(list(tmp_path.iterdir()))}.parquet"
    with pytest.warns(UserWarning, match="could be picked"):
        assert main(["infer", "--bundle", str(bundle), "--data", data, "--date", DAY, "--top-k", "1000",
                     *flags, "-o", str(out)]) == 0
    return set(pl.read_parquet(out)["ts_code"].to_list())


def test_run_json_and_bundle_record_the_rules(run: tuple[str, Path], market_run: Path) -> None:
    data, default_run = run
    for out, rules in ((market_run, RULES), (default_run, DEFAULT)):
        assert json.loads((out / "run.json").read_text())["config"]["market"] == rules
        meta = json.loads((out / "bundle" / METADATA_FILE).read_text())
        assert meta["market"] == rules
        # the bundle's scorer loads the data under them (the library default, without any flag)
        panel = Scorer(out / "bundle").load_panel(data, start=DAY, end=DAY)
        assert (panel.meta["min_listed_days"], panel.meta["limit_method"]) == tuple(rules.values())


def test_train_loads_its_panel_under_the_rules(run: tuple[str, Path], tmp_path: Path) -> None:
    """The trainer's panel is loaded under the rules (a flag beats the --config key), not merely recorded."""
    from aurumq_rl.algos.trainer import Trainer
    from aurumq_rl.cli.main import build_parser
    from aurumq_rl.cli.train import _merge, build_config, validate

    cfg = tmp_path / "rules.json"
    cfg.write_text(json.dumps(RULES))
    args = build_parser().parse_args(["train", "--config", str(cfg), "--data", run[0], "--out-dir",
                                      str(tmp_path / "run"), *TRAIN, "--limit-method", "price"])
    trainer = Trainer(build_config(validate(_merge(args))))
    assert (trainer.panel.meta["min_listed_days"], trainer.panel.meta["limit_method"]) == (0, "price")
    assert trainer.manifest()["config"]["market"] == {"min_listed_days": 0, "limit_method": "price"}


def test_infer_defaults_to_the_bundles_rules(run: tuple[str, Path], market_run: Path, recent: set[str],
                                             tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A bundle trained with --min-listed-days 0 picks new listings with no flag; one trained with the
    default never does. No override, no notice."""
    data, default_run = run
    assert _picked(market_run, data, tmp_path) & recent
    assert not _picked(default_run, data, tmp_path) & recent
    assert "market rules:" not in capsys.readouterr().out


def test_a_flag_overrides_the_bundles_rules_with_a_notice(run: tuple[str, Path], market_run: Path,
                                                          recent: set[str], tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    picked = _picked(market_run, run[0], tmp_path, "--min-listed-days", "60")
    assert picked and not picked & recent
    out = capsys.readouterr().out
    assert "market rules: --min-listed-days 60 (the model recorded 0)" in out and "--limit-method" not in out


def _edited_bundle(run_dir: Path, dst: Path, **meta: object) -> Path:
    """A copy of `run_dir`'s bundle at `dst` with metadata keys replaced (None: removed), checksums resealed."""
    shutil.copytree(run_dir / "bundle", dst)
    data = json.loads((dst / METADATA_FILE).read_text())
    for key, value in meta.items():
        if value is None:
            del data[key]
        else:
            data[key] = value
    (dst / METADATA_FILE).write_text(json.dumps(data, indent=2) + "\n")
    sums = json.loads((dst / CHECKSUMS_FILE).read_text())
    sums[METADATA_FILE] = sha256_file(dst / METADATA_FILE)
    (dst / CHECKSUMS_FILE).write_text(json.dumps(sums, indent=2) + "\n")
    return dst


WINDOW = ["--start", "2021-06-01", "--end", "2021-07-30", "--top-k", "10", "--random-draws", "5"]
OWN_TABLE = MarketConfig(rules=(LimitRule(MAIN, 0.01, 0.01, note="test: ±1%"), *LIMIT_RULES)).settings()


def _disagreement(argv: list[str]) -> str | None:
    """Run `argv` (exit 0) and return compare/eval's "recorded other values" warning, None when it gave none."""
    with warnings.catch_warnings(record=True) as got:
        warnings.simplefilter("always")
        assert main(argv) == 0
    return next((str(w.message) for w in got if "recorded other values" in str(w.message)), None)


def test_a_bundle_without_a_market_record_falls_back_to_the_defaults(run: tuple[str, Path], market_run: Path,
                                                                     recent: set[str], tmp_path: Path) -> None:
    """A bundle exported before the rules were recorded was trained under the defaults: inference applies them."""
    old = _edited_bundle(market_run, tmp_path / "old", market=None)
    assert Scorer(old).load_panel(run[0], start=DAY, end=DAY).meta["min_listed_days"] == 60
    picked = _picked(old, run[0], tmp_path)
    assert picked and not picked & recent


def test_eval_scores_a_bundle_under_its_rules(run: tuple[str, Path], market_run: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    """eval takes the model's rules (recorded in eval.json) unless a flag overrides them; the listing rule
    changes which universe stocks are scored."""
    args = ["eval", "--scores", str(market_run), "--data", run[0], "--start", "2021-06-01", "--end", "2021-07-30",
            "--top-k", "10", "--random-draws", "5"]
    reports = []
    for name, flags in (("own", []), ("flag", ["--min-listed-days", "60"])):
        assert main([*args, *flags, "-o", str(tmp_path / name)]) == 0
        reports.append(json.loads((tmp_path / name / "eval.json").read_text()))
    own, flag = reports
    assert own["inputs"]["market"] == RULES and flag["inputs"]["market"] == {**RULES, "min_listed_days": 60}
    cells = [r["sources"][0]["scored_cells_in_window"] for r in reports]
    assert cells[0] > cells[1]  # new listings are in the universe under the model's 0 days
    assert capsys.readouterr().out.count(f"market rules: --min-listed-days 60 (the model {market_run} recorded 0)") == 1


def test_bad_market_values_are_clear_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A flag or --config value out of range: exit 2 before any work, naming the flag, the value and the fix."""
    assert main(["train", "--min-listed-days", "-1", "--data", "x.parquet", "--out-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "--min-listed-days -1: give a whole number of trading days ≥ 0" in err and "0 turns" in err
    for value, want in (('{"limit_method": "exact"}', "--limit-method 'exact': choose one of auto, price, pct"),
                        ('{"min_listed_days": "sixty"}', "--min-listed-days 'sixty': give a whole number"),
                        ('{"min_listed_days": true}', "--min-listed-days True: give a whole number")):
        cfg = tmp_path / "c.json"
        cfg.write_text(value)
        assert main(["train", "--config", str(cfg), "--data", "x.parquet", "--out-dir", str(tmp_path)]) == 2
        assert want in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:  # argparse's choices: exit 2 naming the flag and the choices
        main(["infer", "--bundle", "b", "--data", "d", "--limit-method", "exact"])
    assert exc.value.code == 2 and "--limit-method: invalid choice: 'exact'" in capsys.readouterr().err


def test_resume_refuses_other_market_rules(run: tuple[str, Path], market_run: Path, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    """The rules shape the universe the checkpoint's state indexes: --resume under others is refused."""
    copy = tmp_path / "run"
    shutil.copytree(market_run, copy)
    cfg = tmp_path / "rules.json"
    cfg.write_text(json.dumps(RULES))
    assert main(["train", "--config", str(cfg), "--data", run[0], "--out-dir", str(copy), *TRAIN,
                 "--min-listed-days", "5", "--resume"]) == 2
    assert "--min-listed-days 0 (now 5)" in capsys.readouterr().err


def test_compare_warns_when_models_were_trained_under_other_rules(run: tuple[str, Path], market_run: Path,
                                                                   tmp_path: Path) -> None:
    """compare scores every source under the first model's rules: a later model trained under others is named
    in a warning, unless flags choose the rules; the warning never fires for models that agree."""
    data, default_run = run
    args = ["compare", str(default_run), str(market_run), "--data", data, "--start", "2021-06-01",
            "--end", "2021-07-30", "--top-k", "10", "--random-draws", "5"]
    with pytest.warns(UserWarning, match="recorded other values") as rec:
        assert main([*args, "-o", str(tmp_path / "mixed")]) == 0
    msg = next(str(w.message) for w in rec if "recorded other values" in str(w.message))
    assert f"{market_run} (--min-listed-days 0, --limit-method pct)" in msg
    assert "judged under --universe" in msg and "--min-listed-days 60, --limit-method auto" in msg
    for name, extra in (("flags", ["--min-listed-days", "0", "--limit-method", "pct"]), ("same", None)):
        sources = [str(market_run), str(market_run)] if extra is None else [str(default_run), str(market_run)]
        argv = ["compare", *sources, *args[3:], *(extra or [])]
        if extra is None:  # the same model twice needs distinct names: copy the run
            shutil.copytree(market_run, tmp_path / "twin")
            argv[2] = str(tmp_path / "twin")
        with warnings.catch_warnings(record=True) as got:
            warnings.simplefilter("always")
            assert main([*argv, "-o", str(tmp_path / name)]) == 0
        assert not [w for w in got if "recorded other values" in str(w.message)], name


def test_a_run_json_without_market_rules_exports_the_defaults(run: tuple[str, Path], tmp_path: Path) -> None:
    """A run trained before the rules were recorded was trained under the defaults: its bundle records them."""
    old = tmp_path / "old"
    shutil.copytree(run[1], old, ignore=shutil.ignore_patterns("bundle"))
    manifest = json.loads((old / "run.json").read_text())
    del manifest["config"]["market"]
    (old / "run.json").write_text(json.dumps(manifest))
    assert main(["export", str(old), "-o", str(old / "bundle")]) == 0
    assert json.loads((old / "bundle" / METADATA_FILE).read_text())["market"] == DEFAULT


def test_eval_prepares_the_model_under_the_flags_rules(run: tuple[str, Path], market_run: Path,
                                                       tmp_path: Path) -> None:
    """A flag overrides the model's rules for the model's own preparation too (its per-date normalisation runs
    over the universe the rules give), not only for the evaluation universe: `eval --min-listed-days 60` of a
    model trained under 0 days equals eval of the same model recording 60."""
    args = ["--data", run[0], "--start", "2021-06-01", "--end", "2021-07-30", "--top-k", "10", "--random-draws", "5"]
    relabelled = _edited_bundle(market_run, tmp_path / "m60", market={**RULES, "min_listed_days": 60})
    reports = []
    for name, source, flags in (("flag", market_run, ["--min-listed-days", "60"]), ("own", relabelled, [])):
        assert main(["eval", "--scores", str(source), *args, *flags, "-o", str(tmp_path / name)]) == 0
        reports.append(json.loads((tmp_path / name / "eval.json").read_text()))
    flag, own = ([*r["results"].values()][0] for r in reports)
    assert reports[0]["inputs"]["market"] == reports[1]["inputs"]["market"] == {**RULES, "min_listed_days": 60}
    assert json.dumps(flag, sort_keys=True) == json.dumps(own, sort_keys=True)


def test_compare_names_a_model_of_another_universe_and_refuses_a_corrupt_record(
        run: tuple[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """compare scores every source under the first model's universe: a later model trained under another is
    named with its --universe; a later model whose recorded rules are not valid is a clear error naming it."""
    data, default_run = run
    args = ["--data", data, "--start", "2021-06-01", "--end", "2021-07-30", "--top-k", "10", "--random-draws", "5"]
    wide = _edited_bundle(default_run, tmp_path / "wide", universe="all_non_st")
    with pytest.warns(UserWarning, match="recorded other values") as rec:
        assert main(["compare", str(default_run), str(wide), *args, "-o", str(tmp_path / "mixed")]) == 0
    msg = next(str(w.message) for w in rec if "recorded other values" in str(w.message))
    assert msg.startswith("every source is judged under --universe main_board_non_st, --sizing equal, "
                          "--min-listed-days 60, "
                          f"--limit-method auto, but {wide} (--universe all_non_st) recorded other values")
    bad = _edited_bundle(default_run, tmp_path / "bad", market={"min_listed_days": -1, "limit_method": "auto"})
    assert main(["compare", str(default_run), str(bad), *args, "-o", str(tmp_path / "bad_out")]) == 2
    err = capsys.readouterr().err
    assert (f"the model {bad}: its recorded market rules {{'min_listed_days': -1, 'limit_method': 'auto'}} are not "
            "valid") in err
    assert "Traceback" not in err and not (tmp_path / "bad_out" / "compare.json").exists()


def test_a_custom_limit_table_goes_from_run_json_to_the_bundle_and_inference_applies_it(
        run: tuple[str, Path], tmp_path: Path) -> None:
    """A run trained under a limit table of its own (a library user prepended a rule) records it in
    run.json; export carries it into the bundle, and the bundle's scorer loads data under it, not under the
    built-in table: here main-board limits of ±1% make many more limit-up days."""
    data = run[0]
    custom = MarketConfig(rules=(LimitRule(MAIN, 0.01, 0.01, note="test: ±1%"), *LIMIT_RULES))
    own = tmp_path / "own"
    shutil.copytree(run[1], own, ignore=shutil.ignore_patterns("bundle"))
    manifest = json.loads((own / "run.json").read_text())
    manifest["config"]["market"] = custom.settings()
    (own / "run.json").write_text(json.dumps(manifest))
    assert main(["export", str(own), "-o", str(own / "bundle")]) == 0
    assert json.loads((own / "bundle" / METADATA_FILE).read_text())["market"] == json.loads(
        json.dumps(custom.settings()))
    start, end = "2021-06-01", "2021-06-30"
    got = Scorer(own / "bundle").load_panel(data, start=start, end=end)
    want = Scorer(run[1] / "bundle").load_panel(data, start=start, end=end, market=custom)
    built_in = Scorer(run[1] / "bundle").load_panel(data, start=start, end=end)
    assert (got.is_limit_up == want.is_limit_up).all() and (got.can_buy == want.can_buy).all()
    assert got.is_limit_up.sum() > 3 * max(built_in.is_limit_up.sum(), 1)


def test_infer_picks_parquet_records_the_rules_and_eval_judges_it_under_them(
        run: tuple[str, Path], market_run: Path, tmp_path: Path) -> None:
    """`infer -o PICKS.parquet` records the universe and rules the picks were made under, as the `sl` score
    files do; `eval --scores PICKS.parquet` then judges them under those, not the defaults."""
    picks = tmp_path / "picks.parquet"
    assert main(["infer", "--bundle", str(market_run), "--data", run[0], "--start", "2021-06-01", "--end",
                 "2021-06-30", "--top-k", "10", "-o", str(picks)]) == 0
    assert read_scores_record(picks) == {"made_by": "infer", "universe": "main_board_non_st", "market": RULES}
    assert main(["eval", "--scores", str(picks), "--data", run[0], "--start", "2021-06-01", "--end", "2021-06-30",
                 "--top-k", "5", "--random-draws", "3", "-o", str(tmp_path / "eval")]) == 0
    assert json.loads((tmp_path / "eval" / "eval.json").read_text())["inputs"]["market"] == RULES


def test_compare_names_a_model_whose_limit_table_differs_from_the_first_sources(run: tuple[str, Path],
                                                                                tmp_path: Path) -> None:
    """A limit table has no flag: a later model whose recorded table differs from the first source's is
    named, its own table or the built-in one, even with every flag given (then the sources are judged under
    "the flags given"); two models holding the same table are not."""
    data, default_run = run
    own = _edited_bundle(default_run, tmp_path / "own", market=OWN_TABLE)
    twin = _edited_bundle(default_run, tmp_path / "twin", market=OWN_TABLE)
    every_flag = ["--universe", "main_board_non_st", "--min-listed-days", "60", "--limit-method", "auto",
                  "--sizing", "equal"]
    cases = [([default_run, own], [], f"{own} (its own limit-rule table)"),
             ([own, default_run], [], f"{default_run} (the built-in limit-rule table)"),
             ([default_run, own], every_flag,
              f"every source is judged under the flags given, but {own} (its own limit-rule table) recorded"),
             ([own, twin], [], None)]
    for i, (sources, flags, said) in enumerate(cases):
        msg = _disagreement(["compare", *map(str, sources), "--data", data, *WINDOW, *flags,
                             "-o", str(tmp_path / f"out{i}")])
        assert (msg is None) if said is None else (msg is not None and said in msg), (i, msg)


def test_eval_of_a_picks_file_warns_that_its_random_baseline_is_its_own_picks(
        run: tuple[str, Path], tmp_path: Path) -> None:
    """A picks file scores only the K stocks it picked each date: with --top-k ≥ K its top-K is every stock it
    scores and the random baseline draws the same picks, which eval says; a full-universe source does not
    warn."""
    picks = tmp_path / "picks.parquet"
    window = ["--start", "2021-06-01", "--end", "2021-06-30"]
    assert main(["infer", "--bundle", str(run[1]), "--data", run[0], *window, "--top-k", "10", "-o", str(picks)]) == 0
    args = ["--data", run[0], *window, "--top-k", "10", "--random-draws", "5"]
    with pytest.warns(UserWarning, match=r"scores at most --top-k 10 universe stocks on most decision dates "
                                         r"\(median 10\)"):
        assert main(["eval", "--scores", str(picks), *args, "-o", str(tmp_path / "picks_eval")]) == 0
    report = json.loads((tmp_path / "picks_eval" / "eval.json").read_text())
    assert report["sources"][0]["median_scored_per_date"] == 10.0
    with warnings.catch_warnings(record=True) as got:
        warnings.simplefilter("always")
        assert main(["eval", "--scores", str(run[1]), *args, "-o", str(tmp_path / "model_eval")]) == 0
    assert not [w for w in got if "scores at most --top-k" in str(w.message)]
