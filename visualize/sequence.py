"""A section drawn as a sequence: the answers to its first question side by side as stages, joined by arrows.

Lines of therapy, years of follow-up, phases of care: the source reads them as steps in time, and a journal figure
draws them as a row of stages ("Years since treatment: < 3" -> "3-5" -> "> 5"), each with what holds at that
stage below it, rather than as a question fanning out. The author asks for it with ``question_order NAME, ...
as_sequence``: NAME is asked first (the order pins it), and :func:`as_sequence` turns that question's answers,
in the input's order (numbers ascending, enum values as declared, a yes/no input from no to yes), into stage
boxes linked by ``chain`` edges (each box says its answer; the question labels the
arrow into the row); everything below each answer is drawn as before.
"""

from __future__ import annotations

import itertools

from visualize.plan import DrawableGuideline, DrawEdge, DrawNode, SectionPlan


def sequence_input(guideline: DrawableGuideline, name: str) -> str | None:
    """The input section ``name`` is drawn as a sequence along, or None."""
    section = next((s for s in guideline.model.sections if s.name == name), None)
    return section.order[0] if section is not None and section.sequence and section.order else None


def as_sequence(guideline: DrawableGuideline, plan: SectionPlan) -> SectionPlan:
    """``plan`` with its first question, when it asks about the sequence's input, drawn as stages; ``plan``
    itself otherwise (a list, or a section whose diagram does not ask about it first)."""
    along = sequence_input(guideline, plan.name)
    if along is None or plan.form != "tree" or not plan.nodes:
        return plan
    out: dict[str, list[DrawEdge]] = {}
    for e in plan.edges:
        out.setdefault(e.src, []).append(e)
    kinds = {dn.id: dn for dn in plan.nodes}
    root = plan.nodes[0]
    while root.kind == "leaf" and len(out.get(root.id, [])) == 1:  # boxes for every patient, factored above
        root = kinds[out[root.id][0].dst]
    var = str(guideline.graph.nodes[root.node].get("var", "")) if root.node in guideline.graph else ""
    answers = out.get(root.id, [])
    if root.kind != "question" or var.removeprefix("known:") != along or len(answers) < 2:
        return plan
    inp = guideline.model.input_or_derived(along)
    if inp is not None and inp.kind == "bool" and not var.startswith("known:"):
        answers = answers[::-1]  # figures ask yes first; a sequence runs from "not yet" to "done"
    stem = root.question.rstrip("?")
    led = any(e.dst == root.id for e in plan.edges)
    stages = [DrawNode(f"{root.id}/stage{i}", root.node, "stage", on=e.on, tooltip=f"{stem}: {e.label}",
                       question=e.label if led or i else f"{stem}: {e.label}") for i, e in enumerate(answers)]
    # what led to the question leads to the first stage, the edge naming what the stages are stages of
    edges = [DrawEdge(e.src, stages[0].id, stem, e.on) if e.dst == root.id else e
             for e in plan.edges if e.src != root.id]
    edges += [DrawEdge(s.id, e.dst, "", e.on) for s, e in zip(stages, answers, strict=True)]
    edges += [DrawEdge(a.id, b.id, "", a.on and b.on, chain=True) for a, b in itertools.pairwise(stages)]
    nodes = [n for dn in plan.nodes for n in ((dn,) if dn is not root else stages)]
    return SectionPlan(plan.name, plan.title, nodes, edges, "sequence")
