"""A universe too small for a rank IC: val_rank_ic (the default --best-metric) is NaN when a date has fewer than
MIN_STOCKS scored stocks, so on such a universe every validation was NaN, best.pt was never written and the export
took last.pt without a word — what `_check_validation_labels` exists to prevent, but it only asked for 2 stocks."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

pytest.importorskip("torch")

from aurumq_rl.algos.ppo import PPOConfig  # noqa: E402
from aurumq_rl.algos.trainer import TrainConfig, Trainer  # noqa: E402
from aurumq_rl.data.synth import SynthConfig, write_demo  # noqa: E402
from aurumq_rl.envs.market_sim import EnvConfig  # noqa: E402
from aurumq_rl.errors import DataError  # noqa: E402
from aurumq_rl.eval.ic import MIN_STOCKS  # noqa: E402


@pytest.fixture(scope="module")
def eight_stocks(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("m") / "m.parquet"
    return write_demo(str(path), SynthConfig(n_stocks=8, n_days=200, start=date(2021, 1, 4)))[0]


def _config(data: str, out: Path, best_metric: str) -> TrainConfig:
    return TrainConfig(data=data, out_dir=str(out), universe="all", best_metric=best_metric, eval_every=1, threads=1,
                       env=EnvConfig(top_k=3, episode_length=8),
                       ppo=PPOConfig(n_envs=2, n_steps=8, batch_size=8, total_timesteps=16))


def test_rank_ic_on_a_universe_below_min_stocks_is_refused(eight_stocks: str, tmp_path: Path) -> None:
    """8 stocks with labels on every validation date, 10 needed: val_rank_ic was NaN on every row and the run
    directory held last.pt only. Refused before training, naming the count and the way out."""
    assert MIN_STOCKS > 8
    with pytest.raises(DataError, match=f"at most 8 universe stocks .* fewer than the {MIN_STOCKS} a rank IC needs"
                                        ".*--best-metric val_topk_return"):
        Trainer(_config(eight_stocks, tmp_path / "run", "val_rank_ic"))


def test_top_k_return_on_the_same_universe_still_trains_and_keeps_its_best(eight_stocks: str, tmp_path: Path) -> None:
    """val_topk_return needs no cross-section of 10: the run trains, validates to a finite score and writes best.pt."""
    tr = Trainer(_config(eight_stocks, tmp_path / "run", "val_topk_return"))
    metrics = tr.run(progress=False)
    assert metrics["val_topk_return"] == metrics["val_topk_return"]  # finite, not NaN
    assert (tmp_path / "run" / "best.pt").is_file()
