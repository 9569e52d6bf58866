"""Synthetic FHIR R4 Bundles from guidegraph case files: the map read backwards (no real patient data, ever).

Each case's facts become the resources the map reads them from: for every known input, its first source in the
map (rules/lms.fhir.yaml) gives the resource type, the code, the element and the code or unit of the value; the
generator writes exactly that, so reading the bundle back with the same map must give the same facts (the tests
check this, and that the verdicts are the YAML cases' verdicts). Unknown inputs get no resource at all. Nothing
here knows a guideline: the map and the rules file say everything.

    python scripts/fhir_bundles.py rules/lms.rules rules/lms.fhir.yaml rules/cases -o out/fhir-bundles

Every resource is validated against the fhir.resources R4B models before it is written.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

from engine import load
from engine.cases.load import load_cases
from engine.core.model import FactValue
from engine.fhir.bundle import check_resource
from engine.fhir.mapfile import UCUM, FhirMap, Source, load_map

DATE = "2026-01-15T09:00:00Z"
"""Every synthetic resource is dated the same day: one value per input, so "most recent" never decides."""

STATUS = {"Observation": {"status": "final"}, "Procedure": {"status": "completed"},
          "MedicationStatement": {"status": "active"}, "MedicationAdministration": {"status": "completed"},
          "MedicationRequest": {"status": "active", "intent": "order"}, "Condition": {}}
NEGATIVE = {"Procedure": {"status": "not-done"}, "MedicationStatement": {"status": "not-taken"},
            "MedicationAdministration": {"status": "not-done"}}
CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
DATED = {"Observation": "effectiveDateTime", "Procedure": "performedDateTime", "Condition": "recordedDate",
         "MedicationStatement": "effectiveDateTime", "MedicationAdministration": "effectiveDateTime"}
CODE_ELEMENT = {"MedicationStatement": "medicationCodeableConcept", "MedicationAdministration":
                "medicationCodeableConcept", "MedicationRequest": "medicationCodeableConcept"}


def fhir_id(text: str) -> str:
    """A FHIR id (``[A-Za-z0-9.-]{1,64}``) made from a case id."""
    return re.sub(r"[^A-Za-z0-9.-]", "-", text)[:64] or "patient"


def _concept(system: str | None, code: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code}]} if system else {"coding": [{"code": code}]}


def _element(source: Source, value: FactValue) -> Any:
    """The FHIR element that the map reads as ``value``."""
    if source.values:
        for member, codes in source.values:
            if member == value and type(member) is type(value):
                system, code = sorted(codes, key=lambda c: (c[0] or "", c[1]))[0]
                return code if system is None else _concept(system, code)
        raise ValueError(f"the map has no code for {value!r}")
    if source.units:
        unit, factor = next(((u, f) for u, f in source.units if f == 1), source.units[0])
        number = float(value) / float(factor)
        return {"value": int(number) if number.is_integer() else number, "unit": unit, "system": UCUM,
                "code": unit}
    return value


def _put(resource: dict[str, Any], path: str, element: Any) -> None:
    """Set ``path`` (dotted) to ``element``, as a list when the FHIR model wants one there."""
    *parents, last = path.split(".")
    node = resource
    for part in parents:
        node = node.setdefault(part, {})
    node[last] = element
    if check_resource(resource, "generated"):
        node[last] = [element]


def resource_for(source: Source, value: FactValue, name: str, patient: str) -> dict[str, Any]:
    """One resource saying ``name = value`` as ``source`` reads it."""
    rtype = source.resource
    r: dict[str, Any] = {"resourceType": rtype, "id": fhir_id(f"{patient}-{name}")}
    r.update(STATUS.get(rtype, {}))
    if source.codes:
        system, code = sorted(source.codes)[0]
        r[CODE_ELEMENT.get(rtype, "code")] = _concept(system, code)
    r["subject"] = {"reference": f"Patient/{patient}"}
    if rtype in DATED:
        r[DATED[rtype]] = DATE
    if source.value == "present":
        if value is False and rtype == "Condition":
            r["verificationStatus"] = _concept(CLINICAL, "refuted")
        elif value is False:
            r.update(NEGATIVE[rtype])
        elif rtype == "Condition":
            r["verificationStatus"] = _concept(CLINICAL, "confirmed")
    else:
        _put(r, source.value, _element(source, value))
    return r


def bundle_for(case_id: str, facts: dict[str, FactValue], fmap: FhirMap) -> dict[str, Any]:
    """A collection Bundle holding one Patient and a resource per known fact (in the map's order)."""
    pid = fhir_id(case_id)
    patient: dict[str, Any] = {"resourceType": "Patient", "id": pid}
    entries: list[dict[str, Any]] = []
    for name, sources in fmap.inputs.items():
        if name not in facts or not sources:
            continue
        source = sources[0]
        if source.resource == "Patient":
            _put(patient, source.value, _element(source, facts[name]))
        else:
            entries.append(resource_for(source, facts[name], name, pid))
    resources = [patient, *entries]
    for r in resources:
        problems = check_resource(r, f"case '{case_id}'")
        if problems:
            raise ValueError("; ".join(problems))
    return {"resourceType": "Bundle", "id": f"{pid}-bundle", "type": "collection",
            "entry": [{"fullUrl": f"urn:guidegraph:{r['resourceType']}/{r['id']}", "resource": r}
                      for r in resources]}


def bundles(rules: str, map_path: str, cases: list[str]) -> dict[str, dict[str, Any]]:
    """Case id -> Bundle for every valid case in ``cases`` (files or directories)."""
    guideline = load(rules)
    fmap = load_map(map_path, guideline.model)
    found, diags = load_cases(cases, guideline.model)
    if any(d.severity == "error" for d in diags):
        raise ValueError("; ".join(d.message for d in diags))
    return {c.id: bundle_for(c.id, c.facts, fmap) for c in found}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("rules")
    parser.add_argument("map")
    parser.add_argument("cases", nargs="+")
    parser.add_argument("-o", "--output", required=True, help="directory to write <case>.json bundles into")
    args = parser.parse_args(argv)
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    made = bundles(args.rules, args.map, args.cases)
    for case_id, bundle in made.items():
        (out / f"{fhir_id(case_id)}.json").write_text(json.dumps(bundle, indent=2) + "\n", encoding="utf-8")
    sys.stdout.write(f"{len(made)} bundles written to {out}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
