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


@pytest.mark.parametrize("command", ["train", "null-test"])
def test_sl_test_window_keeps_the_labels_the_data_holds_past_test_end(command: str, data: str, tmp_path: Path) -> None:
    """A --test-end inside the data: the last test dates' labels read the bars after it, as `eval` of the same
    window does. The panel was loaded up to --test-end, so with --forward-period 10 a 30-date test window was
    measured on its first 19 dates only (sl_run.json "n_days"), silently."""
    import json

    import numpy as np
    import polars as pl

    days = np.sort(pl.read_parquet(data, columns=["trade_date"])["trade_date"].unique().to_numpy())
    flags = ["--train-start", str(days[0]), "--train-end", str(days[199]), "--val-start", str(days[220]),
             "--val-end", str(days[299]), "--test-start", str(days[320]), "--test-end", str(days[349])]
    out = tmp_path / "run"
    args = ["sl", command, "--data", data, "--seeds", "1", "--num-boost-round", "5", "--forward-period", "10",
            "--factors", "alpha_00*", *flags]
    args += ["--out-dir", str(out)] if command == "train" else ["-o", str(tmp_path / "null.json")]
    assert main(args) == 0
    if command == "train":
        test = json.loads((out / "sl_run.json").read_text())["test"]
        assert test["label"]["n_days"] == test["forward_return"]["n_days"] == 30
        assert pl.read_parquet(out / "scores.parquet")["trade_date"].max() == days[349]
    else:
        report = json.loads((tmp_path / "null.json").read_text())
        assert report["split"]["test"] == [str(days[320]), str(days[349])]
        assert report["real"]["n_days"] == 30
