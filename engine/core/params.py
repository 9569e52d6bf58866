"""The values of action parameters as a rule gives them (``dose: 50..60 Gy``, ``timing: postoperative``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from dsl.span import NO_SPAN, Span
from engine.core.values import json_number


@dataclass(frozen=True, slots=True)
class Quantity:
    value: float
    unit: str | None = None

    def to_json(self) -> dict[str, object]:
        return {"value": json_number(self.value), "unit": self.unit}

    def __str__(self) -> str:
        return f"{json_number(self.value)}" + (f" {self.unit}" if self.unit else "")


@dataclass(frozen=True, slots=True)
class QuantityRange:
    min: float
    max: float
    unit: str | None = None

    def to_json(self) -> dict[str, object]:
        return {"min": json_number(self.min), "max": json_number(self.max), "unit": self.unit}

    def __str__(self) -> str:
        return f"{json_number(self.min)}..{json_number(self.max)}" + (f" {self.unit}" if self.unit else "")


@dataclass(frozen=True, slots=True)
class Symbol:
    """An enum parameter value (``timing: postoperative``)."""

    name: str

    def to_json(self) -> str:
        return self.name

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class Text:
    value: str

    def to_json(self) -> str:
        return self.value

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class Bound:
    """A comparison given as a parameter value (``systolic: < 130 mmHg``): a target or a limit, kept with the
    author's operator, since "below 130" is not the range 0..129 nor the value 130."""

    op: str
    value: float
    unit: str | None = None

    def to_json(self) -> dict[str, object]:
        return {"op": self.op, "value": json_number(self.value), "unit": self.unit}

    def __str__(self) -> str:
        return f"{self.op} {json_number(self.value)}" + (f" {self.unit}" if self.unit else "")


ParamValue = Quantity | QuantityRange | Bound | Symbol | Text


@dataclass(frozen=True, slots=True)
class Adjustment:
    """``adjust action(param: value, ...)``: wherever its rule is active (it applies and is not set aside), the
    named parameters of the action take these values in the action's verdict, when that verdict is positive; its
    strength, rules and evidence are unchanged (docs/language.md, "Adjustments")."""

    action: str
    params: tuple[tuple[str, ParamValue], ...]
    span: Span = field(default=NO_SPAN, compare=False)
