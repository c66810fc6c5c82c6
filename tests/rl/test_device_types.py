"""`train`'s device: only the device types the training path is built for (cpu, cuda) are taken."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from aurumq_rl.algos.device import resolve_device  # noqa: E402
from aurumq_rl.algos.trainer import TrainConfig, Trainer  # noqa: E402
from aurumq_rl.errors import DataError  # noqa: E402


@pytest.mark.parametrize("name", ["mps", "xpu", "meta"])
def test_a_device_type_training_does_not_support_is_refused_by_name(name: str) -> None:
    """The CLI refuses such a --device by its pattern, but the Python API took any torch device: `mps` (a Mac)
    loaded the whole panel and then failed in torch (here a NotImplementedError with torch's whole dispatcher
    table; on a Mac at the first rollout, as the Plackett–Luce log-probabilities are float64, which MPS lacks)."""
    with pytest.raises(DataError, match=f"--device {name}: training runs on cpu or cuda only"):
        resolve_device(name)


def test_the_api_refuses_an_unsupported_device_before_loading_the_data(tmp_path) -> None:  # noqa: ANN001
    """The refusal comes before the panel is read: the data path need not even exist."""
    with pytest.raises(DataError, match="--device mps: training runs on cpu or cuda only"):
        Trainer(TrainConfig(data=str(tmp_path / "missing.parquet"), out_dir=str(tmp_path / "run"), device="mps"))


def test_cpu_spellings_still_resolve() -> None:
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device("cpu:0").type == "cpu"
