"""E209: a ``never_together`` constraint is broken: some patient gets an active positive entry on two of its actions.

Read like a conflict (docs/language.md, "Never together"): for each pair of the constraint's actions, the region is
the allowed patients for whom the constraint's ``when`` is decided true and each of the two actions has a decided
active positive entry (of any rules: an entry set aside, by an override or a prevailing prohibition, does not
count; nor do two alternatives of one choice set, ``one_of``, of one rule: the patient gets one of them; an
``any_of``'s alternatives may be given together, so they do break one). That is
exactly where ``run`` flags the patient. The region is exact and described by a few cubes; the
witness is a patient of the region.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from dsl.diagnostics import Diagnostic, Note
from engine.checks.findings import rule_note, rules_for, slug, sort
from engine.checks.regions import region_text
from engine.checks.space import Space, space
from engine.checks.witness import witness
from engine.compile.guideline import CompiledGuideline
from engine.compile.mdd import without_gc
from engine.core.model import exclusive_with


def together_regions(guideline: CompiledGuideline) -> Iterator[tuple[tuple[int, str, str], Space, int]]:
    """((constraint index, action, action), the constraint's scratch space, the diagram of the patients who break
    it with those two actions), for every pair of a constraint's actions where that region is not empty."""
    for ti, t in enumerate(guideline.model.together):
        sp = space(guideline)
        m = sp.m
        when = sp.decided(sp.condition(t.condition))
        if when == m.FALSE:
            continue
        given = {a: m.or_(*[sp.entry_active(ri, a) for ri, _ in rules_for(guideline, a, True)]) for a in t.actions}
        for a, b in itertools.combinations(t.actions, 2):
            region = m.and_(when, given[a], given[b])
            if region != m.FALSE and _in_a_choice(guideline, a, b):  # two alternatives of one choice: not together
                region = m.and_(when, m.or_(*[m.and_(sp.entry_active(ra, a), sp.entry_active(rb, b))
                                              for ra, ea in rules_for(guideline, a, True)
                                              for rb, _ in rules_for(guideline, b, True)
                                              if ra != rb or not exclusive_with(ea.one_of, b)]))
            if region != m.FALSE:
                yield (ti, a, b), sp, region


def _in_a_choice(guideline: CompiledGuideline, a: str, b: str) -> bool:
    return any(exclusive_with(e.one_of, b) for _, e in rules_for(guideline, a, True))


@without_gc
def together(guideline: CompiledGuideline) -> list[Diagnostic]:
    model = guideline.model
    found: list[Diagnostic] = []
    for (ti, a, b), sp, region in together_regions(guideline):
        m = sp.m
        text, cubes = region_text(guideline, m, region, sp.allowed)
        rules = [(model.rules[ri], x) for x in (a, b) for ri, _ in rules_for(guideline, x, True)
                 if m.and_(region, sp.entry_active(ri, x)) != m.FALSE]
        names = ", ".join(dict.fromkeys(f"'{r.name}'" for r, _ in rules))
        notes: tuple[Note, ...] = tuple(rule_note(r, f"gives '{x}' here") for r, x in rules)
        found.append(Diagnostic(
            "E209", "error",
            f"never together: '{a}' and '{b}' are both recommended (by {names}) when {text}", model.together[ti].span,
            help=f"let one of the rules override the other, add 'never {b} prevails' where '{a}' is given "
                 "(or the reverse), or narrow one condition",
            notes=notes,
            witness=witness(guideline, m, region, slug("together", a, b),
                            f"'{a}' and '{b}' are both recommended", cubes[0] if cubes else None)))
    return sort(found)
