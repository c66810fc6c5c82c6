"""The simulator, the policy and a whole training run on an accelerator (CUDA) agree with the CPU.

CI has no GPU, so these tests skip there; on a GPU machine they are the check that the device path (the one
behind the throughput target) computes what the CPU path computes. `AURUMQ_TEST_ACCEL=cpu` runs them against
the CPU itself, which checks the tests' own logic on any machine.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import os
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from aurumq_rl.algos.ppo import PPOConfig  # noqa: E402
from aurumq_rl.algos.trainer import TrainConfig, Trainer  # noqa: E402
from aurumq_rl.cli.main import main  # noqa: E402
from aurumq_rl.data.loader import load_panel  # noqa: E402
from aurumq_rl.data.panel import Panel  # noqa: E402
from aurumq_rl.data.synth import preset, write_demo  # noqa: E402
from aurumq_rl.envs.market_sim import EnvConfig, MarketSim, PanelTensors  # noqa: E402
from aurumq_rl.export.onnx_export import export_bundle  # noqa: E402
from aurumq_rl.policies.deep_sets import DeepSetsPolicy  # noqa: E402

ACCEL = os.environ.get("AURUMQ_TEST_ACCEL", "cuda")
pytestmark = pytest.mark.skipif(ACCEL == "cuda" and not torch.cuda.is_available(),
                                reason="no CUDA device (set AURUMQ_TEST_ACCEL=cpu to check the tests' logic)")


@pytest.fixture(scope="module")
def market(tmp_path_factory: pytest.TempPathFactory) -> str:
    cfg = dataclasses.replace(preset("small", seed=11), signal_strength=0.15)
    path, _ = write_demo(str(tmp_path_factory.mktemp("m") / "market.parquet"), cfg)
    return path


@pytest.fixture(scope="module")
def panel(market: str) -> Panel:
    with warnings.catch_warnings():  # the synthetic market's market-wide columns: expected, said elsewhere
        warnings.simplefilter("ignore")
        return load_panel(market)


@pytest.fixture()
def no_tf32() -> Iterator[None]:
    """Full float32 matmuls: a training run on CUDA turns TF32 on for the whole process."""
    saved = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
    yield
    torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = saved


@pytest.mark.parametrize("mode", ["forward_return", "portfolio", "sharpe", "main_wave"])
def test_the_simulator_on_the_accelerator_matches_the_cpu(panel: Panel, mode: str) -> None:
    """Same starts, same scores: rewards, costs, holdings and dates agree step by step (industry cap on)."""
    cfg = EnvConfig(top_k=20, episode_length=12, reward_mode=mode)
    sims = [MarketSim(PanelTensors(panel, cfg, dev), cfg, n_envs=8, seed=3) for dev in ("cpu", ACCEL)]
    sims[1].t = sims[0].t.to(sims[1].t.device)
    gen = torch.Generator().manual_seed(0)
    for _ in range(cfg.episode_length - 1):
        scores = torch.randn(8, sims[0].data.n_stocks, generator=gen)
        out = [sim.step(scores.to(sim.t.device)) for sim in sims]
        (r_cpu, _, i_cpu), (r_acc, _, i_acc) = out
        torch.testing.assert_close(r_acc.cpu(), r_cpu, atol=1e-5, rtol=1e-4)
        torch.testing.assert_close(i_acc["cost"].cpu(), i_cpu["cost"], atol=1e-6, rtol=1e-4)
        assert torch.equal(i_acc["picked"].cpu(), i_cpu["picked"])
        torch.testing.assert_close(sims[1].w.cpu(), sims[0].w, atol=1e-6, rtol=1e-4)
        assert torch.equal(sims[1].t.cpu(), sims[0].t)
    assert (sims[0].w.sum(1) > 0.5).all()  # the books were filled: the comparison saw real trades


def test_the_policy_on_the_accelerator_matches_the_cpu(panel: Panel, no_tf32: None) -> None:
    """One policy, two devices: the scores and the value of a batch of padded dates agree."""
    data = PanelTensors(panel, EnvConfig(), "cpu")
    torch.manual_seed(0)
    policy = DeepSetsPolicy(data.n_factors)
    moved = copy.deepcopy(policy).to(ACCEL)
    t = torch.tensor([5, 50, 150])
    x, mask = data.factors[t], data.valid[t]
    with torch.no_grad():
        logits, value = policy(x, mask)
        logits_a, value_a = moved(x.to(ACCEL), mask.to(ACCEL))
    ok = mask
    torch.testing.assert_close(logits_a.cpu()[ok], logits[ok], atol=1e-4, rtol=1e-4)
    torch.testing.assert_close(value_a.cpu(), value, atol=1e-4, rtol=1e-4)


def test_training_on_the_accelerator_learns_and_exports(market: str, tmp_path: Path) -> None:
    """A run on the device learns the planted signal, and its bundle (exported from device weights) validates
    and scores on the CPU."""
    out = tmp_path / "run"
    cfg = TrainConfig(data=market, out_dir=str(out), train_end="2021-06-30", val_start="2021-07-01",
                      env=EnvConfig(top_k=20, episode_length=32), ppo=PPOConfig(total_timesteps=128 * 32 * 8),
                      eval_every=8, threads=2, device=ACCEL)
    tr = Trainer(cfg)
    assert tr.data.device.type == torch.device(ACCEL).type
    metrics = tr.run(progress=False)
    assert metrics["val_rank_ic"] > 0.06
    lines = [json.loads(x) for x in (out / "metrics.jsonl").read_text().splitlines()]
    # every update logged, its losses finite (no row has a plain "loss": checking that key checked nothing)
    assert [row["update"] for row in lines] == list(range(1, tr.ppo.n_updates + 1))
    assert all(np.isfinite(row[k]) for row in lines for k in ("policy_loss", "value_loss", "reward_mean"))
    export_bundle(str(out), out / "bundle")  # what `aurumq-rl train` does after training
    assert main(["bundle", "validate", str(out / "bundle")]) == 0
    picks = tmp_path / "picks.csv"
    assert main(["infer", "--bundle", str(out / "bundle"), "--data", market, "--date", "2021-09-01",
                 "--top-k", "20", "-o", str(picks)]) == 0
    assert len(picks.read_text().splitlines()) == 21


def test_a_run_on_the_accelerator_resumes(market: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """--resume on the device: the checkpoint's random generator states (CPU byte tensors, CUDA generators'
    too) are loaded onto the CPU, where `set_state` takes them; `torch.load` onto the GPU put them there and
    every CUDA resume failed with torch's TypeError 'RNG state must be a torch.ByteTensor'. The resumed run
    logs each update once and ends where an uninterrupted one does (up to the device's float reductions)."""

    def cfg(out: Path) -> TrainConfig:
        return TrainConfig(data=market, out_dir=str(out), env=EnvConfig(top_k=5, episode_length=8),
                           ppo=PPOConfig(total_timesteps=4 * 32, n_envs=4, n_steps=8, batch_size=16, seed=3),
                           eval_every=1, threads=2, device=ACCEL)

    a, b = tmp_path / "a", tmp_path / "b"
    Trainer(cfg(a)).run(progress=False)
    real = Trainer._save

    def stop_after_update_2(self: Trainer, name: str) -> None:
        real(self, name)
        if name == "last.pt" and self.ppo.updates == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(Trainer, "_save", stop_after_update_2)
    with pytest.raises(KeyboardInterrupt):
        Trainer(cfg(b)).run(progress=False)
    monkeypatch.undo()
    resumed = Trainer(cfg(b))
    resumed.run(resume=True, progress=False)
    assert resumed.sim.t.device.type == torch.device(ACCEL).type
    rows = {p: [json.loads(x) for x in (p / "metrics.jsonl").read_text().splitlines()] for p in (a, b)}
    assert [r["update"] for r in rows[b]] == [1, 2, 3, 4]
    for key in ("policy_loss", "value_loss", "reward_mean", "learning_rate"):
        np.testing.assert_allclose([r[key] for r in rows[b]], [r[key] for r in rows[a]], rtol=1e-3, atol=1e-5)
    wa = torch.load(a / "last.pt", map_location="cpu", weights_only=False)["policy"]
    wb = torch.load(b / "last.pt", map_location="cpu", weights_only=False)["policy"]
    for k in wa:
        torch.testing.assert_close(wb[k], wa[k], atol=1e-4, rtol=1e-3)


def test_a_holding_aware_run_on_the_accelerator_trains(market: str, tmp_path: Path) -> None:
    """The holding-aware path on the device (weights in the observation: a forward per rollout step, one row of
    logits per sample in the update, the critic's holdings term), which the run above never takes: it trains,
    logs finite losses every update and validates."""
    out = tmp_path / "run"
    cfg = TrainConfig(data=market, out_dir=str(out), env=EnvConfig(top_k=10, episode_length=8, reward_mode="sharpe"),
                      ppo=PPOConfig(total_timesteps=3 * 8 * 16, n_envs=8, n_steps=16, batch_size=32, seed=2),
                      eval_every=3, threads=2, device=ACCEL)
    tr = Trainer(cfg)
    metrics = tr.run(progress=False)
    assert tr.policy.actor_w is not None and tr.policy.actor_w.weight.device.type == torch.device(ACCEL).type
    rows = [json.loads(x) for x in (out / "metrics.jsonl").read_text().splitlines()]
    assert [r["update"] for r in rows] == [1, 2, 3]
    assert all(np.isfinite(r[k]) for r in rows for k in ("policy_loss", "value_loss", "reward_mean"))
    assert np.isfinite(metrics["val_rank_ic"])
