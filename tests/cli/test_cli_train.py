"""`aurumq-rl train`: a real short run writes the run directory; --resume continues; bad flags are clear."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("torch")

from aurumq_rl.cli.main import main  # noqa: E402
from aurumq_rl.data.synth import preset, write_demo  # noqa: E402
from aurumq_rl.errors import DataError  # noqa: E402


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> str:
    return write_demo(str(tmp_path_factory.mktemp("d") / "m.parquet"), preset("small", seed=2))[0]


def test_train_writes_run_dir_and_resumes(data: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run"
    args = ["train", "--data", data, "--out-dir", str(out), "--total-timesteps", "1024", "--n-envs", "8",
            "--n-steps", "16", "--batch-size", "64", "--top-k", "10", "--episode-length", "16",
            "--eval-every", "2", "--no-progress", "--threads", "1"]
    assert main(args) == 0
    assert {"run.json", "metrics.jsonl", "last.pt", "best.pt", "bundle"} <= {p.name for p in out.iterdir()}
    assert (out / "bundle" / "policy.onnx").is_file()  # train ends with the export
    rows = [json.loads(x) for x in (out / "metrics.jsonl").read_text().splitlines()]
    assert len(rows) == 8 and rows[-1]["steps"] == 1024
    for key in ("steps", "env_steps_per_s", "policy_loss", "value_loss", "approx_kl", "explained_variance",
                "val_rank_ic", "val_ic", "val_topk_return"):
        assert key in rows[-1]
    manifest = json.loads((out / "run.json").read_text())
    assert len(manifest["data_sha256"]) == 64 and manifest["factor_names"][0] == "alpha_001"
    assert "val_rank_ic" in capsys.readouterr().out
    # resume to a larger budget: continues from update 8, keeps the log; the learning rate now anneals over 12
    # updates, so it steps up from 1/8 (update 8) to 1 - 8/12 (update 9), and a warning says so
    says = (r"--total-timesteps 1024 raised to 1536: the learning rates now anneal to 0 over 12 updates instead "
            r"of 8, so update 9 runs at 33% of --learning-rate \(update 8 ran at 12%\)")
    with pytest.warns(UserWarning, match=says):
        assert main([*args[:6], "1536", *args[7:], "--resume"]) == 0
    rows = [json.loads(x) for x in (out / "metrics.jsonl").read_text().splitlines()]
    assert [r["update"] for r in rows] == list(range(1, 13))
    assert [r["learning_rate"] for r in rows[7:9]] == pytest.approx([1e-3 / 8, 1e-3 * (1 - 8 / 12)])


def test_train_smoke_trains_for_real(tmp_path: Path) -> None:
    """`train --smoke`: the small synthetic preset, the default 128 envs, 8 real PPO updates, then the export."""
    out = tmp_path / "smoke"
    assert main(["train", "--smoke", "--out-dir", str(out), "--no-progress"]) == 0
    rows = [json.loads(x) for x in (out / "run" / "metrics.jsonl").read_text().splitlines()]
    assert [r["update"] for r in rows] == list(range(1, 9)) and rows[-1]["steps"] == 128 * 32 * 8
    assert all(r["approx_kl"] > 0 for r in rows)  # the policy moved at every update
    assert rows[-1]["val_rank_ic"] > 0.02  # the preset's planted signal (rank IC ≈ 0.05 at this length)
    assert (out / "run" / "bundle" / "policy.onnx").is_file()


def test_train_bad_flags(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", "--out-dir", str(tmp_path)]) == 2
    assert "--data is required" in capsys.readouterr().err
    cfg = tmp_path / "c.json"
    cfg.write_text('{"bogus_flag": 1}')
    assert main(["train", "--config", str(cfg)]) == 2
    assert "unknown key 'bogus_flag'" in capsys.readouterr().err
    assert main(["train", "--data", "x.parquet", "--out-dir", str(tmp_path)]) == 2
    assert "data file not found: x.parquet" in capsys.readouterr().err


def test_config_file_switches_are_not_overwritten_by_absent_flags(tmp_path: Path) -> None:
    """`--config` keys replace the flag defaults, switches included: an absent --resume must not turn a
    config's `resume = true` back into False; a flag given on the command line still wins."""
    from aurumq_rl.cli.main import build_parser
    from aurumq_rl.cli.train import _merge

    cfg = tmp_path / "c.json"
    cfg.write_text('{"resume": true, "no_export": true, "no_progress": true, "n_envs": 16}')
    opts = _merge(build_parser().parse_args(["train", "--config", str(cfg)]))
    assert (opts["resume"], opts["no_export"], opts["no_progress"], opts["n_envs"]) == (True, True, True, 16)
    opts = _merge(build_parser().parse_args(["train", "--config", str(cfg), "--n-envs", "8"]))
    assert opts["n_envs"] == 8 and opts["resume"] is True
    assert not _merge(build_parser().parse_args(["train"])).get("resume")


TINY = ["--total-timesteps", "64", "--n-envs", "4", "--n-steps", "8", "--batch-size", "16", "--top-k", "5",
        "--episode-length", "8", "--no-progress", "--no-export", "--threads", "1"]


@pytest.mark.parametrize(("flags", "config", "named"), [
    (["--top-k", "0"], None, "--top-k 0"),
    (["--forward-period", "-1"], None, "--forward-period -1"),
    (["--episode-length", "0"], None, "--episode-length 0"),
    (["--n-envs", "0"], None, "--n-envs 0"),
    (["--n-steps", "0"], None, "--n-steps 0"),
    (["--batch-size", "0"], None, "--batch-size 0"),
    (["--n-epochs", "0"], None, "--n-epochs 0"),
    (["--total-timesteps", "0"], None, "--total-timesteps 0"),
    (["--eval-every", "0"], None, "--eval-every 0"),
    (["--seed", "-1"], None, "--seed -1"),
    (["--encoder-hidden", "0"], None, "--encoder-hidden '0'"),
    (["--encoder-hidden", "64,-3"], None, "--encoder-hidden '64,-3'"),
    (["--cost-bps", "-5"], None, "--cost-bps -5"),
    (["--learning-rate", "0"], None, "--learning-rate 0"),
    (["--value-learning-rate", "0"], None, "--value-learning-rate 0.0: must be > 0"),
    (["--value-learning-rate", "inf"], None, "--value-learning-rate inf: must be > 0"),
    (["--device", "tpu"], None, "--device 'tpu'"),
    (["--device", "tpu", "--smoke"], None, "--device 'tpu'"),  # before --smoke writes its market
    (["--train-start", "2021-06-01", "--train-end", "2021-01-01"], None, "--train-start 2021-06-01 is after"),
    (["--val-start", "20211001", "--val-end", "20210901"], None, "--val-start 2021-10-01 is after --val-end"),
    (["--train-end", "2021-13-01"], None, "--train-end='2021-13-01' is not a date"),
    (["--train-start", "2018-01-01", "--train-end", "2019-06-01"], None,  # said "decision dates 0..-1 hold fewer"
     "no trading date of {data} in --train-start 2018-01-01 .. --train-end 2019-06-01 (the data covers 2020-06-01"),
    (["--val-start", "2022-03-01"], None, "in --val-start 2022-03-01 .. --val-end 2021-12-10 (the data covers"),
    (["--train-start", "2030-01-01"], None,  # said "no row left in universe ... between 2030-01-01 and end"
     "no trading date of {data} in --train-start 2030-01-01 .. --train-end 2021-12-10 (the data covers 2020-06-01"),
    (["--forward-period", "400"], None, "0 decision date(s) left once each label (400 trading days after the "
                                        "next-day fill, from --forward-period 400) ends before the validation"),
    (["--feature-group-weights", "mf_=nan"], None, "--feature-group-weights 'mf_=nan': the pair 'mf_=nan'"),
    (["--feature-group-weights", "alpha_=1,mf_=inf"], None, "the pair 'mf_=inf' has no finite weight ≥ 0"),
    (["--feature-group-weights", "mf_=-0.5"], None, "the pair 'mf_=-0.5' has no finite weight ≥ 0"),
    (["--feature-group-weights", "=0.5"], None, "--feature-group-weights '=0.5': a pair has no prefix"),  # scaled all
    ([], '{"feature_group_weights": {"mf_": "nan"}}', "the pair 'mf_=nan' has no finite weight"),
    (["--factors", "alpha_001,alpha_0001"], None, "matches 'alpha_0001' (did you mean alpha_001"),  # was dropped
    (["--val-start", "soon"], None, "--val-start='soon' is not a date"),
    ([], '{"forward_period": "abc"}', "--forward-period 'abc'"),
    ([], '{"n_epochs": 2.5}', "--n-epochs 2.5"),
    ([], '{"learning_rate": "fast"}', "--learning-rate 'fast'"),
    ([], '{"value_learning_rate": "slow"}', "--value-learning-rate 'slow': must be a number"),
    ([], '{"sizing": "huge"}', "--sizing 'huge'"),
])
def test_train_rejects_bad_values_before_writing(data: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                 flags: list[str], config: str | None, named: str) -> None:
    """A bad number, device, date or date order (flag or --config value) exits 2 with one line naming the
    flag, before the run directory exists."""
    out = tmp_path / "run"
    extra = []
    if config is not None:
        (tmp_path / "c.json").write_text(config)
        extra = ["--config", str(tmp_path / "c.json")]
    assert main(["train", "--data", data, "--out-dir", str(out), *TINY, *extra, *flags]) == 2
    err = capsys.readouterr().err
    assert named.format(data=data) in err and "Traceback" not in err, err
    assert not out.exists()


def test_train_compact_dates_select_the_same_windows(data: str, tmp_path: Path) -> None:
    """YYYYMMDD dates mean the same days as YYYY-MM-DD (they were read as the year 20210331)."""
    from aurumq_rl.algos.trainer import TrainConfig, Trainer
    from aurumq_rl.cli.train import FLAG_DEFAULTS, build_config

    windows = []
    for dates in (("2020-07-01", "2021-03-31", "2021-04-15", "2021-09-30"),
                  ("20200701", "20210331", "20210415", "20210930")):
        opts = {**FLAG_DEFAULTS, "data": data, "out_dir": str(tmp_path / "run"), "n_envs": 4, "episode_length": 8,
                **dict(zip(("train_start", "train_end", "val_start", "val_end"), dates, strict=True))}
        trainer = Trainer(build_config(opts))
        windows.append((trainer.train_range, trainer.val_idx.tolist(), trainer.manifest()["train_dates"],
                        trainer.manifest()["val_dates"]))
        # the Trainer itself reads both forms too (for callers that bypass the CLI)
        direct = Trainer(TrainConfig(data=data, out_dir=str(tmp_path / "run"), train_start=dates[0],
                                     train_end=dates[1], val_start=dates[2], val_end=dates[3],
                                     env=trainer.cfg.env, ppo=trainer.cfg.ppo))
        assert (direct.train_range, direct.val_idx.tolist()) == windows[-1][:2]
    assert windows[0] == windows[1]
    (_, train_end), (val_start, val_end) = windows[0][2], windows[0][3]
    assert train_end <= "2021-03-31" and "2021-04-15" <= val_start < val_end <= "2021-09-30"
    with pytest.raises(DataError, match="--train-end='2021-13-01'"):
        Trainer(TrainConfig(data=data, out_dir=str(tmp_path / "run"), train_end="2021-13-01"))
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("dates, shown", [
    (["--train-end", "2021-06-30", "--val-start", "2021-03-01"], "2021-03-01 is not after --train-end 2021-06-30"),
    (["--train-start", "2021-01-04", "--train-end", "2021-06-30", "--val-start", "2020-07-01", "--val-end",
      "2020-12-31"], "2020-07-01 is not after --train-end 2021-06-30"),
    (["--train-start", "2021-01-04", "--val-end", "2020-12-31"], "--val-end 2020-12-31 is not after --train-start"),
])
def test_train_refuses_a_validation_window_that_does_not_follow_training(
        data: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], dates: list[str], shown: str) -> None:
    """An overlapping or earlier validation window is an error naming both dates; it used to cut the training
    window silently (by four months) or fail with a message about empty universes."""
    out = tmp_path / "run"
    assert main(["train", "--data", data, "--out-dir", str(out), *TINY, *dates]) == 2
    err = capsys.readouterr().err
    shown = shown if shown.startswith("--") else f"--val-start {shown}"
    assert f"error: {shown}" in err and "the validation window must follow the training window" in err, err
    assert not out.exists()


def test_train_prints_its_windows_and_step_budget(data: str, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """Before training: the dates actually trained on (after the embargo), the validation dates, and the step
    budget rounded to whole updates (4 envs × 8 steps = 32 per update: 70 → 2 updates, 64 steps)."""
    flags = [a if a != "64" else "70" for a in TINY]
    assert main(["train", "--data", data, "--out-dir", str(tmp_path / "run"), *flags, "--val-start", "2021-07-01",
                 "--val-end", "2021-09-30"]) == 0
    run = json.loads((tmp_path / "run" / "run.json").read_text())
    (tr_lo, tr_hi), (va_lo, va_hi) = run["train_dates"], run["val_dates"]
    assert tr_hi < "2021-07-01" <= va_lo  # with only --val-start, training ends before it
    out = capsys.readouterr().out
    assert f"train {tr_lo} … {tr_hi} (" in out and f"validation {va_lo} … {va_hi} (" in out
    assert "embargo 6 dates (label horizon)" in out  # fp 5: a label of decision t runs to the close of t + 6
    assert "2 updates × 32 env-steps = 64 (--total-timesteps 70 rounded to whole updates)" in out


@pytest.mark.parametrize("top_k", ["31", "50"])
def test_train_refuses_a_top_k_the_universe_cannot_fill(data: str, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str], top_k: str) -> None:
    """hs300 on the small preset: 47 stocks, at most 30 on a date. K above the panel's stock count (50) crashed
    the sampler after the run directory was written; K no date can fill (31) trained a "top K" that never was."""
    out = tmp_path / "run"
    flags = [*TINY[:TINY.index("--top-k")], *TINY[TINY.index("--top-k") + 2:]]
    assert main(["train", "--data", data, "--out-dir", str(out), *flags, "--universe", "hs300",
                 "--top-k", top_k]) == 2
    err = capsys.readouterr().err
    assert f"error: --top-k {top_k}: universe 'hs300' holds at most 30 stocks" in err and "Traceback" not in err
    assert "--top-k ≤ 30" in err
    assert not out.exists()


def test_value_learning_rate_flag_reaches_the_critic_and_run_json(data: str, tmp_path: Path) -> None:
    """--value-learning-rate sets the critic's optimiser group (the policy's keeps --learning-rate) and is
    recorded in run.json; both anneal alike (2 updates: the last one runs at half the rate)."""
    import torch

    out = tmp_path / "run"
    assert main(["train", "--data", data, "--out-dir", str(out), *TINY, "--learning-rate", "0.001",
                 "--value-learning-rate", "0.0025"]) == 0
    assert json.loads((out / "run.json").read_text())["config"]["ppo"]["value_learning_rate"] == 0.0025
    groups = torch.load(out / "last.pt", weights_only=False)["opt"]["param_groups"]
    assert [g["lr"] for g in groups] == pytest.approx([0.0005, 0.00125])


def test_trainer_api_checks_the_window_order_too(data: str, tmp_path: Path) -> None:
    from aurumq_rl.algos.trainer import TrainConfig, Trainer

    with pytest.raises(DataError, match="--val-start 2021-03-01 is not after --train-end 2021-06-30"):
        Trainer(TrainConfig(data=data, out_dir=str(tmp_path / "run"), train_end="2021-06-30", val_start="2021-03-01"))


def test_best_metric_flag_picks_the_checkpoint_by_that_metric(data: str, tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    """best.pt holds the update with the highest --best-metric on the validation dates (first one on ties)."""
    import torch

    out = tmp_path / "run"
    args = ["train", "--data", data, "--out-dir", str(out), "--total-timesteps", "768", "--n-envs", "8",
            "--n-steps", "16", "--batch-size", "64", "--top-k", "10", "--episode-length", "16",
            "--eval-every", "1", "--no-progress", "--threads", "1", "--no-export"]
    assert main([*args, "--best-metric", "val_topk_return"]) == 0
    rows = [json.loads(x) for x in (out / "metrics.jsonl").read_text().splitlines()]
    best = torch.load(out / "best.pt", weights_only=False)
    want = max(rows, key=lambda r: r["val_topk_return"])
    assert best["best"] == pytest.approx(want["val_topk_return"]) and best["updates"] == want["update"]
    assert json.loads((out / "run.json").read_text())["config"]["best_metric"] == "val_topk_return"
    assert main([*args, "--best-metric", "sharpe"]) == 2
    assert "--best-metric 'sharpe': choose one of val_rank_ic, val_topk_return" in capsys.readouterr().err


def test_cli_defaults_are_the_config_dataclasses_defaults() -> None:
    """The CLI lists its defaults without importing torch; they must stay those of the dataclasses the Python
    API uses, or `aurumq-rl train` and `Trainer(TrainConfig(...))` would train differently."""
    import dataclasses

    from aurumq_rl.algos.ppo import PPOConfig
    from aurumq_rl.algos.trainer import TrainConfig
    from aurumq_rl.cli.sl_steps import DEFAULTS as SL_DEFAULTS
    from aurumq_rl.cli.train import FLAG_DEFAULTS
    from aurumq_rl.envs.market_sim import EnvConfig
    from aurumq_rl.market.costs import CostModel
    from aurumq_rl.sl.models import GBDTParams

    def defaults(cls: type) -> dict:
        return {f.name: f.default for f in dataclasses.fields(cls) if f.default is not dataclasses.MISSING}

    api = {**defaults(TrainConfig), **defaults(EnvConfig), **defaults(PPOConfig),
           "cost_bps": CostModel().round_trip_bps,
           "encoder_hidden": ",".join(map(str, defaults(TrainConfig)["encoder_hidden"]))}
    shared = sorted(set(FLAG_DEFAULTS) & set(api))
    assert len(shared) >= 18 and "value_learning_rate" in shared, shared
    assert {k: FLAG_DEFAULTS[k] for k in shared} == {k: api[k] for k in shared}
    gbdt = defaults(GBDTParams)
    shared = sorted(set(SL_DEFAULTS) & set(gbdt))
    assert len(shared) >= 5, shared
    assert {k: SL_DEFAULTS[k] for k in shared} == {k: gbdt[k] for k in shared}
