"""Derived inputs: values computed from the inputs that conditions test as inputs (see :class:`Derived`)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

from dsl.span import NO_SPAN, Span
from engine.core.model import EnumValue, Expr, Input, Interval, NumExpr

DerivedHow = Literal["classification", "score", "formula", "relation", "member"]


@dataclass(frozen=True, slots=True)
class Derived:
    """A value computed from the inputs that conditions test as an input (so every pass that reads conditions
    handles it): a ``classification`` (enum: ``branches`` in order, ``first_match`` or exclusive, ``otherwise``),
    a ``score`` (integer: ``expr`` sums :class:`Indicator` points), a ``formula`` (``expr`` over numbers;
    ``exact`` when linear, else the checks treat it as any value in ``low..high``), a ``relation`` between
    numbers (bool: ``expr`` lies in ``interval``) or the ``member`` ``values[0]`` of the set input ``reads[0]``.
    Computed at run time by ``engine.core.derive``; tied to its inputs in the checks by ``engine.compile.derived``.
    """

    name: str
    how: DerivedHow
    kind: Literal["bool", "enum", "integer", "number"]
    reads: tuple[str, ...]
    """The inputs it is computed from (derived values expanded), in declaration order."""
    label: str | None = None
    unit: str | None = None
    low: float = -math.inf
    high: float = math.inf
    values: tuple[EnumValue, ...] = ()
    expr: NumExpr | None = None
    interval: Interval | None = None
    branches: tuple[tuple[Expr, EnumValue], ...] = ()
    first_match: bool = False
    otherwise: EnumValue | None = None
    exact: bool = True
    text: str = ""
    span: Span = field(default=NO_SPAN, compare=False)
    branch_spans: tuple[Span, ...] = field(default=(), compare=False)

    def as_input(self) -> Input:
        """The input the conditions test."""
        kind: Literal["number", "integer", "bool", "enum"] = self.kind
        values = self.values if self.kind == "enum" else ()
        return Input(self.name, kind, self.label, self.unit, self.low, self.high, values, self.span)
