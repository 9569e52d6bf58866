"""W206: two active rules give one action different parameters for the same patient.

For example ``recommend follow_up_visit(every: 3..4 months)`` and ``recommend follow_up_visit(every: 6 months)``
both active at year 3. Only entries of the same polarity are compared (opposite polarities are a conflict,
E201), and only parameters both entries set: an entry without a parameter does not contradict one with it.
"""

from __future__ import annotations

from collections.abc import Iterator

from dsl.diagnostics import Diagnostic
from engine.checks.findings import entry_text, rule_note, slug, sort
from engine.checks.regions import meets, region_text
from engine.checks.space import Space, space
from engine.checks.witness import witness
from engine.compile.guideline import CompiledGuideline
from engine.compile.mdd import without_gc
from engine.core.model import Entry


def _differ(a: Entry, b: Entry) -> list[str]:
    """Names of the parameters both entries set, to different values."""
    pa, pb = dict(a.params), dict(b.params)
    return [k for k in pa if k in pb and pa[k] != pb[k]]


def clash_regions(guideline: CompiledGuideline) -> Iterator[tuple[tuple[int, int, str], Space, int, list[str]]]:
    """((rule index, later rule index, action), scratch space, diagram of the patients, differing parameter
    names), action by action."""
    model = guideline.model
    by_action: dict[tuple[str, bool], list[tuple[int, Entry]]] = {}
    for ri, r in enumerate(model.rules):
        for e in r.entries:
            if e.params:
                by_action.setdefault((e.action, e.strength.positive), []).append((ri, e))
    seen: set[tuple[int, int, str]] = set()
    for (action, _), items in by_action.items():
        if len(items) < 2:
            continue
        sp = space(guideline)
        m = sp.m
        for i, (ra, ea) in enumerate(items):
            rivals = [(rb, eb) for rb, eb in items[i + 1:] if rb != ra and _differ(ea, eb)]
            a_active = sp.entry_active(ra, action)
            if not rivals or not meets(m, a_active, m.or_(*[sp.entry_active(rb, action) for rb, _ in rivals])):
                continue
            for rb, eb in rivals:
                key = (ra, rb, action)
                b_active = sp.entry_active(rb, action)
                if key not in seen and meets(m, a_active, b_active):
                    seen.add(key)
                    yield key, sp, m.and_(a_active, b_active), _differ(ea, eb)


@without_gc
def param_clashes(guideline: CompiledGuideline) -> list[Diagnostic]:
    model = guideline.model
    found: list[Diagnostic] = []
    for (ra, rb, action), sp, region, names in clash_regions(guideline):
        a, b = model.rules[ra], model.rules[rb]
        ea = next(e for e in a.entries if e.action == action and e.params)
        eb = next(e for e in b.entries if e.action == action and e.params)
        text, cubes = region_text(guideline, sp.m, region, sp.allowed)
        found.append(Diagnostic(
            "W206", "warning",
            f"rules '{a.name}' ({entry_text(ea)}) and '{b.name}' ({entry_text(eb)}) give '{action}' different "
            f"values of {', '.join(repr(n) for n in names)} when {text}",
            b.span, help="make the conditions exclusive, or let one rule override the other",
            notes=(rule_note(a, f"gives '{entry_text(ea)}' here"),),
            witness=witness(guideline, sp.m, region, slug("parameters", a.name, b.name, action),
                            f"'{a.name}' and '{b.name}' give '{action}' different {', '.join(names)}",
                            cubes[0] if cubes else None)))
    return sort(found)
