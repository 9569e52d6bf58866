"""The display vocabulary: the words people read for the names that machines use.

A rules file names values, units and answers with identifiers (``hfref``, ``mg_per_day``, ``true``) because
conditions, case files, the JSON results and the SQL must stay exact and stable. A person reads "HFrEF",
"400 mg/day", "Pregnant". The author declares those words once, where the name is declared::

    unit mg_per_day "mg/day"
    input hf "Heart failure": {none "None", hfref "HFrEF", hfpef "HFpEF"}
    input pregnant "Pregnancy": bool {true "Pregnant", false "Not pregnant"}
    classify risk: when ... then high "High risk" otherwise low "Low risk"

and every output for people (``run`` text, ``check`` findings, figures, ``report``, ``diff``) words values and
units through this module, while the outputs for machines keep the names. A name without words prints as before.

It also keeps the author's comparison. An integer input compared ``sbp < 80`` is cut into the whole-number cells
``<= 79`` and ``>= 80``; worded plainly the first reads "≤ 79 mmHg", a number the guideline never states.
:func:`authored` gives the same cell back in the comparison the author wrote ("< 80 mmHg"), from the thresholds
recorded in :attr:`Vocabulary.written`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from engine.core.values import Interval, number_text

if TYPE_CHECKING:
    from engine.core.params import ParamValue

GLUED = ("%", "/", "\u2030")
"""Display forms that follow a number without a space: ``10%``, ``6/5 mm²`` (``unit per_5mm2 "/5 mm²"``)."""


SINGULAR = {"seconds": "second", "minutes": "minute", "hours": "hour", "days": "day", "weeks": "week",
            "months": "month", "years": "year"}
"""Units of time named in the plural, and their singular (the one English plural a number of 1 makes wrong)."""


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """The words of one guideline. ``values`` is keyed by the input or classification, ``params`` by
    ``"action.param"``; both map a value (a name, an integer, or ``True``/``False``) to its label. ``written``
    holds, per integer input, the thresholds its conditions were written with (see :func:`authored`)."""

    units: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[object, str]] = field(default_factory=dict)
    params: dict[str, dict[str, str]] = field(default_factory=dict)
    written: dict[str, frozenset[float]] = field(default_factory=dict)

    def to_data(self) -> dict[str, object]:
        """The words as JSON-ready data (``guidegraph export``); values as ``[value, label]`` pairs, since a
        value may be a name, an integer or a bool and JSON keys are strings."""
        return {"units": dict(self.units),
                "values": {k: [[v, t] for v, t in labels.items()] for k, labels in self.values.items()},
                "params": {k: dict(labels) for k, labels in self.params.items()},
                "written": {k: sorted(v) for k, v in self.written.items()}}

    @classmethod
    def from_data(cls, data: Mapping[str, object]) -> Vocabulary:
        """The inverse of :meth:`to_data` (raises ``ValueError``, ``TypeError`` or ``KeyError`` on bad data)."""
        def table(key: str) -> Mapping[str, object]:
            got = data.get(key) or {}
            if not isinstance(got, Mapping):
                raise TypeError(f"vocabulary.{key}: expected a mapping")
            return got
        return cls({str(k): str(v) for k, v in table("units").items()},
                   {str(k): {pair[0]: str(pair[1]) for pair in pairs}  # type: ignore[attr-defined]
                    for k, pairs in table("values").items()},
                   {str(k): {str(a): str(b) for a, b in labels.items()}  # type: ignore[attr-defined]
                    for k, labels in table("params").items()},
                   {str(k): frozenset(float(x) for x in v) for k, v in table("written").items()})  # type: ignore[attr-defined]

    def unit(self, unit: str | None) -> str:
        """A unit's display form (its name when it has none; empty for no unit)."""
        return "" if not unit else self.units.get(unit, unit)

    def with_unit(self, text: str, unit: str | None) -> str:
        """``text`` followed by the unit: ``400 mg/day``, ``10%``, ``6/5 mm²``; a unit of time without a display
        form is singular after exactly 1 (``every: 1 month``, not ``1 months``)."""
        shown = self.unit(unit)
        if text == "1" and unit in SINGULAR and unit not in self.units:
            shown = SINGULAR[unit]
        if not shown:
            return text
        return f"{text}{shown}" if shown.startswith(GLUED) else f"{text} {shown}"

    def label(self, owner: str, value: object) -> str | None:
        """The label of ``value`` of input or classification ``owner``, None when it has none."""
        labels = self.values.get(owner)
        if labels is None:
            return None
        for key, text in labels.items():  # True is not 1: compare the kinds as well as the values
            if key == value and isinstance(key, bool) == isinstance(value, bool):
                return text
        return None

    def value(self, owner: str, value: object) -> str:
        """A value as a reader says it: its label, else ``yes``/``no`` for a bool, else its name as written."""
        found = self.label(owner, value)
        if found is not None:
            return found
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, float):
            return number_text(value)
        return str(value)

    def param(self, action: str, name: str, value: ParamValue) -> str:
        """A parameter value in words: ``400 mg/day``, ``50..60 Gy``, ``< 130 mmHg``, a labelled enum value."""
        from engine.core.params import Bound, Quantity, QuantityRange, Symbol

        if isinstance(value, Quantity):
            return self.with_unit(number_text(value.value), value.unit)
        if isinstance(value, QuantityRange):
            return self.with_unit(f"{number_text(value.min)}..{number_text(value.max)}", value.unit)
        if isinstance(value, Bound):
            return self.with_unit(f"{value.op} {number_text(value.value)}", value.unit)
        if isinstance(value, Symbol):
            return self.params.get(f"{action}.{name}", {}).get(value.name, value.name)
        return str(value)

    def param_json(self, action: str, name: str, value: object, typographic: bool = True) -> str:
        """A parameter value in its JSON form (what figures and the report receive) in words."""
        from engine.core.values import EN_DASH, GE, LE

        if isinstance(value, Mapping):
            unit = value.get("unit")
            unit = str(unit) if unit else None
            if "min" in value and "max" in value:
                dash = EN_DASH if typographic else ".."
                return self.with_unit(f"{_num(value['min'])}{dash}{_num(value['max'])}", unit)
            if "op" in value and "value" in value:
                op = str(value["op"])
                op = {"<=": LE, ">=": GE}.get(op, op) if typographic else op
                return self.with_unit(f"{op} {_num(value['value'])}", unit)
            if "value" in value:
                return self.with_unit(_num(value["value"]), unit)
            return ", ".join(f"{k}: {self.param_json(action, k, v, typographic)}" for k, v in sorted(value.items()))
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, int | float):
            return _num(value)
        text = str(value)
        return self.params.get(f"{action}.{name}", {}).get(text, text)


def _num(x: object) -> str:
    return number_text(float(x)) if isinstance(x, int | float) and not isinstance(x, bool) else str(x)


# ---------------------------------------------------------------------------------------------------------------
# The author's comparison


def authored(iv: Interval, written: frozenset[float]) -> Interval:
    """An integer cell in the comparison its author wrote: ``[.., 79]`` is ``< 80`` when 80 is a threshold the
    rules were written with and 79 is not; ``[181, ..]`` is ``> 180`` likewise. Both mean the same whole numbers,
    so only the wording changes; an end the author wrote as it is (``<= 79``) stays."""
    low, high, low_closed, high_closed = iv.low, iv.high, iv.low_closed, iv.high_closed
    if high is not None and high_closed and float(high).is_integer() and high not in written \
            and high + 1 in written:
        high, high_closed = high + 1, False
    if low is not None and low_closed and float(low).is_integer() and low not in written and low - 1 in written:
        low, low_closed = low - 1, False
    return Interval(low, high, low_closed, high_closed)
