"""The market-rule flags `--min-listed-days` and `--limit-method`, shared by every command that builds the
market rules from data, and the one way a `MarketConfig` is made from them.

Training commands take the flags (default 60 days, auto) and record the result; commands that score a model
(`infer`, `sl score`, `eval` of a model) default to the rules the model recorded, so inference applies the
rules training ran under, and a flag given there overrides the model's value with a one-line notice.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import Any

from aurumq_rl.errors import DataError
from aurumq_rl.market.limits import LIMIT_METHODS
from aurumq_rl.market.status import MarketConfig, market_from_settings

# option key (argparse dest, --config key, recorded key) → flag
MARKET_FLAGS: dict[str, str] = {"min_listed_days": "--min-listed-days", "limit_method": "--limit-method"}


def add_market_args(p: argparse.ArgumentParser, *, model: bool = False, listing: bool = True) -> None:
    """Add `--min-listed-days` (unless `listing` is False: a command whose output the listing rule does not
    change) and `--limit-method` to `p`. Both default to None, so a value given can be told from none
    (`model`: the help says the default is the model's recorded value)."""
    default = MarketConfig()
    source = "the model's recorded value, else {}" if model else "{}"
    if listing:
        p.add_argument("--min-listed-days", type=int, metavar="N",
                       help="new-listing protection: a stock is not bought, nor in the named universes, until it "
                            f"has traded more than N days (0: off; default: {source.format(default.min_listed_days)})")
    p.add_argument("--limit-method", choices=LIMIT_METHODS,
                   help="how limit-up/down days are told: price (close at the limit price), pct (pct_chg at the "
                        "limit), auto (price where the close and the previous close are on the cent grid, pct "
                        f"elsewhere; default: {source.format(default.limit_method)})")


def market_config(min_listed_days: object = None, limit_method: object = None, *,
                  base: MarketConfig = MarketConfig()) -> MarketConfig:
    """`base` with the knobs given (not None) replaced: a flag's value or a `train --config` value (an
    integer string is read as its integer). A bad value is a DataError naming the flag, the value and the fix."""
    days, method = base.min_listed_days, base.limit_method
    if min_listed_days is not None:
        v = min_listed_days
        ok = not isinstance(v, bool) and (isinstance(v, int) or (isinstance(v, str) and v.strip().isdecimal()))
        if not ok or int(v) < 0:  # type: ignore[call-overload]
            raise DataError(f"--min-listed-days {v!r}: give a whole number of trading days ≥ 0 (a new listing is "
                            "not bought until it has traded more than that many days; 0 turns the protection off, "
                            f"default {MarketConfig().min_listed_days})")
        days = int(v)  # type: ignore[call-overload]
    if limit_method is not None:
        if limit_method not in LIMIT_METHODS:
            raise DataError(f"--limit-method {limit_method!r}: choose one of {', '.join(LIMIT_METHODS)} (auto: by "
                            "price where the close is a real cent price, by pct_chg on adjusted rows)")
        method = str(limit_method)
    return MarketConfig(min_listed_days=days, limit_method=method, rules=base.rules)


def market_from_args(args: argparse.Namespace, base: MarketConfig = MarketConfig()) -> MarketConfig:
    """The `MarketConfig` of the market flags in `args` (absent or not given: `base`'s)."""
    return market_config(getattr(args, "min_listed_days", None), getattr(args, "limit_method", None), base=base)


def recorded_market(metadata: Mapping[str, Any] | None, what: str = "the model") -> MarketConfig:
    """The market rules a model recorded (`market` in its metadata; none recorded: the defaults); a record
    that is not valid is a DataError naming `what` and the fix."""
    raw = (metadata or {}).get("market")
    try:
        return market_from_settings(raw)
    except (ValueError, TypeError) as exc:
        raise DataError(f"{what}: its recorded market rules {raw!r} are not valid ({exc}); pass "
                        "--min-listed-days and --limit-method explicitly") from exc


def model_market(args: argparse.Namespace, metadata: Mapping[str, Any] | None, what: str = "the model") -> MarketConfig:
    """The market rules to score a model with: those it recorded (`market` in its metadata; none recorded:
    the defaults), each replaced by its flag when given. A flag that changes the model's value prints one line
    saying so: the scores then come from rules the model was not trained under."""
    recorded = recorded_market(metadata, what)
    market = market_from_args(args, recorded)
    said = "records none: default" if not (metadata or {}).get("market") else "recorded"
    changed = [f"{flag} {getattr(market, key)} ({what} {said} {getattr(recorded, key)})"
               for key, flag in MARKET_FLAGS.items() if getattr(market, key) != getattr(recorded, key)]
    if changed:
        print(f"market rules: {', '.join(changed)}; scoring under rules other than the training's")
    return market
