"""FHIR bundles as patient cases: the facts a map reads, validated exactly as a YAML case's facts.

A bundle becomes a facts dict (:func:`engine.fhir.extract.read_facts`), and that dict goes through the case
loader's own checker (:class:`engine.cases.validate.CaseChecker`: allowed values, ranges, each assumption, then
all the assumptions together on the compiled diagram), so a FHIR patient and a YAML patient with the same data
are the same case. :class:`PatientReader` does this for one set of resources (the CDS Hooks service);
:func:`load_bundles` for files and directories (``guidegraph run --fhir-map``), giving the case loader's
:class:`~engine.cases.load.Loaded`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from dsl.diagnostics import Diagnostic
from dsl.span import Span
from engine.cases.load import Loaded
from engine.cases.validate import Case, CaseChecker
from engine.cases.values import BadValue
from engine.core.model import FactValue
from engine.evaluate.guideline import Guideline
from engine.fhir.bundle import read_bundle
from engine.fhir.extract import Unread, read_facts
from engine.fhir.mapfile import FhirMap


def patient_id(resources: Sequence[dict[str, Any]]) -> str | None:
    """The id of the bundle's Patient, if it has one."""
    for r in resources:
        if r.get("resourceType") == "Patient" and isinstance(r.get("id"), str):
            return str(r["id"])
    return None


class PatientReader:
    """Reads checked facts from one patient's resources; built once per guideline and map."""

    def __init__(self, guideline: Guideline, fmap: FhirMap) -> None:
        self.guideline = guideline
        self.fmap = fmap
        self.checker = CaseChecker(guideline.model)
        self.kinds = {name: inp.kind for name, inp in guideline.model.inputs.items()}

    def read(self, resources: Sequence[dict[str, Any]], label: str, span: Span | None = None,
             today: date | None = None) -> tuple[dict[str, FactValue] | None, list[Unread], list[Diagnostic]]:
        """(checked facts or None, values not read, the case errors) for one patient. ``label`` names the
        patient in messages (``bundle 'p1.json' (Patient/p1)``)."""
        raw, unread = read_facts(self.fmap, self.kinds, resources, today)
        at = span or Span("", 0, 0, 0, 0)
        facts: dict[str, FactValue] = {}
        diags: list[Diagnostic] = []
        for name, value in raw.items():
            try:
                facts[name] = self.checker.converters[name](value)
            except BadValue as bad:
                diags.append(self.checker.bad_value(label, name, bad, at))
        if not diags:
            diags = self.checker.check_assumptions(label, facts, at)
        if not diags and (why := self.guideline.impossible(facts)) is not None:
            diags = [why(label, at)]
        if span is None:
            diags = [Diagnostic(d.code, d.severity, d.message, None, d.help) for d in diags]
        return (None if diags else facts), unread, diags


def bundle_files(paths: Sequence[str]) -> tuple[list[str], list[Diagnostic]]:
    """Files and directories (every ``.json`` under them, sorted) as bundle files; missing paths reported."""
    files: list[str] = []
    diags: list[Diagnostic] = []
    for p in paths:
        if os.path.isdir(p):
            found = sorted(str(f) for f in Path(p).rglob("*.json") if f.is_file())
            if not found:
                diags.append(Diagnostic("E316", "error", f"no FHIR bundles (.json) in directory '{p}'"))
            files.extend(found)
        elif os.path.exists(p):
            files.append(p)
        else:
            diags.append(Diagnostic("E901", "error", f"cannot read bundle '{p}': no such file or directory"))
    return files, diags


def load_bundles(paths: Sequence[str], guideline: Guideline, fmap: FhirMap,
                 today: date | None = None) -> Loaded:
    """Each bundle file as one case (its id: the Patient's id, else the file name), with every problem as a
    diagnostic: unreadable or invalid bundles (E901, E604), bad values (E3xx, naming the bundle and the input),
    values the map could not read (W601: the input is left unknown)."""
    files, diags = bundle_files(paths)
    loaded = Loaded(diagnostics=diags, unread_files=len(diags))
    reader = PatientReader(guideline, fmap)
    seen: dict[str, str] = {}
    for file in files:
        resources, problems = read_bundle(file)
        if problems:
            loaded.diagnostics.extend(problems)
            loaded.unread_files += 1
            continue
        name = os.path.basename(file)
        pid = patient_id(resources)
        case_id = pid if pid is not None and pid not in seen else Path(file).stem
        seen.setdefault(case_id, file)
        span = Span(file, 1, 1, 1, 2)
        label = f"bundle '{name}'" + (f" (Patient/{pid})" if pid else "")
        facts, unread, errors = reader.read(resources, label, span, today)
        loaded.diagnostics.extend(Diagnostic("W601", "warning", f"{label}: {u.message()}", span) for u in unread)
        if facts is None:
            loaded.diagnostics.extend(errors)
            loaded.skipped += 1
            continue
        loaded.cases.append(Case(case_id, None, facts, None, file, 1))
    return loaded
