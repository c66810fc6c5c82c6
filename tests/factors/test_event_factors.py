"""The event factors (tech_evt_*, zt_*): golden and death crosses from equal averages but none from rounding noise,
breakouts over the previous 20 rows, the first board after 20 rows without a limit-up, the limit-up streak capped
at 30, and the lookbacks the event families report (null before them). Expected values are derived by hand from
the convention on small frames (plain arithmetic or an explicit loop), never copied from the code under test; the
frames start with W flat rows (no event) so that the rows tested are past every event factor's lookback."""

from __future__ import annotations

import math
from datetime import date

import polars as pl
import pytest

from aurumq_rl.factors.registry import REGISTRY
from tests.factors.helpers import factor, ohlcv
from tests.factors.test_technical import weekdays

W = 120  # flat rows before the tested ones: past the largest event lookback (119)
EVENT_FACTORS = ("tech_evt_golden_cross", "tech_evt_death_cross", "tech_evt_high_breakout20",
                 "tech_evt_low_breakdown20", "zt_first_board", "zt_recent", "zt_streak")


def test_golden_and_death_cross_from_equal_averages() -> None:
    """Golden cross: MA5 > MA20 today and MA5 <= MA20 yesterday (equal counts). After 25 flat closes both
    averages equal 10; a rise to 11 makes MA5 = 10.2 > MA20 = 10.05 (a fall to 9: 9.8 < 9.95)."""
    up = factor(ohlcv([10.0] * (W + 25) + [11.0, 12.0]), "tech_evt_golden_cross")
    assert up[W + 24] == 0.0 and up[W + 25] == 1.0 and up[W + 26] == pytest.approx(math.exp(-0.1))
    down = factor(ohlcv([10.0] * (W + 25) + [9.0, 8.0]), "tech_evt_death_cross")
    assert down[W + 24] == 0.0 and down[W + 25] == 1.0


def test_no_golden_cross_from_rounding_of_equal_averages() -> None:
    """MA5 and MA20 equal within 1e-9 (relative) count as equal: a falling series that goes flat has
    MA5 <= MA20 throughout (equal once both windows are flat), so there is no golden cross, even where the
    two rolling means differ by an ulp."""
    close = [30.0] * W + [30.0 - 0.37 * k for k in range(25)] + [10.1] * 30
    v = factor(ohlcv(close), "tech_evt_golden_cross")
    assert all(x == 0.0 for x in v[W:])


def test_breakout_window_is_the_previous_20_rows() -> None:
    """High breakout: close > max(high) over the previous 20 rows (t-20 .. t-1); a high of 12 exactly 20 rows
    back still blocks a close of 11. Low breakdown mirrors it with a low of 6."""
    n = W + 27
    high = [10.0] * n
    high[W + 5], high[W + 25] = 12.0, 11.5
    close = [9.0] * (W + 25) + [11.0, 12.5]
    v = factor(ohlcv(close, high=high, low=[8.0] * n), "tech_evt_high_breakout20")
    assert v[W + 25] == 0.0 and v[W + 26] == 1.0  # t = W + 26: previous 20 rows have max 11.5
    low = [8.0] * n
    low[W + 5], low[W + 25] = 6.0, 6.9
    close = [9.0] * (W + 25) + [7.0, 6.5]
    w = factor(ohlcv(close, high=[10.0] * n, low=low), "tech_evt_low_breakdown20")
    assert w[W + 25] == 0.0 and w[W + 26] == 1.0


def _limit_ups(n: int, days: set[int]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "ts_code": ["300001.SZ"] * n,
            "trade_date": weekdays(date(2021, 1, 4), n),
            "is_limit_up": [i in days for i in range(n)],
        }
    )


def test_first_board_needs_no_limit_up_in_the_prior_20_rows() -> None:
    """First board: a limit-up with none in the prior 20 rows. Limit-ups on rows W + 21, W + 41 (20 rows later:
    not a first board) and W + 62 (21 rows after: a first board); exp-decayed with tau = 10."""
    v = factor(_limit_ups(W + 70, {W + 21, W + 41, W + 62}), "zt_first_board")
    assert v[W + 21] == 1.0
    assert v[W + 41] == pytest.approx(math.exp(-2.0))
    assert v[W + 62] == 1.0


def test_zt_streak_is_capped_at_30() -> None:
    """zt_streak: consecutive limit-up closes ending today, capped at 30."""
    v = factor(_limit_ups(W + 35, set(range(W, W + 35))), "zt_streak")
    assert v[W:] == [float(min(i + 1, 30)) for i in range(35)]
    v = factor(_limit_ups(40, set(range(40))), "zt_streak")
    assert v[30:] == [30.0] * 10  # a run from the first row: 30 once the lookback (30 rows) is reached


def test_event_factor_lookbacks() -> None:
    """Lookback = past rows a value needs. tech_evt_: the flag reads MA20 of yesterday (rows t-20 .. t: 20)
    and the decay remembers flags of the last 100 rows (99 before today): 20 + 99. zt_first_board: the flag
    reads the prior 20 rows (20) + 99. zt_recent: 99."""
    for name in (
        "tech_evt_golden_cross",
        "tech_evt_death_cross",
        "tech_evt_high_breakout20",
        "tech_evt_low_breakdown20",
        "zt_first_board",
    ):
        assert REGISTRY[name].lookback == 20 + 99, name
    assert REGISTRY["zt_recent"].lookback == 99


def test_event_factors_are_null_before_their_lookback() -> None:
    """The event and streak factors give no value before their lookback (an event or a run before the stock's
    first row could not be seen), like the windowed factors: the first non-null row of a stock is its lookback.
    From there on the value is the event's decay: 1 on an event row, the run length for the streak."""
    n = 260
    ups = set(range(0, n, 7)) | {150, 151, 152}
    close = [10.0 + (k % 9) * (1 if (k // 9) % 2 else -1) * 0.3 for k in range(n)]
    df = ohlcv(close, high=[c + 0.1 for c in close], low=[c - 0.1 for c in close]).with_columns(
        is_limit_up=pl.Series([i in ups for i in range(n)]))
    for name in EVENT_FACTORS:
        v = factor(df, name)
        lb = REGISTRY[name].lookback
        assert v[:lb] == [None] * lb and None not in v[lb:], name
    recent = factor(df, "zt_recent")
    assert recent[153] == pytest.approx(math.exp(-0.1)) and recent[154] == 1.0 and recent[155] == pytest.approx(
        math.exp(-0.1))
    assert factor(df, "zt_streak")[148:154] == [0.0, 0.0, 1.0, 2.0, 3.0, 0.0]
