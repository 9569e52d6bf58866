"""One patient's FHIR resources -> the facts of a case, as the map says, never guessing.

For each mapped input the sources are tried in order; the first that yields a value wins. Within a source, every
resource of the type whose main code is one of the source's codes is read; entered-in-error (and cancelled)
resources are skipped. Of the values read, the most recent counts (the resource's clinical date: when observed,
performed, recorded...). The input stays **unknown** (absent from the facts, so the rules that need it are
pending) when no resource holds it, and also, with a :class:`Unread` saying why, when a value is there but cannot
be read without guessing: a code the map does not list, a unit it has no factor for, or most recent values that
disagree. An absent Condition is not "no such condition": only an explicit negative (a refuted Condition, a
not-done Procedure, a not-taken medication) reads as false.

The facts returned are raw values for :class:`engine.cases.facts.FactChecker` (``Guideline.check_facts``), which
checks them exactly as a YAML case's facts (range, allowed values, assumptions).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from fractions import Fraction
from typing import Any

from engine.core.model import FactValue
from engine.fhir.mapfile import CODE_FIELDS, UCUM, FhirMap, Source

SKIPPED_STATUS = frozenset({"entered-in-error", "cancelled"})
NEGATIVE = {"Condition": ("verificationStatus", frozenset({"refuted"})),
            "Procedure": ("status", frozenset({"not-done"})),
            "MedicationStatement": ("status", frozenset({"not-taken"})),
            "MedicationAdministration": ("status", frozenset({"not-done"}))}
"""Where each resource type says "this did not happen / is not the case": the element and its negative codes."""

DATES = ("effectiveDateTime", "effectiveInstant", "effectivePeriod.end", "effectivePeriod.start", "issued",
         "performedDateTime", "performedPeriod.end", "performedPeriod.start", "recordedDate", "onsetDateTime",
         "dateAsserted", "authoredOn", "meta.lastUpdated")
"""The elements that date a resource, most specific first: the first present is the resource's date."""

_EARLIEST = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Unread:
    """A value the map found but could not read: the input, the resource (``Observation/size``), the element
    and why. It names no patient value beyond the code or unit at fault, so a service may show it on a card."""

    input: str
    resource: str
    element: str
    reason: str

    def message(self) -> str:
        return f"input '{self.input}' left unknown: {self.resource} {self.element}: {self.reason}"


class _Skip(Exception):
    """This resource says nothing about the input (no such element)."""


def _get(resource: Any, path: str) -> list[Any]:
    """The values at a dotted ``path`` (lists are flattened: ``bodySite`` gives every body site)."""
    items = [resource]
    for part in path.split("."):
        nxt: list[Any] = []
        for item in items:
            if isinstance(item, dict) and part in item:
                value = item[part]
                nxt.extend(value if isinstance(value, list) else [value])
        items = nxt
    return items


def _codings(element: Any) -> Iterator[tuple[str | None, str]]:
    """The (system, code) pairs of a CodeableConcept, a Coding, or a bare code."""
    if isinstance(element, str):
        yield None, element
    elif isinstance(element, dict):
        for coding in element.get("coding", [element] if "code" in element else []):
            if isinstance(coding, dict) and isinstance(coding.get("code"), str):
                yield coding.get("system"), coding["code"]


def _status_codes(resource: dict[str, Any], element: str) -> set[str]:
    return {code for value in _get(resource, element) for _, code in _codings(value)}


def _skipped(resource: dict[str, Any]) -> bool:
    return bool(_status_codes(resource, "status") & SKIPPED_STATUS
                or _status_codes(resource, "verificationStatus") & SKIPPED_STATUS)


def when(resource: dict[str, Any]) -> datetime:
    """The resource's clinical date (:data:`DATES`), for "most recent"; undated resources come first."""
    for path in DATES:
        for value in _get(resource, path):
            if isinstance(value, str):
                try:
                    moment = datetime.fromisoformat(_complete(value))
                except ValueError:
                    continue
                return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return _EARLIEST


def _complete(value: str) -> str:
    """A FHIR date of any precision as an ISO date-time Python reads (``2024`` -> ``2024-01-01``)."""
    if "T" in value or len(value) >= 10:
        return value
    return value + {4: "-01-01", 7: "-01"}.get(len(value), "")


def _matches(resource: dict[str, Any], source: Source) -> bool:
    if not source.codes:
        return True
    return any(c in source.codes for path in CODE_FIELDS[source.resource] for value in _get(resource, path)
               for c in _codings(value))


def _coded(element: Any, source: Source) -> FactValue:
    found = {value for value, codes in source.values for c in _codings(element)
             if c in codes or (c[0] is None and (None, c[1]) in codes)}
    if len(found) == 1:
        return found.pop()
    shown = ", ".join(f"{s}|{c}" if s else c for s, c in _codings(element)) or "no code"
    raise ValueError(f"code {shown} is not in the map" if not found else f"code {shown} maps to several values")


def _number(element: Any, source: Source, today: date) -> FactValue:
    if source.as_ == "age":
        if not isinstance(element, str) or len(element) < 10:
            raise ValueError("a birth date without day: the age in completed years is not certain")
        born = date.fromisoformat(element[:10])
        return today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    if isinstance(element, bool):
        raise ValueError("a boolean, not a number")
    if isinstance(element, int | float):
        return element
    if not isinstance(element, dict) or not isinstance(element.get("value"), int | float):
        raise _Skip
    unit = element.get("code") if element.get("system") in (UCUM, None) and element.get("code") else None
    unit = unit or element.get("unit")
    factors = dict(source.units)
    if unit not in factors:
        raise ValueError(f"unit {unit!r} has no factor in the map (known: {', '.join(factors) or 'none'})")
    exact = Fraction(str(element["value"])) * factors[unit]
    return int(exact) if exact.denominator == 1 else float(exact)


def _value(resource: dict[str, Any], source: Source, kind: str, today: date) -> FactValue:
    """The input's value in one resource; ``_Skip`` when the resource does not hold it, ValueError when it holds
    something that cannot be read."""
    if source.value == "present":
        element, negative = NEGATIVE.get(source.resource, ("status", frozenset()))
        return not (_status_codes(resource, element) & negative)
    elements = _get(resource, source.value)
    if not elements:
        raise _Skip
    read: set[FactValue] = set()
    for element in elements:
        if source.values:
            read.add(_coded(element, source))
        elif kind in ("number", "integer"):
            read.add(_number(element, source, today))
        else:
            read.add(element)  # a Boolean or Integer element, checked by the case validation
    if len(read) > 1:
        raise ValueError("the element holds several different values")
    return read.pop()


def read_facts(fmap: FhirMap, kinds: Mapping[str, str], found: Iterable[dict[str, Any]],
               today: date | None = None) -> tuple[dict[str, FactValue], list[Unread]]:
    """The facts the map reads from one patient's resources, and the values it found but could not read.
    ``kinds`` is each input's kind (``number``, ``enum``...); ``today`` dates ages (default: today)."""
    day = today or date.today()
    by_type: dict[str, list[dict[str, Any]]] = {}
    for r in found:
        by_type.setdefault(str(r.get("resourceType")), []).append(r)
    facts: dict[str, FactValue] = {}
    unread: list[Unread] = []
    for name, sources in fmap.inputs.items():
        for source in sources:
            dated: list[tuple[datetime, FactValue]] = []
            for resource in by_type.get(source.resource, ()):
                if _skipped(resource) or not _matches(resource, source):
                    continue
                try:
                    dated.append((when(resource), _value(resource, source, kinds[name], day)))
                except _Skip:
                    continue
                except ValueError as e:
                    rid = resource.get("id")
                    label = f"{source.resource}/{rid}" if isinstance(rid, str) else source.resource
                    unread.append(Unread(name, label, source.value, str(e)))
            if not dated:
                continue
            latest = max(d for d, _ in dated)
            values = {v for d, v in dated if d == latest}
            if len(values) == 1:
                facts[name] = values.pop()
            else:
                unread.append(Unread(name, source.resource, source.value,
                                     f"{len(values)} different values share the most recent date"))
            break
    return facts, unread
