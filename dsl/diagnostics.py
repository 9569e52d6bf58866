"""Diagnostics as data, and their compiler-style rendering.

Every stage (parser, resolver, checks, case loading) returns diagnostics instead of raising, so one run reports
every problem it can find; only the CLI turns them into an exit code. A diagnostic renders like a compiler's::

    rules/x.rules:12:9: error[E101]: unknown input 'grde'
       |
    12 |     when grde == 2
       |          ^^^^
       = help: did you mean 'grade'?

Every code, with its severity, title, an explanation for authors and its exit class, is registered in
:mod:`dsl.codes`; the reference page generated from it is ``docs/diagnostics.md``.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from dsl.span import Span

Severity = Literal["error", "warning", "note"]


@dataclass(frozen=True, slots=True)
class Note:
    """A secondary message, optionally pointing at another place (e.g. the other rule of a conflict)."""

    message: str
    span: Span | None = None


@dataclass(frozen=True, slots=True)
class Diagnostic:
    code: str
    severity: Severity
    message: str
    span: Span | None = None
    help: str | None = None
    notes: tuple[Note, ...] = ()
    witness: Mapping[str, Any] | None = field(default=None, compare=False)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "severity": self.severity, "message": self.message}
        out["span"] = self.span.to_dict() if self.span else None
        if self.help:
            out["help"] = self.help
        if self.notes:
            out["notes"] = [{"message": n.message, "span": n.span.to_dict() if n.span else None}
                            for n in self.notes]
        if self.witness is not None:
            out["witness"] = dict(self.witness)
        return out


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    """A ``help:`` text naming the closest candidate, or None when nothing is close."""
    close = difflib.get_close_matches(name, sorted(set(candidates)), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    return any(d.severity == "error" for d in diagnostics)


def sort_key(d: Diagnostic) -> tuple[str, int, int, str]:
    s = d.span
    return (s.file, s.line, s.column, d.code) if s else ("", 0, 0, d.code)


EXCERPT_WIDTH = 500


@functools.lru_cache(maxsize=8)
def _lines(text: str) -> tuple[str, ...]:
    """The lines of a source, split once however many diagnostics point into it."""
    return tuple(text.splitlines())


def _excerpt(span: Span, text: str) -> list[str]:
    """The source line under the span with carets. A line longer than ``EXCERPT_WIDTH`` is cut to a window
    around the span (marked ``...``): otherwise thousands of diagnostics on one huge line would print it
    thousands of times."""
    lines = _lines(text)
    if not 1 <= span.line <= len(lines):
        return []
    src = lines[span.line - 1].expandtabs(1)
    width = len(str(span.line))
    pad = " " * width
    start = max(span.column, 1)
    if span.end_line == span.line and span.end_column > start:
        length = span.end_column - start
    else:
        length = max(len(src) - start + 1, 1)
    length = max(1, min(length, max(len(src) - start + 1, 1)))
    if len(src) > EXCERPT_WIDTH:
        lo = max(0, min(start - 1 - EXCERPT_WIDTH // 4, len(src) - EXCERPT_WIDTH))
        head, tail = ("..." if lo else ""), ("..." if lo + EXCERPT_WIDTH < len(src) else "")
        src = head + src[lo:lo + EXCERPT_WIDTH] + tail
        start = start - lo + len(head)
        length = max(1, min(length, EXCERPT_WIDTH - (start - 1 - len(head))))
    return [f"{pad} |", f"{span.line} | {src}", f"{pad} | {' ' * (start - 1)}{'^' * length}"]


def render(d: Diagnostic, sources: Mapping[str, str] | None = None) -> str:
    """Render one diagnostic as text; ``sources`` maps file names to their text for the excerpt."""
    sources = sources or {}
    head = f"{d.severity}[{d.code}]: {d.message}"
    out = [f"{d.span}: {head}" if d.span else head]
    if d.span and d.span.file in sources:
        out.extend(_excerpt(d.span, sources[d.span.file]))
    for n in d.notes:
        out.append(f"  = note: {n.message}" + (f" ({n.span})" if n.span else ""))
    if d.help:
        out.append(f"  = help: {d.help}")
    if d.witness is not None:
        out.append("  = example patient (paste into a case file):")
        out.extend(f"      {line}" for line in _yaml(d.witness).splitlines())
    return "\n".join(out)


def _yaml(data: Mapping[str, Any]) -> str:
    """Witnesses as block YAML, keys in the order given, so the author can paste them into ``rules/cases/``."""
    import yaml  # local: only diagnostics with witnesses need it

    return str(yaml.safe_dump(dict(data), sort_keys=False, allow_unicode=True, default_flow_style=False))


def render_all(diagnostics: Iterable[Diagnostic], sources: Mapping[str, str] | None = None) -> str:
    return "\n\n".join(render(d, sources) for d in diagnostics)
