"""The state shared by the resolver's passes: where diagnostics go and whether the model is still meaningful.

Diagnostics are collected, never raised, so one run reports every problem. Some errors leave the model
usable (a bad citation, an unknown preference, a duplicate that is ignored); others leave a hole in its
meaning (a condition naming an unknown input, a cycle among lets). The latter are reported with
:meth:`Context.fatal`, which marks the model *broken*: ``resolve`` then returns no model at all rather than one
whose conditions silently differ from what the author wrote.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from dsl.diagnostics import Diagnostic, Note, Severity
from dsl.span import NO_SPAN, Span


def real_span(span: Span | None) -> Span | None:
    """None for the placeholder span of trees built by code, so no diagnostic points at ``<none>:0:0``."""
    return None if span is None or span == NO_SPAN else span


@dataclass
class Context:
    file: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    broken: bool = False

    def report(self, severity: Severity, code: str, message: str, span: Span | None,
               help: str | None = None, notes: Iterable[Note] = ()) -> None:
        notes = tuple(Note(n.message, real_span(n.span)) for n in notes)
        self.diagnostics.append(Diagnostic(code, severity, message, real_span(span), help, notes))

    def error(self, code: str, message: str, span: Span | None, help: str | None = None,
              notes: Iterable[Note] = ()) -> None:
        """An error that leaves the model meaningful (the offending detail is dropped or kept as written)."""
        self.report("error", code, message, span, help, notes)

    def fatal(self, code: str, message: str, span: Span | None, help: str | None = None,
              notes: Iterable[Note] = ()) -> None:
        """An error after which the model no longer means what the author wrote."""
        self.broken = True
        self.report("error", code, message, span, help, notes)

    def warning(self, code: str, message: str, span: Span | None, help: str | None = None,
                notes: Iterable[Note] = ()) -> None:
        self.report("warning", code, message, span, help, notes)
