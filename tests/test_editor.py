"""The VS Code extension (editors/vscode/) without node: its manifest points at files that exist, and its TextMate
grammar knows every keyword of the language. The grammar's token snapshots run with node in CI's editor tier
(.ci/run, editors/vscode/test/grammar.sh)."""

from __future__ import annotations

import json
import re

from dsl.parse_errors import KEYWORDS
from tests.conftest import ROOT

EXT = ROOT / "editors" / "vscode"


def test_the_manifest_contributes_the_language_grammar_and_client() -> None:
    manifest = json.loads((EXT / "package.json").read_text(encoding="utf-8"))
    (language,) = manifest["contributes"]["languages"]
    (grammar,) = manifest["contributes"]["grammars"]
    assert language["extensions"] == [".rules"] and grammar["language"] == language["id"]
    for path in (manifest["main"], language["configuration"], grammar["path"]):
        assert (EXT / path).is_file(), path
    assert json.loads((EXT / grammar["path"]).read_text(encoding="utf-8"))["scopeName"] == grammar["scopeName"]
    assert '"lsp"' in (EXT / "package.json").read_text(encoding="utf-8")


def test_the_grammar_knows_every_keyword() -> None:
    grammar = (EXT / "syntaxes" / "rules.tmLanguage.json").read_text(encoding="utf-8")
    words = set(re.findall(r"[a-z_]+", " ".join(re.findall(r'\\\\b\(([a-z_|]+)\)', grammar))))
    assert KEYWORDS - words == set()
