"""Every ```python block of README.md and docs/*.md runs as written, in a directory holding what the blocks
name (`market.parquet`: a small synthetic market; `run/model`: an SL model trained on it), so the library
examples users copy cannot drift from the code."""

from __future__ import annotations

import re
import shlex
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


SHELL_BLOCK = re.compile(r"^```(?:bash|sh|console)\n(.*?)^```", re.S | re.M)
VARIABLE = re.compile(r"\$\{?([A-Z_][A-Z0-9_]*)\}?")
ASSIGN = re.compile(r'^([A-Z_][A-Z0-9_]*)=(?:"([^"]*)"|(\S*))$')


def _cli_commands(text: str) -> list[str]:
    """The `aurumq-rl ...` commands of a doc's shell blocks: continuation lines joined, `&&`/`;`/pipe chains
    split, comments dropped, and the block's own shell variables (`W="--train-start ..."`) substituted."""
    commands = []
    for block in SHELL_BLOCK.findall(text):
        variables: dict[str, str] = {}
        for line in block.replace("\\\n", " ").splitlines():
            line = line.split(" #")[0].strip()
            if m := ASSIGN.match(line):
                variables[m.group(1)] = m.group(2) if m.group(2) is not None else m.group(3)
                continue
            for part in re.split(r"&&|\|\||;|\|", line):
                part = VARIABLE.sub(lambda v, known=variables: known.get(v.group(1), v.group(0)), part.strip())
                if part.startswith("aurumq-rl "):
                    commands.append(part)
    return commands


COMMANDS = [(doc, cmd) for doc in DOCS for cmd in _cli_commands(doc.read_text(encoding="utf-8"))]


def test_the_docs_hold_cli_examples() -> None:
    """The extraction finds the README's two first-run commands and the real-data pipeline's steps."""
    found = {(doc.name, cmd.split()[1]) for doc, cmd in COMMANDS}
    assert {("README.md", "demo"), ("README.md", "infer"), ("REAL_DATA.md", "train"),
            ("REAL_DATA.md", "sl")} <= found, found
    assert not any("$" in cmd for _, cmd in COMMANDS), [cmd for _, cmd in COMMANDS if "$" in cmd]


@pytest.mark.parametrize(("doc", "command"), COMMANDS, ids=[f"{d.name}:{c[:60]}" for d, c in COMMANDS])
def test_a_doc_cli_example_parses(doc: Path, command: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Every command a doc shows is accepted by the CLI's parser as written (flag names, choices, value
    types), so a renamed or removed flag cannot leave a stale example behind. Parsing only: nothing runs."""
    from aurumq_rl.cli.main import build_parser

    try:
        build_parser().parse_args(shlex.split(command)[1:])
    except SystemExit as exc:
        assert exc.code == 0, f"{doc.name}: `{command}` is refused: {capsys.readouterr().err.strip()}"
