"""What evaluating one patient case gives: the result objects and their JSON form (the CLI/JSON contract).

``to_dict`` produces exactly the shape DESIGN.md fixes for ``run --format json``::

    {"case": id, "recommendations": [...], "overridden": [...], "pending": [...], "conflicts": [...],
     "lets": {name: true | false | null}}

Lists are in a stable order (section order, then strength, then rule order) so the JSON is reproducible.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.model import ParamValue, Strength

FactValue = bool | int | float | str
"""A validated case value: bool, number (int/float) or enum member (str or int)."""


def params_to_json(params: tuple[tuple[str, ParamValue], ...]) -> dict[str, Any]:
    return {name: value.to_json() for name, value in params}


@dataclass(frozen=True, slots=True)
class Because:
    """One condition that held for the patient, as written, with the case's values of the inputs it reads."""

    condition: str
    values: tuple[tuple[str, FactValue | None], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"condition": self.condition, "values": dict(self.values)}

    def __str__(self) -> str:
        vals = ", ".join(f"{k} = {'unknown' if v is None else _show(v)}" for k, v in self.values)
        return f"{self.condition}" + (f" ({vals})" if vals else "")


def _show(v: FactValue) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


@dataclass(frozen=True, slots=True)
class Recommendation:
    action: str
    strength: Strength
    rule: str
    section: str
    params: tuple[tuple[str, ParamValue], ...] = ()
    evidence: str | None = None
    citations: tuple[int, ...] = ()
    because: tuple[Because, ...] = ()
    preference: str | None = None
    footnotes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"action": self.action, "strength": self.strength.value, "rule": self.rule,
                "section": self.section, "params": params_to_json(self.params), "evidence": self.evidence,
                "citations": list(self.citations), "because": [b.to_dict() for b in self.because]}


@dataclass(frozen=True, slots=True)
class Overridden:
    """An entry whose rule applies but is set aside by ``by`` (the overriding rules that apply)."""

    action: str
    strength: Strength
    rule: str
    by: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"action": self.action, "strength": self.strength.value, "rule": self.rule, "by": list(self.by)}


@dataclass(frozen=True, slots=True)
class Pending:
    """An entry that may or may not hold: it depends on the unknown inputs in ``needs``."""

    action: str
    strength: Strength
    rule: str
    needs: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"action": self.action, "strength": self.strength.value, "rule": self.rule,
                "needs": list(self.needs)}


@dataclass(frozen=True, slots=True)
class Conflict:
    """An action that gets both a positive and a negative active entry, neither rule overriding the other."""

    action: str
    positive: tuple[str, ...]
    negative: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"action": self.action, "positive": list(self.positive), "negative": list(self.negative)}


@dataclass(frozen=True, slots=True)
class Result:
    case: str | None
    recommendations: tuple[Recommendation, ...] = ()
    overridden: tuple[Overridden, ...] = ()
    pending: tuple[Pending, ...] = ()
    conflicts: tuple[Conflict, ...] = ()
    lets: tuple[tuple[str, bool | None], ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {"case": self.case,
                "recommendations": [r.to_dict() for r in self.recommendations],
                "overridden": [o.to_dict() for o in self.overridden],
                "pending": [p.to_dict() for p in self.pending],
                "conflicts": [c.to_dict() for c in self.conflicts],
                "lets": dict(self.lets)}
