"""The training and validation windows: trading dates given as bounds are included, training ends an embargo of forward
period + 1 dates before validation, --train-end alone starts validation on the next trading date, and a one-date or
non-following validation window is an error."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

pytest.importorskip("torch")

from aurumq_rl.algos.trainer import Trainer  # noqa: E402
from aurumq_rl.errors import DataError  # noqa: E402
from tests.cli.helpers import _cfg  # noqa: E402


@pytest.fixture(scope="module")
def dates(data: str) -> list[str]:
    """The market's trading dates, YYYY-MM-DD."""
    col = pl.scan_parquet(data).select(pl.col("trade_date").unique().sort()).collect()["trade_date"]
    return [str(d) for d in col]


def test_windows_land_on_the_given_trading_dates(data: str, dates: list[str], tmp_path: Path) -> None:
    """Trading dates given as bounds are included: training starts on --train-start, validation runs from
    --val-start to --val-end inclusive; training ends an embargo of fp + 1 dates before validation (fp = 5)."""
    d = dates
    tr = Trainer(_cfg(data, tmp_path / "run", 1, train_start=d[20], train_end=d[250], val_start=d[260], val_end=d[320]))
    got = [str(x) for x in tr.panel.dates[[tr.train_range[0], tr.train_range[1], tr.val_idx[0], tr.val_idx[-1]]]]
    assert got == [d[20], d[250], d[260], d[320]]
    assert len(tr.val_idx) == 61
    tr = Trainer(_cfg(data, tmp_path / "run", 1, train_start=d[20], val_start=d[260], val_end=d[320]))
    assert str(tr.panel.dates[tr.train_range[1]]) == d[260 - 7]  # label of t: entry t+1, exit t+6 < val start


def test_train_end_alone_starts_validation_on_the_next_trading_date(
    data: str, dates: list[str], tmp_path: Path
) -> None:
    """With only --train-end, the validation window follows it directly (from the next trading date to the
    data's last date); the embargo comes out of the training side."""
    tr = Trainer(_cfg(data, tmp_path / "run", 1, train_end=dates[250]))
    assert str(tr.panel.dates[tr.val_idx[0]]) == dates[251] and str(tr.panel.dates[tr.val_idx[-1]]) == dates[-1]
    assert str(tr.panel.dates[tr.train_range[1]]) == dates[251 - 7]


def test_window_edge_cases_are_errors(data: str, dates: list[str], tmp_path: Path) -> None:
    """A one-date validation window is refused (fewer than 2 dates); --val-start on --train-end is not after it."""
    with pytest.raises(DataError, match="fewer than 2 dates"):
        Trainer(_cfg(data, tmp_path / "run", 1, train_end=dates[250], val_start=dates[300], val_end=dates[300]))
    with pytest.raises(DataError, match=f"--val-start {dates[250]} is not after --train-end {dates[250]}"):
        Trainer(_cfg(data, tmp_path / "run", 1, train_end=dates[250], val_start=dates[250]))


def test_a_universe_empty_on_every_training_date_is_an_error(data: str, dates: list[str], tmp_path: Path) -> None:
    """A membership column that starts after the training window (is_hs300 known only from the validation start)
    left the universe empty on every training date: training ran on nothing, warned that every factor was
    'unseen', and exported an untrained policy with exit 0. It is an error naming the universe and the window;
    a universe empty on only some training dates is a warning naming where it starts."""
    late = tmp_path / "late.parquet"
    pl.read_parquet(data).with_columns((pl.col("trade_date") >= pl.lit(dates[300]).str.to_date()).alias("is_hs300")) \
        .write_parquet(late)
    with pytest.raises(DataError, match=r"universe 'hs300' holds no stock with factor values on any training date"):
        Trainer(_cfg(str(late), tmp_path / "run", 1, universe="hs300", train_end=dates[280], val_start=dates[300]))
    with pytest.warns(UserWarning, match=rf"universe 'hs300' holds no stock .* on 100 of the .* training dates "
                                         rf"\(first held date {dates[100]}\)"):
        part = tmp_path / "part.parquet"
        pl.read_parquet(data).with_columns((pl.col("trade_date") >= pl.lit(dates[100]).str.to_date())
                                           .alias("is_hs300")).write_parquet(part)
        Trainer(_cfg(str(part), tmp_path / "run", 1, universe="hs300", train_end=dates[280], val_start=dates[300]))


def test_a_validation_window_without_labels_is_an_error(data: str, dates: list[str], tmp_path: Path) -> None:
    """A validation window at the data's end shorter than the label's reach has no labelled date: every validation
    metric was NaN, best.pt never written, exit 0. It is an error naming the window and --forward-period."""
    from aurumq_rl.envs.market_sim import EnvConfig

    env = EnvConfig(top_k=5, episode_length=8, forward_period=20)
    with pytest.raises(DataError, match=rf"validation window {dates[-15]} … {dates[-1]}: no date with a label .* "
                                        r"--forward-period 20"):
        Trainer(_cfg(data, tmp_path / "run", 1, env=env, train_end=dates[-40], val_start=dates[-15]))
    Trainer(_cfg(data, tmp_path / "run", 1, env=env, train_end=dates[-60], val_start=dates[-35]))  # 13 labelled: fine
