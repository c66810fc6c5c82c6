"""`--min-listed-days` / `--limit-method`: on every command that builds the market rules from data, one
shared parser helper, and each reaches what it changes (`data check`, the zt_ flags of `factors compute`)."""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from aurumq_rl.cli.main import build_parser, main
from aurumq_rl.cli.market_args import market_config, model_market
from aurumq_rl.errors import DataError
from aurumq_rl.market.limits import LIMIT_RULES
from aurumq_rl.market.status import MarketConfig, market_from_settings

# command → (argv prefix that parses, also takes --min-listed-days)
COMMANDS: dict[str, tuple[list[str], bool]] = {
    "train": (["train"], True),
    "eval": (["eval", "--scores", "s", "--data", "d", "-o", "o"], True),
    "compare": (["compare", "a", "b", "--data", "d"], True),
    "infer": (["infer", "--bundle", "b", "--data", "d"], True),
    "data check": (["data", "check", "p"], True),
    "factors compute": (["factors", "compute", "i", "-o", "o"], False),  # is_limit_up ignores listing age
    **{f"sl {c}": (["sl", c, "--data", "d", "--out-dir", "o"], True) for c in ("train", "walk-forward")},
    "sl score": (["sl", "score", "--model", "m", "--data", "d", "-o", "o"], True),
    "sl null-test": (["sl", "null-test", "--data", "d"], True),
    "sl audit": (["sl", "audit", "--data", "d"], True),
    "sl stack": (["sl", "stack", "a", "b", "--data", "d", "--out-dir", "o"], True),
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_rules_command_takes_the_market_flags(command: str) -> None:
    """Each command that loads data into market rules parses both flags into the same keys (absent: None,
    so a model's recorded value or the default applies)."""
    argv, listing = COMMANDS[command]
    parser = build_parser()
    assert parser.parse_args(argv).limit_method is None
    assert parser.parse_args([*argv, "--limit-method", "pct"]).limit_method == "pct"
    if listing:
        assert parser.parse_args(argv).min_listed_days is None
        assert parser.parse_args([*argv, "--min-listed-days", "5"]).min_listed_days == 5
    else:
        with pytest.raises(SystemExit):
            parser.parse_args([*argv, "--min-listed-days", "5"])


def test_market_config_from_values_and_records() -> None:
    assert market_config() == MarketConfig()
    assert market_config("7", "price") == MarketConfig(min_listed_days=7, limit_method="price")  # a --config string
    assert market_config(None, "pct", base=MarketConfig(min_listed_days=3)) == MarketConfig(3, "pct")
    for bad, flag in ((-1, "--min-listed-days -1"), (2.5, "--min-listed-days 2.5"), ("x", "--min-listed-days 'x'"),
                      ("²", "--min-listed-days '²'")):  # a digit to str.isdigit, but no integer to int()
        with pytest.raises(DataError, match=flag):
            market_config(bad)
    with pytest.raises(DataError, match="--limit-method 'exact': choose one of auto, price, pct"):
        market_config(limit_method="exact")
    with pytest.raises(ValueError, match="min_listed_days=-2"):  # the core refuses it too (a corrupt record)
        MarketConfig(min_listed_days=-2)
    rules = MarketConfig(min_listed_days=0, limit_method="pct")
    assert market_from_settings(json.loads(json.dumps(rules.settings()))) == rules
    assert market_from_settings(None) == market_from_settings({}) == MarketConfig()  # nothing recorded: defaults


def test_market_config_keeps_the_base_rules_table() -> None:
    """`base` with only the knobs given replaced: a custom limit-rules table (the API's `MarketConfig.rules`)
    survives a flag, as it survives the flags' absence."""
    custom = LIMIT_RULES[:2]
    base = MarketConfig(min_listed_days=5, rules=custom)
    assert market_config(None, "pct", base=base) == MarketConfig(5, "pct", custom)
    assert market_config(7, None, base=base).rules == custom


@pytest.mark.parametrize("record", [{"min_listed_days": True}, {"min_listed_days": 2.5}, {"min_listed_days": "60"},
                                    {"limit_method": "exact"}])
def test_a_corrupt_recorded_rule_is_refused(record: dict, capsys: pytest.CaptureFixture[str]) -> None:
    """MarketConfig takes an integer ≥ 0 and one of LIMIT_METHODS, so a record read back from a model is checked
    (a bool, a float or a string is no day count); scoring such a model is a clear DataError naming it."""
    with pytest.raises(ValueError, match="min_listed_days=|limit_method="):
        market_from_settings(record)
    with pytest.raises(DataError, match=r"the model: its recorded market rules .* are not valid"):
        model_market(argparse.Namespace(min_listed_days=None, limit_method=None), {"market": record})
    assert capsys.readouterr().out == ""


def _notice(capsys: pytest.CaptureFixture[str], metadata: dict | None, **flags: object) -> tuple[MarketConfig, str]:
    args = argparse.Namespace(**{"min_listed_days": None, "limit_method": None, **flags})
    market = model_market(args, metadata)
    return market, capsys.readouterr().out


def test_model_market_notice_names_each_changed_rule(capsys: pytest.CaptureFixture[str]) -> None:
    """A flag that changes the model's recorded value prints one `market rules:` line naming it, with the
    model's value; a flag equal to the recorded value changes nothing and says nothing; a model without a
    record is scored under (and its notice compares with) the defaults."""
    meta = {"market": {"min_listed_days": 0, "limit_method": "pct"}}
    market, out = _notice(capsys, meta)
    assert market == MarketConfig(0, "pct") and out == ""
    market, out = _notice(capsys, meta, min_listed_days=0, limit_method="pct")
    assert market == MarketConfig(0, "pct") and out == ""
    market, out = _notice(capsys, meta, limit_method="price")
    assert market == MarketConfig(0, "price")
    assert out == ("market rules: --limit-method price (the model recorded pct); scoring under rules other than "
                   "the training's\n")
    market, out = _notice(capsys, meta, min_listed_days=5, limit_method="auto")
    assert market == MarketConfig(5, "auto") and out.count("\n") == 1
    assert "--min-listed-days 5 (the model recorded 0), --limit-method auto (the model recorded pct)" in out
    market, out = _notice(capsys, {"universe": "all"}, min_listed_days=0)
    assert market == MarketConfig(0, "auto")
    assert "--min-listed-days 0 (the model records none: default 60)" in out


def test_scoring_commands_say_their_default_is_the_models(capsys: pytest.CaptureFixture[str]) -> None:
    """--help: a command that scores a model defaults to the model's recorded rules, a training one to 60 / auto."""
    for argv, want in ((["infer"], "the model's recorded value, else 60"), (["sl", "score"], "recorded value, else"),
                       (["eval"], "the model's recorded value, else auto"), (["train"], "default: 60)")):
        with pytest.raises(SystemExit):
            main([*argv, "--help"])
        assert want in " ".join(capsys.readouterr().out.split()), argv


@pytest.fixture(scope="module")
def bars(tmp_path_factory: pytest.TempPathFactory) -> str:
    """600001.SH (seasoned) closes 246.00 → 270.58 on day 40: two cents below the 270.60 limit, a limit-up by
    pct_chg (within the 0.01% floor) but not by price; 600002.SH lists on day 10."""
    days = [d for d in pl.date_range(date(2024, 1, 1), date(2024, 6, 30), "1d", eager=True) if d.weekday() < 5][:70]
    rows = []
    for code, first, listed in (("600001.SH", 0, date(2010, 1, 4)), ("600002.SH", 10, days[10])):
        for i, d in enumerate(days[first:], start=first):
            close = 270.58 if code == "600001.SH" and i >= 40 else (246.0 if code == "600001.SH" else 10.0)
            pct = 270.58 / 246.0 - 1 if code == "600001.SH" and i == 40 else 0.0
            rows.append({"ts_code": code, "trade_date": d, "open": close, "high": close, "low": close,
                         "close": close, "vol": 1000.0, "amount": close * 100.0, "pct_chg": pct, "list_date": listed,
                         "alpha_001": float(i % 7)})
    path = tmp_path_factory.mktemp("bars") / "bars.parquet"
    pl.DataFrame(rows).write_parquet(path)
    return str(path)


def _check(bars: str, capsys: pytest.CaptureFixture[str], *flags: str) -> dict:
    assert main(["data", "check", bars, "--json", *flags]) == 0
    return json.loads(capsys.readouterr().out)


def test_data_check_applies_the_flags(bars: str, capsys: pytest.CaptureFixture[str]) -> None:
    rep = _check(bars, capsys)
    assert rep["limit_method"] == "auto" and rep["boards"][0]["limit_up_share"] == 0
    assert rep["new_listing"] == {"min_listed_days": 60, "share": 60 / 130}  # 600002.SH's first 60 rows
    rep = _check(bars, capsys, "--limit-method", "pct", "--min-listed-days", "0")
    assert rep["limit_method"] == "pct" and rep["boards"][0]["limit_up_share"] == 1 / 130
    assert rep["new_listing"] == {"min_listed_days": 0, "share": 0.0}
    assert main(["data", "check", bars]) == 0
    assert "new-listing protection: 60 trading days" in capsys.readouterr().out
    assert main(["data", "check", bars, "--min-listed-days", "0"]) == 0
    assert "new-listing protection: 0 trading days (0.00% of rows not buyable" in capsys.readouterr().out
    assert main(["data", "check", bars, "--min-listed-days", "-1"]) == 2
    assert "--min-listed-days -1: give a whole number of trading days ≥ 0" in capsys.readouterr().err


def test_factors_compute_limit_method_reaches_the_zt_flags(bars: str, tmp_path: Path) -> None:
    out = {}
    for method in ("auto", "pct"):
        path = tmp_path / f"{method}.parquet"
        report = tmp_path / f"{method}.json"
        assert main(["factors", "compute", bars, "-o", str(path), "--only", "zt_count30", "--factors-only",
                     "--no-progress", "--limit-method", method, "--report-json", str(report)]) == 0
        out[method] = pl.read_parquet(path).filter(pl.col("ts_code") == "600001.SH")["zt_count30"]
        assert json.loads(report.read_text())["limit_method"] == method  # the report says which rule built zt_
    assert out["auto"].fill_null(0).max() == 0  # by price: 270.58 is not the 270.60 limit
    assert out["pct"].fill_null(0).max() > 0  # by pct_chg: day 40 is a limit-up close
