"""The patients a section is for, in words: its guard written with the inputs' labels.

A section figure does not draw the questions of its own guard (every patient in it answers them the same way), so
the title says instead whom the section is for: ``For: Disease extent localized; Primary site uterus``.
"""

from __future__ import annotations

from typing import assert_never

from engine.core.model import And, Const, Expr, KnownTest, LetRef, Model, Not, NumTest, Or, ValueTest
from engine.core.values import is_member
from visualize.labels import humanize, value_text


def describe(model: Model, e: Expr) -> str:
    """``e`` in words; ``;`` joins an ``and``, `` or `` an ``or``."""
    match e:
        case Const(value):
            return "all patients" if value else "no patient"
        case ValueTest():
            inp = model.input_of(e.input)
            label = inp.label or humanize(e.input)
            if inp.kind == "bool" and len(e.values) == 1:
                return label if True in e.values else f"no {label[:1].lower()}{label[1:]}"
            shown = [v for v in inp.domain if is_member(v, e.values)]
            return f"{label} {' or '.join(humanize(str(value_text(v))) for v in shown)}"
        case KnownTest():
            inp = model.input_of(e.input)
            return f"{inp.label or humanize(e.input)} known"
        case NumTest():
            label = model.input_of(e.input).label or humanize(e.input)
            return e.text.replace(e.input, label, 1) if e.text.startswith(e.input) else e.text or label
        case LetRef(name):
            let = model.lets.get(name)
            return let.label if let and let.label else humanize(name)
        case And(items):
            return "; ".join(describe(model, x) for x in items)
        case Or(items):
            return " or ".join(f"({describe(model, x)})" if isinstance(x, And) else describe(model, x) for x in items)
        case Not(item):
            return f"not ({describe(model, item)})"
        case _:
            assert_never(e)


def section_scope(model: Model, section: str) -> str | None:
    """``For: ...`` for a guarded section, None for one that applies to every patient."""
    for s in model.sections:
        if s.name == section:
            return None if isinstance(s.guard, Const) and s.guard.value else f"For: {describe(model, s.guard)}"
    return None
