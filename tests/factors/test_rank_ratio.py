"""The top stock ranks exactly 1.0 whatever the stock count (polars' reciprocal product gave 0.9999999999999999
for n = 49), so a stock that tops its cross-section every day has a constant rank and ts_rank / ts_argmax see
ties, not noise."""

from __future__ import annotations

import polars as pl

from aurumq_rl.factors import ops
from aurumq_rl.factors.expr import X, evaluate


def _ranks(counts: list[int], op: X) -> pl.DataFrame:
    """One date per entry of `counts`, with that many stocks valued 0, 1, …, n−1."""
    rows = [{"ts_code": f"{600000 + i:06d}.SH", "trade_date": d, "x": float(i)}
            for d, n in enumerate(counts) for i in range(n)]
    return evaluate(pl.DataFrame(rows), {"r": op}).sort("trade_date", "ts_code")


def test_top_rank_is_exactly_one_for_every_stock_count() -> None:
    counts = [49, 98, 237, 239, 249, 253, 300, 1000, 4999]
    out = _ranks(counts, ops.rank(X.col("x")))
    top = out.group_by("trade_date").agg(pl.col("r").max()).sort("trade_date")["r"].to_list()
    assert top == [1.0] * len(counts)


def test_unit_rank_ends_at_exactly_zero_and_one() -> None:
    out = _ranks([49, 50, 98], ops.rank(X.col("x"), method="unit"))
    ext = out.group_by("trade_date").agg(pl.col("r").min().alias("lo"), pl.col("r").max().alias("hi"))
    assert ext["lo"].to_list() == [0.0] * 3 and ext["hi"].to_list() == [1.0] * 3
