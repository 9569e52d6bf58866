"""The list form of a section: one row per rule, "condition -> box", for sections a tree cannot show on a page.

A section of independent statements (a list of pitfalls, say) compiles to a diagram whose outcomes are every
combination of the statements' conditions; drawn as a tree it is dozens of boxes wide and unreadable on a page.
Guideline figures show such sections as a list, and so does this module: each rule becomes a row with its
condition (as the reader's words: "Primary site: uterus and Menopausal status: premenopausal") and a box of its
entries, styled like the tree's boxes, with "unless ..." naming the rules that set it aside. ``visualize.dot``
picks this form only when the tree would be far wider than a page (see ``dot.too_wide``).

With a case, a row is on the patient's path when its condition is true or still undecided for the case
(Kleene logic: :func:`engine.core.semantics.truth`) and greyed when it is false.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, assert_never

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
from engine.core.semantics import truth
from engine.core.words import atom_words, interval_words
from visualize.labels import answer_text, sentence
from visualize.plan import DrawEdge, DrawNode, SectionPlan


def _input_label(model: Model, name: str) -> str:
    inp = model.input_or_derived(name)
    return inp.label if inp is not None and inp.label else sentence(name)


def _lower(text: str) -> str:
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


def list_plan(model: Model, name: str, title: str, facts: Mapping[str, Any] | None) -> SectionPlan:
    """The rows of section ``name``: per rule a condition node and an entry box, chained top to bottom."""
    plan = SectionPlan(name, title, form="list")
    overriders: dict[str, list[str]] = {}
    for r in model.rules:
        for target in r.overrides:
            overriders.setdefault(target, []).append(r.label or sentence(r.name))
    for rule in model.rules:
        if rule.section != name:
            continue
        on = facts is not None and truth(rule.condition, model, facts) is not False
        when = condition_text(rule.when, model)
        question = "All patients" if isinstance(rule.when, Const) and rule.when.value else f"If {_lower(when)}"
        cond_id, box_id = f"{name}/rule/{rule.name}", f"{name}/rule/{rule.name}/entries"
        entries = [{"rule": rule.name, "action": e.action, "strength": e.strength.value, "status": "active",
                    "params": {k: v.to_json() for k, v in e.params}} for e in rule.entries]
        unless = overriders.get(rule.name, [])
        notes = [f"unless: {'; '.join(unless)}"] if unless else []
        plan.nodes.append(DrawNode(cond_id, cond_id, "question", question=question, on=on,
                                   tooltip=rule.name))
        plan.nodes.append(DrawNode(box_id, box_id, "leaf", on=on, lines=3 * len(entries) + len(notes),
                                   data={"entries": entries, "notes": notes}))
        plan.edges.append(DrawEdge(cond_id, box_id, "", on))
    return plan
