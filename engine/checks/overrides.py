"""W205: ``a overrides b`` where no allowed patient meets both conditions, so the override never takes effect.

Usually a sign that one of the two conditions is not what the author meant (a typo in a value, a section guard
that excludes the other rule's patients).
"""

from __future__ import annotations

from dsl.diagnostics import Diagnostic
from engine.checks.findings import rule_note, sort
from engine.checks.space import Space, space
from engine.compile.guideline import CompiledGuideline
from engine.compile.mdd import without_gc


@without_gc
def overrides(guideline: CompiledGuideline) -> list[Diagnostic]:
    model = guideline.model
    index = guideline.rule_index
    found: list[Diagnostic] = []
    sections: dict[str, Space] = {}
    for ri, rule in enumerate(model.rules):
        if not rule.overrides:
            continue
        sp = sections.get(rule.section)
        if sp is None:  # one scratch space per section (the previous one is dropped)
            sections.clear()
            sp = sections[rule.section] = space(guideline)
        m = sp.m
        if sp.applies(ri) == m.FALSE:
            continue  # a dead overriding rule is reported once, as W203
        for target in rule.overrides:
            ti = index.get(target)
            if ti is None or sp.applies(ti) == m.FALSE:
                continue
            both = m.and_(sp.raw_applies(ri), sp.raw_applies(ti), sp.assume)
            if both == m.FALSE:
                other = model.rules[ti]
                found.append(Diagnostic(
                    "W205", "warning",
                    f"rule '{rule.name}' overrides '{other.name}', but no patient meets both conditions: "
                    "the override never takes effect",
                    rule.span, help=f"check the conditions of '{rule.name}' and '{other.name}'",
                    notes=(rule_note(other, "is the overridden rule"),)))
    return sort(found)
