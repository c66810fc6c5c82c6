"""`--only` with a mistyped numbered alpha suggested the wrong factors: plain string similarity ranks
gtja_105, gtja_095, gtja_085 above gtja_005 for 'gtja_05', alpha_101 first for 'alpha_1', and offered nothing for
'ALPHA_001'. Case and zero padding are now forgiven first, so the hint names the one factor meant."""

from __future__ import annotations

import pytest

from aurumq_rl.errors import DataError
from aurumq_rl.factors.engine import select_specs


@pytest.mark.parametrize("typed, meant", [
    ("gtja_05", "gtja_005"), ("gtja5", "gtja_005"), ("alpha_1", "alpha_001"), ("alpha001", "alpha_001"),
    ("ALPHA_001", "alpha_001"), ("Alpha_101", "alpha_101"), ("TECH_MA5_RATIO", "tech_ma5_ratio"),
])
def test_unknown_only_name_suggests_the_factor_meant_first(typed: str, meant: str) -> None:
    with pytest.raises(DataError) as e:
        select_specs(only=typed)
    msg = str(e.value)
    assert f"unknown factor '{typed}' (--only)" in msg
    assert msg.split("did you mean ", 1)[1].startswith(meant), msg


def test_a_name_close_to_nothing_points_to_the_list() -> None:
    with pytest.raises(DataError, match=r"unknown factor 'tech' \(--only\) \(see `aurumq-rl factors list`\)"):
        select_specs(only="tech")
