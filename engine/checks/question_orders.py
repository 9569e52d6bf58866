"""W153: a section's ``question_order`` names an input its figure never asks about (the pin has no effect).

A figure asks about the variables the section's compiled diagram tests; a derived value (a classification) counts
as asked when the diagram tests it or an input it is computed from. A section compiled rule by rule (too wide for
one diagram) is drawn as a list, where no question is asked: every name is reported.
"""

from __future__ import annotations

from dsl.diagnostics import Diagnostic
from engine.checks.findings import sort
from engine.compile.guideline import CompiledGuideline
from engine.compile.reorder import section_support


def question_orders(guideline: CompiledGuideline) -> list[Diagnostic]:
    model = guideline.model
    found: list[Diagnostic] = []
    for s in model.sections:
        if not s.order:
            continue
        asked = {name.removeprefix("known:") for name in section_support(guideline, s.name)}
        for name in s.order:
            reads = set(model.derived[name].reads) if name in model.derived else set()
            if name in asked or reads & asked:
                continue
            why = ("it is drawn as a list of rules (too many independent rules for one tree)"
                   if s.name not in guideline.section_nodes else "none of its rules asks about it")
            found.append(Diagnostic("W153", "warning", f"section '{s.name}' pins '{name}' in its question_order, "
                                    f"but its figure never asks about it: {why}", s.span,
                                    help=f"remove '{name}' from the question_order, or check its spelling"))
    return sort(found)
