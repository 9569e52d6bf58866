"""Rules as data: a compiled guideline as plain JSON/YAML-ready data, and back.

``to_data(guideline)`` gives one dict (schema in docs/graph.md, "Rules as data"); key order and list order are
deterministic, so two exports of the same rules are byte-identical. ``from_data(data)`` rebuilds the
:class:`~engine.core.model.Model` and compiles it again; the ``graph`` member is derived data and is ignored on
import. Invalid data raises :class:`~engine.core.errors.GuidelineError` with one ``E904`` diagnostic per problem,
each naming the field (``rules[3].entries[0].strength``) and what was expected.

Conditions are JSON trees::

    {"const": true}
    {"test": "value",  "input": "site", "values": ["uterus"], "text": "site == uterus"}
    {"test": "number", "input": "size_cm", "interval": [5, null, false, true], "text": "size_cm > 5 cm"}
    {"test": "known",  "input": "margin", "text": "margin is known"}
    {"let": "high_grade"}   {"and": [...]}   {"or": [...]}   {"not": {...}}
"""

from __future__ import annotations

import math
from typing import Any, assert_never

import networkx as nx

from dsl.diagnostics import Diagnostic
from dsl.span import Span
from engine.compile.compiler import GraphTooLarge, compile
from engine.compile.data_reader import FORMAT, BadData, read_model
from engine.compile.guideline import CompiledGuideline
from engine.core.errors import GuidelineError
from engine.core.model import (
    And,
    Const,
    Expr,
    Input,
    KnownTest,
    LetRef,
    Not,
    NumTest,
    Or,
    ParamValue,
    Symbol,
    Text,
    ValueTest,
    choice_key,
)
from engine.core.values import json_number
from engine.core.vocabulary import Vocabulary


def expr_to_data(e: Expr) -> dict[str, Any]:
    """A condition as a JSON tree (the module docstring lists the forms)."""
    match e:
        case Const(value):
            return {"const": value}
        case ValueTest():
            vals = sorted(e.values, key=lambda v: (isinstance(v, str), str(v)))
            return {"test": "value", "input": e.input, "values": vals, "text": e.text}
        case NumTest():
            return {"test": "number", "input": e.input, "interval": e.interval.to_json(), "text": e.text}
        case KnownTest():
            return {"test": "known", "input": e.input, "text": e.text}
        case LetRef(name):
            return {"let": name}
        case And(items):
            return {"and": [expr_to_data(i) for i in items]}
        case Or(items):
            return {"or": [expr_to_data(i) for i in items]}
        case Not(item):
            return {"not": expr_to_data(item)}
        case _:
            assert_never(e)


def _span(s: Span) -> dict[str, object] | None:
    return None if s.line == 0 else s.to_dict()


def _bound(x: float) -> float | int | None:
    return None if math.isinf(x) else json_number(x)


def _input(i: Input) -> dict[str, Any]:
    out: dict[str, Any] = {"name": i.name, "kind": i.kind, "label": i.label}
    if i.numeric:
        out.update(unit=i.unit, low=_bound(i.low), high=_bound(i.high))
    if i.kind == "enum":
        out["values"] = list(i.values)
    out["span"] = _span(i.span)
    return out


def param_to_data(v: ParamValue) -> Any:
    """Numbers and ranges as in results (``{"value", "unit"}``, ``{"min", "max", "unit"}``); enum symbols as
    ``{"symbol": name}`` and texts as ``{"text": value}``, so that import needs no guessing."""
    if isinstance(v, Symbol):
        return {"symbol": v.name}
    if isinstance(v, Text):
        return {"text": v.value}
    return v.to_json()


def to_data(guideline: CompiledGuideline) -> dict[str, Any]:
    """The whole guideline as plain data (see the module docstring and docs/graph.md)."""
    m = guideline.model
    return {
        "format": FORMAT,
        "guideline": {"title": m.title, "version": m.version, "file": m.file},
        "references": [{"number": n, "text": t} for n, t in sorted(m.references.items())],
        "inputs": [_input(i) for i in m.inputs.values()],
        "lets": [{"name": x.name, "label": x.label, "expr": expr_to_data(x.expr), "span": _span(x.span)}
                 for x in m.lets.values()],
        "assumptions": [{"text": a.text, "expr": expr_to_data(a.expr), "span": _span(a.span)}
                        for a in m.assumptions],
        "actions": [{"name": a.name, "label": a.label, "modality": a.modality,
                     "params": [{"name": p.name, "kind": p.kind, "unit": p.unit, "values": list(p.values)}
                                for p in a.params], "span": _span(a.span)} for a in m.actions.values()],
        "sections": [{"name": s.name, "label": s.label, "guard": expr_to_data(s.guard), "span": _span(s.span),
                      **({"question_order": list(s.order)} if s.order else {}),
                      **({"as_sequence": True} if s.sequence else {})} for s in m.sections],
        "rules": [{"name": r.name, "section": r.section, "label": r.label,
                   "condition": expr_to_data(r.condition), "when": expr_to_data(r.when),
                   "entries": [{"action": e.action, "strength": e.strength.value,
                                "params": {k: param_to_data(v) for k, v in e.params}, "span": _span(e.span),
                                **({"prevails": True} if e.prevails else {}),
                                **({"evidence": e.evidence} if e.evidence is not None else {}),
                                **({"preference": e.preference} if e.preference is not None else {}),
                                **({choice_key(e.one_of): list(e.one_of)} if e.one_of else {})}
                               for e in r.entries],
                   "evidence": r.evidence, "citations": list(r.citations), "source": r.source,
                   "footnotes": list(r.footnotes), "preference": r.preference, "overrides": list(r.overrides),
                   **({"sets_aside": [{"rule": t, "action": a} for t, a in r.sets_aside]} if r.sets_aside else {}),
                   **({"adjusts": [{"action": a.action, "params": {k: param_to_data(v) for k, v in a.params},
                                    "span": _span(a.span)} for a in r.adjusts]} if r.adjusts else {}),
                   "span": _span(r.span)} for r in m.rules],
        "covers": [{"action": c.action, "section": c.section, "condition": expr_to_data(c.condition),
                    "note": c.note, "span": _span(c.span)} for c in m.covers],
        "todos": [{"text": t.text, "section": t.section, "span": _span(t.span)} for t in m.todos],
        **({"never_together": [{"actions": list(t.actions), "condition": expr_to_data(t.condition), "when": t.when,
                                "citations": list(t.citations), "source": t.source, "span": _span(t.span)}
                               for t in m.together]} if m.together else {}),
        **({"vocabulary": m.vocabulary.to_data()} if m.vocabulary != Vocabulary() else {}),
        "order": list(guideline.order),
        "roots": dict(guideline.roots),
        "part_roots": {s: list(rs) for s, rs in guideline.part_roots.items()},
        "graph": nx.node_link_data(guideline.graph, edges="links"),
    }


def from_data(data: Any) -> CompiledGuideline:
    """Rebuild and compile a guideline from :func:`to_data` output (parsed JSON or YAML)."""
    try:
        model = read_model(data)
    except BadData as e:
        raise GuidelineError([Diagnostic("E904", "error", f"invalid guideline data: {e.field}: {e.expected}")]) \
            from None
    try:
        return compile(model)
    except GraphTooLarge as e:
        raise GuidelineError([e.diagnostic()]) from None
