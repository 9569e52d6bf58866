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
from typing import Any

from engine.core.model import (
    Const,
    Model,
)
from engine.core.semantics import truth
from visualize.conditions import condition_text, lower_first
from visualize.labels import sentence
from visualize.plan import DrawEdge, DrawNode, SectionPlan


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
        question = "All patients" if isinstance(rule.when, Const) and rule.when.value else f"If {lower_first(when)}"
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
