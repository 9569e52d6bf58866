"""Source positions.

A :class:`Span` says where a piece of a rules file is, so that every diagnostic, every rule in a result and every
node of the decision graph can point back to a line the author wrote. Lines and columns are 1-based, as editors
show them; ``end_column`` is exclusive. ``start`` and ``end`` are character offsets into the file's text.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Span:
    file: str
    line: int
    column: int
    end_line: int
    end_column: int
    start: int = 0
    end: int = 0

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"

    def to_dict(self) -> dict[str, object]:
        return {"file": self.file, "line": self.line, "column": self.column,
                "end_line": self.end_line, "end_column": self.end_column}

    def cover(self, other: Span) -> Span:
        """The smallest span holding both ``self`` and ``other`` (same file)."""
        first = self if (self.line, self.column) <= (other.line, other.column) else other
        end = max(self, other, key=lambda s: (s.end_line, s.end_column))
        return Span(self.file, first.line, first.column, end.end_line, end.end_column,
                    min(self.start, other.start), max(self.end, other.end))


NO_SPAN = Span("<none>", 0, 0, 0, 0)
"""The span of nodes built by code rather than parsed (tests, generators)."""
