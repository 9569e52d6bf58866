"""The registry of diagnostic codes (dsl/codes.py) against the sources that emit codes, the docs and SARIF.

The sources are scanned, not run: every string literal that is a code (``"E101"``) or names one in rendered text
(``error[E902]``) in dsl/, engine/ and visualize/ is an emission. Where the severity is visible at the emission
(``Diagnostic("W202", "warning", ...)``, ``ctx.warning("W121", ...)``, or a helper such as ``_err(code, ...)`` that
passes its ``code`` parameter on with a fixed severity), it must be the registered one.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from dsl import codes
from dsl.codes import CODES, Code, ExitClass
from dsl.diagnostics import Diagnostic, Note
from dsl.parse_errors import SYNTAX_ERRORS
from dsl.span import Span
from engine.cli import sarif

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("dsl", "engine", "visualize")
REGISTRY = ROOT / "dsl" / "codes.py"
DOCS = ROOT / "docs" / "diagnostics.md"
SEVERITIES = frozenset(("error", "warning", "note"))
CODE = re.compile(r"^[EWN]\d{3}$")
IN_TEXT = re.compile(r"\b(error|warning|note)\[([EWN]\d{3})\]")


@dataclass(frozen=True)
class Emission:
    code: str
    where: str
    severity: str | None  # None: not visible at the emission (e.g. a code returned by a function)


def _modules() -> Iterator[tuple[str, ast.Module]]:
    for root in SOURCES:
        for path in sorted((ROOT / root).rglob("*.py")):
            if path != REGISTRY:
                yield str(path.relative_to(ROOT)), ast.parse(path.read_text(encoding="utf-8"), str(path))


def _callee(call: ast.Call) -> str | None:
    f = call.func
    return f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else None


def _arguments(call: ast.Call) -> list[ast.expr]:
    return [*call.args, *(k.value for k in call.keywords)]


def _severity(call: ast.Call, emitters: dict[str, str]) -> str | None:
    """The severity a call emits with: a severity literal among its arguments, or its callee's fixed one."""
    given = {a.value for a in _arguments(call) if isinstance(a, ast.Constant) and a.value in SEVERITIES}
    if len(given) == 1:
        return given.pop()
    name = _callee(call)
    return emitters.get(name) if name else None


def _emitters(modules: list[tuple[str, ast.Module]]) -> dict[str, str]:
    """Functions taking a ``code`` parameter that they pass on with one fixed severity, by name (``error``,
    ``fatal``, ``warning``, ``_err``, ``check_unit``...); a name found with two severities is left out."""
    emitters: dict[str, str] = {}
    while True:
        found: dict[str, set[str]] = {}
        for _, tree in modules:
            for fn in ast.walk(tree):
                if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                if "code" not in {a.arg for a in [*fn.args.args, *fn.args.kwonlyargs]}:
                    continue
                for call in ast.walk(fn):
                    if isinstance(call, ast.Call) and any(isinstance(a, ast.Name) and a.id == "code"
                                                          for a in _arguments(call)):
                        severity = _severity(call, emitters)
                        if severity:
                            found.setdefault(fn.name, set()).add(severity)
        derived = {name: next(iter(s)) for name, s in found.items() if len(s) == 1}
        if derived == emitters:
            return emitters
        emitters = derived


def emissions() -> list[Emission]:
    modules = list(_modules())
    emitters = _emitters(modules)
    out = []
    for file, tree in modules:
        parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
                continue
            where = f"{file}:{node.lineno}"
            if CODE.match(node.value):
                parent = parents.get(node)
                if isinstance(parent, ast.keyword):
                    parent = parents.get(parent)
                severity = _severity(parent, emitters) if isinstance(parent, ast.Call) else None
                out.append(Emission(node.value, where, severity))
            else:
                out.extend(Emission(code, where, severity) for severity, code in IN_TEXT.findall(node.value))
    return out


EMISSIONS = emissions()


def test_the_scan_sees_the_emissions() -> None:
    """A guard against a scan that silently finds nothing: most emissions show their severity."""
    assert len(EMISSIONS) > 150
    assert sum(e.severity is not None for e in EMISSIONS) > 120
    assert {"W121", "W202", "N207", "E144", "E309", "E902"} <= {e.code for e in EMISSIONS}


def test_every_emitted_code_is_registered_with_its_severity() -> None:
    unregistered = sorted(f"{e.where}: {e.code}" for e in EMISSIONS if e.code not in CODES)
    assert not unregistered, "emitted but not in dsl/codes.py: " + ", ".join(unregistered)
    wrong = sorted(f"{e.where}: {e.code} emitted as {e.severity}, registered as {CODES[e.code].severity}"
                   for e in EMISSIONS if e.severity is not None and e.severity != CODES[e.code].severity)
    assert not wrong, "\n".join(wrong)


def test_every_registered_code_is_emitted() -> None:
    stale = sorted(set(CODES) - {e.code for e in EMISSIONS})
    assert not stale, f"registered in dsl/codes.py but emitted nowhere (remove them): {', '.join(stale)}"


def test_the_syntax_table_is_registered() -> None:
    assert {k.code for k in SYNTAX_ERRORS} <= {c for c in CODES if c.startswith("E0")}


def test_rows_are_consistent() -> None:
    for code, row in CODES.items():
        assert row.code == code and codes.range_of(code)
        assert len(row.title) <= 60, code
    assert list(CODES) == sorted(CODES)
    assert {c for c, row in CODES.items() if row.exit == ExitClass.USAGE} == {"E502", "E901", "E902", "E903", "E904"}


@pytest.mark.parametrize(("row", "problem"), [
    (("E1", "error", "t", "x.", ExitClass.FINDINGS), "a letter E, W or N and three digits"),
    (("W101", "error", "t", "x.", ExitClass.FINDINGS), "the letter says warning"),
    (("N101", "note", "t", "x.", ExitClass.FINDINGS), "cannot exit with FINDINGS"),
    (("E101", "error", "t.", "x.", ExitClass.FINDINGS), "final period"),
])
def test_a_bad_row_is_refused(row: tuple[str, str, str, str, ExitClass], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        Code(*row)  # type: ignore[arg-type]


def test_the_docs_are_generated_from_the_registry() -> None:
    assert DOCS.read_text(encoding="utf-8") == codes.markdown(), "run: python -m dsl.codes docs/diagnostics.md"


def test_the_generator_writes_the_page(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "d.md"
    assert codes.main([str(out)]) == 0
    assert out.read_text(encoding="utf-8") == codes.markdown()
    assert codes.main([]) == 0 and capsys.readouterr().out == codes.markdown()
    assert codes.main(["a", "b"]) == 2


def test_sarif_rules_come_from_the_registry() -> None:
    span = Span("x.rules", 3, 5, 3, 9)
    found = [Diagnostic("W121", "warning", "always true", span, "check the range"),
             Diagnostic("E101", "error", "unknown input 'grde'", span, notes=(Note("here", span),)),
             Diagnostic("W299", "warning", "a finding no row describes"),
             Diagnostic("E101", "error", "unknown input 'sz'")]
    log = json.loads(sarif.to_sarif("x.rules", found))
    (run,) = log["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["E101", "W121", "W299"]
    assert rules[0] == {"id": "E101", "shortDescription": {"text": CODES["E101"].title},
                        "fullDescription": {"text": CODES["E101"].explanation},
                        "defaultConfiguration": {"level": "error"}}
    assert rules[1]["defaultConfiguration"] == {"level": "warning"}
    assert rules[2] == {"id": "W299", "shortDescription": {"text": "a finding no row describes"},
                        "defaultConfiguration": {"level": "warning"}}
    assert [(r["ruleId"], r["ruleIndex"]) for r in run["results"]] == [("W121", 1), ("E101", 0), ("W299", 2),
                                                                        ("E101", 0)]
    assert run["results"][0]["message"]["text"] == "always true (help: check the range)"
    assert "region" not in run["results"][2]["locations"][0]["physicalLocation"]
    assert run["results"][1]["relatedLocations"][0]["physicalLocation"]["region"]["startLine"] == 3
