"""Gaps found by mutation testing of the training orchestration, the CLI and the I/O layer (MUTANTS.md): the
validation metrics and round-trip costs by hand, the best checkpoint, Ctrl-C and --resume (optimiser, counters,
random states), atomic checkpoints and run.json, metrics.jsonl / run.json / TensorBoard contents, the windows,
flags and --config values reaching the run, argument checks, export's checkpoint choice, eval's zero cost and
clean failure, and the demo's 60/20/20 split.

Expected values come from the documented behaviour (module docstrings, README, --help), computed by hand or
independently of the code under test. Training runs are tiny (4 envs × 8 steps per update, a few updates).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
from pathlib import Path

import numpy as np
import polars as pl
import pytest

torch = pytest.importorskip("torch")

import aurumq_rl.algos.trainer as trainer_mod  # noqa: E402
from aurumq_rl.algos.ppo import PPOConfig  # noqa: E402
from aurumq_rl.algos.trainer import TrainConfig, Trainer  # noqa: E402
from aurumq_rl.cli.main import build_parser, main  # noqa: E402
from aurumq_rl.cli.train import FLAG_DEFAULTS, _merge, build_config, validate  # noqa: E402
from aurumq_rl.data.panel import Panel  # noqa: E402
from aurumq_rl.data.synth import preset, write_demo  # noqa: E402
from aurumq_rl.envs.market_sim import EnvConfig, PanelTensors  # noqa: E402
from aurumq_rl.errors import DataError  # noqa: E402
from aurumq_rl.market.costs import CostModel  # noqa: E402

# 4 envs × 8 steps = 32 env-steps per update
TINY = (
    "--n-envs 4 --n-steps 8 --batch-size 16 --top-k 5 --episode-length 8 --no-progress --no-export --threads 1".split()
)


def _steps(updates: int) -> list[str]:
    return ["--total-timesteps", str(32 * updates)]


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> str:
    return write_demo(str(tmp_path_factory.mktemp("d") / "m.parquet"), preset("small", seed=2))[0]


@pytest.fixture(scope="module")
def dates(data: str) -> list[str]:
    """The market's trading dates, YYYY-MM-DD."""
    col = pl.scan_parquet(data).select(pl.col("trade_date").unique().sort()).collect()["trade_date"]
    return [str(d) for d in col]


def _rows(out: Path) -> list[dict]:
    return [json.loads(x) for x in (out / "metrics.jsonl").read_text().splitlines()]


def _cfg(data: str, out: Path, updates: int, seed: int = 0, env: EnvConfig | None = None, **kw: object) -> TrainConfig:
    """A tiny TrainConfig: 4 envs × 8 steps per update, top 5, episodes of 8 decisions, one thread."""
    ppo = PPOConfig(total_timesteps=32 * updates, n_envs=4, n_steps=8, batch_size=16, seed=seed)
    env = env or EnvConfig(top_k=5, episode_length=8)
    return TrainConfig(data=data, out_dir=str(out), env=env, ppo=ppo, threads=1, **kw)  # type: ignore[arg-type]


# ------------------------------------------------------------------ validation metrics, by hand
def _hand_panel() -> tuple[Panel, np.ndarray]:
    """4 dates × 12 stocks; stocks 10 and 11 are outside the universe; stocks 0 and 1 share industry 0, every
    other stock has its own; stock 2 cannot be bought on date 1 (the fill of decision date 0)."""
    t, n = 4, 12
    ones = np.ones((t, n), bool)
    in_u = ones.copy()
    in_u[:, 10:] = False
    can_buy = ones.copy()
    can_buy[1, 2] = False
    ind = np.tile(np.array([0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10], np.int32), (t, 1))
    panel = Panel(
        dates=np.datetime64("2024-01-02", "D") + np.arange(t),
        codes=np.array([f"{600000 + i:06d}.SH" for i in range(n)]),
        factor_names=["alpha_001"],
        factors=np.zeros((t, n, 1), np.float32),
        factor_missing_bits=np.zeros((t, n, 1), np.uint8),
        pct_chg=np.zeros((t, n)),
        present=ones,
        tradeable=ones,
        can_buy=can_buy,
        can_sell=ones,
        in_universe=in_u,
        is_limit_up=~ones,
        is_limit_down=~ones,
        board=np.array(["main"] * n),
        industry=ind,
        industry_names=[f"i{i}" for i in range(11)],
    )
    return panel, ind


def test_validation_metrics_follow_the_documented_timing_by_hand() -> None:
    """validate_scores: val_rank_ic / val_ic are means over dates of Spearman / Pearson ICs over universe
    stocks; val_topk_return is the mean over dates of the top K's net return: top K under the 30% industry
    cap, a pick that cannot be bought at t+1 earns 0 and pays no cost, one round trip per filled pick."""
    from aurumq_rl.algos.validation import validate_scores

    panel, ind = _hand_panel()
    data = PanelTensors(panel, EnvConfig(top_k=2, forward_period=1, cost=CostModel(0.0)))
    y0 = np.array([0.20, 0.10, 0.08, 0.06, 0.04, 0.02, 0.0, -0.02, -0.04, -0.30, 0.5, 0.5])
    label = np.stack([y0, y0 * 0.5, y0 * 0.1, y0])
    t_idx = np.arange(3)
    s = np.array([10.0, 9, 8, 7, 6, 5, 4, 3, 2, 1, 100, 100])  # 10 and 11 would win, but are outside the universe
    scores = np.tile(s, (3, 1))
    got = validate_scores(scores, data, label, t_idx, 2, 0.01, ind)
    # K = 2: the cap allows max(1, floor(0.3 · 2)) = 1 per industry, so the picks are stocks 0 and 2, not 0 and 1
    # date 0: stock 2 unfillable at date 1 → (0.20 + 0) / 2 − 0.01 · 1/2 = 0.095
    # date 1: (0.10 + 0.04) / 2 − 0.01 = 0.06;  date 2: (0.02 + 0.008) / 2 − 0.01 = 0.004
    assert got["val_topk_return"] == pytest.approx((0.095 + 0.06 + 0.004) / 3, abs=1e-12)
    assert got["val_rank_ic"] == pytest.approx(1.0)  # scores and labels in the same order on every date
    pearson = np.corrcoef(s[:10], y0[:10])[0, 1]  # the same on every date (the labels are only scaled)
    assert got["val_ic"] == pytest.approx(pearson) and pearson < 0.95
    # Strategy D sizes the same picks ∝ max(score, 0): stock 0 (score 10) weighs 10/18, stock 2 (8) 8/18; an
    # unfillable pick's weight stays cash and pays nothing
    d = validate_scores(scores, data, label, t_idx, 2, 0.01, ind, sizing="strategy_d")
    a, b = 10 / 18, 8 / 18
    by_date = [a * 0.20 - 0.01 * a, a * 0.10 + b * 0.04 - 0.01, a * 0.02 + b * 0.008 - 0.01]
    assert d["val_topk_return"] == pytest.approx(np.mean(by_date), abs=1e-12)
    assert d["val_rank_ic"] == got["val_rank_ic"] and d["val_ic"] == got["val_ic"]


def test_trainer_validates_with_the_envs_sizing(data: str, tmp_path: Path) -> None:
    """A Strategy D run's val_topk_return weighs its picks as the env does (∝ max(score, 0)), not equally."""
    from aurumq_rl.algos.validation import validate_scores

    tr = Trainer(_cfg(data, tmp_path / "run", 1, env=EnvConfig(top_k=5, episode_length=8, sizing="strategy_d")))
    scores = np.random.default_rng(0).uniform(0.1, 10.0, (len(tr.val_idx), len(tr.panel.codes)))
    args = (scores, tr.data, tr.label, tr.val_idx, 5, tr.round_trip, tr.panel.industry)
    want, equal = validate_scores(*args, sizing="strategy_d"), validate_scores(*args)
    assert tr.validation_metrics(scores)["val_topk_return"] == pytest.approx(want["val_topk_return"], abs=1e-12)
    assert want["val_topk_return"] != pytest.approx(equal["val_topk_return"], abs=1e-9)


def test_validation_round_trip_is_the_fill_buy_plus_the_exit_sell(tmp_path: Path) -> None:
    """The cost of a validation decision is the buy rate at its fill (t+1) plus the sell rate at its exit
    (t+1+fp): 30 bps round trip while both are before the 2023-08-28 stamp-duty cut, 25 bps when only the exit is
    after it (buy 10 bps, sell 20 bps before the cut and 15 after)."""
    from datetime import date

    from aurumq_rl.data.synth import SynthConfig

    path, _ = write_demo(str(tmp_path / "m.parquet"), SynthConfig(n_stocks=40, n_days=120, start=date(2023, 6, 1)))
    tr = Trainer(_cfg(path, tmp_path / "run", 1))
    d = tr.panel.dates
    cut = np.datetime64("2023-08-28", "D")
    t = int(np.searchsorted(d, cut)) - 2  # fill at t+1 is the last date before the cut, exit at t+6 after it
    assert d[t + 1] < cut <= d[t + 6]
    assert tr.round_trip[t] == pytest.approx(0.0025)
    assert tr.round_trip[t - 6] == pytest.approx(0.0030)  # exit at t (before the cut)


# ------------------------------------------------------------------ resume, Ctrl-C, checkpoints
def test_ctrl_c_then_resume_continues_exactly_like_an_uninterrupted_run(
    data: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Ctrl-C during update 3 of 5: exit 130; metrics.jsonl already holds the two finished updates (flushed line
    by line, readable while training runs); last.pt is the end of update 2. --resume restores the optimiser,
    the update / env-step counters and every random state (PPO's, the simulator's episodes and positions,
    torch's), so the resumed run equals an uninterrupted one metric for metric and weight for weight, and the
    log holds each update exactly once."""
    a, b = tmp_path / "a", tmp_path / "b"
    common = [*_steps(5), *TINY, "--eval-every", "1", "--seed", "3"]
    assert main(["train", "--data", data, "--out-dir", str(a), *common]) == 0

    real = trainer_mod.Trainer.validation_metrics
    seen: list[int] = []

    def interrupting(self: trainer_mod.Trainer, *args: object, **kw: object) -> dict:
        seen.append(len((b / "metrics.jsonl").read_text().splitlines()))
        if len(seen) == 3:
            raise KeyboardInterrupt
        return real(self, *args, **kw)  # type: ignore[arg-type]

    argv = ["train", "--data", data, "--out-dir", str(b), *common]
    monkeypatch.setattr(trainer_mod.Trainer, "validation_metrics", interrupting)
    assert main(argv) == 130
    assert capsys.readouterr().err.endswith("interrupted\n")
    assert seen == [0, 1, 2]  # rows on disk when updates 1, 2, 3 were validated
    monkeypatch.undo()
    assert torch.load(b / "last.pt", weights_only=False)["updates"] == 2
    assert main([*argv, "--resume"]) == 0

    def strip(rows: list[dict]) -> list[dict]:
        return [{k: v for k, v in r.items() if k != "env_steps_per_s"} for r in rows]

    assert [r["update"] for r in _rows(b)] == [1, 2, 3, 4, 5]
    assert [r["steps"] for r in _rows(b)] == [32, 64, 96, 128, 160]
    assert strip(_rows(b)) == strip(_rows(a))
    wa = torch.load(a / "last.pt", weights_only=False)["policy"]
    wb = torch.load(b / "last.pt", weights_only=False)["policy"]
    for k in wa:
        assert torch.equal(wa[k], wb[k]), k


def test_resume_without_a_checkpoint_is_an_error_naming_it(
    data: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--resume on a directory with no last.pt: exit 2, one line naming the missing file; nothing trained."""
    out = tmp_path / "run"
    assert main(["train", "--data", data, "--out-dir", str(out), *_steps(1), *TINY, "--resume"]) == 2
    err = capsys.readouterr().err
    assert f"error: --resume: no checkpoint at {out / 'last.pt'}" in err and "Traceback" not in err
    assert not (out / "metrics.jsonl").exists()


def test_a_fresh_run_starts_a_new_metrics_log(data: str, tmp_path: Path) -> None:
    """Training again into the same directory without --resume replaces metrics.jsonl (one line per update of
    this run), it does not append to the old log."""
    out = tmp_path / "run"
    argv = ["train", "--data", data, "--out-dir", str(out), *TINY]
    assert main([*argv, *_steps(2)]) == 0
    assert main([*argv, *_steps(1)]) == 0
    assert [r["update"] for r in _rows(out)] == [1]


def test_a_failed_manifest_write_keeps_the_old_run_json(
    data: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """run.json is written atomically: a write that fails half-way (disk full) is one error line naming the
    file, exit 2, and the previous manifest stays whole."""
    out = tmp_path / "run"
    argv = ["train", "--data", data, "--out-dir", str(out), *_steps(1), *TINY]
    assert main(argv) == 0
    before = (out / "run.json").read_text()
    real = Path.write_text

    def half(self: Path, text: str, *a: object, **kw: object) -> int:
        real(self, text[:10], *a, **kw)  # type: ignore[arg-type]
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "write_text", half)
    assert main(argv) == 2
    monkeypatch.undo()
    assert f"cannot write {out / 'run.json'} (No space left on device)" in capsys.readouterr().err
    assert (out / "run.json").read_text() == before


def test_checkpoints_are_written_atomically(data: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A checkpoint write that fails half-way (disk full) leaves the previous last.pt whole and loadable, no
    temp file, and an error naming the checkpoint."""
    out = tmp_path / "run"
    real = torch.save
    calls: list[str] = []

    def failing(obj: object, f: object, *a: object, **kw: object) -> None:
        if "last.pt" in Path(str(f)).name:
            calls.append(str(f))
            if len(calls) == 2:
                Path(str(f)).write_bytes(b"half a checkpoint")
                raise OSError(28, "No space left on device")
        real(obj, f, *a, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(torch, "save", failing)
    with pytest.raises(DataError, match=f"{out / 'last.pt'}.*No space left"):
        Trainer(_cfg(data, out, 3)).run(progress=False)
    monkeypatch.undo()
    assert torch.load(out / "last.pt", weights_only=False)["updates"] == 1
    assert not [p.name for p in out.iterdir() if p.name.endswith(".tmp")]  # the half-written temp is gone


def test_best_checkpoint_is_the_best_validation_score_even_when_all_are_negative(data: str, tmp_path: Path) -> None:
    """best.pt holds the update with the highest `best_metric` (here val_topk_return, all negative under a
    300 bps round trip), never the last or another metric's; across a --resume the best so far is kept (with
    this seed the best is update 1, before the resume, and no later update beats it)."""
    out = tmp_path / "run"
    env = EnvConfig(top_k=5, episode_length=8, cost=CostModel(300.0))
    for updates in (3, 6):  # 3 updates, then --resume to 6
        cfg = _cfg(data, out, updates, seed=1, env=env, eval_every=1, best_metric="val_topk_return")
        Trainer(cfg).run(resume=updates == 6, progress=False)
    rows = _rows(out)
    assert [r["update"] for r in rows] == [1, 2, 3, 4, 5, 6]
    vals = [r["val_topk_return"] for r in rows]
    assert max(vals) < 0
    best = torch.load(out / "best.pt", weights_only=False)
    assert best["updates"] == rows[int(np.argmax(vals))]["update"]  # first of ties: only a strict gain replaces it
    assert best["best"] == pytest.approx(max(vals))


def test_an_unknown_best_metric_is_refused(data: str, tmp_path: Path) -> None:
    """best_metric must be one of val_rank_ic / val_topk_return: anything else is a DataError naming it."""
    with pytest.raises(DataError, match="best_metric='val_sharpe': choose one of"):
        Trainer(_cfg(data, tmp_path / "run", 1, best_metric="val_sharpe"))


def test_the_last_update_is_always_validated(data: str, tmp_path: Path) -> None:
    """--eval-every 3 over 4 updates: updates 3 and 4 (the final one) carry validation metrics, 1 and 2 not."""
    out = tmp_path / "run"
    assert main(["train", "--data", data, "--out-dir", str(out), *_steps(4), *TINY, "--eval-every", "3"]) == 0
    assert [r["update"] for r in _rows(out) if "val_rank_ic" in r] == [3, 4]


# ------------------------------------------------------------------ run.json, TensorBoard, output switches
def test_run_manifest_tensorboard_and_output_switches(
    data: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """run.json records the seed, the data's sha256, the git commit of the checkout, the universe asked for,
    the normalisation and the universe size; tb/ holds every metrics.jsonl key at the same env-step; and
    --no-export / --no-progress mean no bundle and no progress bar."""
    out = tmp_path / "run"
    flags = "--seed 7 --universe all_non_st --eval-every 1".split()
    assert main(["train", "--data", data, "--out-dir", str(out), *_steps(2), *TINY, *flags]) == 0
    assert "upd" not in capsys.readouterr().err  # no tqdm bar
    assert not (out / "bundle").exists()
    run = json.loads((out / "run.json").read_text())
    assert run["seed"] == 7 and run["config"]["ppo"]["seed"] == 7
    assert run["data_sha256"] == hashlib.sha256(Path(data).read_bytes()).hexdigest()
    src = Path(trainer_mod.__file__).parent
    git = subprocess.run(["git", "rev-parse", "HEAD"], cwd=src, capture_output=True, text=True, check=False)
    assert run["git_commit"] == (git.stdout.strip() or None if git.returncode == 0 else None)
    assert run["config"]["universe"] == "all_non_st"
    assert run["normalize"] == "zscore"  # the documented default
    assert 0 < run["universe_size"] <= run["n_stocks"]

    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(str(out / "tb"))
    acc.Reload()
    rows = _rows(out)
    for key in ("val_rank_ic", "val_topk_return", "policy_loss", "update"):
        assert [e.step for e in acc.Scalars(key)] == [r["steps"] for r in rows], key
    assert [e.value for e in acc.Scalars("update")] == [1.0, 2.0]


def test_universe_flag_selects_the_stocks_trained_on(data: str, tmp_path: Path) -> None:
    """--universe all_non_st trains on every board (ChiNext and STAR included); the default main_board_non_st
    only on the main board."""

    def boards(universe: str) -> set[str]:
        opts = {
            **FLAG_DEFAULTS,
            "data": data,
            "out_dir": str(tmp_path / "run"),
            "n_envs": 4,
            "episode_length": 8,
            "universe": universe,
        }
        tr = Trainer(build_config(opts))
        return set(tr.panel.board[tr.panel.in_universe.any(0)].tolist())

    assert boards("main_board_non_st") == {"main"}
    assert {"main", "chinext", "star"} <= boards("all_non_st")


def test_export_uses_best_pt_by_default_and_the_checkpoint_asked_for(data: str, tmp_path: Path) -> None:
    """train ends by exporting best.pt (the export's default, else last.pt); `export --checkpoint last.pt`
    exports that one; the bundle's metadata names the checkpoint it holds."""
    run = tmp_path / "run"
    argv = ["train", "--data", data, "--out-dir", str(run), *_steps(2), *TINY, "--eval-every", "1"]
    assert main([a for a in argv if a != "--no-export"]) == 0
    assert json.loads((run / "bundle" / "metadata.json").read_text())["checkpoint"] == "best.pt"
    assert main(["export", str(run), "-o", str(tmp_path / "b"), "--checkpoint", "last.pt"]) == 0
    assert json.loads((tmp_path / "b" / "metadata.json").read_text())["checkpoint"] == "last.pt"


# ------------------------------------------------------------------ windows
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


# ------------------------------------------------------------------ flags and --config reach the run
def _opts(*argv: str) -> dict:
    return _merge(build_parser().parse_args(["train", *argv]))


def test_every_flag_reaches_the_training_config(data: str, tmp_path: Path) -> None:
    """Each train flag given on the command line (not its default) is what the Trainer is configured with."""
    inc = tmp_path / "cols.txt"
    inc.write_text("alpha_001\n")
    flags = (
        "--universe all_non_st --seed 9 --learning-rate 0.02 --value-learning-rate 0.03 --n-epochs 2 --cost-bps 0 "
        "--sizing strategy_d "
        "--reward-mode sharpe --eval-every 3 --val-start 2021-07-01 --val-end 2021-09-30 --factors 8 --threads 1 "
        "--target-kl 0.2 --top-k 7 --forward-period 3 --episode-length 9 --encoder-hidden 16,8 "
        "--feature-group-weights mf_=0.5 --n-envs 6 --n-steps 5 --batch-size 20 --total-timesteps 90"
    )
    paths = ["--data", data, "--out-dir", str(tmp_path / "run"), "--include-columns-file", str(inc)]
    cfg = build_config(_opts(*paths, *flags.split()))
    assert (cfg.universe, cfg.val_start, cfg.val_end, cfg.factors, cfg.include_columns_file) == (
        "all_non_st",
        "2021-07-01",
        "2021-09-30",
        8,
        str(inc),
    )
    assert (cfg.eval_every, cfg.threads, cfg.encoder_hidden, cfg.feature_group_weights) == (3, 1, (16, 8), {"mf_": 0.5})
    assert (cfg.ppo.seed, cfg.ppo.learning_rate, cfg.ppo.n_epochs, cfg.ppo.target_kl) == (9, 0.02, 2, 0.2)
    assert cfg.ppo.value_learning_rate == 0.03
    assert (cfg.ppo.n_envs, cfg.ppo.n_steps, cfg.ppo.batch_size, cfg.ppo.total_timesteps) == (6, 5, 20, 90)
    assert (cfg.env.cost.round_trip_bps, cfg.env.sizing, cfg.env.reward_mode) == (0.0, "strategy_d", "sharpe")
    assert (cfg.env.top_k, cfg.env.forward_period, cfg.env.episode_length) == (7, 3, 9)


@pytest.mark.parametrize("suffix", [".toml", ".json"])
def test_config_file_toml_or_json_with_dashed_or_underscored_keys(data: str, tmp_path: Path, suffix: str) -> None:
    """--config reads TOML (by its .toml suffix) or JSON; keys are flag names with - or _; a flag on the
    command line still wins over the file."""
    path = tmp_path / f"c{suffix}"
    if suffix == ".toml":
        path.write_text('universe = "all_non_st"\ntop-k = 7\nn_epochs = 2\nno-export = true\n'
                        'value-learning-rate = 0.004\n')
    else:
        path.write_text('{"universe": "all_non_st", "top-k": 7, "n_epochs": 2, "no-export": true, '
                        '"value_learning_rate": 0.004}')
    opts = _opts("--config", str(path), "--data", data, "--out-dir", str(tmp_path / "run"), "--n-epochs", "3")
    assert opts["no_export"] is True
    cfg = build_config(validate(opts))
    assert (cfg.universe, cfg.env.top_k, cfg.ppo.n_epochs, cfg.ppo.value_learning_rate) == ("all_non_st", 7, 3, 0.004)


def test_config_file_errors_name_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A missing or unparsable --config file: exit 2, one line naming the flag and the file."""
    missing = tmp_path / "nope.json"
    assert main(["train", "--config", str(missing)]) == 2
    assert f"error: --config: file not found: {missing}" in capsys.readouterr().err
    bad = tmp_path / "bad.toml"
    bad.write_text("top-k = = 3\n")
    assert main(["train", "--config", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"error: --config {bad}: cannot parse" in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("flags", "config", "named"),
    [
        (["--threads", "0"], None, "--threads 0: must be ≥ 1"),
        (["--target-kl", "0"], None, "--target-kl 0"),
        (["--reward-mode", "alpha"], None, "--reward-mode 'alpha': choose one of forward_return"),
        (["--learning-rate", "nan"], None, "--learning-rate nan"),
        (["--cost-bps", "inf"], None, "--cost-bps inf"),
        ([], '{"n_epochs": true}', "--n-epochs True: must be an integer"),
    ],
)
def test_more_bad_values_are_refused_naming_the_flag(
    data: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], flags: list[str], config: str | None, named: str
) -> None:
    """More out-of-range values, flag or --config alike: exit 2, one line naming the flag and the value,
    before the run directory exists."""
    out = tmp_path / "run"
    extra = []
    if config is not None:
        (tmp_path / "c.json").write_text(config)
        extra = ["--config", str(tmp_path / "c.json")]
    assert main(["train", "--data", data, "--out-dir", str(out), *_steps(1), *TINY, *extra, *flags]) == 2
    err = capsys.readouterr().err
    assert f"error: {named}" in err and "Traceback" not in err, err
    assert not out.exists()


def test_boundary_values_are_accepted() -> None:
    """--cost-bps 0 (frictionless, documented) is valid, and a window may start and end on the same day."""
    opts = validate({**FLAG_DEFAULTS, "cost_bps": 0, "train_start": "2021-03-01", "train_end": "2021-03-01"})
    assert opts["cost_bps"] == 0.0 and opts["train_start"] == opts["train_end"] == "2021-03-01"


# ------------------------------------------------------------------ eval CLI helpers
def _eval_args(**kw: object) -> argparse.Namespace:
    base = {"cost_bps": "30,60,100", "top_k": 30, "forward_period": 5, "random_draws": 100, "seed": 0}
    return argparse.Namespace(**{**base, **kw})


def test_eval_accepts_a_zero_cost() -> None:
    """eval --cost-bps takes costs ≥ 0: 0 is the documented frictionless (gross) setting, not an error."""
    from aurumq_rl.cli.eval import settings_from_args

    assert settings_from_args(_eval_args(cost_bps="0,30")).cost_bps == (0.0, 30.0)


def test_eval_outputs_leave_nothing_behind_on_failure(tmp_path: Path) -> None:
    """A failure while writing the report files leaves no new -o directory and no temp directory."""
    from aurumq_rl.cli.eval import write_outputs

    with pytest.raises(TypeError):
        write_outputs(tmp_path / "out", {"eval.json": {"a": 1}, "chart.png": 12345})  # not bytes
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------ demo windows
def test_demo_splits_dates_60_20_20(tmp_path: Path) -> None:
    """10 trading dates: train the first 6, validate the next 2, test the last 2, no date shared or skipped."""
    from aurumq_rl.cli.demo import split_dates

    days = [f"2024-01-{d:02d}" for d in (2, 3, 4, 5, 8, 9, 10, 11, 12, 15)]
    path = tmp_path / "m.parquet"
    pl.DataFrame({"trade_date": pl.Series(days).str.to_date(), "ts_code": ["600000.SH"] * 10}).write_parquet(path)
    assert split_dates(str(path)) == {
        "train_start": days[0],
        "train_end": days[5],
        "val_start": days[6],
        "val_end": days[7],
        "test_start": days[8],
        "test_end": days[9],
    }
