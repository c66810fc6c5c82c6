"""Parity of registered factors against the reference implementations in shared/reference (see its README).

A factor *matches* a reference when, on the reference's rows past the factor's warm-up (its first `lookback`
rows per stock), (a) the Pearson correlation on rows where both are non-null exceeds `CORR_MIN`, and (b) the
null patterns agree on at least `1 - null_tol` of the rows. NaN and ±inf count as null on both sides.

`parity_table(family)` computes every registered factor of the family on the full reference panel and
compares it with every reference file of that family; `markdown(rows)` renders the table.
`python -m tests.factors.parity alpha101` rewrites docs/PARITY_ALPHA101.md.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import polars as pl

from aurumq_rl.factors.expr import evaluate
from aurumq_rl.factors.registry import FactorSpec, specs
from tests.conftest import REPO_ROOT, shared_dir

CORR_MIN = 0.99
NULL_TOL = 0.05  # share of compared rows whose null-ness may differ
MIN_ROWS = 100  # fewer rows defined on both sides than this: no match

REFERENCE_FILES: dict[str, dict[str, str]] = {
    "alpha101": {
        "alpha101v": "alpha101v_wq101.parquet",
        "pyalphalib": "pyalphalib_wq101.parquet",
        "polarsta": "polarsta_wq101.parquet",
    },
    "gtja191": {
        "pyalphalib": "pyalphalib_gtja191.parquet",
        "polarsta": "polarsta_gtja191.parquet",
    },
}


@dataclass(frozen=True)
class Comparison:
    """One factor against one reference."""

    corr: float | None  # Pearson on rows both non-null (None: fewer than MIN_ROWS or a constant side)
    rows: int  # compared rows (past warm-up)
    both: int  # rows non-null on both sides
    ours_only_null: float  # share of rows null for us only
    ref_only_null: float  # share of rows null in the reference only

    def matches(self, null_tol: float = NULL_TOL) -> bool:
        return (self.corr is not None and self.corr > CORR_MIN
                and self.ours_only_null + self.ref_only_null <= null_tol)


@cache
def panel() -> pl.DataFrame:
    """The reference input panel with the benchmark index joined as bench_open/high/low/close."""
    ref = shared_dir() / "reference"
    bench = pl.read_parquet(ref / "index.parquet").select(
        "trade_date", *[pl.col(c).alias(f"bench_{c}") for c in ("open", "high", "low", "close")]
    )
    return pl.read_parquet(ref / "panel.parquet").join(bench, on="trade_date", how="left")


@cache
def reference(family: str, name: str) -> pl.DataFrame:
    return pl.read_parquet(shared_dir() / "reference" / REFERENCE_FILES[family][name])


def _finite(a: np.ndarray) -> np.ndarray:
    a = a.astype(np.float64)
    return np.where(np.isfinite(a), a, np.nan)


def compare(ours: pl.DataFrame, ref: pl.DataFrame, column: str, lookback: int) -> Comparison:
    """Compare `ours[column]` with `ref[column]` on the reference's rows past the warm-up.

    `ours` must cover the whole panel (to know each row's position in its stock's history).
    """
    pos = ours.select(
        "ts_code", "trade_date", pl.col(column).alias("__ours"),
        pl.int_range(pl.len()).over("ts_code", order_by="trade_date").alias("__pos"),
    )
    j = ref.select("ts_code", "trade_date", pl.col(column).alias("__ref")).join(
        pos, on=["ts_code", "trade_date"], how="left"
    ).filter(pl.col("__pos") >= lookback)
    a, b = _finite(j["__ours"].to_numpy()), _finite(j["__ref"].cast(pl.Float64).to_numpy())
    na, nb = np.isnan(a), np.isnan(b)
    both = ~na & ~nb
    corr = None
    if both.sum() >= MIN_ROWS and np.std(a[both]) > 0 and np.std(b[both]) > 0:
        corr = float(np.corrcoef(a[both], b[both])[0, 1])
    n = max(len(a), 1)
    return Comparison(corr, len(a), int(both.sum()), float((na & ~nb).sum() / n), float((nb & ~na).sum() / n))


@dataclass(frozen=True)
class ParityRow:
    name: str
    quality: str
    reference: str | None  # the spec's declared reference
    results: dict[str, Comparison]  # reference name -> comparison

    def matched(self, null_tol: float = NULL_TOL) -> list[str]:
        return [r for r, c in self.results.items() if c.matches(null_tol)]


def compute(family: str, only: list[str] | None = None) -> tuple[list[FactorSpec], pl.DataFrame]:
    """Evaluate the family's buildable factors (or `only` those names) on the reference panel."""
    todo = [s for s in specs(family) if s.build is not None and (only is None or s.name in only)]
    out = evaluate(panel(), {s.name: s.build() for s in todo})  # type: ignore[misc]
    return todo, out


@cache
def parity_table(family: str = "alpha101") -> list[ParityRow]:
    """Compare every registered factor of `family` with every reference file of the family."""
    todo, out = compute(family)
    rows = []
    for s in todo:
        results = {}
        for ref_name in REFERENCE_FILES[family]:
            ref = reference(family, ref_name)
            if s.name in ref.columns:
                results[ref_name] = compare(out, ref, s.name, s.lookback)
        rows.append(ParityRow(s.name, s.quality, s.reference, results))
    return rows


def _fmt(c: Comparison | None) -> str:
    if c is None:
        return "absent"
    corr = "n/a" if c.corr is None else f"{c.corr:.4f}"
    return f"{corr} ({100 * (c.ours_only_null + c.ref_only_null):.1f}%)"


def markdown(rows: list[ParityRow], family: str = "alpha101") -> str:
    refs = list(REFERENCE_FILES[family])
    head = ["factor", "reference", "quality", *refs]
    lines = [
        f"# Parity of {family} with the reference implementations",
        "",
        "Generated by `python -m tests.factors.parity " + family + "` from shared/reference (60 stocks x 420 "
        "days, last 150 days compared). Each cell: Pearson correlation on rows non-null in both, past the "
        "factor's warm-up, and in parentheses the share of rows whose null-ness differs. A factor matches a "
        f"reference when the correlation exceeds {CORR_MIN} and at most {100 * NULL_TOL:.0f}% of rows differ "
        "in null-ness; `reference` is the one declared in the registry (conventions and reasons: "
        "`aurumq-rl factors list` / the spec).",
        "",
        "| " + " | ".join(head) + " |",
        "|" + "---|" * len(head),
    ]
    for r in rows:
        cells = [r.name, r.reference or "none", r.quality, *[_fmt(r.results.get(x)) for x in refs]]
        lines.append("| " + " | ".join(cells) + " |")
    n = sum(1 for r in rows if r.matched())
    lines += ["", f"Matching at least one reference: {n} / {len(rows)}."]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> None:
    family = argv[0] if argv else "alpha101"
    text = markdown(parity_table(family), family)
    path = REPO_ROOT / "docs" / f"PARITY_{family.upper()}.md"
    Path(path).write_text(text)
    print(text)


if __name__ == "__main__":
    main(sys.argv[1:])
