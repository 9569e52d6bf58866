"""W203: a rule that applies to no allowed patient; W204: a rule set aside wherever it applies.

W203 uses the evaluator's reading: the rule's condition must be decided true for some allowed patient (complete,
or leaving out inputs tested with ``is known``). W204 holds when every allowed complete patient to whom the rule
applies also meets a rule that overrides it (directly or through a chain); the witness is one such patient.
"""

from __future__ import annotations

from dsl.diagnostics import Diagnostic, Note
from engine.checks.findings import rule_note, slug, sort
from engine.checks.space import Space, space
from engine.checks.witness import witness
from engine.compile.guideline import CompiledGuideline
from engine.compile.mdd import without_gc


@without_gc
def dead_rules(guideline: CompiledGuideline) -> list[Diagnostic]:
    model = guideline.model
    found: list[Diagnostic] = []
    sections: dict[str, Space] = {}
    for ri, rule in enumerate(model.rules):
        sp = sections.get(rule.section)
        if sp is None:  # one scratch space per section (the previous one is dropped)
            sections.clear()
            sp = sections[rule.section] = space(guideline)
        m = sp.m
        if sp.applies(ri) == m.FALSE:
            raw = sp.raw_applies(ri)
            if raw == m.FALSE:
                why = "its condition can never be true"
                notes: tuple[Note, ...] = ()
            elif m.and_(raw, sp.assume) == m.FALSE:
                why = "its condition contradicts the assumptions"
                notes = tuple(Note(f"assumption '{a.text}'" if a.text else "assumption", a.span)
                              for a in model.assumptions)
            else:
                why = "its condition is never decided (it needs an input it also requires to be unknown)"
                notes = ()
            found.append(Diagnostic("W203", "warning", f"rule '{rule.name}' applies to no patient: {why}",
                                    rule.span, help="fix or remove the condition", notes=notes))
            continue
        if not sp.over[ri]:
            continue
        alive = m.and_(sp.active_raw(ri), sp.assume)
        if alive != m.FALSE:
            continue
        overriders = [model.rules[o] for o in sp.over[ri]]
        region = m.and_(sp.applies(ri), sp.decided(sp.set_aside(ri)))
        found.append(Diagnostic(
            "W204", "warning",
            f"rule '{rule.name}' is set aside wherever it applies (overridden by "
            + ", ".join(f"'{o.name}'" for o in overriders) + ")",
            rule.span, help="the rule never gives a recommendation: remove it or narrow the overriding rules",
            notes=tuple(rule_note(o, "overrides it") for o in overriders),
            witness=witness(guideline, m, region, slug("set-aside", rule.name),
                            f"'{rule.name}' applies and is set aside")))
    return sort(found)
