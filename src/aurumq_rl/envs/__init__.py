"""Environments: the torch market simulator (`market_sim`) and its Gymnasium wrapper (`gym_env`).

Importing this package registers `aurumq/StockPicking-v0` with Gymnasium (when installed) and does not import
torch: the registration names its entry point as a string, so torch loads only when `gymnasium.make` builds
the env. `aurumq_rl.data` imports this package, so loading a panel registers the id on every Gymnasium.
`register_envs` is also the package's `gymnasium.envs` entry point (pyproject.toml), through which Gymnasium
0.29 registers the id on `import gymnasium` (Gymnasium 1.x dropped that plugin hook). See docs/RL.md.
"""

ENV_ID = "aurumq/StockPicking-v0"


def register_envs() -> None:
    """Register `ENV_ID` with Gymnasium once; a no-op without Gymnasium or when already registered.

    Imports from `gymnasium.envs.registration`, not the top-level `gymnasium`, because Gymnasium 0.29 calls its
    plugins while `gymnasium/__init__.py` is still half-run (the top-level `register`/`registry` not yet bound).
    """
    try:
        from gymnasium.envs.registration import register, registry
    except ImportError:  # pragma: no cover - gymnasium ships with the [train] extra
        return
    if ENV_ID not in registry:
        register(id=ENV_ID, entry_point="aurumq_rl.envs.gym_env:StockPickingEnv")


register_envs()
