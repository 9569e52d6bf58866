"""The patients a section is for, in words: its guard written with the inputs' labels.

A section figure does not draw the questions of its own guard (every patient in it answers them the same way), so
the title says instead whom the section is for: ``For: Disease extent localized; Primary site uterus``.
"""

from __future__ import annotations

from typing import assert_never

from engine.core.model import And, Const, Expr, KnownTest, LetRef, Model, Not, NumTest, Or, ValueTest
from engine.core.values import is_member
from engine.core.words import atom_words
from visualize.labels import answer_text, humanize


def describe(model: Model, e: Expr) -> str:
    """``e`` in words; ``;`` joins an ``and``, `` or `` an ``or``."""
    match e:
        case Const(value):
            return "all patients" if value else "no patient"
        case ValueTest():
            inp = model.input_of(e.input)
            label = inp.label or humanize(e.input)
            if inp.kind == "bool" and len(e.values) == 1:
                return atom_words(model, e)  # "Pregnant", "Not pregnant", "Already treated: no"
            shown = [v for v in inp.domain if is_member(v, e.values)]
            return f"{label} {' or '.join(humanize(answer_text(model.vocabulary, e.input, v)) for v in shown)}"
        case KnownTest():
            inp = model.input_of(e.input)
            return f"{inp.label or humanize(e.input)} known"
        case NumTest():
            return atom_words(model, e)
        case LetRef(name):
            let = model.lets.get(name)
            return let.label if let and let.label else humanize(name)
        case And(items):
            return "; ".join(describe(model, x) for x in items)
        case Or(items):
            return " or ".join(f"({describe(model, x)})" if isinstance(x, And) else describe(model, x) for x in items)
        case Not(ValueTest() as item) if model.input_of(item.input).kind == "bool":
            return atom_words(model, item, negated=True)  # "Not pregnant", "Already treated: no"
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
