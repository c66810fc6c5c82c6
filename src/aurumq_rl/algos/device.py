"""`--device`: the torch device training runs on (cpu or cuda), with the settings that go with it."""

from __future__ import annotations

import torch

from aurumq_rl.algos.host_memory import retain_freed_memory
from aurumq_rl.errors import DataError


def resolve_device(name: str) -> torch.device:
    """The torch device of `--device` (auto: CUDA when available); on CUDA it also allows TF32 matmuls, the
    training precision there (the bundle's parity with onnxruntime is checked on the CPU, in float32). It
    also keeps freed host memory for reuse (`host_memory`): a CPU update reallocates the same activations
    every minibatch."""
    dev = _parse_device(name)
    retain_freed_memory()
    if dev.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    return dev


def _parse_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise DataError(f"--device {name}: CUDA is not available on this machine; use --device cpu")
    try:
        dev = torch.device(name)
    except RuntimeError as exc:
        raise DataError(f"--device {name}: not a device; use auto, cpu, cuda or cuda:<index>") from exc
    if dev.type not in ("cpu", "cuda"):  # mps, xpu, meta …: the training path is built and checked for these two
        raise DataError(f"--device {name}: training runs on cpu or cuda only (the policy's log-probabilities are "
                        "float64, which MPS lacks; other device types are untested); use auto, cpu, cuda or "
                        "cuda:<index>")
    if dev.type == "cuda" and dev.index is not None and dev.index >= torch.cuda.device_count():
        raise DataError(f"--device {name}: this machine has {torch.cuda.device_count()} CUDA device(s); "
                        "use cuda:0 … or cuda")
    return dev
