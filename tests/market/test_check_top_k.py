"""`check_top_k`: K may be as large as the largest universe of any date in the window, a larger K is refused naming
that size and the window, an empty universe fills no K, and an empty window is refused clearly."""

from __future__ import annotations

import numpy as np
import pytest


def test_check_top_k_refuses_only_a_k_no_date_can_fill() -> None:
    """K may equal the largest date's universe size (that date fills it; smaller dates pick fewer); K above it
    is refused, naming the largest size and the window. A universe with no stock fills no K."""
    from aurumq_rl.errors import DataError
    from aurumq_rl.market.universe import check_top_k

    uni = np.array([[1, 1, 0, 0, 0], [1, 1, 1, 1, 1], [1, 0, 0, 0, 0]], bool)  # sizes 2, 5, 1
    dates = np.datetime64("2024-01-02") + np.arange(3)
    for k in (1, 2, 5):
        check_top_k(uni, k, "all", dates)
    with pytest.raises(DataError, match=r"^--top-k 6: universe 'hs300' holds at most 5 stocks on a date of "
                                        r"2024-01-02 … 2024-01-04, .*choose --top-k ≤ 5"):
        check_top_k(uni, 6, "hs300", dates)
    with pytest.raises(DataError, match="holds at most 0 stocks"):
        check_top_k(np.zeros((3, 0), bool), 1, "all", dates)


def test_check_top_k_refuses_an_empty_window_clearly() -> None:
    """No date at all: a DataError naming the empty window and the date flags to widen (formatting the
    window's first and last date raised IndexError)."""
    from aurumq_rl.errors import DataError
    from aurumq_rl.market.universe import check_top_k

    want = r"^no trading date in the window \(universe 'all'\), so --top-k 5 .*widen the dates"
    with pytest.raises(DataError, match=want):
        check_top_k(np.zeros((0, 4), bool), 5, "all", np.array([], "datetime64[D]"))
