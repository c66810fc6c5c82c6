"""Trading costs per side, by date: commission, stamp duty (sells only, date-aware) and slippage.

`round_trip_bps` is the budget of a buy + sell before the 2023-08-28 stamp-duty cut: commission on both sides
plus the stamp duty of the time, and slippage takes the rest. So the default 30 bps round trip is 30 bps
before 2023-08-28 and 25 bps after it (the cut is passed on, as it was in the market).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

# (effective from, stamp duty on sells in bps); the last entry whose date ≤ the trade date applies. Before
# 2008-09-19 the duty was higher and charged on both sides (3‰ each side from 2007-05-30, 1‰ each side from
# 2008-04-24); the table follows DOMAIN.md's 10 bps on sells for all earlier dates, so a backtest there is
# slightly optimistic on costs. (The first entry also sizes the slippage of `round_trip_bps`.)
STAMP_DUTY_BPS: tuple[tuple[date, float], ...] = (
    (date(1990, 12, 19), 10.0),  # the Shanghai exchange opens
    (date(2023, 8, 28), 5.0),
)


@dataclass(frozen=True)
class CostModel:
    round_trip_bps: float = 30.0
    commission_bps: float = 2.5  # per side

    def __post_init__(self) -> None:
        fixed = 2 * self.commission_bps + STAMP_DUTY_BPS[0][1]
        if 0 < self.round_trip_bps < fixed:  # slippage would go negative: the budget could not be honoured
            raise ValueError(f"cost round_trip_bps={self.round_trip_bps:g} (--cost-bps) is below commissions + stamp "
                             f"duty ({fixed:g} bps); pass at least {fixed:g}, or 0 for frictionless (gross) figures")

    @property
    def slippage_bps(self) -> float:
        """Per side: what the round-trip budget leaves after commissions and the pre-cut stamp duty."""
        return max((self.round_trip_bps - 2 * self.commission_bps - STAMP_DUTY_BPS[0][1]) / 2, 0.0)

    def rates(self, dates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(buy rate, sell rate) per date as fractions of traded value, for `dates` (datetime64[D])."""
        d = np.asarray(dates, dtype="datetime64[D]")
        if self.round_trip_bps <= 0:  # frictionless, for gross figures
            return np.zeros(len(d)), np.zeros(len(d))
        stamp = np.zeros(len(d))
        for start, bps in STAMP_DUTY_BPS:
            stamp = np.where(d >= np.datetime64(start), bps, stamp)
        buy = np.full(len(d), (self.commission_bps + self.slippage_bps) * 1e-4)
        sell = (self.commission_bps + self.slippage_bps + stamp) * 1e-4
        return buy, sell
