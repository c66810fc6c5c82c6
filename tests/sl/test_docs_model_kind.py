"""The docs name the manifest kind the SL model writer and the loaders use (`model_io.MODEL_KIND`)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from aurumq_rl.sl.model_io import MODEL_KIND

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.mark.parametrize("doc", ["SL.md", "EVAL.md"])
def test_docs_name_the_manifest_kind_the_code_writes(doc: str) -> None:
    kinds = re.findall(r'"kind": "([^"]+)"', (DOCS / doc).read_text(encoding="utf-8"))
    assert kinds and set(kinds) == {MODEL_KIND}
