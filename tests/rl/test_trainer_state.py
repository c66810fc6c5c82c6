"""The Trainer's validation picks the top K under the env's own industry cap, and `--resume` refuses a
checkpoint whose policy, envs or panel differ from the current settings (one clear error, nothing rewritten)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from aurumq_rl.algos.ppo import PPOConfig  # noqa: E402
from aurumq_rl.algos.trainer import TrainConfig, Trainer  # noqa: E402
from aurumq_rl.cli.main import main  # noqa: E402
from aurumq_rl.data.synth import preset, write_demo  # noqa: E402
from aurumq_rl.envs.market_sim import EnvConfig  # noqa: E402
from aurumq_rl.market.selection import industry_cap  # noqa: E402


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> str:
    return write_demo(str(tmp_path_factory.mktemp("d") / "m.parquet"), preset("small", seed=2))[0]


def _one_industry_scores(tr: Trainer) -> tuple[np.ndarray, np.ndarray]:
    """Scores on the first validation date that put its largest industry above every other stock."""
    t = int(tr.val_idx[0])
    ind, valid = tr.panel.industry[t], tr.panel.in_universe[t]
    big = np.bincount(ind[valid & (ind >= 0)]).argmax()
    scores = np.where(ind == big, 1.0, 0.0) + np.linspace(0, 0.5, len(ind))
    return scores[None].astype(np.float32), ind == big


@pytest.mark.parametrize("cap", [None, 0.3])
def test_validation_picks_under_the_env_industry_cap(data: str, tmp_path: Path, cap: float | None) -> None:
    """val_topk_return (which can choose best.pt) comes from the picks the env itself would make."""
    k = 10
    env = EnvConfig(top_k=k, episode_length=8, industry_cap=cap)
    tr = Trainer(TrainConfig(data=data, out_dir=str(tmp_path / "run"), env=env, threads=1,
                             ppo=PPOConfig(total_timesteps=32, n_envs=4, n_steps=8, batch_size=16)))
    tr.val_idx = tr.val_idx[:1]
    scores, in_big = _one_industry_scores(tr)
    t = int(tr.val_idx[0])
    tr.sim.t = torch.full((tr.sim.n_envs,), t, dtype=torch.long)
    env_picks = tr.sim.select(torch.as_tensor(scores).expand(tr.sim.n_envs, -1))[0].numpy()
    assert (env_picks & in_big).sum() == (industry_cap(k) if cap is not None else k)  # the cap binds here
    # the top-K return by hand from the env's picks: entry at t+1 (0 if it cannot be bought), one round trip
    y = tr.label[t]
    fill = tr.panel.can_buy[t + 1] & env_picks
    want = np.where(fill & np.isfinite(y), y, 0.0).sum() / k - tr.round_trip[t] * fill.sum() / k
    assert tr.validation_metrics(scores)["val_topk_return"] == pytest.approx(want, abs=1e-9)


def _train(data: str, out: Path, *extra: str) -> int:
    return main(["train", "--data", data, "--out-dir", str(out), "--total-timesteps", "64", "--n-steps", "8",
                 "--batch-size", "16", "--top-k", "5", "--episode-length", "8", "--no-progress", "--no-export",
                 "--threads", "1", *extra])


def test_resume_refuses_other_settings_and_keeps_the_run(data: str, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run"
    assert _train(data, out, "--n-envs", "4") == 0
    manifest = (out / "run.json").read_text()
    last = (out / "last.pt").read_bytes()
    capsys.readouterr()
    for extra, says in ((("--n-envs", "8"), "--n-envs 4 (now 8)"),
                        (("--n-envs", "4", "--encoder-hidden", "32"), "--encoder-hidden 128,64 (now 32)"),
                        (("--n-envs", "4", "--factors", "3"), "factors 33 (digest"),  # the small preset has 33
                        (("--n-envs", "4", "--reward-mode", "portfolio"), "--reward-mode forward_return (now "
                                                                          "portfolio)")):
        assert _train(data, out, *extra, "--resume") == 2, extra
        err = capsys.readouterr().err
        assert f"--resume: {out / 'last.pt'} was trained with {says}" in err and "Traceback" not in err, err
        assert (out / "run.json").read_text() == manifest and (out / "last.pt").read_bytes() == last
    assert _train(data, out, "--n-envs", "4", "--resume") == 0  # the same settings resume
    assert json.loads((out / "run.json").read_text())["config"]["ppo"]["n_envs"] == 4


def test_resume_refuses_any_changed_training_setting_listing_each(data: str, tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """A changed learning rate (or any setting of run.json's config outside `RESUME_MAY_DIFFER`) used to resume
    silently and mix two runs; now every difference is listed in one error, as `--flag old (now new)`, and the
    run is left untouched. --total-timesteps may not be lowered, nor the device type change."""
    out = tmp_path / "run"
    assert _train(data, out, "--n-envs", "4") == 0
    manifest, last = (out / "run.json").read_text(), (out / "last.pt").read_bytes()
    capsys.readouterr()
    assert _train(data, out, "--n-envs", "4", "--learning-rate", "0.002", "--resume") == 2
    err = capsys.readouterr().err
    assert f"error: --resume: {out / 'last.pt'} was trained with --learning-rate 0.001 (now 0.002); resume with " \
           "the same settings" in err and "new --out-dir" in err and "Traceback" not in err, err
    changed = ("--value-learning-rate", "0.002", "--batch-size", "32", "--n-epochs", "2", "--target-kl", "0.1",
               "--top-k", "6", "--cost-bps", "40", "--seed", "1", "--forward-period", "3", "--total-timesteps", "32",
               "--feature-group-weights", "alpha_=0.5")
    assert _train(data, out, "--n-envs", "4", *changed, "--resume") == 2
    err = capsys.readouterr().err
    for says in ("--value-learning-rate 0.001 (now 0.002)", "--batch-size 16 (now 32)", "--n-epochs 4 (now 2)",
                 "--target-kl 0.05 (now 0.1)", "--top-k 5 (now 6)", "--cost-bps 30.0 (now 40.0)", "--seed 0 (now 1)",
                 "--forward-period 5 (now 3)",
                 "--total-timesteps 64 (now 32: a run can be extended, not shortened)",
                 "--feature-group-weights none (now alpha_=0.5)"):  # one setting, shown as the flag takes it
        assert says in err, (says, err)
    assert err.count("error:") == 1
    # a checkpoint trained on another device type (its generators' states live there) is refused, not crashed on
    st = torch.load(out / "last.pt", weights_only=False)
    now = st["resume_key"]["device type"]
    st["resume_key"]["device type"] = other = "cpu" if now == "cuda" else "cuda"
    torch.save(st, out / "last.pt")
    assert _train(data, out, "--n-envs", "4", "--resume") == 2
    assert f"was trained with device type {other} (now {now})" in capsys.readouterr().err
    # one older than the device-type record, holding the other device's generator state (CUDA's is 16 bytes,
    # the CPU's 5056): a clear refusal too
    del st["resume_key"]["device type"]
    st["ppo_gen"] = torch.zeros(5056 if now == "cuda" else 16, dtype=torch.uint8)
    torch.save(st, out / "last.pt")
    assert _train(data, out, "--n-envs", "4", "--resume") == 2
    err = capsys.readouterr().err
    assert f"random generator states do not fit this {now} run" in err and "Traceback" not in err, err
    (out / "last.pt").write_bytes(last)
    assert (out / "run.json").read_text() == manifest
    threads = torch.get_num_threads()
    try:  # what RESUME_MAY_DIFFER lets change is no refusal: --threads is speed only
        assert _train(data, out, "--n-envs", "4", "--threads", "2", "--resume") == 0
    finally:
        torch.set_num_threads(threads)


def test_resume_with_only_allowed_changes_continues_exactly(data: str, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """What `RESUME_MAY_DIFFER` lets change does not block a resume nor change the training: a run stopped at
    update 2 of 4, moved to another directory and resumed there with another --device spelling and
    --eval-every (which applies from then on), trains updates 3 and 4 exactly as the uninterrupted run
    (losses, KL, weights)."""
    import shutil

    import aurumq_rl.algos.trainer as trainer_mod

    a, b, moved = tmp_path / "a", tmp_path / "b", tmp_path / "moved"
    common = ("--n-envs", "4", "--total-timesteps", "128", "--seed", "3")
    dev, same = ("cuda", "cuda:0") if torch.cuda.is_available() else ("auto", "cpu")  # one device, two spellings
    assert _train(data, a, *common, "--eval-every", "1", "--device", dev) == 0
    real, calls = trainer_mod.Trainer.validation_metrics, []

    def stop_at_update_3(self: Trainer, *args: object, **kw: object) -> dict:
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(self, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(trainer_mod.Trainer, "validation_metrics", stop_at_update_3)
    assert _train(data, b, *common, "--eval-every", "1", "--device", dev) == 130
    monkeypatch.undo()
    shutil.move(b, moved)
    assert _train(data, moved, *common, "--eval-every", "2", "--device", same, "--resume") == 0

    def training(out: Path) -> list[dict]:
        rows = [json.loads(x) for x in (out / "metrics.jsonl").read_text().splitlines()]
        return [{k: v for k, v in r.items() if k != "env_steps_per_s" and not k.startswith("val_")} for r in rows]

    assert [r["update"] for r in training(moved)] == [1, 2, 3, 4]
    assert training(moved) == training(a)
    rows = [json.loads(x) for x in (moved / "metrics.jsonl").read_text().splitlines()]
    assert ["val_rank_ic" in r for r in rows] == [True, True, False, True]  # --eval-every 2 from update 3 on
    wa = torch.load(a / "last.pt", weights_only=False)["policy"]
    wm = torch.load(moved / "last.pt", weights_only=False)["policy"]
    assert all(torch.equal(wa[k], wm[k]) for k in wa)


def test_resume_flags_name_real_train_options() -> None:
    """The refusal names a config key by its `train` flag: each flag it may print must be one `train` takes."""
    import argparse

    from aurumq_rl.algos.resume import RESUME_FLAGS
    from aurumq_rl.cli.main import build_parser

    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    options = {o for act in sub.choices["train"]._actions for o in act.option_strings}
    assert set(RESUME_FLAGS.values()) <= options, set(RESUME_FLAGS.values()) - options


def test_a_failed_checkpoint_write_leaves_the_old_checkpoint_and_no_temp_file(data: str, tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """A disk full (or Ctrl-C) while saving: last.pt keeps the previous update, nothing half-written is left."""
    out = tmp_path / "run"
    assert _train(data, out, "--n-envs", "4") == 0
    before = (out / "last.pt").read_bytes()
    real = torch.save

    def half_then_fail(obj: object, f: object, *a: object, **kw: object) -> None:
        Path(str(f)).write_bytes(b"half")
        raise OSError(28, "No space left on device", str(f))

    monkeypatch.setattr(torch, "save", half_then_fail)
    assert _train(data, out, "--n-envs", "4", "--total-timesteps", "96", "--resume") == 2
    monkeypatch.setattr(torch, "save", real)
    assert (out / "last.pt").read_bytes() == before
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".") or "tmp" in p.name) == []


def test_default_windows_split_the_dates_80_20_and_one_bound_sets_the_other(data: str, tmp_path: Path) -> None:
    """No --train-end / --val-start: training ends at 80% of the dates (less the embargo), validation starts on
    the next date; a --val-start alone ends training the date before it, a --train-end alone starts validation
    the date after it."""
    def trainer(**kw: str) -> Trainer:
        env = EnvConfig(top_k=10, episode_length=8)
        return Trainer(TrainConfig(data=data, out_dir=str(tmp_path / "run"), env=env, threads=1,
                                   ppo=PPOConfig(total_timesteps=32, n_envs=4, n_steps=8, batch_size=16), **kw))

    tr = trainer()
    n, embargo = len(tr.panel.dates), 5 + 2  # forward period 5 after the T+1 entry
    assert int(tr.val_idx[0]) == int(n * 0.8) + 1 and int(tr.val_idx[-1]) == n - 1
    assert tr.train_range == (0, int(tr.val_idx[0]) - embargo)
    d = tr.panel.dates
    tr = trainer(val_start=str(d[100]))
    assert int(tr.val_idx[0]) == 100 and tr.train_range[1] == 100 - embargo
    tr = trainer(train_end=str(d[100]))
    assert int(tr.val_idx[0]) == 101 and tr.train_range[1] == 101 - embargo


def test_training_stops_at_a_non_finite_loss_with_a_clear_error(data: str, tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """A learning rate of 1e30 blows the weights up: the run stops at the first NaN update with an error that
    says what to do and logs that update (it used to finish with exit code 0 and a NaN policy)."""
    out = tmp_path / "run"
    capsys.readouterr()
    assert _train(data, out, "--n-envs", "4", "--learning-rate", "1e30") == 2
    err = capsys.readouterr().err
    assert "the weights are no longer finite, so training stops" in err and "--learning-rate" in err, err
    assert "non-finite weights" in err or "nan" in err
    assert (out / "metrics.jsonl").read_text().splitlines()  # the failing update is logged


def test_a_nan_pct_chg_is_missing_not_a_nan_policy(data: str, tmp_path: Path) -> None:
    """One NaN pct_chg used to make every later compounded return of the stock NaN, the rewards NaN and the
    trained policy NaN; it is now read as missing (a 0 return), with a warning naming the column."""
    import polars as pl

    df = pl.read_parquet(data)
    code, day = df["ts_code"][10], df["trade_date"][10]
    bad = tmp_path / "nan.parquet"
    hit = (pl.col("ts_code") == code) & (pl.col("trade_date") == day)
    df.with_columns(pl.when(hit).then(float("nan")).otherwise(pl.col("pct_chg")).alias("pct_chg")).write_parquet(bad)
    with pytest.warns(UserWarning, match=rf"pct_chg has 1 NaN/inf value\(s\) \(first: {code} {day}\)"):
        assert _train(str(bad), tmp_path / "run", "--n-envs", "4") == 0
    rows = [json.loads(x) for x in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    assert all(np.isfinite([r["policy_loss"], r["value_loss"], r["val_rank_ic"]]).all()
               for r in rows if "val_rank_ic" in r)


def test_every_validation_date_has_its_label_when_the_data_goes_on(data: str, tmp_path: Path) -> None:
    """The panel is loaded a label horizon past --val-end: the last validation dates keep their forward returns
    (loading only to --val-end left the last fp + 1 of them without labels, so validation silently covered
    fewer dates than `eval` over the same window). No decision is made on the extra dates."""
    env = EnvConfig(top_k=10, episode_length=8)
    ppo = PPOConfig(total_timesteps=32, n_envs=4, n_steps=8, batch_size=16)
    full = Trainer(TrainConfig(data=data, out_dir=str(tmp_path / "a"), env=env, threads=1, ppo=ppo))
    d = full.panel.dates
    tr = Trainer(TrainConfig(data=data, out_dir=str(tmp_path / "b"), env=env, threads=1, ppo=ppo,
                             val_start=str(d[100]), val_end=str(d[150])))
    assert tr.panel.dates[tr.val_idx[0]] == d[100] and tr.panel.dates[tr.val_idx[-1]] == d[150]
    assert len(tr.val_idx) == 51 and np.isfinite(tr.label[tr.val_idx]).any(axis=1).all()
    assert tr.panel.dates[-1] == d[150 + 1 + 5]  # the T+1 fill, then fp = 5 days: just what the label needs
    assert tr.sim.t_hi < tr.val_idx[0]  # training decisions stay before validation


@pytest.mark.filterwarnings("ignore:.*market-wide")
def test_run_json_hashes_a_directory_of_shards(data: str, tmp_path: Path) -> None:
    """`--data` as a directory of shards: run.json's data_sha256 is the digest of its `sha256sum` listing (not
    None, as it was), with one data_files row per shard."""
    import hashlib

    import polars as pl

    df = pl.read_parquet(data)
    mid = df["trade_date"].unique().sort()[len(df["trade_date"].unique()) // 2]
    shards = tmp_path / "shards"
    (shards / "late").mkdir(parents=True)
    df.filter(pl.col("trade_date") < mid).write_parquet(shards / "early.parquet")
    df.filter(pl.col("trade_date") >= mid).write_parquet(shards / "late" / "part.parquet")
    tr = Trainer(TrainConfig(data=str(shards), out_dir=str(tmp_path / "run"), threads=1,
                             env=EnvConfig(top_k=5, episode_length=8),
                             ppo=PPOConfig(total_timesteps=32, n_envs=4, n_steps=8, batch_size=16)))
    m = tr.manifest()
    rows = [(hashlib.sha256((shards / p).read_bytes()).hexdigest(), p) for p in ("early.parquet", "late/part.parquet")]
    assert m["data_sha256"] == hashlib.sha256("".join(f"{h}  {p}\n" for h, p in rows).encode()).hexdigest()
    assert [(r["sha256"], r["path"]) for r in m["data_files"]] == rows


def test_resolve_device_allows_tf32_on_cuda_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """`--device cpu` leaves torch's TF32 switches as they are; a CUDA device turns both on (train's precision
    there). CUDA's availability is faked: `torch.device("cuda")` is only a name, nothing runs on it."""
    from aurumq_rl.algos.device import resolve_device

    saved = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    try:
        torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
        assert resolve_device("cpu") == torch.device("cpu")
        assert (torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32) == (False, False)
        monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
        assert resolve_device("cuda").type == "cuda"
        assert (torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32) == (True, True)
    finally:
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = saved


def test_resume_follows_the_data_content_not_its_path(data: str, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """--data is compared by its sha256: the same file moved elsewhere resumes (here extending the run), while
    the file edited in place (one return changed, so stocks, factors and dates still match) is refused."""
    import shutil

    import polars as pl

    first, moved, out = tmp_path / "a.parquet", tmp_path / "elsewhere" / "b.parquet", tmp_path / "run"
    shutil.copy(data, first)
    assert _train(str(first), out, "--n-envs", "4") == 0
    moved.parent.mkdir()
    shutil.move(first, moved)
    assert _train(str(moved), out, "--n-envs", "4", "--total-timesteps", "128", "--resume") == 0
    assert json.loads((out / "run.json").read_text())["config"]["data"] == str(moved)
    df = pl.read_parquet(moved)
    df.with_columns(pl.when(pl.int_range(pl.len()) == 5).then(pl.col("pct_chg") + 0.01)
                    .otherwise(pl.col("pct_chg")).alias("pct_chg")).write_parquet(moved)
    capsys.readouterr()
    assert _train(str(moved), out, "--n-envs", "4", "--total-timesteps", "192", "--resume") == 2
    err = capsys.readouterr().err
    assert "was trained with data sha256 " in err and "Traceback" not in err, err


def test_api_resume_may_change_chunk_rows_and_a_constant_rate_warns_of_no_jump(data: str, tmp_path: Path) -> None:
    """Through the API: `ppo.chunk_rows` (rows per forward/backward pass, a memory knob in `RESUME_MAY_DIFFER`)
    may differ on resume; without the learning-rate anneal (`anneal_lr=False`) a raised budget changes no rate,
    so the resume warns of no jump."""
    import warnings

    def trainer(total: int, chunk_rows: int) -> Trainer:
        ppo = PPOConfig(total_timesteps=total, n_envs=4, n_steps=8, batch_size=16, anneal_lr=False,
                        chunk_rows=chunk_rows)
        return Trainer(TrainConfig(data=data, out_dir=str(tmp_path / "run"), env=EnvConfig(top_k=5, episode_length=8),
                                   threads=1, ppo=ppo))

    trainer(32, 32_768).run(progress=False)
    with warnings.catch_warnings(record=True) as got:
        warnings.simplefilter("always")
        trainer(64, 1_000).run(resume=True, progress=False)
    assert not [w for w in got if "--total-timesteps" in str(w.message)]
    rows = [json.loads(x) for x in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    assert [r["update"] for r in rows] == [1, 2]
    assert [r["learning_rate"] for r in rows] == [1e-3, 1e-3]  # no anneal: the rate never moved


def test_the_data_is_hashed_once_per_run(data: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """--data's sha256 (which may take minutes on a large panel) is computed once per run: run.json and every
    checkpoint reuse it."""
    import aurumq_rl.algos.trainer as trainer_mod

    calls: list[str] = []
    real = trainer_mod.data_provenance
    monkeypatch.setattr(trainer_mod, "data_provenance", lambda path: calls.append(str(path)) or real(path))
    ppo = PPOConfig(total_timesteps=64, n_envs=4, n_steps=8, batch_size=16)
    Trainer(TrainConfig(data=data, out_dir=str(tmp_path / "run"), env=EnvConfig(top_k=5, episode_length=8),
                        threads=1, ppo=ppo, eval_every=1)).run(progress=False)
    assert {"last.pt", "best.pt", "run.json"} <= {p.name for p in (tmp_path / "run").iterdir()}
    assert calls == [data]


def test_resolve_device_names_a_device_torch_does_not_know() -> None:
    from aurumq_rl.algos.device import resolve_device
    from aurumq_rl.errors import DataError

    with pytest.raises(DataError, match="--device gpu: not a device"):
        resolve_device("gpu")


def test_resolve_device_names_a_cuda_index_beyond_the_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    """CUDA's availability and device count are faked (two devices): cuda:1 resolves, cuda:2 names the count."""
    from aurumq_rl.algos.device import resolve_device
    from aurumq_rl.errors import DataError

    saved = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    try:
        assert resolve_device("cuda:1") == torch.device("cuda", 1)
        with pytest.raises(DataError, match=r"--device cuda:2: this machine has 2 CUDA device"):
            resolve_device("cuda:2")
    finally:
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = saved


def test_training_without_tensorboard_completes_and_writes_no_tb(data: str, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """TensorBoard is optional: with `torch.utils.tensorboard` unimportable the run completes, logs every
    update (64 steps / (4 envs × 8 steps) = 2) and writes no tb/."""
    import sys

    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", None)
    out = tmp_path / "run"
    assert _train(data, out, "--n-envs", "4") == 0
    assert [json.loads(r)["update"] for r in (out / "metrics.jsonl").read_text().splitlines()] == [1, 2]
    assert not (out / "tb").exists()


def test_resume_from_a_checkpoint_that_predates_a_check_says_what_it_cannot_check(data: str, tmp_path: Path) -> None:
    """A checkpoint written before the data hash (or a config field) was recorded resumed on any data without a
    word: the missing entries were skipped as incomparable. It still resumes, but names each entry it could
    not compare."""
    out = tmp_path / "run"
    assert _train(data, out, "--n-envs", "4") == 0
    ckpt = torch.load(out / "last.pt", weights_only=False)
    del ckpt["resume_key"]["data sha256"]
    del ckpt["config"]["ppo"]["target_kl"]
    torch.save(ckpt, out / "last.pt")
    with pytest.warns(UserWarning, match=r"--resume: .*last\.pt records no data sha256, --target-kl \(written by an "
                                         r"older version\), so it cannot be checked that they are unchanged"):
        assert _train(data, out, "--n-envs", "4", "--total-timesteps", "128", "--resume") == 0
