"""The synthetic market's index (`<name>_index.parquet`, the `--index` of `factors compute`, the source of the mkt_
columns) is cap-weighted by each member's cap at the previous close, as a real cap-weighted index is."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from aurumq_rl.data.synth import SynthConfig, generate


def test_synth_index_weights_members_by_their_previous_close_cap() -> None:
    """With two traded members (25 stocks: the HS300 stand-in holds N // 10), the index return is
    (k·p1·r1 + p2·r2) / (k·p1 + p2) with p the previous close and k the members' constant share-count ratio, so k
    solved from each day is the same on every day. The index weighted members by the day's own close cap, which
    overweights the day's winner: the solved k moved from day to day, and on the demo preset the index drifted
    +0.067% a day (about +17% a year) above what its members earned."""
    df, index = generate(SynthConfig(n_stocks=25, n_days=300, start=date(2021, 1, 4), seed=3))
    members = (df.filter(pl.col("is_hs300") & (pl.col("vol") > 0)).sort("trade_date", "ts_code")
               .group_by("trade_date", maintain_order=True)
               .agg(pl.col("ts_code"), pl.col("pre_close"), pl.col("pct_chg"))
               .filter(pl.col("ts_code").list.len() == 2)
               .join(index.select("trade_date", pl.col("pct_chg").alias("idx")), on="trade_date"))
    pair = members["ts_code"].list.join(",").to_numpy()
    p = np.stack(members["pre_close"].to_list())
    r = np.stack(members["pct_chg"].to_list())
    big = members["idx"].to_numpy()
    ok = (np.abs(big - r[:, 0]) > 1e-4) & (np.abs(r[:, 1] - big) > 1e-4)
    k = p[:, 1] * (r[:, 1] - big) / (p[:, 0] * (big - r[:, 0]))
    checked = 0
    for name in np.unique(pair[ok]):
        ks = k[ok & (pair == name)]
        checked += len(ks)
        assert np.ptp(ks) <= 1e-6 * np.abs(ks).max(), (name, ks.min(), ks.max())
    assert checked >= 100  # the property was tested on most dates, not vacuously
