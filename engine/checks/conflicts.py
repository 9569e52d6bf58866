"""E201: two rules give one action a positive and a negative active entry for the same patient.

Neither rule overrides the other (if one did, directly or through a chain, the other would be set aside wherever
both apply, and its entries would not be active). Per action, the diagram of patients with any active negative
entry is built once; a positive rule is paired with negative rules only where it meets that diagram, so the
work grows with the conflicts found, not with the square of the rules. The region of each pair is exact and is
described by a few cubes; the witness is a patient of the region.
"""

from __future__ import annotations

from collections.abc import Iterator

from dsl.diagnostics import Diagnostic, Note
from engine.checks.findings import entry_text, rule_note, rules_for, slug, sort
from engine.checks.regions import meets, region_text
from engine.checks.space import Space, space
from engine.checks.witness import witness
from engine.compile.guideline import CompiledGuideline
from engine.compile.mdd import without_gc


def conflict_regions(guideline: CompiledGuideline) -> Iterator[tuple[tuple[int, int, str], Space, int]]:
    """((positive rule index, negative rule index, action), the action's scratch space, the diagram of the
    patients in conflict), action by action."""
    model = guideline.model
    for action in model.actions:
        pos = rules_for(guideline, action, True)
        neg = rules_for(guideline, action, False)
        if not pos or not neg:
            continue
        sp = space(guideline)
        m = sp.m
        any_neg = m.or_(*[sp.entry_active(ri, action) for ri, _ in neg])
        for pi, _ in pos:
            p_active = sp.entry_active(pi, action)
            if not meets(m, p_active, any_neg):
                continue
            for ni, _ in neg:
                n_active = sp.entry_active(ni, action)
                if meets(m, p_active, n_active):
                    yield (pi, ni, action), sp, m.and_(p_active, n_active)


@without_gc
def conflicts(guideline: CompiledGuideline) -> list[Diagnostic]:
    model = guideline.model
    found: list[Diagnostic] = []
    for (pi, ni, action), sp, region in conflict_regions(guideline):
        p, n = model.rules[pi], model.rules[ni]
        pe = next(e for e in p.entries if e.action == action and e.strength.positive)
        ne = next(e for e in n.entries if e.action == action and not e.strength.positive)
        text, cubes = region_text(guideline, sp.m, region, sp.allowed)
        main, other = (n, p) if ni >= pi else (p, n)
        if pi == ni:
            message = (f"conflict on '{action}': rule '{p.name}' both gives '{entry_text(pe)}' and "
                       f"'{entry_text(ne)}' when {text}")
            notes: tuple[Note, ...] = ()
        else:
            message = (f"conflict on '{action}': rule '{p.name}' ({entry_text(pe)}) and rule '{n.name}' "
                       f"({entry_text(ne)}) are both active, and neither overrides the other, when {text}")
            notes = (rule_note(other, f"gives '{entry_text(pe if other is p else ne)}' here"),)
        found.append(Diagnostic(
            "E201", "error", message, main.span,
            help=f"add 'overrides {other.name}' to rule '{main.name}' (or the reverse), or narrow one condition",
            notes=notes,
            witness=witness(guideline, sp.m, region, slug("conflict", p.name, n.name, action),
                            f"'{p.name}' and '{n.name}' conflict on '{action}'",
                            cubes[0] if cubes else None)))
    return sort(found)
