"""`sl train` killed outright (SIGKILL) while it saves a new model over an earlier run's: the earlier model stays
loadable and scores as before (a model directory is swapped in whole, never new boosters under the old manifest),
and training again then works."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np

from aurumq_rl.cli.main import main
from aurumq_rl.data.loader import load_panel
from aurumq_rl.sl.model_io import SLScorer
from tests.sl.test_cli_sl import FAST

# runs `aurumq-rl ARGV…` and SIGKILLs itself once the first booster file of the new model is written
CHILD = """
import os, signal, sys
from aurumq_rl.sl import model_io
real = model_io.atomic_write_text
def write(text, path):
    out = real(text, path)
    if "model_seed" in str(path):
        os.kill(os.getpid(), signal.SIGKILL)
    return out
model_io.atomic_write_text = write
from aurumq_rl.cli.main import main
sys.exit(main(sys.argv[1:]))
"""


def test_sigkill_while_saving_keeps_the_previous_model_loadable(market: str, tmp_path: Path) -> None:
    out = tmp_path / "run"
    argv = ["sl", "train", "--data", market, "--out-dir", str(out), *FAST]
    assert main([*argv, "--seeds", "1"]) == 0
    panel = load_panel(market, normalize="raw")
    before = SLScorer(out / "model").score_panel(panel)
    env = {**os.environ,
           "PYTHONPATH": os.pathsep.join([str(Path(__file__).parents[2] / "src"), os.environ.get("PYTHONPATH", "")])}
    child = subprocess.run([sys.executable, "-c", CHILD, *argv, "--seeds", "1", "--learning-rate", "0.3"],
                           env=env, capture_output=True, text=True)
    assert child.returncode == -signal.SIGKILL, child.stderr
    after = SLScorer(out / "model").score_panel(panel)  # the earlier model, whole
    np.testing.assert_array_equal(before, after)
    assert main([*argv, "--seeds", "1", "--learning-rate", "0.3"]) == 0  # training again works
    SLScorer(out / "model")
