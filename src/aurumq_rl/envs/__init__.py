"""Environments: the torch market simulator (`market_sim`) and its Gymnasium wrapper (`gym_env`).

Importing this package needs torch; it registers `aurumq/StockPicking-v0` with Gymnasium when installed.
"""

try:
    import gymnasium as _gym
except ImportError:  # pragma: no cover - gymnasium ships with the [train] extra
    _gym = None

if _gym is not None and "aurumq/StockPicking-v0" not in _gym.registry:
    _gym.register(id="aurumq/StockPicking-v0", entry_point="aurumq_rl.envs.gym_env:StockPickingEnv")
