"""Exceptions that carry diagnostics across the library boundary.

Inside the engine every stage returns diagnostics instead of raising, so one run reports every problem it finds.
Library callers (``engine.load``, case loading used from Python) want a single failure value instead: these
exceptions wrap the collected diagnostics together with the source texts needed to render them with excerpts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from dsl.diagnostics import Diagnostic, render_all


class _DiagnosticError(Exception):
    """Base: an error made of one or more diagnostics plus the texts of the files they point into."""

    def __init__(self, diagnostics: Sequence[Diagnostic], sources: Mapping[str, str] | None = None) -> None:
        self.diagnostics: list[Diagnostic] = list(diagnostics)
        self.sources: dict[str, str] = dict(sources or {})
        super().__init__(self.render())

    def render(self) -> str:
        """All diagnostics rendered compiler-style, with source excerpts where the text is known."""
        return render_all(self.diagnostics, self.sources)


class GuidelineError(_DiagnosticError):
    """A rules file could not be turned into a guideline (syntax, names, types...)."""


class CaseError(_DiagnosticError):
    """Patient case data or test expectations are invalid."""
