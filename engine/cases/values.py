"""Turning raw case values into typed facts, and checking facts against the guideline's assumptions.

A converter is built once per input (and per source kind: structured YAML/JSON values, or CSV text cells) and then
applied to every case, so a 100,000-row cohort pays for the type dispatch once per column, not once per cell.
A converter returns the typed value or raises :class:`BadValue` with a message saying what was allowed.

Assumptions are checked with three-valued (Kleene) logic over the known facts (:func:`engine.core.semantics.kleene`,
re-exported here): a case is rejected only when an assumption is definitely false; an assumption that depends on
missing data cannot be held against the case.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from dsl.diagnostics import did_you_mean
from engine.core.model import EnumValue, Input
from engine.core.semantics import Kleene as Kleene  # re-exported: the one three-valued evaluator lives in the core
from engine.core.semantics import kleene as kleene
from engine.core.values import number_text
from engine.evaluate.result import FactValue

Converter = Callable[[Any], FactValue]


class BadValue(Exception):
    """A value that does not fit its input: ``message`` says what was allowed, ``help`` may suggest a fix."""

    def __init__(self, message: str, help: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.help = help


def describe(value: Any) -> str:
    """How a raw value is named in messages: ``the string 'yes'``, ``2.5``, ``a list``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"the string '{value}'"
    if isinstance(value, int | float):
        return number_text(value, exact=True)
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def allowed(inp: Input) -> str:
    """What an input accepts, in words (used in every complaint about a value)."""
    if inp.kind == "bool":
        return "true or false"
    if inp.kind == "set":
        return "a list of some of: " + ", ".join(str(v) for v in inp.values) + " (in a CSV cell: a|b)"
    if inp.kind == "enum":
        return "one of: " + ", ".join(str(v) for v in inp.values)
    what = "an integer" if inp.kind == "integer" else "a number"
    unit = f" {inp.unit}" if inp.unit else ""
    if math.isinf(inp.low) and math.isinf(inp.high):
        return what + (f" ({inp.unit})" if inp.unit else "")
    lo = "" if math.isinf(inp.low) else number_text(inp.low, exact=True)
    hi = "" if math.isinf(inp.high) else number_text(inp.high, exact=True)
    return f"{what} in {lo}..{hi}{unit}"


def _number_converter(inp: Input, from_text: bool) -> Converter:
    integer = inp.kind == "integer"
    low, high = inp.low, inp.high
    unit = f" {inp.unit}" if inp.unit else ""

    def convert(raw: Any) -> FactValue:
        value: Any = raw
        if from_text and isinstance(raw, str):
            try:
                if "_" in raw:  # Python reads "1_0" as 10; a spreadsheet cell does not
                    raise ValueError(raw)
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
            raise BadValue(f"{number_text(value, exact=True)}{unit} is out of range: expected {allowed(inp)}")
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
        key = raw.strip() if isinstance(raw, str) else number_text(raw, exact=True)
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
    if inp.kind == "set":
        return lambda raw: False  # always converted: lists become the canonical tuple
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
            if "_" in raw:
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


def _set_converter(inp: Input) -> Converter:
    """A set input: a list of members (YAML, JSON), or members joined by ``|`` (a CSV cell; empty: no member).
    The value is a tuple of the members in declared order, each once."""
    member = _enum_converter(inp)

    def convert(raw: Any) -> FactValue:
        if isinstance(raw, str):
            items: list[Any] = [p for p in raw.split("|") if p.strip()]
        elif isinstance(raw, list | tuple | set | frozenset):
            items = list(raw)
        else:
            raise BadValue(f"expected {allowed(inp)}, got {describe(raw)}")
        got = set()
        for item in items:
            try:
                got.add(member(item))
            except BadValue as bad:
                raise BadValue(f"{bad.message.replace(' is not an allowed value', ' is not a possible member')}",
                               bad.help) from None
        return tuple(v for v in inp.values if v in got)  # type: ignore[return-value]

    return convert


def converter(inp: Input, from_text: bool = False) -> Converter:
    """The converter for one input; ``from_text`` for CSV cells (every value arrives as a string)."""
    if inp.kind == "set":
        return _set_converter(inp)
    if inp.numeric:
        slow = _number_converter(inp, from_text)
    elif inp.kind == "bool":
        slow = _bool_converter(inp, from_text)
    else:
        slow = _enum_converter(inp)
    return _text_fast_path(inp, slow) if from_text else slow
