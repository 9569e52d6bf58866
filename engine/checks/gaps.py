"""W202: inside a ``cover`` region, patients for whom no rule gives the action an active entry.

The region is the cover's condition (section guard included) among allowed patients, minus every patient for
whom some rule's entry on the action (positive or negative) is decided active, i.e. what ``evaluate`` would list
as a recommendation. A patient whose only entries on the action are *pending* (they depend on an input the case
leaves out) is in the gap: the case as given gets no position.
"""

from __future__ import annotations

from collections.abc import Iterator

from dsl.diagnostics import Diagnostic
from engine.checks.findings import rules_for, slug, sort
from engine.checks.regions import region_text
from engine.checks.space import Space, space
from engine.checks.witness import witness
from engine.compile.guideline import CompiledGuideline
from engine.compile.mdd import without_gc


def gap_regions(guideline: CompiledGuideline) -> Iterator[tuple[tuple[int, str], Space, int]]:
    """((cover index, action), the action's scratch space, the diagram of the uncovered patients), non-empty
    ones only, action by action."""
    model = guideline.model
    by_action: dict[str, list[int]] = {}
    for ci, c in enumerate(model.covers):
        by_action.setdefault(c.action, []).append(ci)
    for action, covers in by_action.items():
        sp = space(guideline)
        m = sp.m
        rules = {ri for pol in (True, False) for ri, _ in rules_for(guideline, action, pol)}
        speaks = m.or_(*[sp.entry_active(ri, action) for ri in sorted(rules)])
        for ci in covers:
            region = m.and_(sp.cover(ci), m.not_(speaks))
            if region != m.FALSE:
                yield (ci, action), sp, region


@without_gc
def gaps(guideline: CompiledGuideline) -> list[Diagnostic]:
    model = guideline.model
    found: list[Diagnostic] = []
    for (ci, action), sp, region in gap_regions(guideline):
        cover = model.covers[ci]
        text, cubes = region_text(guideline, sp.m, region, sp.allowed)
        found.append(Diagnostic(
            "W202", "warning",
            f"gap: no rule gives a position on '{action}' (section '{cover.section}') when {text}",
            cover.span,
            help=f"add a rule for '{action}' covering these patients, or narrow the cover with 'when'",
            witness=witness(guideline, sp.m, region, slug("gap", cover.section, action),
                            f"no position on '{action}' in section '{cover.section}'",
                            cubes[0] if cubes else None)))
    return sort(found)
