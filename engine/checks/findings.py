"""Small helpers every check shares: rule spans and names, sorting, and wording of entries.

Diagnostics are sorted by (file, line, column, code, message) so that ``check`` output is stable between runs.
"""

from __future__ import annotations

from collections.abc import Iterable

from dsl.diagnostics import Diagnostic, Note, sort_key
from engine.model import Entry, Model, Rule


def sort(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    return sorted(diagnostics, key=lambda d: (*sort_key(d), d.message))


def entry_text(e: Entry) -> str:
    """``recommend radiotherapy(dose: 50..60 Gy)`` as the author wrote it."""
    params = ", ".join(f"{k}: {v}" for k, v in e.params)
    return f"{e.strength.value} {e.action}" + (f"({params})" if params else "")


def rule_note(rule: Rule, what: str) -> Note:
    return Note(f"rule '{rule.name}' {what}", rule.span)


def slug(*parts: str) -> str:
    """A case id from names: ``conflict-rt_standard-uterine_no_rt-radiotherapy``."""
    return "-".join(p.replace(" ", "_") for p in parts if p)


def rules_for(model: Model, action: str, positive: bool) -> list[tuple[int, Entry]]:
    """(rule index, first entry) of every rule with an entry of that polarity for ``action``, rule order."""
    out: list[tuple[int, Entry]] = []
    for ri, r in enumerate(model.rules):
        for e in r.entries:
            if e.action == action and e.strength.positive == positive:
                out.append((ri, e))
                break
    return out
