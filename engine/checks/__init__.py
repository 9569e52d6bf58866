"""Checker passes over a compiled guideline; each module exports one function named after it.

Every pass takes the compiled :class:`~engine.compile.guideline.CompiledGuideline` and returns sorted diagnostics;
the regions they report are exact (decision diagrams over the whole case space, see :mod:`engine.checks.space`),
described as few conditions (:mod:`engine.checks.regions`) with a patient case that exhibits them
(:mod:`engine.checks.witness`).

Their codes are E2xx, W2xx and N2xx (override cycles are the resolver's, E151); each is described in the
registry :mod:`dsl.codes`, and for authors in ``docs/diagnostics.md``.
"""

from __future__ import annotations

from collections.abc import Callable

from dsl.diagnostics import Diagnostic
from engine.checks.classifications import classifications
from engine.checks.conflicts import conflicts
from engine.checks.dead_rules import dead_rules
from engine.checks.gaps import gaps
from engine.checks.overrides import overrides
from engine.checks.param_clashes import param_clashes
from engine.checks.precedence import precedence
from engine.checks.todos import todos
from engine.checks.together import together
from engine.compile.guideline import CompiledGuideline

CHECKS: tuple[Callable[[CompiledGuideline], list[Diagnostic]], ...] = (
    classifications, conflicts, gaps, dead_rules, overrides, param_clashes, precedence, together, todos,
)

__all__ = ["CHECKS", "classifications", "conflicts", "dead_rules", "gaps", "overrides", "param_clashes", "precedence",
           "todos", "together"]
