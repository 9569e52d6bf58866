"""Conditions in the reader's words, for figures: "Primary site: uterus and Tumour size > 5 cm" (the list form of
a section, and the adjustments noted in action boxes)."""

from __future__ import annotations

from typing import assert_never

from engine.core.model import (
    And,
    Const,
    Expr,
    KnownTest,
    LetRef,
    Model,
    Not,
    NumTest,
    Or,
    ValueTest,
)
from engine.core.words import atom_words, interval_words
from visualize.labels import answer_text, sentence


def _input_label(model: Model, name: str) -> str:
    inp = model.input_or_derived(name)
    return inp.label if inp is not None and inp.label else sentence(name)


def lower_first(text: str) -> str:
    """A label inside a sentence: ``Primary site`` -> ``primary site``, but ``AJCC stage`` stays."""
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def condition_text(expr: Expr, model: Model, nested: bool = False) -> str:
    """A condition in the reader's words (``Primary site: uterus and Tumour size > 5 cm``)."""
    match expr:
        case Const(value):
            return "all patients" if value else "no patient"
        case ValueTest():
            inp = model.input_or_derived(expr.input)
            order = {v: i for i, v in enumerate(inp.domain)} if inp is not None else {}
            values = sorted(expr.values, key=lambda v: (order.get(v, len(order)), str(v)))
            if inp is not None and inp.kind == "bool" and len(values) == 1 \
                    and model.vocabulary.label(expr.input, values[0]) is not None:
                return atom_words(model, expr)
            shown = " or ".join(answer_text(model.vocabulary, expr.input, v) for v in values)
            return f"{_input_label(model, expr.input)}: {shown}"
        case NumTest():
            cell = interval_words(model, expr.input, expr.interval, "typographic")
            return f"{_input_label(model, expr.input)} {cell}"
        case KnownTest():
            return f"{_input_label(model, expr.input)} known"
        case LetRef(name):
            let = model.lets.get(name)
            return let.label if let is not None and let.label else sentence(name)
        case Not(KnownTest() as inner):
            return f"{_input_label(model, inner.input)} unknown"
        case Not(ValueTest() as inner) if model.input_of(inner.input).kind == "bool":
            return atom_words(model, inner, negated=True)
        case Not(item):
            return f"not {condition_text(item, model, nested=True)}"
        case And(items) | Or(items):
            word = " and " if isinstance(expr, And) else " or "
            text = word.join(condition_text(item, model, nested=True) for item in items)
            return f"({text})" if nested and len(items) > 1 else text
        case _:
            assert_never(expr)
