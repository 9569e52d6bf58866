"""W214: two adjustments give one parameter of an action different values for the same patient; W215: an
adjustment that changes nothing, because no patient it is in force for is positively recommended its action.

An adjustment is *in force* wherever its rule is active (decided to apply, not set aside by a rule that overrides
it): the same region a rule's entries are active in (:meth:`~engine.checks.space.Space.active`), so both findings
are exact and read unknown data as ``run`` does. W214's witness is a patient who gets both values (``run`` leaves
the parameter out of the verdict and lists it under ``clashes``); the fix is an ``overrides`` between the two
rules, as ``intolerant_dose ... overrides exon9_dose``, or exclusive conditions.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from dsl.diagnostics import Diagnostic
from engine.checks.findings import rule_note, rules_for, slug, sort
from engine.checks.regions import region_text
from engine.checks.space import Space, space
from engine.checks.witness import witness
from engine.compile.guideline import CompiledGuideline
from engine.compile.mdd import without_gc
from engine.core.model import Adjustment


def _differ(a: Adjustment, b: Adjustment) -> list[str]:
    pa, pb = dict(a.params), dict(b.params)
    return [k for k in pa if k in pb and pa[k] != pb[k]]


def _text(a: Adjustment) -> str:
    return f"adjust {a.action}({', '.join(f'{k}: {v}' for k, v in a.params)})"


def adjustment_regions(guideline: CompiledGuideline) -> Iterator[tuple[tuple[int, int, str], Space, int]]:
    """Per action with adjustments, in the action's scratch space: ``((ri, ri, action), sp, region)`` for each
    adjustment, the patients it is in force for while the action is positively recommended (FALSE: W215); then
    ``((ra, rb, action), sp, region)`` for each pair of rules whose adjustments give a parameter different values,
    the patients both are in force for while the action is recommended (W214 where not FALSE)."""
    model = guideline.model
    by_action: dict[str, list[tuple[int, Adjustment]]] = {}
    for ri, a in model.adjustments:
        by_action.setdefault(a.action, []).append((ri, a))
    for action, items in by_action.items():
        sp = space(guideline)
        m = sp.m
        given = m.or_(*[sp.entry_active(ri, action) for ri, _ in rules_for(guideline, action, True)])
        for ri, _ in items:
            yield (ri, ri, action), sp, m.and_(sp.active(ri), given)
        for (ra, a), (rb, b) in itertools.combinations(items, 2):
            if ra != rb and _differ(a, b):
                yield (ra, rb, action), sp, m.and_(sp.active(ra), sp.active(rb), given)


@without_gc
def adjustments(guideline: CompiledGuideline) -> list[Diagnostic]:
    model = guideline.model
    found: list[Diagnostic] = []
    adjusts = {(ri, a.action): a for ri, a in model.adjustments}
    for (ra, rb, action), sp, region in adjustment_regions(guideline):
        m = sp.m
        a, b = adjusts[ra, action], adjusts[rb, action]
        if ra == rb:
            if region == m.FALSE:
                found.append(Diagnostic(
                    "W215", "warning",
                    f"rule '{model.rules[ra].name}' ({_text(a)}) changes nothing: no patient it applies to is "
                    f"recommended '{action}'", a.span,
                    help=f"an adjustment changes the parameters of a positive recommendation of '{action}'; "
                         "widen its condition, or give the action a strength in a rule for these patients"))
            continue
        if region == m.FALSE:
            continue
        names = _differ(a, b)
        first, second = model.rules[ra], model.rules[rb]
        text, cubes = region_text(guideline, m, region, sp.allowed)
        found.append(Diagnostic(
            "W214", "warning",
            f"rules '{first.name}' ({_text(a)}) and '{second.name}' ({_text(b)}) give '{action}' different "
            f"values of {', '.join(repr(n) for n in names)} when {text}", b.span,
            help=f"let one rule override the other (e.g. 'overrides {first.name}' in rule '{second.name}'), "
                 "or make the conditions exclusive",
            notes=(rule_note(first, f"gives '{_text(a)}' here"),),
            witness=witness(guideline, m, region, slug("adjustments", first.name, second.name, action),
                            f"'{first.name}' and '{second.name}' adjust '{action}' differently",
                            cubes[0] if cubes else None)))
    return sort(found)
