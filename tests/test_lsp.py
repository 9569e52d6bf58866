"""The language server (issue 19) as an editor sees it: ``guidegraph lsp`` started as a real process, driven over
stdio by a small JSON-RPC client (tests/lsp_client.py), on the real rules/lms.rules. One server serves the module
(start-up is most of the cost); each test opens its own document URI."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pygls", reason="the lsp extra is not installed (pip install -e '.[lsp]')")

from tests.conftest import ROOT
from tests.lsp_client import Client

LMS = ROOT / "rules" / "lms.rules"


@pytest.fixture(scope="module")
def lsp() -> Iterator[Client]:
    client = Client([sys.executable, "-m", "engine", "lsp", "--stdio"])
    result = client.request("initialize", {"processId": None, "rootUri": ROOT.as_uri(), "capabilities": {}})
    caps = result["capabilities"]
    for cap in ("hoverProvider", "definitionProvider", "referencesProvider", "completionProvider",
                "documentFormattingProvider", "documentSymbolProvider", "renameProvider", "codeActionProvider"):
        assert caps.get(cap), cap
    client.notify("initialized", {})
    yield client
    client.request("shutdown", None)
    client.notify("exit", None)
    assert client.proc.wait(timeout=5) == 0


def _pos(text: str, needle: str, after: int = 0, nth: int = 0) -> dict[str, int]:
    """The LSP position of the ``nth`` occurrence of ``needle`` (plus ``after`` characters)."""
    i = -1
    for _ in range(nth + 1):
        i = text.index(needle, i + 1)
    i += after
    line = text.count("\n", 0, i)
    return {"line": line, "character": i - (text.rfind("\n", 0, i) + 1)}


def _open_lms(lsp: Client, name: str) -> tuple[str, str]:
    uri = (LMS.parent / name).as_uri()  # a URI of its own per test; the text is lms.rules
    text = LMS.read_text(encoding="utf-8")
    lsp.open(uri, text)
    return uri, text


def test_diagnostics_checks_and_the_did_you_mean_fix(lsp: Client) -> None:
    uri, text = _open_lms(lsp, "diag.rules")
    # Open: parse and resolve at once, then the checks: lms.rules has warnings with example patients.
    found = lsp.diagnostics(uri, lambda ds: any(d["code"].startswith(("W2", "N2")) for d in ds))
    assert not [d for d in found if d["severity"] == 1]
    assert any("example patient" in d["message"] for d in found)
    # A typo: E101 on the misspelt name, at once, with its did-you-mean quick fix.
    at = _pos(text, "treatment and extent == localized", len("treatment and "))
    typo = {"start": at, "end": {"line": at["line"], "character": at["character"] + len("extent")}}
    lsp.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2},
                                          "contentChanges": [{"range": typo, "text": "extnt"}]})
    errors = lsp.diagnostics(uri, lambda ds: any(d["severity"] == 1 for d in ds))
    e101 = next(d for d in errors if d["code"] == "E101")
    assert e101["range"] == {"start": at, "end": {"line": at["line"], "character": at["character"] + 5}}
    assert "did you mean 'extent'" in e101["message"]
    actions = lsp.request("textDocument/codeAction", {"textDocument": {"uri": uri}, "range": e101["range"],
                                                      "context": {"diagnostics": [e101]}})
    edit = actions[0]["edit"]["changes"][uri][0]
    assert edit == {"range": e101["range"], "newText": "extent"}
    lsp.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 3},
                                          "contentChanges": [{"range": edit["range"], "text": edit["newText"]}]})
    again = lsp.diagnostics(uri, lambda ds: not any(d["severity"] == 1 for d in ds))
    assert not [d for d in again if d["code"].startswith("E")]


def test_syntax_error_is_reported_where_it_is(lsp: Client) -> None:
    uri = (LMS.parent / "broken.rules").as_uri()
    lsp.open(uri, 'guideline "T"\ninput x: bool\nsection s:\n  rule r:\n    when x ==\n    must y\n')
    (d,) = lsp.diagnostics(uri)
    assert d["code"].startswith("E0") and d["severity"] == 1 and d["range"]["start"]["line"] in (4, 5)


def test_hover(lsp: Client) -> None:
    uri, text = _open_lms(lsp, "hover.rules")
    lsp.diagnostics(uri)

    def hover(needle: str, after: int = 0, nth: int = 0) -> str:
        got = lsp.request("textDocument/hover", {"textDocument": {"uri": uri},
                                                 "position": _pos(text, needle, after, nth)})
        return str(got["contents"]["value"]) if got else ""

    size = hover("size_cm", nth=1)  # a use in a condition
    assert "input `size_cm`" in size and "number in cm, from 0 to 100" in size and "Tumour size" in size
    assert "one of 3 values" in hover("input grade", len("input "))
    assert "value `uterus` of input `site`" in hover("site == uterus", len("site == "))
    assert "action `radiotherapy`" in hover("recommend radiotherapy", len("recommend "))
    rule = hover("rule workup_imaging", len("rule "))
    assert "rule `workup_imaging` in section" in rule and "cite 6" in rule and "source " in rule
    assert hover("guideline ") == ""


def test_definition_and_references(lsp: Client) -> None:
    uri, text = _open_lms(lsp, "refs.rules")
    lsp.diagnostics(uri)
    use = _pos(text, "size_cm", nth=1)
    got = lsp.request("textDocument/definition", {"textDocument": {"uri": uri}, "position": use})
    decl = _pos(text, "input size_cm", len("input "))
    assert got["uri"] == uri and got["range"]["start"] == decl
    refs = lsp.request("textDocument/references", {"textDocument": {"uri": uri}, "position": use,
                                                   "context": {"includeDeclaration": True}})
    assert len(refs) == text.count("size_cm") - text.count("# size_cm") and refs[0]["range"]["start"] == decl
    # A rule named after `overrides` leads to the rule.
    if "overrides " in text:
        i = text.index("overrides ") + len("overrides ")
        name = text[i:].split()[0].rstrip(",")
        got = lsp.request("textDocument/definition", {"textDocument": {"uri": uri},
                                                      "position": _pos(text, "overrides ", len("overrides "))})
        assert got["range"]["start"] == _pos(text, f"rule {name}", len("rule "))


def test_rename(lsp: Client) -> None:
    uri, text = _open_lms(lsp, "rename.rules")
    lsp.diagnostics(uri)
    got = lsp.request("textDocument/rename", {"textDocument": {"uri": uri}, "newName": "tumour_cm",
                                              "position": _pos(text, "input size_cm", len("input "))})
    edits = got["changes"][uri]
    assert len(edits) >= 3 and {e["newText"] for e in edits} == {"tumour_cm"}


def test_completion(lsp: Client) -> None:
    uri = (LMS.parent / "complete.rules").as_uri()
    head = 'guideline "T"\ninput site "Site": {uterus, limb}\naction rt(dose: Gy) "RT"\n\nsection s:\n  rule r:\n'
    lsp.open(uri, head + "    when site == u\n")
    lsp.diagnostics(uri)

    def labels(line: str) -> set[str]:
        lsp.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2},
                                              "contentChanges": [{"text": head + line + "\n"}]})
        pos = {"line": head.count("\n"), "character": len(line)}
        got = lsp.request("textDocument/completion", {"textDocument": {"uri": uri}, "position": pos})
        return {i["label"] for i in got["items"]}

    assert labels("    when site == ") == {"uterus", "limb"}
    assert labels("    when site in {limb, ") == {"uterus", "limb"}
    assert labels("    recommend ") == {"rt"}
    assert labels("    recommend rt(") == {"dose"}
    assert labels("    overrides ") == {"r"}
    assert {"when", "recommend", "site"} <= labels("    ")


def test_formatting_and_symbols(lsp: Client) -> None:
    uri = (LMS.parent / "fmt.rules").as_uri()
    lsp.open(uri, 'guideline "T"\ninput x: bool\nsection s "S":\n  rule r:\n      when x\n   must y_act\n'
                  'action y_act\n')
    lsp.diagnostics(uri)
    edits = lsp.request("textDocument/formatting", {"textDocument": {"uri": uri},
                                                    "options": {"tabSize": 2, "insertSpaces": True}})
    assert len(edits) == 1 and "    when x\n" in edits[0]["newText"]
    uri, _ = _open_lms(lsp, "symbols.rules")
    symbols = lsp.request("textDocument/documentSymbol", {"textDocument": {"uri": uri}})
    text = LMS.read_text(encoding="utf-8")
    assert [s["name"] for s in symbols] == [line.split()[1].rstrip(":") for line in text.splitlines()
                                            if line.startswith("section ")]
    assert sum(len(s["children"]) for s in symbols) == sum(
        1 for line in text.splitlines() if line.lstrip().startswith("rule "))


def test_without_pygls_it_says_how_to_install(tmp_path: Path) -> None:
    (tmp_path / "pygls").mkdir()
    (tmp_path / "pygls" / "__init__.py").write_text("raise ImportError('no pygls here', name='pygls')\n")
    env = {"PYTHONPATH": f"{tmp_path}:{ROOT}", "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-m", "engine", "lsp"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=30)
    assert done.returncode == 2 and "pip install" in done.stderr and "[lsp]" in done.stderr


def test_the_index_knows_an_action_named_in_overrides() -> None:
    from dsl.parser import parse
    from engine.lsp.index import build

    text = ('guideline "T"\ninput x: bool\naction a\nsection s:\n  rule r1:\n    recommend a\n'
            '  rule r2:\n    when x\n    not_recommended a\n    overrides r1.a\n')
    tree, diagnostics = parse(text, "f")
    assert tree is not None, diagnostics
    index = build(tree)
    assert [o.span.line for o in index.uses(("action", "a"))] == [3, 6, 9, 10]
    assert [o.span.line for o in index.uses(("rule", "r1"))] == [5, 10]


def test_hover_on_a_rule_shows_where_it_applies(lsp: Client) -> None:
    uri, text = _open_lms(lsp, "region.rules")

    def hover(needle: str) -> str:
        got = lsp.request("textDocument/hover", {"textDocument": {"uri": uri},
                                                 "position": _pos(text, needle, len("rule "))})
        return str(got["contents"]["value"]) if got else ""

    # Asked at once (before the background checks are done, or after: the same text either way).
    assert "rule `workup_imaging` in section `workup`: applies when `phase == diagnosis`" in hover(
        "rule workup_imaging")
    biopsy = hover("rule workup_biopsy")  # overridden by the pitfall without imaging
    assert "applies when `phase == diagnosis`; set aside by an overriding rule when " \
           "`phase == diagnosis and imaging_done == false`" in biopsy
    assert "```guidegraph\nrule workup_biopsy" in biopsy  # the declaration still follows
    lsp.diagnostics(uri, lambda ds: any(d["code"].startswith("W2") for d in ds))  # the checks (and regions) ran
    assert "applies when `phase == treatment and extent == localized and site == uterus`" in hover(
        "rule uterine_no_adjuvant_rt")


def _actions(lsp: Client, uri: str, line: int, diagnostics: list[Any] | None = None) -> list[Any]:
    at = {"line": line, "character": 4}
    return list(lsp.request("textDocument/codeAction", {"textDocument": {"uri": uri},
                                                         "range": {"start": at, "end": at},
                                                         "context": {"diagnostics": diagnostics or []}}))


def test_code_action_adds_a_missing_cite(lsp: Client) -> None:
    uri = (LMS.parent / "cite.rules").as_uri()
    text = LMS.read_text(encoding="utf-8").replace(
        "    must history_and_physical\n    cite 6\n", "    must history_and_physical\n", 1)
    lsp.open(uri, text)
    lsp.diagnostics(uri)
    line = _pos(text, "must history_and_physical")["line"]
    actions = _actions(lsp, uri, line)
    titles = [a["title"] for a in actions]
    # First what the section's other rules cite, the most cited first (preferred), then the other references.
    assert titles[0].startswith("Add 'cite 6' to rule 'history_physical' (cited by ") and "section 'workup'" \
        in titles[0] and actions[0]["isPreferred"] is True
    assert titles[1].startswith("Add 'cite 4'") or titles[1].startswith("Add 'cite 7'")
    assert len(titles) == text.count("\nreference ")  # each declared reference once
    assert any("(reference 1: " in t for t in titles)
    (edit,) = actions[0]["edit"]["changes"][uri]
    assert edit["range"]["start"] == {"line": line + 1, "character": 0} and edit["newText"] == "    cite 6\n"
    lsp.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2},
                                          "contentChanges": [{"range": edit["range"], "text": edit["newText"]}]})
    lsp.diagnostics(uri)
    assert not [a for a in _actions(lsp, uri, line) if a["title"].startswith("Add 'cite")]  # it cites now
    # A rule that already cites gets no cite action.
    assert not _actions(lsp, uri, _pos(text, "must primary_imaging\n")["line"])


def test_code_action_saves_an_example_patient_as_a_case_file(lsp: Client) -> None:
    import yaml

    uri, _ = _open_lms(lsp, "witness.rules")
    found = lsp.diagnostics(uri, lambda ds: any("example patient" in d["message"] for d in ds))
    d = next(d for d in found if "example patient" in d["message"])
    actions = [a for a in _actions(lsp, uri, d["range"]["start"]["line"], [d]) if a["title"].startswith("Save")]
    (action,) = actions
    create, edit = action["edit"]["documentChanges"]
    assert create["kind"] == "create" and create["options"] == {"overwrite": False, "ignoreIfExists": False}
    path = Path(create["uri"].removeprefix("file://"))
    assert path.parent == LMS.parent / "cases" and path.suffix == ".yaml" and not path.exists()
    assert path.stem.startswith(d["data"]["witness"]["id"])
    assert edit["textDocument"]["uri"] == create["uri"]
    content = edit["edits"][0]["newText"]
    printed = d["message"].split("example patient (paste into a case file):\n", 1)[1].split("\nnote:")[0]
    assert yaml.safe_load(content) == yaml.safe_load(printed) == d["data"]["witness"]
    assert content.startswith(f"# The example patient of {d['code']} in witness.rules")


def test_cite_actions_follow_the_requested_kinds(lsp: Client) -> None:
    uri = (LMS.parent / "cite_only.rules").as_uri()
    lsp.open(uri, 'guideline "T"\nreference 1 "A"\naction a\nsection s:\n  rule r:\n    must a\n')
    lsp.diagnostics(uri)

    def titles(only: list[str] | None) -> list[str]:
        context: dict[str, Any] = {"diagnostics": [], **({"only": only} if only else {})}
        at = {"line": 5, "character": 4}
        got = lsp.request("textDocument/codeAction", {"textDocument": {"uri": uri},
                                                      "range": {"start": at, "end": at}, "context": context})
        return [a["title"] for a in got]

    assert titles(None) == titles(["refactor"]) == ["Add 'cite 1' to rule 'r' (reference 1: A)"]
    assert titles(["quickfix"]) == []
