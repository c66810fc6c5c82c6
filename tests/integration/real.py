"""The real CSI 300 sample (shared/data/real) as the integration tests read it: bars + the 2023 snapshot's list
dates and industries (and names) + per-date CSI 300 membership, with a 20-day momentum and volatility."""

from __future__ import annotations

from pathlib import Path

import polars as pl


def real_frame(shared: Path, *, names: bool = False) -> pl.DataFrame:
    """The bars joined with listing dates, industries (`industry_code`), names when asked, `is_hs300` per date,
    sorted by (ts_code, trade_date), plus tech_mom20 (20-day close change) and tech_vol20 (20-day std of
    pct_chg, null over its warm-up)."""
    d = shared / "data" / "real"
    bars = pl.read_parquet(d / "real_panel_sample_csi300_2019_2023.parquet")
    basic = pl.read_parquet(d / "stock_basic_2023.parquet").select(
        "ts_code", "list_date", *(["name"] if names else []), pl.col("industry").alias("industry_code"))
    members = pl.read_parquet(d / "csi300_members.parquet")
    hs = (bars.select("ts_code", "trade_date").join(members, on="ts_code")
          .filter((pl.col("trade_date") >= pl.col("in_date")) & (pl.col("trade_date") < pl.col("out_date")))
          .select("ts_code", "trade_date", pl.lit(True).alias("is_hs300")).unique())
    df = (bars.join(basic, on="ts_code", how="left").join(hs, on=["ts_code", "trade_date"], how="left")
          .with_columns(pl.col("is_hs300").fill_null(False)).sort("ts_code", "trade_date"))
    mom = pl.col("close") / pl.col("close").shift(20).over("ts_code") - 1
    return df.with_columns(mom.alias("tech_mom20"),
                           pl.col("pct_chg").rolling_std(20).over("ts_code").alias("tech_vol20"))
