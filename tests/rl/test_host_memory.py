"""`retain_freed_memory`: freed activations are reused instead of faulted in again every minibatch."""

from __future__ import annotations

import subprocess
import sys

import pytest

# Three 48 MiB blocks alive at once, freed together, ten times over: a minibatch's activations. glibc's
# default serves blocks above 32 MiB (its highest dynamic mmap threshold) by mmap every time; smaller ones
# it sometimes keeps, depending on the process's history.
_PROBE = """
import resource, sys
import torch
from aurumq_rl.algos.host_memory import retain_freed_memory
if sys.argv[1] == "retain":
    assert retain_freed_memory()
elif sys.argv[1] == "resolve_device":  # what training calls before its first update
    from aurumq_rl.algos.trainer import resolve_device
    resolve_device("cpu")
def rounds(n):
    for _ in range(n):
        blocks = [torch.empty(12 << 20).fill_(1.0) for _ in range(3)]
        del blocks
rounds(6)  # the first rounds fault their pages in either way (the heap takes up to ~4 to settle)
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
rounds(10)
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def _faults(mode: str) -> int:
    out = subprocess.run([sys.executable, "-c", _PROBE, mode], capture_output=True, text=True, check=True)
    return int(out.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt: Linux only")
def test_freed_blocks_are_reused_not_faulted_in_again() -> None:
    pages_per_round = 3 * (48 << 20) // 4096
    default, retained = _faults("default"), _faults("retain")
    assert default > 5 * pages_per_round, (default, retained)  # glibc by default maps them afresh every round
    assert retained < 2 * pages_per_round, (default, retained)  # kept: ten rounds, under two rounds' pages


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt: Linux only")
def test_resolve_device_keeps_freed_blocks_for_training() -> None:
    """Training gets the setting from `resolve_device` (every `--device`, the CPU included), not by calling
    `retain_freed_memory` itself."""
    pages_per_round = 3 * (48 << 20) // 4096
    assert _faults("resolve_device") < 2 * pages_per_round


def test_retain_freed_memory_changes_nothing_where_the_c_library_cannot_be_loaded(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """`find_library("c")` naming a library the loader cannot open: False, no error (as where the C library is
    not glibc and has no mallopt)."""
    import ctypes.util

    from aurumq_rl.algos.host_memory import retain_freed_memory

    monkeypatch.setattr(ctypes.util, "find_library", lambda name: "libno-such-c-library.so.0")
    assert retain_freed_memory() is False
