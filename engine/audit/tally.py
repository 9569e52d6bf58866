"""The numbers of a concordance audit, and the one place they are defined (both engines fold into :class:`Audit`).

Per rule and action (each entry of a rule whose action has a given column):

- ``active``: patients the entry applies to (the rule applies and is not set aside: ``Result.recommendations``);
- ``given`` / ``not_given`` / ``not_recorded``: how those patients' given cell reads (an empty cell is not
  recorded, which is not "not given");
- ``concordant``: active, the strength positive (``must``, ``recommend``, ``consider``), and given;
- ``discordant``: active, the strength a strong negative (``not_recommended``, ``never``), and given (the weak
  negative ``may_omit`` leaves the action to judgement: given, it is neither concordant nor discordant);
- ``pending``: patients for whom the data cannot decide whether the entry applies (``Result.pending``).

Per action (the final verdict of ``Result.actions``: the strongest active entry, or a conflict when both
polarities are active): ``active`` = ``positive`` + ``negative`` + ``conflict``; ``given``/``not_given``/
``not_recorded`` over the active ones; ``concordant`` = positive verdict and given, ``discordant`` = negative verdict
with a strong negative entry and given; ``pending``: no verdict, but some entry pending.

Why a flat counter of ``(kind, rule, action, strength, status, state)`` keys: the Python path counts one patient
at a time and DuckDB counts a ``GROUP BY`` of the same keys (engine/audit/native.py); folding both through
:meth:`Audit.fold` makes "the DuckDB numbers equal the Python recount" a comparison of two values of one type.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from engine.audit.given import Given
from engine.core.model import Model, Strength
from engine.evaluate.result import Result

Key = tuple[str, str, str, str, str, str]
"""``(kind, rule, action, strength, status, state)``: kind ``rule`` (status ``active``/``pending``) or ``action``
(rule and strength empty, status ``positive``/``negative``/``weak_negative``/``conflict``/``pending``); state
``yes``/``no``/``none``
(the given cell)."""

RULE_FIELDS = ("active", "given", "not_given", "not_recorded", "concordant", "discordant", "pending")
ACTION_FIELDS = ("active", "positive", "negative", "conflict", "given", "not_given", "not_recorded", "concordant",
                 "discordant", "pending")
STATES = {"yes": "given", "no": "not_given", "none": "not_recorded"}


def state(v: bool | None) -> str:
    return "none" if v is None else "yes" if v else "no"


def result_keys(result: Result, audited: Mapping[str, str]) -> list[tuple[str, str, str, str, str]]:
    """What one patient's result says about the audited actions: ``(kind, rule, action, strength, status)``."""
    out: list[tuple[str, str, str, str, str]] = []
    polarity: dict[str, set[bool]] = {}
    against: set[str] = set()
    for rec in result.recommendations:
        if rec.action in audited:
            out.append(("rule", rec.rule, rec.action, rec.strength.value, "active"))
            polarity.setdefault(rec.action, set()).add(rec.strength.positive)
            if rec.strength.advises_against:
                against.add(rec.action)
    pending: set[str] = set()
    for p in result.pending:
        if p.action in audited:
            out.append(("rule", p.rule, p.action, p.strength.value, "pending"))
            pending.add(p.action)
    for action in audited:
        pol = polarity.get(action)
        if pol:
            status = ("conflict" if len(pol) == 2 else "positive" if True in pol
                      else "negative" if action in against else "weak_negative")
        elif action in pending:
            status = "pending"
        else:
            continue
        out.append(("action", "", action, "", status))
    return out


@dataclass(frozen=True, order=True)
class Discordant:
    """A patient given an action an active entry advises against."""

    row: int
    """The line of the cohort file (CSV; the header is line 1) or the record number (Parquet), as the loader's
    messages number rows."""
    rule_index: int
    action: str
    case: str
    rule: str
    strength: str
    column: str

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "case": self.case, "rule": self.rule, "action": self.action,
                "strength": self.strength, "column": self.column, "given": True}


@dataclass
class Audit:
    """A whole audit: the counts (:data:`RULE_FIELDS` per rule entry, :data:`ACTION_FIELDS` per action), the
    discordant rows in file order, and what it covered."""

    model: Model
    given: list[Given]
    patients: int = 0
    skipped: int = 0
    rules: dict[tuple[str, str, str], dict[str, int]] = field(default_factory=dict)
    actions: dict[str, dict[str, int]] = field(default_factory=dict)
    discordant: list[Discordant] = field(default_factory=list)
    engine: str = "python"

    def __post_init__(self) -> None:
        audited = {g.action for g in self.given}
        for rule in self.model.rules:
            for e in rule.entries:
                if e.action in audited:
                    self.rules.setdefault((rule.name, e.action, e.strength.value), dict.fromkeys(RULE_FIELDS, 0))
        for g in self.given:
            self.actions[g.action] = dict.fromkeys(ACTION_FIELDS, 0)

    def fold(self, counts: Iterable[tuple[Key, int]]) -> Audit:
        """Add ``counts`` (key, number of patients) to the tables."""
        for (kind, rule, action, strength, status, st), n in counts:
            if kind == "rule":
                row = self.rules.setdefault((rule, action, strength), dict.fromkeys(RULE_FIELDS, 0))
                if status == "pending":
                    row["pending"] += n
                    continue
                row["active"] += n
                row[STATES[st]] += n
                if st == "yes" and Strength(strength).positive:
                    row["concordant"] += n
                elif st == "yes" and Strength(strength).advises_against:
                    row["discordant"] += n
            else:
                a = self.actions[action]
                if status == "pending":
                    a["pending"] += n
                    continue
                a["active"] += n
                a["negative" if status == "weak_negative" else status] += n
                a[STATES[st]] += n
                if st == "yes" and status in ("positive", "negative"):
                    a["concordant" if status == "positive" else "discordant"] += n
        return self

    @property
    def discordant_patients(self) -> int:
        """Patients with at least one discordant row (a patient has one row per rule advising against)."""
        return len({d.row for d in self.discordant})

    @property
    def not_audited(self) -> list[str]:
        """The guideline's actions no given column records (the audit says nothing about them)."""
        audited = {g.action for g in self.given}
        return [a for a in self.model.actions if a not in audited]

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (docs: the README's "Concordance audit"); ``engine`` aside, equal for both engines."""
        rules = {r.name: r for r in self.model.rules}
        columns = {g.action: g.column for g in self.given}
        return {
            "guideline": self.model.title, "engine": self.engine, "patients": self.patients,
            "skipped": self.skipped,
            "given": [{"column": g.column, "action": g.action} for g in self.given],
            "not_audited": self.not_audited,
            "rules": [{"rule": r, "label": rules[r].label if r in rules else None,
                       "section": rules[r].section if r in rules else None, "action": a, "strength": s, **c}
                      for (r, a, s), c in self.rules.items()],
            "actions": [{"action": a, "label": _label(self.model, a), "column": columns[a], **c}
                        for a, c in self.actions.items()],
            "discordant": [d.to_dict() for d in self.discordant],
        }


def _label(model: Model, action: str) -> str | None:
    decl = model.actions.get(action)
    return decl.label if decl else None


def rule_order(model: Model) -> dict[str, int]:
    return {r.name: i for i, r in enumerate(model.rules)}


def discordant_of(keys: Sequence[tuple[str, str, str, str, str]], given: Mapping[str, bool | None],
                  columns: Mapping[str, str], order: Mapping[str, int], row: int, case: str) -> list[Discordant]:
    """The discordant entries of one patient (active, negative, given)."""
    return [Discordant(row, order[r], a, case, r, s, columns[a]) for kind, r, a, s, status in keys
            if kind == "rule" and status == "active" and given.get(a) and Strength(s).advises_against]


def count(keys: Sequence[tuple[str, str, str, str, str]], given: Mapping[str, bool | None],
          into: Counter[Key]) -> None:
    """Count one patient's keys with their given states into ``into``."""
    for kind, r, a, s, status in keys:
        into[(kind, r, a, s, status, state(given.get(a)))] += 1
