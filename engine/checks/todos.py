"""N207: every ``todo`` of the rules file, listed so that open parts of the source stay visible."""

from __future__ import annotations

from dsl.diagnostics import Diagnostic
from engine.checks.findings import sort
from engine.compile.guideline import CompiledGuideline


def todos(guideline: CompiledGuideline) -> list[Diagnostic]:
    return sort(Diagnostic("N207", "note", f"todo (section '{t.section}'): {t.text}" if t.section
                           else f"todo: {t.text}", t.span)
                for t in guideline.model.todos)
