"""Checker passes over a compiled guideline; each module exports one function named after it.

Every pass takes the compiled :class:`~engine.compile.guideline.CompiledGuideline` and returns sorted diagnostics;
the regions they report are exact (decision diagrams over the whole case space, see :mod:`engine.checks.space`),
described as few conditions (:mod:`engine.checks.regions`) with a patient case that exhibits them
(:mod:`engine.checks.witness`).

Their codes are E2xx, W2xx and N2xx (override cycles are the resolver's, E151); each is described in the
registry :mod:`dsl.codes`, and for authors in ``docs/diagnostics.md``.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable

from dsl.diagnostics import Diagnostic, Note
from engine.checks.adjustments import adjustments
from engine.checks.classifications import classifications
from engine.checks.conflicts import conflicts
from engine.checks.dead_rules import dead_rules
from engine.checks.gaps import gaps
from engine.checks.overrides import overrides
from engine.checks.param_clashes import param_clashes
from engine.checks.precedence import precedence
from engine.checks.question_orders import question_orders
from engine.checks.todos import todos
from engine.checks.together import together
from engine.compile.guideline import CompiledGuideline
from engine.core.values import number_text

Check = Callable[[CompiledGuideline], list[Diagnostic]]


def _inexact_noted(check: Check) -> Check:
    """``check`` with a note on every finding whose region tests a non-linear formula: the checks treat such a
    formula as any value of its declared range (engine.compile.derived), so the finding may not occur for a real
    patient, and the example patient's value of the formula may lie elsewhere. Nothing is dropped: the author
    decides."""
    @functools.wraps(check)
    def run(g: CompiledGuideline) -> list[Diagnostic]:
        found = check(g)
        free = [d for d in g.model.derived.values() if d.how == "formula" and not d.exact]
        if not free:
            return found
        out = []
        for diag in found:
            named = [d for d in free if re.search(rf"(?<![\w.]){re.escape(d.name)}(?![\w])", diag.message)]
            notes = tuple(Note(f"this finding depends on '{d.name}' = {d.text}, which is not linear: the checks "
                               f"treat it as any value in {number_text(d.low)}..{number_text(d.high)}, so the "
                               "finding may not occur for real patients (check the example with 'guidegraph run')",
                               d.span) for d in named)
            out.append(dataclasses.replace(diag, notes=diag.notes + notes) if notes else diag)
        return out
    return run


CHECKS: tuple[Check, ...] = tuple(_inexact_noted(c) for c in (
    classifications, conflicts, gaps, dead_rules, overrides, param_clashes, adjustments, precedence, together, todos,
    question_orders,
))

__all__ = ["CHECKS", "adjustments", "classifications", "conflicts", "dead_rules", "gaps", "overrides",
           "param_clashes", "precedence", "question_orders", "todos", "together"]
