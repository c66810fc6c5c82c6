"""aurumq-rl: daily China A-share stock selection with RL and a GBDT companion track."""

__version__ = "0.1.0"
