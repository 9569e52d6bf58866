"""The overview page of a whole pathway: the entry questions that lead to each section's page.

A printed treatment algorithm starts with the questions that say where a patient belongs (phase of care, extent,
site) and sends the reader to the page of each part. Those questions are the inputs the sections' guards read,
so the overview is the decision tree of the guards, derived from them and nothing else (no guideline is known
here): it asks, in declaration order, the first yes/no or one-of input that some still undecided guard reads;
each answer leads to a connector naming the sections whose guard it makes true ("Localized disease: see p. 5"),
then to the next question for the sections still undecided. Answers that lead to the same thing share one edge;
answers the assumptions rule out are not drawn; sections for every patient (no guard) are named above the first
question. Guards on numbers are not asked (their sections are named with whom they are for).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from engine.core.model import Model
from engine.core.semantics import truth
from engine.core.walk import inputs_read
from visualize.labels import answer_text, sentence
from visualize.plan import DrawEdge, DrawNode, SectionPlan
from visualize.scope import section_scope

Tree = tuple[Any, ...]
"""``("ask", Input, ((answers, sections made true, subtree or None), ...))`` or ``("rest", sections)``."""


def _tree(model: Model, facts: dict[str, Any], pending: tuple[str, ...]) -> Tree | None:
    if not pending:
        return None
    guards = {s.name: s.guard for s in model.sections}
    read = {n for s in pending for n in inputs_read(guards[s], model.lets)}
    ask = next((inp for name, inp in model.inputs.items() if name in read and name not in facts
                and inp.kind in ("bool", "enum")), None)
    if ask is None:
        return ("rest", pending)
    groups: list[tuple[list[Any], tuple[str, ...], Tree | None]] = []
    for value in ask.domain:
        now = {**facts, ask.name: value}
        if any(truth(a.expr, model.lets, now) is False for a in model.assumptions):
            continue  # nobody answers this (the assumptions rule it out)
        told = {s: truth(guards[s], model.lets, now) for s in pending}
        made = tuple(s for s in pending if told[s] is True)
        sub = _tree(model, now, tuple(s for s in pending if told[s] is None))
        same = next((g for g in groups if g[1] == made and g[2] == sub), None)
        if same is None:
            groups.append(([value], made, sub))
        else:
            same[0].append(value)
    return ("ask", ask, tuple((tuple(v), made, sub) for v, made, sub in groups))


def entry_tree(model: Model) -> tuple[tuple[str, ...], Tree | None]:
    """The sections for every patient, and the tree of entry questions for the others (see the module
    docstring)."""
    always = tuple(s.name for s in model.sections if truth(s.guard, model.lets, {}) is True)
    return always, _tree(model, {}, tuple(s.name for s in model.sections if s.name not in always))


def overview_plan(model: Model, titles: Mapping[str, str], pages: Mapping[str, int]) -> SectionPlan:
    """The overview as a plan to draw: questions, and connectors naming each section with its first page
    (``titles`` and ``pages`` per section name)."""
    plan = SectionPlan("", "Overview")
    count = [0]

    def new_id(kind: str) -> str:
        count[0] += 1
        return f"overview:{kind}{count[0]}"

    def link(sections: Sequence[str], prefix: str = "") -> str:
        nid = new_id("see")
        text = "\n".join(f"{titles[s]}: see p. {pages[s]}" for s in sections)
        plan.nodes.append(DrawNode(nid, nid, "link", question=prefix + text, tooltip=", ".join(sections)))
        return nid

    def draw(tree: Tree) -> str:
        if tree[0] == "rest":
            first = ""
            for s in tree[1]:
                scope = section_scope(model, s)
                nid = link([s], f"If {scope[:1].lower() + scope[1:]}: " if scope else "")
                if first:
                    plan.edges.append(DrawEdge(first, nid, ""))
                first = first or nid
            return first
        inp = tree[1]
        qid = new_id("q")
        label = inp.label or sentence(inp.name)
        plan.nodes.append(DrawNode(qid, qid, "question", question=label + "?", tooltip=inp.name))
        for values, made, sub in tree[2]:
            answer = ", ".join(answer_text(model.vocabulary, inp.name, v) for v in values)
            if made:
                to = link(made)
                plan.edges.append(DrawEdge(qid, to, answer))
                if sub is not None:
                    plan.edges.append(DrawEdge(to, draw(sub), ""))
            elif sub is not None:
                plan.edges.append(DrawEdge(qid, draw(sub), answer))
            else:
                end = new_id("end")
                plan.nodes.append(DrawNode(end, end, "end"))
                plan.edges.append(DrawEdge(qid, end, answer))
        return qid

    always, tree = entry_tree(model)
    top = link(always, "For every patient:\n") if always else ""
    if tree is not None:
        root = draw(tree)
        if top:
            plan.edges.append(DrawEdge(top, root, ""))
    if top:  # the plan's first node is its root
        plan.nodes.sort(key=lambda dn: dn.id != top)
    return plan
