"""Trading costs per side, by date: commission, stamp duty (sells only, date-aware) and slippage.

`round_trip_bps` is the budget of a buy + sell before the 2023-08-28 stamp-duty cut: commission on both sides
plus the stamp duty of the time, and slippage takes the rest. So the default 30 bps round trip is 30 bps
before 2023-08-28 and 25 bps after it (the cut is passed on, as it was in the market).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

# (effective from, stamp duty on sells in bps); the last entry whose date ≤ the trade date applies.
STAMP_DUTY_BPS: tuple[tuple[date, float], ...] = (
    (date(2008, 9, 19), 10.0),
    (date(2023, 8, 28), 5.0),
)


@dataclass(frozen=True)
class CostModel:
    round_trip_bps: float = 30.0
    commission_bps: float = 2.5  # per side

    @property
    def slippage_bps(self) -> float:
        """Per side: what the round-trip budget leaves after commissions and the pre-cut stamp duty."""
        s = (self.round_trip_bps - 2 * self.commission_bps - STAMP_DUTY_BPS[0][1]) / 2
        return max(s, 0.0)

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
