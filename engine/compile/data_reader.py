"""Reading rules as data back into a :class:`~engine.core.model.Model` (the inverse of
``engine.compile.export.to_data``), checking every field: a wrong one raises :class:`BadData` naming the field
(``rules[3].entries[0].strength``) and what was expected, which ``export.from_data`` reports as E904."""

from __future__ import annotations

import math
from typing import Any

from dsl.span import NO_SPAN, Span
from engine.core.model import (
    MODALITIES,
    Action,
    Adjustment,
    And,
    AnyOf,
    Assumption,
    Const,
    Cover,
    Entry,
    Expr,
    Input,
    Interval,
    KnownTest,
    Let,
    LetRef,
    Model,
    Not,
    NumTest,
    Or,
    ParamType,
    ParamValue,
    Quantity,
    QuantityRange,
    Rule,
    Section,
    Strength,
    Symbol,
    Text,
    Todo,
    Together,
    ValueTest,
)
from engine.core.params import Bound
from engine.core.values import is_member
from engine.core.vocabulary import Vocabulary

FORMAT = "guidegraph-rules/1"
"""The ``format`` of the data, checked on reading."""


class BadData(Exception):
    def __init__(self, field: str, expected: str) -> None:
        super().__init__(f"{field}: {expected}")
        self.field, self.expected = field, expected


def _get(d: Any, key: str, path: str, kind: type | tuple[type, ...], optional: bool = False) -> Any:
    if not isinstance(d, dict):
        raise BadData(path, "expected a mapping")
    if key not in d or d[key] is None:
        if optional:
            return None
        raise BadData(f"{path}.{key}" if path else key, "missing")
    v = d[key]
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if not isinstance(v, kinds) or (isinstance(v, bool) and bool not in kinds):
        names = " or ".join(k.__name__ for k in kinds).replace("dict", "mapping").replace("list", "list")
        raise BadData(f"{path}.{key}" if path else key, f"expected {names}, got {type(v).__name__}")
    return v


def _num(v: Any, path: str) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise BadData(path, f"expected a number, got {v!r}")
    return float(v)


def _span_of(d: Any, path: str) -> Span:
    s = _get(d, "span", path, dict, optional=True)
    if s is None:
        return NO_SPAN
    try:
        return Span(str(s["file"]), int(s["line"]), int(s["column"]), int(s["end_line"]), int(s["end_column"]))
    except (KeyError, TypeError, ValueError):
        raise BadData(f"{path}.span", "expected {file, line, column, end_line, end_column}") from None


class _Reader:
    def __init__(self) -> None:
        self.inputs: dict[str, Input] = {}
        self.lets: set[str] = set()

    def expr(self, d: Any, path: str) -> Expr:
        if not isinstance(d, dict) or len(d) == 0:
            raise BadData(path, "expected a condition: {const|test|let|and|or|not: ...}")
        if "const" in d:
            return Const(_get(d, "const", path, bool))
        if "let" in d:
            name = _get(d, "let", path, str)
            if name not in self.lets:
                raise BadData(f"{path}.let", f"'{name}' is not a let declared before this point")
            return LetRef(name)
        for op, cls in (("and", And), ("or", Or)):
            if op in d:
                items = _get(d, op, path, list)
                return cls(tuple(self.expr(x, f"{path}.{op}[{i}]") for i, x in enumerate(items)))
        if "not" in d:
            return Not(self.expr(d["not"], f"{path}.not"))
        test = _get(d, "test", path, str)
        name = _get(d, "input", path, str)
        inp = self.inputs.get(name)
        if inp is None:
            raise BadData(f"{path}.input", f"'{name}' is not a declared input")
        text = _get(d, "text", path, str, optional=True) or ""
        if test == "known":
            return KnownTest(name, text)
        if test == "number" and inp.numeric:
            iv = _get(d, "interval", path, list)
            if len(iv) != 4 or not isinstance(iv[2], bool) or not isinstance(iv[3], bool):
                raise BadData(f"{path}.interval", "expected [low, high, low_closed, high_closed]")
            lo = None if iv[0] is None else _num(iv[0], f"{path}.interval[0]")
            hi = None if iv[1] is None else _num(iv[1], f"{path}.interval[1]")
            return NumTest(name, Interval(lo, hi, iv[2], iv[3]), text)
        if test == "value" and not inp.numeric:
            vals = _get(d, "values", path, list)
            for i, v in enumerate(vals):
                if not is_member(v, inp.domain):
                    raise BadData(f"{path}.values[{i}]", f"{v!r} is not a value of '{name}' {list(inp.domain)}")
            return ValueTest(name, frozenset(vals), text)
        raise BadData(f"{path}.test", f"'{test}' does not fit the {inp.kind} input '{name}' "
                   "(expected value for bool/enum, number for numbers, or known)")

    def input(self, d: Any, path: str) -> Input:
        name = _get(d, "name", path, str)
        kind = _get(d, "kind", path, str)
        label = _get(d, "label", path, str, optional=True)
        span = _span_of(d, path)
        if kind in ("number", "integer"):
            lo, hi = d.get("low"), d.get("high")
            return Input(name, kind, label, _get(d, "unit", path, str, optional=True),
                         -math.inf if lo is None else _num(lo, f"{path}.low"),
                         math.inf if hi is None else _num(hi, f"{path}.high"), span=span)
        if kind == "bool":
            return Input(name, "bool", label, span=span)
        if kind == "enum":
            vals = _get(d, "values", path, list)
            if not vals or not (all(isinstance(v, str) for v in vals)
                                or all(isinstance(v, int) and not isinstance(v, bool) for v in vals)):
                raise BadData(f"{path}.values", "expected a non-empty list of names or of integers")
            return Input(name, "enum", label, values=tuple(vals), span=span)
        raise BadData(f"{path}.kind", f"expected number, integer, bool or enum, got {kind!r}")

    def param(self, v: Any, ptype: ParamType | None, path: str) -> ParamValue:
        if isinstance(v, dict) and "symbol" in v:
            return Symbol(_get(v, "symbol", path, str))
        if isinstance(v, dict) and "text" in v:
            return Text(_get(v, "text", path, str))
        if isinstance(v, dict) and "op" in v and "value" in v:
            return Bound(_get(v, "op", path, str), _num(v["value"], f"{path}.value"),
                         _get(v, "unit", path, str, optional=True))
        if isinstance(v, dict) and "value" in v:
            return Quantity(_num(v["value"], f"{path}.value"), _get(v, "unit", path, str, optional=True))
        if isinstance(v, dict) and "min" in v:
            return QuantityRange(_num(v.get("min"), f"{path}.min"), _num(v.get("max"), f"{path}.max"),
                                 _get(v, "unit", path, str, optional=True))
        if isinstance(v, str):  # the result form: decide by the declared parameter type
            return Text(v) if ptype is not None and ptype.kind == "text" else Symbol(v)
        raise BadData(path, "expected {value, unit}, {min, max, unit}, {symbol} or {text}")


def _names(x: Any, key: str, path: str) -> tuple[str, ...]:
    """An optional list of names (a section's ``question_order``)."""
    names = _get(x, key, path, list, optional=True) or []
    if not all(isinstance(n, str) for n in names):
        raise BadData(f"{path}.{key}", "a list of input names")
    return tuple(names)


def _list(data: Any, key: str) -> list[Any]:
    v = _get(data, key, "", list, optional=True)
    return [] if v is None else v


def read_model(data: Any) -> Model:
    """The Model described by ``data`` (raises ``BadData`` naming the first invalid field)."""
    if not isinstance(data, dict):
        raise BadData("<top>", "expected a mapping")
    fmt = _get(data, "format", "", str)
    if fmt != FORMAT:
        raise BadData("format", f"expected {FORMAT!r}, got {fmt!r}")
    r = _Reader()
    meta = _get(data, "guideline", "", dict)
    refs: dict[int, str] = {}
    for i, x in enumerate(_list(data, "references")):
        refs[int(_num(_get(x, "number", f"references[{i}]", int), ""))] = _get(x, "text", f"references[{i}]", str)
    for i, x in enumerate(_list(data, "inputs")):
        inp = r.input(x, f"inputs[{i}]")
        r.inputs[inp.name] = inp
    lets: dict[str, Let] = {}
    for i, x in enumerate(_list(data, "lets")):
        p = f"lets[{i}]"
        let = Let(_get(x, "name", p, str), r.expr(_get(x, "expr", p, dict), f"{p}.expr"),
                  _get(x, "label", p, str, optional=True), _span_of(x, p))
        lets[let.name] = let
        r.lets.add(let.name)
    assumptions = tuple(Assumption(r.expr(_get(x, "expr", f"assumptions[{i}]", dict), f"assumptions[{i}].expr"),
                                   _get(x, "text", f"assumptions[{i}]", str, optional=True) or "",
                                   _span_of(x, f"assumptions[{i}]"))
                        for i, x in enumerate(_list(data, "assumptions")))
    actions: dict[str, Action] = {}
    for i, x in enumerate(_list(data, "actions")):
        p = f"actions[{i}]"
        modality = _get(x, "modality", p, str, optional=True) or "other"
        if modality not in MODALITIES:
            raise BadData(f"{p}.modality", f"expected one of {', '.join(MODALITIES)}")
        params = []
        for k, q in enumerate(_list(x, "params")):
            pk = _get(q, "kind", f"{p}.params[{k}]", str)
            if pk not in ("number", "integer", "text", "enum"):
                raise BadData(f"{p}.params[{k}].kind", "expected number, integer, text or enum")
            params.append(ParamType(_get(q, "name", f"{p}.params[{k}]", str), pk,
                                    _get(q, "unit", f"{p}.params[{k}]", str, optional=True),
                                    tuple(_get(q, "values", f"{p}.params[{k}]", list, optional=True) or ())))
        a = Action(_get(x, "name", p, str), _get(x, "label", p, str, optional=True), modality, tuple(params),
                   _span_of(x, p))
        actions[a.name] = a
    sections = tuple(Section(_get(x, "name", f"sections[{i}]", str),
                             r.expr(_get(x, "guard", f"sections[{i}]", dict), f"sections[{i}].guard"),
                             _get(x, "label", f"sections[{i}]", str, optional=True), _span_of(x, f"sections[{i}]"),
                             _names(x, "question_order", f"sections[{i}]"),
                             _get(x, "as_sequence", f"sections[{i}]", bool, optional=True) is True)
                     for i, x in enumerate(_list(data, "sections")))
    names = {s.name for s in sections}
    rules = tuple(_rule(r, x, f"rules[{i}]", names, actions) for i, x in enumerate(_list(data, "rules")))
    rule_names = {x.name for x in rules}
    for i, rule in enumerate(rules):
        for k, o in enumerate(rule.overrides):
            if o not in rule_names:
                raise BadData(f"rules[{i}].overrides[{k}]", f"'{o}' is not a rule")
        by_name = {x.name: x for x in rules}
        for k, (target, act) in enumerate(rule.sets_aside):
            if target not in by_name or all(e.action != act for e in by_name[target].entries):
                raise BadData(f"rules[{i}].sets_aside[{k}]", f"'{target}' is not a rule with an entry on '{act}'")
    covers = []
    for i, x in enumerate(_list(data, "covers")):
        p = f"covers[{i}]"
        c = Cover(_get(x, "action", p, str), _get(x, "section", p, str),
                  r.expr(_get(x, "condition", p, dict), f"{p}.condition"), _span_of(x, p),
                  _get(x, "note", p, str, optional=True))
        if c.action not in actions or c.section not in names:
            raise BadData(p, f"cover names an undeclared action '{c.action}' or section '{c.section}'")
        covers.append(c)
    todos = tuple(Todo(_get(x, "text", f"todos[{i}]", str), _get(x, "section", f"todos[{i}]", str, optional=True)
                       or "", _span_of(x, f"todos[{i}]")) for i, x in enumerate(_list(data, "todos")))
    together = []
    for i, x in enumerate(_list(data, "never_together")):
        p = f"never_together[{i}]"
        acts = tuple(_get(x, "actions", p, list))
        if len(set(acts)) != len(acts) or len(acts) < 2 or any(a not in actions for a in acts):
            raise BadData(f"{p}.actions", "expected two or more different declared actions")
        together.append(Together(acts, r.expr(_get(x, "condition", p, dict), f"{p}.condition"),
                                 _get(x, "when", p, str, optional=True),
                                 tuple(int(_num(n, p)) for n in _get(x, "citations", p, list, optional=True) or ()),
                                 _get(x, "source", p, str, optional=True), _span_of(x, p)))
    words = _get(data, "vocabulary", "", dict, optional=True)
    try:
        vocabulary = Vocabulary.from_data(words) if words else Vocabulary()
    except (TypeError, ValueError, KeyError, IndexError, AttributeError) as e:
        raise BadData("vocabulary", str(e)) from None
    return Model(_get(meta, "title", "guideline", str), _get(meta, "version", "guideline", str, optional=True),
                 _get(meta, "file", "guideline", str, optional=True) or "<data>", refs, r.inputs, lets,
                 assumptions, actions, sections, rules, tuple(covers), todos, tuple(together),
                 vocabulary=vocabulary)


def _rule(r: _Reader, x: Any, p: str, sections: set[str], actions: dict[str, Action]) -> Rule:
    section = _get(x, "section", p, str)
    if section not in sections:
        raise BadData(f"{p}.section", f"'{section}' is not a section")
    entries = []
    for k, e in enumerate(_get(x, "entries", p, list)):
        pe = f"{p}.entries[{k}]"
        action = _get(e, "action", pe, str)
        if action not in actions:
            raise BadData(f"{pe}.action", f"'{action}' is not a declared action")
        strength = _get(e, "strength", pe, str)
        if strength not in Strength.__members__.values():
            raise BadData(f"{pe}.strength", f"expected one of {', '.join(s.value for s in Strength)}, got {strength!r}")
        ptypes = {q.name: q for q in actions[action].params}
        params = tuple((name, r.param(v, ptypes.get(name), f"{pe}.params.{name}"))
                       for name, v in (_get(e, "params", pe, dict, optional=True) or {}).items())
        prevails = _get(e, "prevails", pe, bool, optional=True) is True
        if prevails and not Strength(strength).advises_against:
            raise BadData(f"{pe}.prevails", "only a strong negative entry (not_recommended, never) may prevail")
        own = (_get(e, "evidence", pe, str, optional=True), _get(e, "preference", pe, str, optional=True))
        key = "any_of" if "any_of" in e else "one_of"
        one_of: tuple[str, ...] = tuple(_get(e, key, pe, list, optional=True) or ())
        if not all(isinstance(a, str) for a in one_of) or (one_of and action not in one_of):
            raise BadData(f"{pe}.{key}", "a list of action names, the entry's own among them")
        if key == "any_of":
            one_of = AnyOf(one_of)
        entries.append(Entry(action, Strength(strength), params, _span_of(e, pe), prevails, *own, one_of))
    cites = _get(x, "citations", p, list, optional=True) or []
    return Rule(_get(x, "name", p, str), section, r.expr(_get(x, "condition", p, dict), f"{p}.condition"),
                r.expr(_get(x, "when", p, dict), f"{p}.when"), tuple(entries),
                _get(x, "label", p, str, optional=True), _get(x, "evidence", p, str, optional=True),
                tuple(int(_num(c, f"{p}.citations")) for c in cites), _get(x, "source", p, str, optional=True),
                tuple(_get(x, "footnotes", p, list, optional=True) or ()),
                _get(x, "preference", p, str, optional=True),
                tuple(_get(x, "overrides", p, list, optional=True) or ()), _span_of(x, p),
                tuple((_get(t, "rule", f"{p}.sets_aside[{k}]", str), _get(t, "action", f"{p}.sets_aside[{k}]", str))
                      for k, t in enumerate(_get(x, "sets_aside", p, list, optional=True) or ())),
                tuple(_adjustment(r, a, f"{p}.adjusts[{k}]", actions)
                      for k, a in enumerate(_get(x, "adjusts", p, list, optional=True) or ())))


def _adjustment(r: _Reader, a: Any, p: str, actions: dict[str, Action]) -> Adjustment:
    action = _get(a, "action", p, str)
    if action not in actions:
        raise BadData(f"{p}.action", f"'{action}' is not a declared action")
    ptypes = {q.name: q for q in actions[action].params}
    params = tuple((name, r.param(v, ptypes.get(name), f"{p}.params.{name}"))
                   for name, v in (_get(a, "params", p, dict) or {}).items())
    return Adjustment(action, params, _span_of(a, p))
