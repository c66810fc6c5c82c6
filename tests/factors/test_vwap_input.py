"""vwap when the input lacks it: amount / vol on real (cent-grid) prices; the typical price, with a warning and
a report entry, on adjusted prices, where amount / vol is an unadjusted price on another scale."""

from __future__ import annotations

import warnings
from datetime import date, timedelta

import polars as pl
import pytest

from aurumq_rl.factors.engine import compute_factors
from aurumq_rl.factors.engine_io import DERIVATIONS, derive_inputs


def _bars(scale: float) -> pl.DataFrame:
    """Two days of one stock; the OHLC are the real prices × `scale` (an adjustment ratio), amount / vol is not."""
    real = {"open": [10.00, 10.50], "high": [10.60, 10.80], "low": [9.90, 10.20], "close": [10.50, 10.30]}
    return pl.DataFrame({"ts_code": ["600000.SH"] * 2, "trade_date": [date(2024, 1, 2) + timedelta(days=i)
                                                                       for i in range(2)],
                         **{k: [v * scale for v in vs] for k, vs in real.items()},
                         "vol": [1000.0, 2000.0], "amount": [1030.0, 2100.0], "pct_chg": [0.0, 10.30 / 10.50 - 1]})


def test_real_prices_take_vwap_from_amount_and_volume() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out, derived = derive_inputs(_bars(1.0))
    assert derived[0] == "vwap"
    assert out["vwap"].to_list() == pytest.approx([10.30, 10.50])  # 1030 k yuan / 100 000 shares


def test_adjusted_prices_use_the_typical_price() -> None:
    bars = _bars(0.3137)  # forward-adjusted: off the cent grid; amount / vol (10.30) is ~3x these prices
    with pytest.warns(UserWarning, match="typical price"):
        out, derived = derive_inputs(bars)
    assert derived[0] == "vwap" and "pass a vwap column" in DERIVATIONS["vwap"]
    expect = ((bars["high"] + bars["low"] + bars["close"]) / 3).to_list()
    assert out["vwap"].to_list() == pytest.approx(expect)


def test_a_vwap_column_is_kept() -> None:
    bars = _bars(0.3137).with_columns(pl.Series("vwap", [3.2, 3.3]))
    out, derived = derive_inputs(bars)
    assert "vwap" not in derived and out["vwap"].to_list() == [3.2, 3.3]


@pytest.mark.parametrize(("column", "factor"), [("vol", 100.0), ("amount", 1000.0)])
def test_volume_or_amount_in_other_units_is_warned_about(column: str, factor: float) -> None:
    """vol in shares (or amount in yuan) puts amount / vol 100× (1000×) off the day's prices: every vwap factor
    would be wrong without a word. The derived vwap outside [low, high] on most rows names the units."""
    bars = _bars(1.0).with_columns(pl.col(column) * factor)
    with pytest.warns(UserWarning, match=r"inside the day's \[low, high\] on only 0% of traded rows .*vol in lots "
                                         r"of 100 shares, amount in thousand yuan"):
        derive_inputs(bars)


def test_vwap_is_decided_row_by_row_so_later_rows_never_change_it() -> None:
    """Forward-adjusted data is real (on the cent grid) only after the last ex-date: those rows take amount / vol,
    the adjusted ones the typical price, each row on its own. A file-level choice flipped every past vwap
    when appended rows pushed the on-grid share across a threshold (37 factors on the real sample)."""
    adjusted = _bars(0.3137)
    real = _bars(1.0).with_columns(pl.col("trade_date") + timedelta(days=7))
    both = pl.concat([adjusted, real])
    with pytest.warns(UserWarning, match="typical price"):
        out, _ = derive_inputs(both)
    typical = ((adjusted["high"] + adjusted["low"] + adjusted["close"]) / 3).to_list()
    assert out["vwap"].to_list() == pytest.approx([*typical, 10.30, 10.50])
    with pytest.warns(UserWarning, match="typical price"):
        alone, _ = derive_inputs(adjusted)
    assert alone["vwap"].to_list() == out["vwap"].to_list()[:2]


def test_an_adjusted_close_on_the_grid_by_chance_is_no_real_price() -> None:
    """A forward-adjusted close lands on the cent grid about once in 100 rows; its previous close does not, so
    it is no real price (`market.limits.real_price_row`, the rule limit detection uses): it takes the typical
    price and does not count towards the units check, which on a slice of adjusted data warned falsely."""
    day = pl.DataFrame({"ts_code": ["600000.SH"], "trade_date": [date(2024, 1, 2)], "open": [3.2700],
                        "high": [3.3012], "low": [3.2615], "close": [3.29], "vol": [1000.0], "amount": [10400.0],
                        "pct_chg": [3.29 / 3.2941 - 1]})  # from an adjusted 3.2941; amount / vol = 10.40 (unadjusted)
    with warnings.catch_warnings(record=True) as got:
        warnings.simplefilter("always")
        out, _ = derive_inputs(day)
    assert not [w for w in got if "check the units" in str(w.message)]
    assert out["vwap"][0] == pytest.approx((3.3012 + 3.2615 + 3.29) / 3)


def test_the_typical_price_warning_names_why_each_row_fell_back() -> None:
    """A real-price row whose amount / vol lies outside the day's [low, high] (amount in yuan) takes the typical
    price too, but not because of adjusted prices: the warning said so of every such row ('adjusted prices, not
    both closes on the 0.01 yuan grid'), sending a user with real prices after the wrong cause."""
    real = _bars(1.0).with_columns(pl.col("amount") * 1000)  # real prices, amount in yuan
    with warnings.catch_warnings(record=True) as got:
        warnings.simplefilter("always")
        derive_inputs(real)
    fallback = [str(w.message) for w in got if "typical price" in str(w.message)]
    assert len(fallback) == 1
    assert "2 with real prices whose amount / vol lies outside the day's [low, high]" in fallback[0]
    assert "adjusted prices" not in fallback[0]
    mixed = pl.concat([_bars(0.3137), real.with_columns(pl.col("trade_date") + timedelta(days=7))])
    with pytest.warns(UserWarning, match=r"typical price .* on 100% of traded rows \(2 with adjusted prices .*; 2 "
                                         r"with real prices whose amount / vol lies outside"):
        derive_inputs(mixed)


def test_no_vwap_is_derived_or_warned_of_when_no_requested_factor_reads_it() -> None:
    """`--family cmf` or `zt` read no vwap: the typical-price warning and the "derived: vwap" line were noise."""
    bars = _bars(0.8765)  # adjusted prices: vwap would be the typical price, with a warning
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        _, report = compute_factors(bars, only="cmf_60", progress=False)
    assert "vwap" not in report.derived
    assert not [w for w in rec if "vwap" in str(w.message)], [str(w.message)[:80] for w in rec]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert "vwap" in compute_factors(bars, only="alpha_005", progress=False)[1].derived
