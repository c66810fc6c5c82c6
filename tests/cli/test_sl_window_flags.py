"""`sl train` / `sl null-test` with a window whose own start is after its end: an error naming both flags before
any work. The order check compared windows with each other only, so `--train-start 2021-12-01 --train-end
2021-11-01` loaded the data and said "the train window holds fewer than 2 dates after the embargo …; widen it"."""

from __future__ import annotations

from pathlib import Path

import pytest

from aurumq_rl.cli.main import main
from aurumq_rl.data.check import check_window_order
from aurumq_rl.errors import DataError


@pytest.mark.parametrize("window", ["train", "val", "test"])
def test_sl_train_names_a_window_whose_start_is_after_its_end(window: str, data: str, tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["sl", "train", "--data", data, "--out-dir", str(tmp_path / "run"), "--seeds", "1",
               f"--{window}-start", "2021-12-01", f"--{window}-end", "20211101"])
    err = capsys.readouterr().err
    assert rc == 2
    assert f"--{window}-start 2021-12-01 is after --{window}-end 2021-11-01" in err, err
    assert not (tmp_path / "run").exists()


def test_window_order_accepts_a_one_day_window_and_refuses_a_reversed_one() -> None:
    check_window_order({"train_start": "2021-01-04", "train_end": "2021-01-04", "val_start": None, "val_end": None})
    with pytest.raises(DataError, match="--val-start 2021-03-02 is after --val-end 2021-03-01"):
        check_window_order({"train_start": None, "train_end": "2021-01-04", "val_start": "2021-03-02",
                            "val_end": "2021-03-01"})
