"""Small helpers every check shares: rule spans and names, sorting, and wording of entries.

Diagnostics are sorted by (file, line, column, code, message) so that ``check`` output is stable between runs.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable

from dsl.diagnostics import Diagnostic, Note, sort_key
from engine.compile.guideline import CompiledGuideline
from engine.core.model import Entry, Rule


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


_BY_ACTION: weakref.WeakKeyDictionary[CompiledGuideline, dict[tuple[str, bool], list[tuple[int, Entry]]]] = \
    weakref.WeakKeyDictionary()


def rules_for(guideline: CompiledGuideline, action: str, positive: bool) -> list[tuple[int, Entry]]:
    """(rule index, first entry) of every rule with an entry of that polarity for ``action``, rule order (indexed
    once per model, so asking for every action stays linear)."""
    index = _BY_ACTION.get(guideline)
    if index is None:
        index = {}
        for ri, r in enumerate(guideline.model.rules):
            for e in r.entries:
                key = (e.action, e.strength.positive)
                items = index.setdefault(key, [])
                if not items or items[-1][0] != ri:
                    items.append((ri, e))
        _BY_ACTION[guideline] = index
    return index.get((action, positive), [])
