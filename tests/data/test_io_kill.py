"""Outputs after a process is ended from outside: SIGTERM (`kill`, `timeout`, `docker stop`, a scheduler's time
limit) unwinds like Ctrl-C, so no temp file is left beside the output and the earlier file is intact; after a
SIGKILL (no chance to clean up) the next write of the same output removes the dead process's temp."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import polars as pl

from aurumq_rl.io import atomic_write_parquet

SRC = str(Path(__file__).parents[2] / "src")

# `aurumq-rl synth -o OUT`, sending itself SIGNAL once the panel's bytes are in the temp file (before the rename)
SYNTH_SIGNALLED = """
import os, signal, sys
import polars as pl
real = pl.DataFrame.write_parquet
def write(self, path, *a, **k):
    real(self, path, *a, **k)
    if str(path).endswith(".tmp"):
        os.kill(os.getpid(), getattr(signal, os.environ["SIG"]))
pl.DataFrame.write_parquet = write
from aurumq_rl.cli.main import main
sys.exit(main(sys.argv[1:]))
"""


def _run(code: str, *argv: str, sig: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "SIG": sig, "PYTHONPATH": os.pathsep.join([SRC, os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, "-c", code, *argv], env=env, capture_output=True, text=True)


def test_sigterm_leaves_no_temp_and_the_earlier_output_intact(tmp_path: Path) -> None:
    out = tmp_path / "m.parquet"
    before = pl.DataFrame({"a": [1, 2]})
    before.write_parquet(out)
    got = _run(SYNTH_SIGNALLED, "synth", "--preset", "small", "-o", str(out), sig="SIGTERM")
    assert got.returncode in (143, -signal.SIGTERM), got.stderr
    assert got.returncode == 143  # ended through Python's unwinding, not killed where it stood
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.parquet"]
    assert pl.read_parquet(out).equals(before)


def test_the_next_write_removes_a_sigkilled_process_temp(tmp_path: Path) -> None:
    out = tmp_path / "m.parquet"
    got = _run(SYNTH_SIGNALLED, "synth", "--preset", "small", "-o", str(out), sig="SIGKILL")
    assert got.returncode == -signal.SIGKILL, got.stderr
    left = [p.name for p in tmp_path.iterdir()]
    assert left and all(n.startswith(".m.") and n.endswith(".tmp") for n in left)  # the dead run's temps
    atomic_write_parquet(pl.DataFrame({"a": [1]}), out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.parquet"]


def test_a_live_process_temp_is_left_alone(tmp_path: Path) -> None:
    """A temp of another running writer (here: this process's parent, alive) is not swept."""
    import socket

    out = tmp_path / "m.parquet"
    other = tmp_path / f".m.parquet.{socket.gethostname()}-{os.getppid()}.abcd1234.tmp"
    other.write_bytes(b"x")
    atomic_write_parquet(pl.DataFrame({"a": [1]}), out)
    assert other.exists()
