"""A custom limit table travels with a model: `MarketConfig.settings()` records it in full (the built-in table
is left out, so old records read the same), and `market_from_settings` rebuilds exactly it, refusing a record
that is not one with a message naming the rule and the knob."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest

from aurumq_rl.cli.market_args import recorded_market
from aurumq_rl.errors import DataError
from aurumq_rl.market.boards import MAIN, STAR
from aurumq_rl.market.limits import LIMIT_RULES, LimitRule, rules_from_settings
from aurumq_rl.market.status import MarketConfig, market_from_settings

# a new exchange notice, prepended: the main board at ±7% from 2030, and STAR's first days capped at ±50%
NOTICE = (LimitRule(MAIN, 0.07, 0.07, start=date(2030, 1, 2), note="hypothetical ±7%"),
          LimitRule(STAR, 0.5, 0.5, st=None, end=date(2031, 6, 30), first_days=3), *LIMIT_RULES)


def test_the_built_in_table_is_not_recorded_and_reads_back_as_itself() -> None:
    cfg = MarketConfig(min_listed_days=5, limit_method="pct")
    assert cfg.settings() == {"min_listed_days": 5, "limit_method": "pct"}
    assert market_from_settings(cfg.settings()) == cfg
    assert market_from_settings(None).rules == LIMIT_RULES


def test_a_custom_table_is_recorded_in_full_and_rebuilt_exactly() -> None:
    cfg = MarketConfig(rules=NOTICE)
    rec = json.loads(json.dumps(cfg.settings()))  # as run.json / metadata.json hold it
    assert len(rec["rules"]) == len(NOTICE)
    assert rec["rules"][0] == {"board": MAIN, "up": 0.07, "down": 0.07, "st": None, "start": "2030-01-02",
                               "end": None, "first_days": None, "note": "hypothetical ±7%"}
    back = market_from_settings(rec)
    assert back == cfg and back.rules == NOTICE
    assert back.settings() == cfg.settings()


@pytest.mark.parametrize(("change", "message"), [
    ({"board": "nasdaq"}, "rule 0: board 'nasdaq' is not one of"),
    ({"up": 1.5}, "rule 0: up 1.5 must be a fraction in (0, 1] or null"),
    ({"down": "0.1"}, "rule 0: down '0.1' must be a fraction"),
    ({"start": "2030-13-01"}, "rule 0: start '2030-13-01' is not a YYYY-MM-DD date"),
    ({"st": "yes"}, "rule 0: st 'yes' must be true, false or null"),
    ({"up": 0}, "rule 0: up 0 must be a fraction in (0, 1]"),
    ({"up": True}, "rule 0: up True must be a fraction"),
    ({"first_days": 0}, "rule 0: first_days 0 must be an integer ≥ 1"),
    ({"first_days": True}, "rule 0: first_days True must be an integer"),
    ({"first_days": 2.5}, "rule 0: first_days 2.5 must be an integer"),
    ({"limit": 0.1}, "give a mapping with 'board' and only"),
])
def test_a_record_that_is_not_a_rule_is_refused_naming_it(change: dict, message: str) -> None:
    rec = MarketConfig(rules=NOTICE).settings()
    rec["rules"][0] = {**rec["rules"][0], **change}
    with pytest.raises(ValueError, match=re.escape(message)):
        market_from_settings(rec)


def test_a_rule_at_the_edges_of_its_knobs_is_accepted() -> None:
    """A limit of exactly 1 (100%), no limit (null) and a first-days window of one day are rules."""
    rec = MarketConfig(rules=NOTICE).settings()
    rec["rules"][0] = {**rec["rules"][0], "up": 1, "down": None, "first_days": 1}
    rule = market_from_settings(rec).rules[0]
    assert (rule.up, rule.down, rule.first_days) == (1, None, 1)


def test_the_built_in_table_given_as_a_list_is_not_recorded() -> None:
    """Any sequence holding exactly the built-in rules is the built-in table: nothing extra is recorded."""
    assert "rules" not in MarketConfig(rules=list(LIMIT_RULES)).settings()  # type: ignore[arg-type]


def test_a_table_that_is_not_a_list_is_refused_and_the_cli_names_the_model() -> None:
    with pytest.raises(ValueError, match="rules must be a list of limit rules, got str"):
        rules_from_settings("main ±10%")
    with pytest.raises(DataError, match="the model m: its recorded market rules .* are not valid"):
        recorded_market({"market": {"rules": [{"up": 0.1}]}}, "the model m")
