"""Every ```python block of README.md and docs/*.md runs as written, in a directory holding what the blocks
name (`market.parquet`: a small synthetic market; `run/model`: an SL model trained on it), so the library
examples users copy cannot drift from the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from aurumq_rl.cli.main import main
from aurumq_rl.data.synth import preset, write_demo

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)
SNIPPETS = [(doc, i, code) for doc in DOCS for i, code in enumerate(BLOCK.findall(doc.read_text(encoding="utf-8")))]


def test_the_docs_hold_python_examples() -> None:
    names = {doc.name for doc, _, _ in SNIPPETS}
    assert {"README.md", "RL.md", "SL.md"} <= names, names


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("docs")
    write_demo(str(d / "market.parquet"), preset("small", seed=5))
    assert main(["sl", "train", "--data", str(d / "market.parquet"), "--seeds", "1", "--num-boost-round", "20",
                 "--num-threads", "1", "--out-dir", str(d / "run")]) == 0
    return d


@pytest.mark.parametrize(("doc", "index", "code"), SNIPPETS, ids=[f"{d.name}#{i}" for d, i, _ in SNIPPETS])
def test_a_doc_snippet_runs(doc: Path, index: int, code: str, workdir: Path,
                            monkeypatch: pytest.MonkeyPatch) -> None:
    if "gymnasium" in code:
        pytest.importorskip("gymnasium")
    monkeypatch.chdir(workdir)
    code = code.replace('start="2024-01-01"', 'start="2021-01-01"')  # the SL example's date, inside the market
    namespace: dict = {}
    exec(compile(code, f"{doc.name} python block {index}", "exec"), namespace)  # noqa: S102
    assert set(namespace) - {"__builtins__"}, "the block defined nothing"
