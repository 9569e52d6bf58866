"""Reading a FHIR map file (``rules/<guideline>.fhir.yaml``): how each input is found in a FHIR R4 Bundle.

The map is data, not code, so a terminologist can change a code without touching Python, and it is checked
against the rules file when it is loaded, not when the first patient arrives: an input the rules do not declare,
a value that is not one of the input's values, a unit table on an enum, a resource type the reader does not know,
an order for an undeclared action are each a diagnostic pointing at the map's line (``E601``-``E603``). The
format is documented in docs/fhir-map.md; :class:`FhirMap` is what the rest of :mod:`engine.fhir` reads.

Nothing here knows a clinical code: the codes all come from the map.
"""

from __future__ import annotations

import errno
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

from dsl.diagnostics import Diagnostic, did_you_mean
from dsl.span import Span
from engine.cases.files import Locator, Path_, read_yaml
from engine.core.model import FactValue, Input, Model
from engine.fileio.textfile import DOCUMENT_LIMIT, Refused, read_text

FORMAT = "guidegraph-fhir-map/1"

CODE_FIELDS: Mapping[str, tuple[str, ...]] = {
    "Observation": ("code",),
    "Condition": ("code",),
    "Procedure": ("code",),
    "MedicationStatement": ("medicationCodeableConcept",),
    "MedicationAdministration": ("medicationCodeableConcept",),
    "MedicationRequest": ("medicationCodeableConcept",),
    "AllergyIntolerance": ("code",),
    "FamilyMemberHistory": ("condition.code",),
    "Patient": (),
}
"""The resource types a map may read, with the element that holds each one's main code (what ``code:`` filters
on). A Patient has no code: there is one per bundle."""

ORDER_RESOURCES = ("ServiceRequest", "MedicationRequest")
"""What an order (a card's suggestion, an ActivityDefinition's kind) can create."""

UCUM = "http://unitsofmeasure.org"
_TOP = ("format", "service", "systems", "inputs", "orders")
_SOURCE_KEYS = ("resource", "code", "value", "values", "units", "as", "pick")
_ORDER_KEYS = ("resource", "code", "display")

Code = tuple[str | None, str]
"""A code: (system URL, code); the system is None for a bare FHIR ``code`` value (``Patient.gender``)."""


@dataclass(frozen=True, slots=True)
class Source:
    """One place an input's value may be read from (an input may list several, tried in order)."""

    resource: str
    codes: frozenset[Code]
    """The resource's main code must be one of these (empty: any resource of the type, e.g. the Patient)."""
    value: str
    """A dotted path into the resource (``valueQuantity``, ``bodySite``), or ``present``."""
    values: tuple[tuple[FactValue, frozenset[Code]], ...] = ()
    """Input value -> the codes that mean it (enum and bool inputs read from a coded element)."""
    units: tuple[tuple[str, Fraction], ...] = ()
    """Unit code (UCUM, or the Quantity's ``unit`` text) -> factor to the input's unit."""
    as_: Literal["age"] | None = None
    pick: Literal["latest"] = "latest"
    span: Span | None = None


@dataclass(frozen=True, slots=True)
class Order:
    """An action that can be ordered: a draft ``resource`` (ServiceRequest or MedicationRequest) with ``code``."""

    action: str
    resource: str
    code: tuple[str, str]
    display: str | None = None


@dataclass(frozen=True, slots=True)
class FhirMap:
    """A checked map file: the sources of each mapped input (in declaration order) and the orderable actions."""

    file: str
    inputs: dict[str, tuple[Source, ...]]
    orders: dict[str, Order]
    service_id: str | None = None
    title: str | None = None

    def resource_types(self) -> tuple[str, ...]:
        """The resource types the map reads, in first-use order (the service's prefetch asks for these)."""
        return tuple(dict.fromkeys(s.resource for sources in self.inputs.values() for s in sources))


class MapError(Exception):
    """The map could not be used: ``diagnostics`` says why (E901 unreadable, E6xx content)."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        super().__init__("; ".join(d.message for d in diagnostics))
        self.diagnostics = diagnostics


def load_map(path: str, model: Model) -> FhirMap:
    """Read and check the map at ``path`` against ``model``; raises :class:`MapError` with every problem."""
    try:
        text = read_text(path, DOCUMENT_LIMIT, newline="")
    except Refused as e:
        raise MapError([Diagnostic("E901", "error", f"cannot read FHIR map '{path}': {e.strerror}")]) from None
    except UnicodeDecodeError as e:
        raise MapError([Diagnostic("E901", "error", f"cannot read FHIR map '{path}': not UTF-8 text ({e.reason})")]
                       ) from None
    except OSError as e:
        why = "no such file or directory" if e.errno == errno.ENOENT else (e.strerror or str(e))
        raise MapError([Diagnostic("E901", "error", f"cannot read FHIR map '{path}': {why}")]) from None
    doc = read_yaml(path, text)
    if doc.diagnostics:
        raise MapError([Diagnostic("E601", "error", d.message, d.span, d.help) for d in doc.diagnostics])
    reader = _Reader(path, doc.locator, model)
    fmap = reader.read(doc.data)
    if reader.diagnostics:
        raise MapError(reader.diagnostics)
    return fmap


def parse_code(text: str, systems: Mapping[str, str]) -> tuple[str, str] | None:
    """``alias|code`` or ``http://system|code`` as (system URL, code); None when malformed or the alias unknown.

    >>> parse_code("loinc|21889-1", {"loinc": "http://loinc.org"})
    ('http://loinc.org', '21889-1')
    """
    system, bar, code = text.partition("|")
    if not bar or not system or not code:
        return None
    url = systems.get(system, system if "://" in system or system.startswith("urn:") else None)
    return None if url is None else (url, code)


class _Reader:
    """Walks the parsed YAML, collecting a diagnostic (with the line) for every problem rather than the first."""

    def __init__(self, file: str, locator: Locator, model: Model) -> None:
        self.file = file
        self.locator = locator
        self.model = model
        self.diagnostics: list[Diagnostic] = []
        self.systems: dict[str, str] = {}

    def error(self, code: str, message: str, path: Path_, help: str | None = None, key: bool = False) -> None:
        span = (self.locator.key(path) if key else self.locator.value(path)) or Span(self.file, 1, 1, 1, 2)
        self.diagnostics.append(Diagnostic(code, "error", message, span, help))

    def span(self, path: Path_) -> Span:
        return self.locator.value(path) or Span(self.file, 1, 1, 1, 2)

    def keys(self, data: Mapping[Any, Any], allowed: tuple[str, ...], path: Path_, what: str) -> None:
        for key in data:
            if str(key) not in allowed:
                self.error("E601", f"{what}: unknown key '{key}'", (*path, str(key)),
                           did_you_mean(str(key), allowed) or f"the keys are {', '.join(allowed)}", key=True)

    def read(self, data: Any) -> FhirMap:
        if not isinstance(data, dict):
            self.error("E601", "a FHIR map must be a mapping with 'format', 'systems', 'inputs' and 'orders'", ())
            return FhirMap(self.file, {}, {})
        self.keys(data, _TOP, (), "FHIR map")
        if data.get("format") != FORMAT:
            self.error("E601", f"'format' must be '{FORMAT}', got {data.get('format')!r}", ("format",))
        systems = data.get("systems", {})
        if not isinstance(systems, dict) or not all(isinstance(v, str) for v in systems.values()):
            self.error("E601", "'systems' must map short names to code system URLs", ("systems",))
        else:
            self.systems = {str(k): v for k, v in systems.items()}
        service = data.get("service") or {}
        if not isinstance(service, dict) or not all(isinstance(service.get(k, ""), str) for k in ("id", "title")):
            self.error("E601", "'service' must be a mapping with the texts 'id' and 'title'", ("service",))
            service = {}
        self.keys(service, ("id", "title"), ("service",), "service")
        inputs: dict[str, tuple[Source, ...]] = {}
        raw_inputs = data.get("inputs")
        if not isinstance(raw_inputs, dict):
            self.error("E601", "'inputs' must map input names to where each is read", ("inputs",))
        else:
            for name, spec in raw_inputs.items():
                found = self.input(str(name), spec)
                if found:
                    inputs[str(name)] = found
        orders: dict[str, Order] = {}
        raw_orders = data.get("orders", {})
        if not isinstance(raw_orders, dict):
            self.error("E601", "'orders' must map action names to {resource, code}", ("orders",))
        else:
            for action, spec in raw_orders.items():
                order = self.order(str(action), spec)
                if order:
                    orders[order.action] = order
        return FhirMap(self.file, inputs, orders, service.get("id"), service.get("title"))

    def input(self, name: str, spec: Any) -> tuple[Source, ...]:
        inp = self.model.inputs.get(name)
        if inp is None:
            self.error("E602", f"the map reads input '{name}', which the rules do not declare", ("inputs", name),
                       did_you_mean(name, self.model.inputs) or "the inputs are declared in the rules file",
                       key=True)
            return ()
        specs = spec if isinstance(spec, list) else [spec]
        out = []
        for i, one in enumerate(specs):
            path: Path_ = ("inputs", name, i) if isinstance(spec, list) else ("inputs", name)
            src = self.source(inp, one, path)
            if src is not None:
                out.append(src)
        return tuple(out)

    def source(self, inp: Input, spec: Any, path: Path_) -> Source | None:
        where = f"input '{inp.name}'"
        if not isinstance(spec, dict):
            self.error("E601", f"{where}: a source must be a mapping with 'resource' and 'value'", path)
            return None
        self.keys(spec, _SOURCE_KEYS, path, where)
        before = len(self.diagnostics)
        resource = spec.get("resource")
        if resource not in CODE_FIELDS:
            self.error("E602", f"{where}: unknown or unsupported resource type {resource!r}", (*path, "resource"),
                       did_you_mean(str(resource), CODE_FIELDS) or f"use one of {', '.join(CODE_FIELDS)}")
            return None
        codes = self.codes(spec.get("code"), (*path, "code"), where)
        if resource != "Patient" and not codes:
            self.error("E601", f"{where}: a {resource} source needs 'code' (which {resource}s hold the value)", path)
        value = spec.get("value")
        if not isinstance(value, str) or not value:
            self.error("E601", f"{where}: 'value' must be a path into the resource, or 'present'", (*path, "value"))
            return None
        values = self.values(inp, spec.get("values"), (*path, "values"), where)
        units = self.units(inp, spec.get("units"), (*path, "units"), where)
        as_ = spec.get("as")
        if as_ not in (None, "age"):
            self.error("E601", f"{where}: 'as' must be 'age' (completed years from a date), got {as_!r}",
                       (*path, "as"))
        pick = spec.get("pick", "latest")
        if pick != "latest":
            self.error("E601", f"{where}: 'pick' must be 'latest' (the most recent value counts), got {pick!r}",
                       (*path, "pick"))
        self.kinds(inp, value, bool(values), bool(units), as_, (*path, "value"))
        if len(self.diagnostics) > before:
            return None
        return Source(str(resource), frozenset(codes), value, values, units, "age" if as_ == "age" else None,
                      "latest", self.span(path))

    def kinds(self, inp: Input, value: str, has_values: bool, has_units: bool, as_: Any, path: Path_) -> None:
        """E603 when what the source gives cannot become a value of the input's kind."""
        where = f"input '{inp.name}' ({inp.kind})"
        last = value.rsplit(".", 1)[-1]
        if inp.numeric:
            if has_values or value == "present":
                self.error("E603", f"{where}: a number is read from a quantity ('units') or a date ('as: age'), "
                           "not from codes", path)
            elif last.endswith("Quantity") and not has_units:
                self.error("E603", f"{where}: a quantity needs 'units' (unit code -> factor to "
                           f"{inp.unit or 'the input'}), so that no unit is guessed", path)
            elif as_ == "age" and inp.unit not in (None, "years", "year", "a"):
                self.error("E603", f"{where}: 'as: age' gives years, but the input is in {inp.unit}", path)
            elif not (last.endswith(("Quantity", "Integer", "Decimal")) or as_ == "age"):
                self.error("E603", f"{where}: '{value}' does not hold a number (use a Quantity, Integer or "
                           "Decimal element, or a date with 'as: age')", path)
        elif has_units or as_ is not None:
            self.error("E603", f"{where}: 'units' and 'as' are for number inputs", path)
        elif inp.kind == "bool":
            if not (has_values or value == "present" or last.endswith("Boolean")):
                self.error("E603", f"{where}: a bool is read from a Boolean element, from codes ('values'), or "
                           "from the resource's presence ('value: present')", path)
        elif value == "present":
            self.error("E603", f"{where}: 'present' gives true or false, which is not one of the input's values",
                       path)
        elif not has_values and not (last.endswith("Integer") and all(isinstance(v, int) for v in inp.values)):
            self.error("E603", f"{where}: an enum input needs 'values' (input value -> codes)", path)

    def codes(self, raw: Any, path: Path_, where: str) -> list[tuple[str, str]]:
        if raw is None:
            return []
        items = raw if isinstance(raw, list) else [raw]
        out = []
        for i, item in enumerate(items):
            at = (*path, i) if isinstance(raw, list) else path
            code = parse_code(item, self.systems) if isinstance(item, str) else None
            if code is None:
                self.error("E601", f"{where}: {item!r} is not a code 'system|code' (system: a URL or a name "
                           "from 'systems')", at, did_you_mean(str(item).partition("|")[0], self.systems))
            else:
                out.append(code)
        return out

    def values(self, inp: Input, raw: Any, path: Path_,
               where: str) -> tuple[tuple[FactValue, frozenset[Code]], ...]:
        if raw is None:
            return ()
        if not isinstance(raw, dict):
            self.error("E601", f"{where}: 'values' must map input values to codes", path)
            return ()
        domain = inp.domain
        out: list[tuple[FactValue, frozenset[Code]]] = []
        for key, codes in raw.items():
            member = _member(key, domain)
            if member is None:
                shown = ", ".join(str(v).lower() if isinstance(v, bool) else str(v) for v in domain) or "none"
                self.error("E603", f"{where}: {key!r} is not a value of the input (allowed: {shown})",
                           (*path, str(key)), did_you_mean(str(key), [str(v) for v in domain]), key=True)
                continue
            parsed: list[Code] = []
            for i, item in enumerate(codes if isinstance(codes, list) else [codes]):
                at = (*path, str(key), i) if isinstance(codes, list) else (*path, str(key))
                if not isinstance(item, str | int) or isinstance(item, bool):
                    self.error("E601", f"{where}: the codes of {key!r} must be 'system|code' texts", at)
                elif isinstance(item, str) and "|" in item:
                    code = parse_code(item, self.systems)
                    if code is None:
                        self.error("E601", f"{where}: {item!r} is not a code 'system|code' (system: a URL or a "
                                   "name from 'systems')", at)
                    else:
                        parsed.append(code)
                else:
                    parsed.append((None, str(item)))  # a bare FHIR code (Patient.gender)
            out.append((member, frozenset(parsed)))
        return tuple(out)

    def units(self, inp: Input, raw: Any, path: Path_, where: str) -> tuple[tuple[str, Fraction], ...]:
        if raw is None:
            return ()
        if not isinstance(raw, dict):
            self.error("E601", f"{where}: 'units' must map unit codes to factors (cm: 1, mm: 1/10)", path)
            return ()
        out = []
        for unit, factor in raw.items():
            try:
                if isinstance(factor, bool) or not isinstance(factor, int | float | str):
                    raise ValueError
                value = Fraction(str(factor))
                if value <= 0:
                    raise ValueError
            except (ValueError, ZeroDivisionError):
                self.error("E601", f"{where}: the factor of unit '{unit}' must be a positive number or fraction "
                           f"(1, 0.1, 1/12), got {factor!r}", (*path, str(unit)))
                continue
            out.append((str(unit), value))
        return tuple(out)

    def order(self, action: str, spec: Any) -> Order | None:
        path: Path_ = ("orders", action)
        if action not in self.model.actions:
            self.error("E602", f"the map orders action '{action}', which the rules do not declare", path,
                       did_you_mean(action, self.model.actions) or "the actions are declared in the rules file",
                       key=True)
            return None
        if not isinstance(spec, dict):
            self.error("E601", f"order '{action}': must be a mapping with 'resource' and 'code'", path)
            return None
        self.keys(spec, _ORDER_KEYS, path, f"order '{action}'")
        resource = spec.get("resource")
        if resource not in ORDER_RESOURCES:
            self.error("E602", f"order '{action}': the resource must be one of {', '.join(ORDER_RESOURCES)}, got "
                       f"{resource!r}", (*path, "resource"))
            return None
        code = parse_code(spec["code"], self.systems) if isinstance(spec.get("code"), str) else None
        if code is None:
            self.error("E601", f"order '{action}': 'code' must be one code 'system|code'", (*path, "code"))
            return None
        display = spec.get("display")
        return Order(action, str(resource), code, display if isinstance(display, str) else None)


def _member(key: Any, domain: tuple[Any, ...]) -> FactValue | None:
    """The input value a ``values`` key names (YAML may give ``1`` or ``"1"``, ``true`` or ``"true"``)."""
    for v in domain:
        if isinstance(v, bool):
            if key is v or str(key).lower() == str(v).lower():
                return v
        elif (type(key) is type(v) and key == v) or str(key) == str(v):
            return v  # type: ignore[no-any-return]
    return None
