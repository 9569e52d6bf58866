"""W202: inside a ``cover`` region, patients for whom no rule gives the action an active entry.

The region is the cover's condition (section guard included) among allowed patients, minus every patient for
whom some rule's entry on the action (positive or negative) is decided active, i.e. what ``evaluate`` would list
as a recommendation. A patient whose only entries on the action are *pending* (they depend on an input the case
leaves out) is in the gap: the case as given gets no position.
"""

from __future__ import annotations

from dsl.diagnostics import Diagnostic
from engine.checks.findings import rules_for, slug, sort
from engine.checks.regions import region_text
from engine.checks.space import space
from engine.checks.witness import witness
from engine.guideline import Guideline


def gap_regions(guideline: Guideline) -> dict[tuple[int, str], int]:
    """(cover index, action) -> the diagram of the uncovered patients (only non-empty ones)."""
    sp = space(guideline)
    m, model = sp.m, guideline.model
    speaks: dict[str, int] = {}
    out: dict[tuple[int, str], int] = {}
    for ci, c in enumerate(model.covers):
        if c.action not in speaks:
            rules = {ri for pol in (True, False) for ri, _ in rules_for(model, c.action, pol)}
            speaks[c.action] = m.or_(*[sp.active(ri) for ri in sorted(rules)])
        region = m.and_(sp.cover(ci), m.not_(speaks[c.action]))
        if region != m.FALSE:
            out[(ci, c.action)] = region
    return out


def gaps(guideline: Guideline) -> list[Diagnostic]:
    sp = space(guideline)
    model = guideline.model
    found: list[Diagnostic] = []
    for (ci, action), region in gap_regions(guideline).items():
        cover = model.covers[ci]
        text, cubes = region_text(guideline, region, sp.allowed)
        found.append(Diagnostic(
            "W202", "warning",
            f"gap: no rule gives a position on '{action}' (section '{cover.section}') when {text}",
            cover.span,
            help=f"add a rule for '{action}' covering these patients, or narrow the cover with 'when'",
            witness=witness(guideline, region, slug("gap", cover.section, action),
                            f"no position on '{action}' in section '{cover.section}'",
                            cubes[0] if cubes else None)))
    return sort(found)
