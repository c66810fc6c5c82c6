"""`aurumq/StockPicking-v0` is reachable from a fresh interpreter without importing `aurumq_rl.envs` first
(loading a panel registers it), and registering it does not import torch (each check runs in a subprocess, so
no earlier import has registered it)."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

pytest.importorskip("gymnasium")
pytest.importorskip("torch")

ROOT = Path(__file__).resolve().parents[2]

# builds a tiny panel (torch-free) and, with _FORGET, undoes whatever registered the id on `import gymnasium`
# (Gymnasium 0.29's plugin hook); then BODY, then `make(ENV_ID)` once torch is confirmed unimported
_PRELUDE = """
import sys, gymnasium
from gymnasium.envs.registration import registry
from aurumq_rl.data.loader import load_panel
from aurumq_rl.data.synth import SynthConfig, generate
df, _ = generate(SynthConfig(n_stocks=20, n_days=60, seed=1))
panel = load_panel(df.lazy(), universe="all", factors="alpha_*")
assert "torch" not in sys.modules
"""
_FORGET = """
registry.pop("aurumq/StockPicking-v0", None)
sys.modules.pop("aurumq_rl.envs", None)
"""

_MAKE = """
assert "torch" not in sys.modules, "registration imported torch"
from aurumq_rl.envs.market_sim import EnvConfig
env = gymnasium.make(ENV_ID, panel=panel, config=EnvConfig(top_k=3, episode_length=5))
obs, _ = env.reset(seed=0)
assert obs.shape == env.observation_space.shape
print("OK", env.unwrapped.spec.id)
"""


def _run(body: str, forget: bool = True) -> str:
    code = _PRELUDE + (_FORGET if forget else "") + body + _MAKE
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=180)
    assert res.returncode == 0, res.stderr[-3000:]
    return res.stdout


def _declared_entry_points() -> dict[str, str]:
    """The `gymnasium.envs` entry points pyproject.toml declares (what `pip install` writes into the metadata)."""
    with open(ROOT / "pyproject.toml", "rb") as fh:
        return tomllib.load(fh)["project"].get("entry-points", {}).get("gymnasium.envs", {})


def test_declared_entry_point_registers_the_id_as_gymnasium_plugin_loading_does() -> None:
    """Replays Gymnasium 0.29's `load_plugin_envs` on pyproject's declaration, under whichever Gymnasium is
    installed: load `module:function` inside the entry-point name's namespace and call it. The id must then be
    registered (in the `aurumq` namespace), with torch still unimported, and `make` must build the env."""
    eps = _declared_entry_points()
    assert eps, "pyproject.toml declares no [project.entry-points.\"gymnasium.envs\"]"
    (name, value), = eps.items()
    body = f"""
import importlib
from gymnasium.envs.registration import namespace
ENV_ID = "aurumq/StockPicking-v0"
module, attr = {value!r}.split(":")
with namespace({name!r}):
    getattr(importlib.import_module(module), attr)()
assert ENV_ID in registry, sorted(k for k in registry if "aurumq" in k)
"""
    assert "OK aurumq/StockPicking-v0" in _run(body)


def test_module_prefixed_id_needs_no_prior_import() -> None:
    """Any Gymnasium: `make("aurumq_rl.envs:aurumq/StockPicking-v0")` imports the registering package itself."""
    body = """
ENV_ID = "aurumq_rl.envs:aurumq/StockPicking-v0"
"""
    assert "OK aurumq/StockPicking-v0" in _run(body)


def test_the_short_id_works_once_a_panel_is_loaded_on_any_gymnasium() -> None:
    """The issue's call, `make("aurumq/StockPicking-v0", panel=...)`, with no import of `aurumq_rl.envs`: loading
    a panel (`aurumq_rl.data`) registers the id, so it works on Gymnasium 1.x, which has no plugin hook. The
    prelude imports gymnasium before aurumq_rl, so an entry point could not be what registered it under 1.x."""
    body = """
ENV_ID = "aurumq/StockPicking-v0"
assert ENV_ID in registry, "loading a panel did not register the id"
"""
    assert "OK aurumq/StockPicking-v0" in _run(body, forget=False)
