"""Edge cases of the technical indicators: ema_length's smallest L at an exact tail weight, Bollinger %B null for a
band narrower than 1e-6 of the mean, and the volume ratio and MFI null after rows without trade even where rolling
sums hold rounding residues. Expected values are derived by hand from the convention on tiny frames (plain
arithmetic or an explicit loop), never copied from the code under test."""

from __future__ import annotations

import math

import polars as pl
import pytest

from aurumq_rl.factors.technical_ops import ema_length
from tests.factors.helpers import factor, ohlcv


def test_ema_length_is_the_smallest_l_with_tail_weight_at_most_tail() -> None:
    """ema_length: smallest L with (1 - alpha)**L <= tail, also when equality holds exactly (0.8**2 = 0.64,
    0.4**3 = 0.064) and the float logarithms land an ulp above the integer."""
    assert ema_length(0.2, 0.64) == 2
    assert ema_length(0.6, 0.064) == 3
    assert ema_length(0.5, 0.3) == 2  # 0.5 > 0.3 >= 0.25


def test_bollinger_band_narrower_than_1e_6_of_the_mean_is_null() -> None:
    """%B is null when sd20 <= 1e-6 |MA20|. 19 closes of 10 and one of 10 + d: MA20 = 10 + d/20,
    population sd = d sqrt(19) / 20, %B = (19 d / 20 + 2 sd) / (4 sd) = 1/2 + sqrt(19)/4 whatever d.
    d = 1e-3: sd / MA = 2.2e-5, a band; d = 1e-5: sd / MA = 2.2e-7, null."""
    wide = factor(ohlcv([10.0] * 19 + [10.001]), "tech_boll_pctb20")
    assert wide[19] == pytest.approx(0.5 + math.sqrt(19) / 4, rel=1e-6)
    assert factor(ohlcv([10.0] * 19 + [10.00001]), "tech_boll_pctb20")[19] is None


# volumes with decimals leave a rolling-sum residue of ~1e-10 once they have left the window
RESIDUE_VOLS = [399500.7, 828542.9, 415833.0, 245967.5, 834196.3, 674159.3]


def test_volume_ratio_null_after_five_rows_without_trade() -> None:
    """量比 is null when the previous 5 rows had no trade, even where the rolling mean of those rows is a
    rounding residue of earlier volumes instead of an exact 0."""
    vols = RESIDUE_VOLS + [0.0] * 5 + [50.0]
    v = factor(ohlcv([10.0] * len(vols), vol=vols), "tech_volume_ratio5")
    assert v[5] == pytest.approx(674159.3 / ((828542.9 + 415833.0 + 245967.5 + 834196.3 + 399500.7) / 5))
    assert v[11] is None


# 29 volumes whose up-day flows (TP alternating 10, 10.5) leave a rolling-sum residue of ~2e-9 in the 14-row window
MFI_VOLS = [
    float(v)
    for v in (
        "185116.5 96055.4 616692.8 324923.7 95472.8 549112.3 749211.6 28700.5 487683.3 154913.1 574223.5 799264.4 "
        "803258.0 783814.4 294691.8 636966.4 649312.0 901799.6 695271.9 755523.4 98410.0 298784.5 368427.6 644866.5 "
        "869143.5 340082.4 497004.0 749844.4 193526.6"
    ).split()
]


def test_mfi_null_when_no_row_of_the_window_moved_with_volume() -> None:
    """MFI is null when no row of the 14-row window moved TP with volume, even if TP moves on zero volume
    and the flow sums hold rounding residues of flows that left the window."""
    n = len(MFI_VOLS)
    close = [10.0 + (0.5 if i % 2 else 0.0) for i in range(n + 14)]  # TP moves every row
    v = factor(ohlcv(close, vol=MFI_VOLS + [0.0] * 14), "tech_mfi14")
    assert v[n + 13] is None


def test_mfi_counts_no_move_where_typical_prices_tie_in_decimals() -> None:
    """TP (10.03 + 9.95 + 10.02) / 3 equals TP 10 in decimals but is 10.0 less one ulp in floats: no down move.
    14 quiet rows at TP 9, one up move to TP 10 (vol 10, flow 100), then the tied bar (vol 30): the window
    holds one up flow and no down flow, so MFI = 100 (an exact float comparison made it 100·100 / 400 = 25)."""
    close, high, low = [9.0] * 14 + [10.0, 10.02], [9.0] * 14 + [10.0, 10.03], [9.0] * 14 + [10.0, 9.95]
    bars = ohlcv(close, high=high, low=low, vol=[1.0] * 14 + [10.0, 30.0])
    tp = bars.select((pl.col("high") + pl.col("low") + pl.col("close")) / 3).to_series()
    assert tp[15] < tp[14]  # the float rounding this test is about, in the engine's arithmetic
    v = factor(bars, "tech_mfi14")
    assert v[15] == pytest.approx(100.0)


def test_mfi_counts_no_up_move_where_typical_prices_tie_in_decimals() -> None:
    """The up side of the tie: TP (5.15 + 5.13 + 5.14) / 3 and TP (5.14 + 5.14 + 5.14) / 3 are both 5.14 in
    decimals, but the first is a few ulp above the second in floats. 14 quiet rows at TP 6, one down move to
    TP 5.14 (vol 10), then the tied bar (vol 30): one down flow and no up flow, so MFI = 0 (an exact comparison
    counted the tie as an up flow of 5.14·30 against 5.14·10 down: 75)."""
    close, high, low = [6.0] * 14 + [5.14, 5.14], [6.0] * 14 + [5.14, 5.15], [6.0] * 14 + [5.14, 5.13]
    bars = ohlcv(close, high=high, low=low, vol=[1.0] * 14 + [10.0, 30.0])
    tp = bars.select((pl.col("high") + pl.col("low") + pl.col("close")) / 3).to_series()
    assert tp[15] > tp[14]  # the float rounding this test is about, in the engine's arithmetic
    v = factor(bars, "tech_mfi14")
    assert v[15] == pytest.approx(0.0, abs=1e-12)


def test_mfi_a_tie_alone_is_no_move_so_the_window_has_none() -> None:
    """15 quiet rows at TP 10 then the tied bar of TP 10 less one ulp: no row of the window moved TP, so MFI is
    null, as for a window of quiet rows."""
    close, high, low = [10.0] * 15 + [10.02], [10.0] * 15 + [10.03], [10.0] * 15 + [9.95]
    v = factor(ohlcv(close, high=high, low=low, vol=[1.0] * 16), "tech_mfi14")
    assert v[14] is None and v[15] is None


def test_mfi_counts_a_one_cent_move_of_a_thousand_yuan_stock() -> None:
    """A real move is never lost to the tie tolerance: at 1000 yuan, a close one cent higher moves TP by a third
    of a cent, 3.3e-6 relative (above PRICE_TIE_RTOL = 1e-6). 15 quiet rows, then that up move: MFI = 100."""
    close, high, low = [1000.0] * 15 + [1000.01], [1000.0] * 15 + [1000.01], [1000.0] * 16
    v = factor(ohlcv(close, high=high, low=low, vol=[1.0] * 16), "tech_mfi14")
    assert v[14] is None and v[15] == pytest.approx(100.0)
