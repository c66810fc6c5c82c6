"""A null pre_close row takes the documented fallback in the factor engine as in limit detection, `factors
compute` refuses a --report-json that is the output, and tech_vwap_bias states its typical-price fallback."""

from __future__ import annotations

import warnings
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from aurumq_rl.cli.main import main
from aurumq_rl.data.synth import weekday_calendar
from aurumq_rl.factors.engine import compute_factors
from aurumq_rl.factors.engine_io import add_limit_flags, load_panel_frame
from aurumq_rl.factors.registry import REGISTRY, specs

specs()


def _days(n: int, start: date = date(2021, 1, 4)) -> list[date]:
    return weekday_calendar(start, n)


def _panel(n: int = 40) -> pl.DataFrame:
    """One main-board stock on real (cent-grid) prices with a pre_close column; a +10% limit-up close on row 25."""
    rng = np.random.default_rng(7)
    close, pre, c = [], [], 10.0
    for t in range(n):
        pre.append(c)
        r = 0.10 if t == 25 else float(rng.normal(0, 0.02))
        c = round(c * (1 + r) + 1e-9, 2)
        close.append(c)
    cl, pc = np.array(close), np.array(pre)
    return pl.DataFrame({
        "ts_code": ["600000.SH"] * n, "trade_date": _days(n),
        "open": pc, "high": np.maximum(cl, pc) + 0.05, "low": np.minimum(cl, pc) - 0.05, "close": cl,
        "vol": [1000.0] * n, "amount": [1000.0] * n, "pct_chg": cl / pc - 1, "pre_close": pc,
    }).with_columns(pl.col("high").round(2), pl.col("low").round(2))


def test_a_null_pre_close_row_takes_the_documented_fallback_like_the_limit_engine() -> None:
    """README's data contract: pre_close absent -> close / (1 + pct_chg) "(also on a row where it is null)";
    the limit engine (zt_ flags) and the engine's own vwap derivation do fill such a row. The factor engine
    derives pre_close only when the whole column is absent, so one null pre_close silently nulls tech_amplitude
    that day and tech_atr14 for the next 14 rows."""
    full = _panel()
    holed = full.with_columns(pl.when(pl.int_range(pl.len()) == 25).then(None)
                              .otherwise(pl.col("pre_close")).alias("pre_close"))
    names = "tech_amplitude,tech_atr14"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want, _ = compute_factors(full, only=names, progress=False)
        got, _ = compute_factors(holed, only=names, progress=False)
        # the limit engine still sees the limit-up of row 25 through its fallback
        df, cols, _ = load_panel_frame(holed)
        assert add_limit_flags(df, cols)["is_limit_up"][25]
    for name in names.split(","):
        assert got[name].null_count() == want[name].null_count(), name
        np.testing.assert_allclose(got[name].to_numpy()[25:], want[name].to_numpy()[25:], rtol=1e-5)


def test_report_json_equal_to_the_output_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`-o X --report-json X`: the factor Parquet is written, then silently replaced by the JSON report while the
    CLI prints 'wrote X: ... rows' (exit 0). The command checks both paths against INPUT/--index, not each other."""
    src = tmp_path / "panel.parquet"
    _panel().write_parquet(src)
    out = tmp_path / "f.parquet"
    rc = main(["factors", "compute", str(src), "-o", str(out), "--report-json", str(out), "--family", "cmf",
               "--no-progress"])
    err = capsys.readouterr().err
    assert rc == 2 and f"--report-json {out}: is the -o output" in err, err
    assert not out.exists()


def test_vwap_bias_formula_text_names_the_typical_price_it_uses_on_adjusted_rows() -> None:
    """On adjusted (off-grid) prices the engine's vwap is (high + low + close) / 3, so tech_vwap_bias is
    close / TP - 1 there; its registry formula (hence docs/FACTOR_REFERENCE.md) says only
    'vwap = amount·1000 / (vol·100) when absent'."""
    adj = _panel().with_columns([(pl.col(c) * 1.0371).alias(c) for c in ("open", "high", "low", "close",
                                                                           "pre_close")])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out, _ = compute_factors(adj, only="tech_vwap_bias", progress=False)
    tp = (adj["high"] + adj["low"] + adj["close"]) / 3
    np.testing.assert_allclose(out["tech_vwap_bias"].to_numpy(), (adj["close"] / tp - 1).to_numpy(),
                               rtol=1e-5, atol=1e-7)  # the behaviour: close against the typical price
    spec = REGISTRY["tech_vwap_bias"]
    text = spec.formula + " " + " ".join(spec.conventions)
    assert "(high + low + close) / 3" in text or "typical" in text, text
