"""Resolving the display vocabulary: value labels, bool answers, unit display forms (``engine.core.vocabulary``).

The words are checked here because a mistake in them misleads a reader without changing any answer, so nothing
later would notice it: two values with one label (E127) cannot be told apart in a figure, two units with one
display form (E125) would print "400 mg/day" for two different doses, an empty label (E128) prints as nothing,
and a display form for a unit nothing uses (W126) is most likely a misspelt unit name.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from dsl import ast
from dsl.diagnostics import Note, did_you_mean
from dsl.span import Span
from engine.core import model
from engine.core.derived import Derived
from engine.core.vocabulary import Vocabulary
from engine.core.walk import iter_atoms
from engine.resolve.context import Context


def resolve_vocabulary(tree: ast.File, inputs: dict[str, model.Input], actions: dict[str, model.Action],
                       derived: dict[str, Derived], ctx: Context) -> Vocabulary:
    """The words declared in ``tree``, checked; ``written`` is filled in later by :func:`with_thresholds`."""
    values: dict[str, dict[object, str]] = {}
    params: dict[str, dict[str, str]] = {}
    for decl in tree.decls:
        if isinstance(decl, ast.Input) and decl.name.name in inputs:
            owner = f"input '{decl.name.name}'"
            t = decl.type.values if isinstance(decl.type, ast.SetType) else decl.type
            if isinstance(t, ast.EnumType) and t.labels:
                pairs = [(_key(v), label) for v, label in zip(t.values, t.labels, strict=True) if label is not None]
                values[decl.name.name] = _labels(pairs, owner, ctx)
            elif isinstance(t, ast.BoolType) and t.labels:
                values[decl.name.name] = _labels([(b.value, label) for b, label in t.labels], owner, ctx)
        elif isinstance(decl, ast.Action) and decl.name.name in actions:
            for p in decl.params:
                if isinstance(p.type, ast.EnumType) and p.type.labels:
                    pairs = [(_key(v), label) for v, label in zip(p.type.values, p.type.labels, strict=True)
                             if label is not None]
                    params[f"{decl.name.name}.{p.name.name}"] = {
                        str(k): v for k, v in _labels(pairs, f"parameter '{p.name.name}'", ctx).items()}
        elif isinstance(decl, ast.Classify) and decl.name.name in derived:
            pairs = [(b.value.name, b.label) for b in decl.branches if b.label is not None]
            if decl.otherwise is not None and decl.otherwise_label is not None:
                pairs.append((decl.otherwise.name, decl.otherwise_label))
            if pairs:
                values[decl.name.name] = _labels(pairs, f"classification '{decl.name.name}'", ctx)
    units = _units([d for d in tree.decls if isinstance(d, ast.UnitDecl)], _units_used(inputs, actions, derived),
                   ctx)
    return Vocabulary(units, values, params)


def _key(v: ast.Name | ast.Number) -> object:
    return v.name if isinstance(v, ast.Name) else int(v.value)


def _labels(pairs: list[tuple[object, ast.String]], owner: str, ctx: Context) -> dict[object, str]:
    """Value -> label: each label non-empty (E128), one label per value and one value per label (E127)."""
    out: dict[object, str] = {}
    spans: dict[object, Span] = {}
    by_text: dict[str, tuple[object, Span]] = {}
    for value, label in pairs:
        shown = "true" if value is True else "false" if value is False else str(value)
        if not label.value.strip():
            ctx.error("E128", f"the label of '{shown}' in {owner} is empty", label.span,
                      help="write the words a reader should see, or leave the label out")
            continue
        key = (type(value) is bool, value)
        if key in spans:
            ctx.error("E127", f"'{shown}' has two labels in {owner}", label.span,
                      help="give each value one label", notes=[Note("first labelled here", spans[key])])
            continue
        other = by_text.get(label.value.strip().casefold())
        if other is not None and other[0] != value:
            first = "true" if other[0] is True else "false" if other[0] is False else str(other[0])
            ctx.error("E127", f"'{shown}' and '{first}' have the same label \"{label.value}\" in {owner}",
                      label.span, help="give each value a label of its own, so a reader can tell them apart",
                      notes=[Note("the same label here", other[1])])
            continue
        spans[key] = label.span
        by_text[label.value.strip().casefold()] = (value, label.span)
        out[value] = label.value
    return out


def _units_used(inputs: dict[str, model.Input], actions: dict[str, model.Action],
                derived: dict[str, Derived]) -> set[str]:
    used = {i.unit for i in inputs.values() if i.unit}
    used |= {d.unit for d in derived.values() if d.unit}
    used |= {p.unit for a in actions.values() for p in a.params if p.unit}
    return used


def _units(decls: list[ast.UnitDecl], used: set[str], ctx: Context) -> dict[str, str]:
    """Unit -> display form: each unit once (E105), each form for one unit (E125), each form non-empty (E128),
    each unit used somewhere (W126)."""
    out: dict[str, str] = {}
    first: dict[str, Span] = {}
    by_form: dict[str, tuple[str, Span]] = {}
    for d in decls:
        name, form = d.name.name, d.display.value
        if name in first:
            ctx.error("E105", f"unit '{name}' is given a display form twice", d.name.span,
                      help="keep one", notes=[Note("first declared here", first[name])])
            continue
        if not form.strip():
            ctx.error("E128", f"the display form of unit '{name}' is empty", d.display.span,
                      help="write the form a reader should see, or remove the declaration")
            continue
        other = by_form.get(form.strip())
        if other is not None:
            ctx.error("E125", f"units '{name}' and '{other[0]}' have the same display form \"{form}\"",
                      d.display.span, help="give each unit a form of its own, or use one unit name",
                      notes=[Note("the same form here", other[1])])
            continue
        if name not in used:
            ctx.warning("W126", f"unit '{name}' is given a display form, but nothing is in {name}", d.name.span,
                        help=did_you_mean(name, sorted(used)) or "remove the declaration, or correct the name")
        first[name] = d.name.span
        by_form[form.strip()] = (name, d.display.span)
        out[name] = form
    return out


def _conditions(m: model.Model) -> Iterator[model.Expr]:
    for let in m.lets.values():
        yield let.expr
    yield from (a.expr for a in m.assumptions)
    yield from (s.guard for s in m.sections)
    yield from (r.condition for r in m.rules)
    yield from (c.condition for c in m.covers)
    yield from (t.condition for t in m.together)
    for d in m.derived.values():
        yield from (branch for branch, _ in d.branches)


def with_thresholds(m: model.Model) -> dict[str, frozenset[float]]:
    """Per integer input (or integer derived value), the ends of the intervals its tests were written with: the
    comparisons the author wrote, which :func:`engine.core.vocabulary.authored` words cells with."""
    found: dict[str, set[float]] = {}
    for cond in _conditions(m):
        for a in iter_atoms(cond, m.lets):
            if isinstance(a, model.NumTest):
                inp = m.input_or_derived(a.input)
                if inp is not None and inp.kind == "integer":
                    found.setdefault(a.input, set()).update(_ends([a.interval]))
    return {k: frozenset(v) for k, v in found.items()}


def _ends(ivs: Iterable[model.Interval]) -> Iterator[float]:
    for iv in ivs:
        yield from (x for x in (iv.low, iv.high) if x is not None)
