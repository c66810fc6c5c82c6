"""Environments: the torch market simulator (`market_sim`). Importing this package needs torch."""
