"""Turning raw case values into typed facts, and checking facts against the guideline's assumptions.

A converter is built once per input (and per source kind: structured YAML/JSON values, or CSV text cells) and then
applied to every case, so a 100,000-row cohort pays for the type dispatch once per column, not once per cell.
A converter returns the typed value or raises :class:`BadValue` with a message saying what was allowed.

Assumptions are checked with three-valued (Kleene) logic over the known facts: a case is rejected only when an
assumption is definitely false; an assumption that depends on missing data cannot be held against the case.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from dsl.diagnostics import did_you_mean
from engine.core.model import (
    And,
    Const,
    EnumValue,
    Expr,
    Input,
    KnownTest,
    LetRef,
    Model,
    Not,
    NumTest,
    Or,
    ValueTest,
)
from engine.evaluate.result import FactValue

Converter = Callable[[Any], FactValue]
Facts = Mapping[str, FactValue]
Truth = bool | None


class BadValue(Exception):
    """A value that does not fit its input: ``message`` says what was allowed, ``help`` may suggest a fix."""

    def __init__(self, message: str, help: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.help = help


def fmt_num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def describe(value: Any) -> str:
    """How a raw value is named in messages: ``the string 'yes'``, ``2.5``, ``a list``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"the string '{value}'"
    if isinstance(value, int | float):
        return fmt_num(value)
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def allowed(inp: Input) -> str:
    """What an input accepts, in words (used in every complaint about a value)."""
    if inp.kind == "bool":
        return "true or false"
    if inp.kind == "enum":
        return "one of: " + ", ".join(str(v) for v in inp.values)
    what = "an integer" if inp.kind == "integer" else "a number"
    unit = f" {inp.unit}" if inp.unit else ""
    if math.isinf(inp.low) and math.isinf(inp.high):
        return what + (f" ({inp.unit})" if inp.unit else "")
    lo = "" if math.isinf(inp.low) else fmt_num(inp.low)
    hi = "" if math.isinf(inp.high) else fmt_num(inp.high)
    return f"{what} in {lo}..{hi}{unit}"


def _number_converter(inp: Input, from_text: bool) -> Converter:
    integer = inp.kind == "integer"
    low, high = inp.low, inp.high
    unit = f" {inp.unit}" if inp.unit else ""

    def convert(raw: Any) -> FactValue:
        value: Any = raw
        if from_text and isinstance(raw, str):
            try:
                value = int(raw) if integer and raw.lstrip("+-").isdigit() else float(raw)
            except ValueError:
                raise BadValue(f"expected {allowed(inp)}, got {describe(raw)}") from None
        if isinstance(value, bool) or not isinstance(value, int | float):
            hint = None
            if isinstance(raw, str) and inp.unit and raw.strip().endswith(inp.unit):
                hint = f"write the number without its unit: the unit is always {inp.unit}"
            raise BadValue(f"expected {allowed(inp)}, got {describe(raw)}", hint)
        if isinstance(value, float) and not math.isfinite(value):
            raise BadValue(f"expected {allowed(inp)}, got {describe(raw)}")
        if integer and isinstance(value, float):
            if not value.is_integer():
                raise BadValue(f"expected {allowed(inp)}, got {describe(value)}")
            value = int(value)
        if not low <= value <= high:
            raise BadValue(f"{fmt_num(value)}{unit} is out of range: expected {allowed(inp)}")
        return value  # type: ignore[no-any-return]

    return convert


def _bool_converter(inp: Input, from_text: bool) -> Converter:
    def convert(raw: Any) -> FactValue:
        if isinstance(raw, bool):
            return raw
        if from_text and isinstance(raw, str):
            low = raw.strip().lower()
            if low in ("true", "false"):
                return low == "true"
        raise BadValue(f"expected true or false, got {describe(raw)}")

    return convert


def _enum_converter(inp: Input) -> Converter:
    members: dict[str, EnumValue] = {str(v): v for v in inp.values}
    integer = bool(inp.values) and all(isinstance(v, int) for v in inp.values)

    def convert(raw: Any) -> FactValue:
        if isinstance(raw, bool) or not isinstance(raw, str | int | float):
            raise BadValue(f"expected {allowed(inp)}, got {describe(raw)}")
        key = raw.strip() if isinstance(raw, str) else fmt_num(raw)
        if integer and isinstance(raw, float) and not raw.is_integer():
            key = repr(raw)
        if key in members:
            return members[key]
        hint = did_you_mean(key, members) if isinstance(raw, str) else None
        raise BadValue(f"'{key}' is not an allowed value: expected {allowed(inp)}", hint)

    return convert


def accepter(inp: Input) -> Callable[[Any], bool]:
    """A cheap test that ``raw`` is already the exact value its converter would return (a member of the enum, a
    bool, a finite number in range of the right type), so evaluation from Python can skip the converter for the
    common case. False means "ask the converter", not "invalid"."""
    if inp.kind == "bool":
        return lambda raw: type(raw) is bool
    if inp.kind == "enum":
        kind = int if inp.values and all(isinstance(v, int) for v in inp.values) else str
        members = frozenset(inp.values)
        return lambda raw: type(raw) is kind and raw in members
    low, high = inp.low, inp.high
    if inp.kind == "integer":
        return lambda raw: type(raw) is int and low <= raw <= high
    return lambda raw: (type(raw) is int or (type(raw) is float and math.isfinite(raw))) and low <= raw <= high


def _text_fast_path(inp: Input, slow: Converter) -> Converter:
    """CSV cells: a dictionary lookup (enum, bool) or one ``float()`` (numbers) for the common, valid case; the
    general converter only runs for cells it cannot settle, and produces the error message."""
    if inp.numeric:
        low, high = inp.low, inp.high
        if inp.kind == "integer":
            return slow

        def number(raw: Any) -> FactValue:
            try:
                x = float(raw)
            except ValueError:
                return slow(raw)
            return x if low <= x <= high and math.isfinite(x) else slow(raw)

        return number
    table: dict[str, FactValue] = {}
    if inp.kind == "bool":
        for text, value in (("true", True), ("false", False)):
            table.update({text: value, text.upper(): value, text.capitalize(): value})
    else:
        table = {str(v): v for v in inp.values}

    def lookup(raw: Any) -> FactValue:
        found = table.get(raw)
        return found if found is not None else slow(raw)

    return lookup


def converter(inp: Input, from_text: bool = False) -> Converter:
    """The converter for one input; ``from_text`` for CSV cells (every value arrives as a string)."""
    if inp.numeric:
        slow = _number_converter(inp, from_text)
    elif inp.kind == "bool":
        slow = _bool_converter(inp, from_text)
    else:
        slow = _enum_converter(inp)
    return _text_fast_path(inp, slow) if from_text else slow


# ---------------------------------------------------------------------------------------------------------------
# Three-valued evaluation of conditions over (possibly partial) facts

Kleene = Callable[[Facts], Truth]


def kleene(expr: Expr, model: Model) -> Kleene:
    """Compile ``expr`` into a function of the facts giving True, False or None (unknown)."""
    lets: dict[str, Kleene] = {}

    def build(e: Expr) -> Kleene:
        if isinstance(e, Const):
            value = e.value
            return lambda f: value
        if isinstance(e, ValueTest):
            name, values = e.input, e.values
            return lambda f: None if (x := f.get(name)) is None else x in values
        if isinstance(e, NumTest):
            name, iv = e.input, e.interval
            return lambda f: None if (x := f.get(name)) is None else iv.contains(float(x))
        if isinstance(e, KnownTest):
            name = e.input
            return lambda f: f.get(name) is not None
        if isinstance(e, LetRef):
            if e.name not in lets:
                lets[e.name] = build(model.lets[e.name].expr)
            return lets[e.name]
        if isinstance(e, Not):
            inner = build(e.item)
            return lambda f: None if (v := inner(f)) is None else not v
        parts = [build(i) for i in e.items]
        if isinstance(e, And):
            return lambda f: _and(parts, f)
        if isinstance(e, Or):
            return lambda f: _or(parts, f)
        raise TypeError(f"unknown condition node {type(e).__name__}")

    return build(expr)


def _and(parts: list[Kleene], facts: Facts) -> Truth:
    result: Truth = True
    for p in parts:
        v = p(facts)
        if v is False:
            return False
        if v is None:
            result = None
    return result


def _or(parts: list[Kleene], facts: Facts) -> Truth:
    result: Truth = False
    for p in parts:
        v = p(facts)
        if v is True:
            return True
        if v is None:
            result = None
    return result


def inputs_of(expr: Expr, model: Model) -> list[str]:
    """The inputs a condition reads (through lets), in first-use order."""
    out: dict[str, None] = {}

    def walk(e: Expr) -> None:
        if isinstance(e, ValueTest | NumTest | KnownTest):
            out.setdefault(e.input)
        elif isinstance(e, LetRef):
            walk(model.lets[e.name].expr)
        elif isinstance(e, Not):
            walk(e.item)
        elif isinstance(e, And | Or):
            for i in e.items:
                walk(i)

    walk(expr)
    return list(out)
