"""N208: what a prevailing prohibition (``never ACTION prevails``) takes precedence over.

A prohibition that prevails sets aside every positive entry on its action of the rules that do not override its
rule, without naming them (docs/language.md, "Exceptions"). So that the author sees what that covers, and that a
positive rule added later shows up, this lists, per prevailing entry, the positive rules it sets aside for some
allowed patient: a rule is listed when some patient meets the prohibition (active) and the rule (applying, not set
aside by its own overriders). The witness is a patient of the first such rule.
"""

from __future__ import annotations

from dsl.diagnostics import Diagnostic
from engine.checks.findings import entry_text, rule_note, rules_for, slug, sort
from engine.checks.space import space
from engine.checks.witness import witness
from engine.compile.guideline import CompiledGuideline
from engine.compile.mdd import without_gc


@without_gc
def precedence(guideline: CompiledGuideline) -> list[Diagnostic]:
    model = guideline.model
    found: list[Diagnostic] = []
    for ni, rule in enumerate(model.rules):
        for entry in rule.entries:
            if not entry.prevails:
                continue
            sp = space(guideline)
            m = sp.m
            mine = sp.entry_active(ni, entry.action)
            taken = [(pi, m.and_(mine, sp.active(pi))) for pi, _ in rules_for(guideline, entry.action, True)
                     if pi != ni and ni not in sp.over[pi] and pi not in sp.over[ni]]
            taken = [(pi, region) for pi, region in taken if region != m.FALSE]
            if not taken:
                continue
            names = [model.rules[pi].name for pi, _ in taken]
            region = taken[0][1]
            found.append(Diagnostic(
                "N208", "note",
                f"'{entry_text(entry)}' of rule '{rule.name}' takes precedence over the positive entries on "
                f"'{entry.action}' of " + ", ".join(f"'{n}'" for n in names),
                entry.span, help="a rule that should win over the prohibition names it: overrides " + rule.name,
                notes=tuple(rule_note(model.rules[pi], f"is set aside on '{entry.action}' for some patients")
                            for pi, _ in taken),
                witness=witness(guideline, m, region, slug("precedence", rule.name, names[0], entry.action),
                                f"'{rule.name}' takes precedence over '{names[0]}' on '{entry.action}'")))
    return sort(found)
