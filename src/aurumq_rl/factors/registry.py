"""The factor registry: one `FactorSpec` per factor, with the metadata users and docs need.

Every family module (alpha101, gtja191, technical) registers its factors here; the engine, the CLI
(`aurumq-rl factors list`) and the generated factor reference all read from this one place.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from aurumq_rl.errors import did_you_mean

if TYPE_CHECKING:
    from aurumq_rl.factors.expr import X

Quality = Literal["clean", "best-effort", "stub"]

# Inputs a factor may declare. Price/volume columns come from the INPUT Parquet; `bench_*` are the
# benchmark index bars joined on trade_date; industry levels and `cap` are optional user columns.
KNOWN_INPUTS: tuple[str, ...] = (
    "open", "high", "low", "close", "vol", "amount", "vwap", "pct_chg", "pre_close",
    "industry_code", "industry_l2", "industry_l3", "cap",
    "bench_open", "bench_high", "bench_low", "bench_close",
)


@dataclass(frozen=True)
class FactorSpec:
    """Metadata and builder of one factor.

    `build` returns the factor as an `X` (a staged polars expression, see `factors.expr`); it is None
    for stubs. `reference` names the independent implementation the value matches in the parity
    tests (None when it matches none, with the reason in `reason`).
    """

    name: str
    family: str
    formula: str
    inputs: tuple[str, ...]
    lookback: int
    quality: Quality
    build: Callable[[], X] | None
    reason: str = ""
    conventions: tuple[str, ...] = ()
    reference: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = set(self.inputs) - set(KNOWN_INPUTS)
        if unknown:
            raise ValueError(f"factor {self.name}: unknown inputs {sorted(unknown)}; known: {KNOWN_INPUTS}")
        if self.quality == "stub" and not self.reason:
            raise ValueError(f"factor {self.name}: a stub must carry a reason")
        if (self.build is None) != (self.quality == "stub"):
            raise ValueError(f"factor {self.name}: build must be None exactly when quality is 'stub'")


REGISTRY: dict[str, FactorSpec] = {}


def register(spec: FactorSpec) -> FactorSpec:
    """Add `spec` to the registry; a duplicate name is a programming error."""
    if spec.name in REGISTRY:
        raise ValueError(f"factor {spec.name} registered twice")
    REGISTRY[spec.name] = spec
    return spec


def specs(family: str | None = None) -> list[FactorSpec]:
    """All registered specs (of one family when given), in name order."""
    _load_families()
    out = [s for s in REGISTRY.values() if family is None or s.family == family]
    return sorted(out, key=lambda s: s.name)


def _load_families() -> None:
    # Importing a family module registers its factors.
    import importlib

    for mod in ("alpha101", "gtja191", "technical"):
        importlib.import_module(f"aurumq_rl.factors.{mod}")


def name_hint(name: str) -> str:
    """' (did you mean …?)' for a mistyped factor name, or '' when none is close. Case and the zero padding of
    a numbered alpha are forgiven first (ALPHA_001, alpha1, gtja_05 → the one registered name), which plain
    string similarity misses: it ranks gtja_105, gtja_095, gtja_085 above gtja_005 for 'gtja_05'."""
    key = name.strip().lower()
    m = re.fullmatch(r"([a-z]+)_?(\d{1,3})", key)
    if m and (padded := f"{m.group(1)}_{int(m.group(2)):03d}") in {s.name for s in specs()}:
        return f" (did you mean {padded}?)"
    return did_you_mean(key, [s.name for s in specs()])
