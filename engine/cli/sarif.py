"""Diagnostics as a SARIF 2.1.0 log (``guidegraph check --format sarif``), for code-scanning tools.

One run, one result per diagnostic. The run's rules are the codes that occur, in code order, each with its title
(``shortDescription``), explanation (``fullDescription``) and severity (``defaultConfiguration``) taken from the
registry :data:`dsl.codes.CODES`; a code missing from it (only tests make such codes) falls back to the message of
its first diagnostic.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from dsl.codes import CODES
from dsl.diagnostics import Diagnostic
from dsl.span import Span

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
TOOL = "guidegraph"


def _uri(path: str) -> str:
    p = Path(path)
    return p.as_uri() if p.is_absolute() else p.as_posix()


def _region(s: Span) -> dict[str, int]:
    return {"startLine": s.line, "startColumn": max(s.column, 1), "endLine": max(s.end_line, s.line),
            "endColumn": max(s.end_column, 1)}


def rule(code: str, first: Diagnostic) -> dict[str, Any]:
    """The ``reportingDescriptor`` of one code; ``first`` is a diagnostic with that code (for unknown codes)."""
    known = CODES.get(code)
    if known is None:
        return {"id": code, "shortDescription": {"text": first.message},
                "defaultConfiguration": {"level": first.severity}}
    return {"id": code, "shortDescription": {"text": known.title},
            "fullDescription": {"text": known.explanation},
            "defaultConfiguration": {"level": known.severity}}


def result(d: Diagnostic, index: int, path: str) -> dict[str, Any]:
    """One ``result``; ``index`` is the position of its rule in the run's rules, ``path`` the file checked."""
    location: dict[str, Any] = {"artifactLocation": {"uri": _uri(d.span.file if d.span else path)}}
    if d.span is not None and d.span.line >= 1:
        location["region"] = _region(d.span)
    text = d.message + (f" (help: {d.help})" if d.help else "")
    out: dict[str, Any] = {"ruleId": d.code, "ruleIndex": index, "level": d.severity, "message": {"text": text},
                           "locations": [{"physicalLocation": location}]}
    related = [{"id": i, "message": {"text": n.message},
                "physicalLocation": {"artifactLocation": {"uri": _uri(n.span.file)},
                                     "region": {"startLine": n.span.line, "startColumn": n.span.column,
                                                "endLine": n.span.end_line, "endColumn": n.span.end_column}}}
               for i, n in enumerate(d.notes) if n.span is not None and n.span.line >= 1]
    if related:
        out["relatedLocations"] = related
    return out


def log(path: str, diagnostics: Sequence[Diagnostic]) -> dict[str, Any]:
    """The SARIF log of checking ``path`` as a JSON-ready dict."""
    codes = sorted({d.code for d in diagnostics})
    index = {code: i for i, code in enumerate(codes)}
    rules = [rule(code, next(d for d in diagnostics if d.code == code)) for code in codes]
    return {"$schema": SCHEMA, "version": "2.1.0",
            "runs": [{"tool": {"driver": {"name": TOOL, "rules": rules}},
                      "results": [result(d, index[d.code], path) for d in diagnostics]}]}


def to_sarif(path: str, diagnostics: Sequence[Diagnostic]) -> str:
    """The SARIF log as text: sorted keys, two-space indent, a final newline (byte-identical across runs)."""
    return json.dumps(log(path, diagnostics), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
