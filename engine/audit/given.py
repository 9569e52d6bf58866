"""What a cohort says was actually done: the ``--given`` columns of ``guidegraph audit``, their actions and values.

The convention (generic: nothing here knows a guideline):

- ``--given given_radiotherapy`` names a column; a column called ``given_<action>`` records ``<action>``;
- ``--given rt_done=radiotherapy`` maps a column of any name to an action explicitly;
- several columns are separated by commas, and ``--given`` may be repeated.

A cell is ``true``/``false``, ``yes``/``no`` or ``1``/``0`` (any letter case, surrounding whitespace ignored);
an empty cell means *not recorded*, which is not "not given": an audit counts it apart, since a registry that
did not record a treatment says nothing about whether the patient had it.

Why the given columns are read by the case loader itself (:class:`GivenChecker`, a :class:`CaseChecker` whose
extra columns convert as given values): one reader means one set of row numbers, the loader's robustness against
broken quotes, and a bad given cell reported exactly like a bad input cell (row, column, what is allowed).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from dsl.diagnostics import Diagnostic, did_you_mean
from dsl.span import Span
from engine.cases.validate import CaseChecker
from engine.cases.values import BadValue
from engine.core.model import FactValue, Model

PREFIX = "given_"
TRUE_TEXTS = ("true", "yes", "1")
FALSE_TEXTS = ("false", "no", "0")
ALLOWED = "true, false, yes, no, 1 or 0 (empty: not recorded)"


class GivenError(Exception):
    """A ``--given`` option that cannot be used (a usage error: exit 2); the message says why."""


@dataclass(frozen=True)
class Given:
    """One given column: its name in the cohort and the action it records."""

    column: str
    action: str


def parse_given(options: Sequence[str], model: Model) -> list[Given]:
    """The given columns the ``--given`` options name (in order, each once), checked against the guideline's
    actions; raises :class:`GivenError`."""
    out: dict[str, Given] = {}
    actions: dict[str, str] = {}
    for option in options:
        for item in option.split(","):
            item = item.strip()
            if not item:
                continue
            column, sep, action = item.partition("=")
            column, action = column.strip(), action.strip()
            if not sep:
                if not column.startswith(PREFIX) or column == PREFIX:
                    raise GivenError(f"--given '{column}': a given column is called {PREFIX}<action> (e.g. "
                                     f"{PREFIX}{next(iter(model.actions), 'surgery')}), or is mapped to its "
                                     f"action as COLUMN=ACTION")
                action = column[len(PREFIX):]
            if not column or not action:
                raise GivenError(f"--given '{item}': write COLUMN or COLUMN=ACTION")
            if action not in model.actions:
                hint = did_you_mean(action, model.actions)
                raise GivenError(f"--given '{item}': the guideline has no action '{action}'"
                                 + (f" ({hint})" if hint else f"; its actions: {', '.join(model.actions)}"))
            if column in model.inputs or column in ("id", "description"):
                raise GivenError(f"--given '{item}': '{column}' is an input of the guideline (or the id or "
                                 "description column), not a record of what was done")
            if column in out:
                raise GivenError(f"--given names column '{column}' twice")
            if action in actions:
                raise GivenError(f"--given: action '{action}' has two columns ('{actions[action]}' and "
                                 f"'{column}'); one column per action")
            out[column] = Given(column, action)
            actions[action] = column
    if not out:
        raise GivenError("--given names no column")
    return list(out.values())


def given_value(text: str) -> bool:
    """A non-empty given cell as a truth value, or :class:`BadValue` saying what is allowed."""
    word = text.strip().lower()
    if word in TRUE_TEXTS:
        return True
    if word in FALSE_TEXTS:
        return False
    return _bad(text)


def _bad(text: str) -> bool:
    shown = text if len(text) <= 40 else text[:40] + "..."
    raise BadValue(f"'{shown}' is not an allowed value; expected {ALLOWED}")


def missing_columns(header: Sequence[str], given: Sequence[Given]) -> list[str]:
    """The given columns the cohort's header does not have."""
    names = {h.strip() for h in header}
    return [g.column for g in given if g.column not in names]


def missing_message(missing: Sequence[str], header: Sequence[str], path: str) -> str:
    """The usage error for given columns the cohort does not have (with a "did you mean" over its header)."""
    names = [h.strip() for h in header]
    parts = []
    for m in missing:
        hint = did_you_mean(m, names)
        parts.append(f"'{m}'" + (f" ({hint})" if hint else ""))
    return f"--given: the cohort '{path}' has no column {', '.join(parts)}"


class GivenChecker(CaseChecker):
    """The loader's checker, reading the given columns too: their values land in the case's facts under the
    column's name (``True``/``False``; absent when empty) for :func:`split_facts` to take out."""

    def __init__(self, model: Model, given: Sequence[Given]) -> None:
        super().__init__(model)
        self.given = list(given)
        for g in given:
            self.text_converters[g.column] = given_value

    def bad_value(self, label: str, name: str, bad: BadValue, span: Span) -> Diagnostic:
        if any(g.column == name for g in self.given):
            return Diagnostic("E310", "error", f"{label}: column '{name}' (what was given): {bad.message}", span)
        return super().bad_value(label, name, bad, span)

    def unknown_input(self, label: str, name: str, span: Span) -> Diagnostic:
        d = super().unknown_input(label, name, span)
        if name.startswith(PREFIX) and name[len(PREFIX):] in self.model.actions:
            return Diagnostic(d.code, d.severity, d.message, d.span,
                              f"a column that records what was done is named in --given (--given {name})")
        return d


def split_facts(facts: dict[str, FactValue], given: Sequence[Given]) -> dict[str, bool | None]:
    """Take the given columns' values out of ``facts`` (so the guideline sees its inputs only): per action,
    True, False or None (not recorded)."""
    out: dict[str, bool | None] = {}
    for g in given:
        v = facts.pop(g.column, None)
        out[g.action] = None if v is None else bool(v)
    return out


def given_map(given: Sequence[Given]) -> Mapping[str, str]:
    """Action -> column."""
    return {g.action: g.column for g in given}
