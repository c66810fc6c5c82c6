"""Fixtures of the SL tests: a small planted-signal market (Parquet + raw panel), a fitted run, tiny panels."""

from __future__ import annotations

import dataclasses
import warnings

import pytest

pytest.importorskip("lightgbm")

from aurumq_rl.data.loader import load_panel  # noqa: E402
from aurumq_rl.data.panel import Panel  # noqa: E402
from aurumq_rl.data.synth import preset, write_demo  # noqa: E402
from aurumq_rl.sl.dataset import Split, resolve_split  # noqa: E402
from aurumq_rl.sl.labels import Label, forward_excess  # noqa: E402
from aurumq_rl.sl.pipeline import SLRun, train_split  # noqa: E402
from tests.sl.helpers import FAST  # noqa: E402

# planted signal 0.15 (rank IC ≈ 0.15 at fp = 5), 150 stocks × 300 days: fits in a second per model
SIGNAL = 0.15


@pytest.fixture(scope="session")
def market(tmp_path_factory: pytest.TempPathFactory) -> str:
    cfg = dataclasses.replace(preset("small", seed=3), n_stocks=150, n_days=300, signal_strength=SIGNAL)
    return write_demo(str(tmp_path_factory.mktemp("sl") / "market.parquet"), cfg)[0]


@pytest.fixture(scope="session")
def panel(market: str) -> Panel:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_panel(market, normalize="raw")


@pytest.fixture(scope="session")
def label(panel: Panel) -> Label:
    return forward_excess(panel, 5)


@pytest.fixture(scope="session")
def split(panel: Panel, label: Label) -> Split:
    return resolve_split(panel.dates, label.horizon)


@pytest.fixture(scope="session")
def run(panel: Panel, label: Label, split: Split) -> SLRun:
    return train_split(panel, label, split, FAST, [1, 2], features="raw", fp=5)
