"""E210, E211, W212: classifications are exclusive and exhaustive over the patients the assumptions allow.

A classification (``classify risk: when C1 then low ... otherwise high``) must give every allowed patient one
value. Read on complete patients (every input known; a patient with unknown inputs simply has an unknown
category, which evaluation reports as pending):

- **E210 unclassified**: without ``otherwise``, allowed patients for whom no branch holds. Evaluation leaves
  their category unknown (every value stays possible), so the rules on it stay pending; the example patient
  shows the gap.
- **E211 overlapping** (exclusive classifications only, not ``first_match``): allowed patients for whom two
  branches with different values hold. Evaluation would take the first; the author said the branches exclude
  each other, so the overlap is a mistake in the table.
- **W212 never chosen**: a branch that no allowed patient reaches (its condition is never true, or, with
  ``first_match``, always taken by earlier branches).

Each finding is exact (decision diagrams over the inputs, with the assumptions and the other derived values'
definitions) and comes with an example patient.
"""

from __future__ import annotations

from dsl.diagnostics import Diagnostic
from engine.checks.findings import slug, sort
from engine.checks.regions import region_text
from engine.checks.space import space
from engine.checks.witness import witness
from engine.compile.guideline import CompiledGuideline
from engine.compile.mdd import without_gc


@without_gc
def classifications(guideline: CompiledGuideline) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    for d in guideline.model.derived.values():
        if d.how != "classification":
            continue
        sp = space(guideline)
        m = sp.m
        assume = sp.copy(guideline.assume_node)  # all allowed patients, the unclassified included
        conds = [sp.condition(c) for c, _ in d.branches]
        earlier = m.FALSE
        spans = d.branch_spans or (d.span,) * len(d.branches)
        for k, ((_, value), c) in enumerate(zip(d.branches, conds, strict=True)):
            reach = m.and_(assume, c, m.not_(earlier) if d.first_match else m.TRUE)
            if reach == m.FALSE:
                why = "its condition is never true for an allowed patient" if m.and_(assume, c) == m.FALSE \
                    else "the branches before it always take those patients"
                found.append(Diagnostic(
                    "W212", "warning", f"classification '{d.name}': the branch 'then {value}' (number {k + 1}) is "
                    f"never chosen: {why}", spans[k],
                    help="remove the branch or correct its condition"))
            earlier = m.or_(earlier, c)
            if d.first_match:
                continue
            for j in range(k):
                other = d.branches[j][1]
                if other == value:
                    continue
                both = m.and_(assume, conds[j], c)
                if both == m.FALSE:
                    continue
                text, cubes = region_text(guideline, m, both, assume)
                found.append(Diagnostic(
                    "E211", "error", f"classification '{d.name}': the branches 'then {other}' and 'then {value}' "
                    f"both hold when {text}", spans[k],
                    help="make the conditions exclude each other, or write 'first_match' after the "
                         "classification's name if the first branch that holds should decide",
                    witness=witness(guideline, m, both, slug("overlap", d.name, str(other), str(value)),
                                    f"'{d.name}' would be both {other} and {value}", cubes[0] if cubes else None)))
        if d.otherwise is None:
            none = m.and_(assume, m.not_(earlier))
            if none != m.FALSE:
                text, cubes = region_text(guideline, m, none, assume)
                found.append(Diagnostic(
                    "E210", "error", f"classification '{d.name}' leaves patients unclassified: no branch holds "
                    f"when {text}", d.span,
                    help="add a branch for them, or an 'otherwise VALUE' line",
                    witness=witness(guideline, m, none, slug("unclassified", d.name),
                                    f"no value of '{d.name}' applies", cubes[0] if cubes else None)))
    return sort(found)
