"""The patients a section is for, in words: its guard written with the inputs' labels.

A section figure does not draw the questions of its own guard (every patient in it answers them the same way), so
the title says instead whom the section is for: ``For: Disease extent localized; Primary site uterus``.
"""

from __future__ import annotations

from engine.core.model import And, Const, Expr, KnownTest, LetRef, Model, Not, NumTest, Or, ValueTest
from visualize.labels import humanize, value_text


def _atom(model: Model, e: Expr) -> str:
    if isinstance(e, ValueTest):
        inp = model.inputs[e.input]
        label = inp.label or humanize(e.input)
        if inp.kind == "bool" and len(e.values) == 1:
            return label if True in e.values else f"no {label[:1].lower()}{label[1:]}"
        shown = [v for v in inp.domain if v in e.values]
        return f"{label} {' or '.join(humanize(str(value_text(v))) for v in shown)}"
    if isinstance(e, NumTest | KnownTest):
        inp = model.inputs[e.input]
        label = inp.label or humanize(e.input)
        if isinstance(e, KnownTest):
            return f"{label} known"
        return e.text.replace(e.input, label, 1) if e.text.startswith(e.input) else e.text or label
    if isinstance(e, LetRef):
        let = model.lets.get(e.name)
        return let.label if let and let.label else humanize(e.name)
    return ""


def describe(model: Model, e: Expr) -> str:
    """``e`` in words; ``;`` joins an ``and``, `` or `` an ``or``."""
    if isinstance(e, Const):
        return "all patients" if e.value else "no patient"
    if isinstance(e, And):
        return "; ".join(describe(model, x) for x in e.items)
    if isinstance(e, Or):
        return " or ".join(f"({describe(model, x)})" if isinstance(x, And) else describe(model, x) for x in e.items)
    if isinstance(e, Not):
        return f"not ({describe(model, e.item)})"
    return _atom(model, e)


def section_scope(model: Model, section: str) -> str | None:
    """``For: ...`` for a guarded section, None for one that applies to every patient."""
    for s in model.sections:
        if s.name == section:
            return None if isinstance(s.guard, Const) and s.guard.value else f"For: {describe(model, s.guard)}"
    return None
