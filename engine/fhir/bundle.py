"""FHIR resources in, checked: a Bundle (or a single resource) validated against the FHIR R4B models.

The models are those of ``fhir.resources`` (its ``R4B`` package: the library ships R4B, STU3 and R5, not R4 as such;
R4B changed no element of the resources read here — Patient, Observation, Condition, Procedure,
MedicationStatement — nor of Bundle, so an R4 Bundle validates as R4B). Each entry's resource is validated on its
own, by its ``resourceType``, so that a problem is reported as "entry 3 (Observation/size): valueQuantity.value:
..." rather than as a path into the whole bundle, and an unknown resource type is a message rather than the
library's KeyError. What comes back are the resources as plain JSON dicts (validated): the extraction reads them
by path, which is faster than walking the pydantic objects and keeps the map's paths the JSON's.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from functools import cache
from typing import Any

from pydantic import ValidationError

from dsl.diagnostics import Diagnostic
from dsl.span import Span
from engine.cases.files import read_json
from engine.fileio.textfile import DOCUMENT_LIMIT, Refused, read_text

MAX_PROBLEMS = 20
"""Problems reported for one bundle: a broken export may have thousands, and the first few say what is wrong."""

FHIR_RELEASE = "R4B"


class BundleError(Exception):
    """A bundle that cannot be used; ``problems`` are messages naming the entry, the resource and the field."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@cache
def _model(resource_type: str) -> Any:
    """The fhir.resources class for a resource type, or None for a name FHIR R4B does not define."""
    from fhir.resources.R4B import get_fhir_model_class

    try:
        return get_fhir_model_class(resource_type)
    except (ValueError, KeyError):
        return None


def _field(loc: tuple[Any, ...]) -> str:
    """A pydantic error location as a FHIR element path: ``valueQuantity.value``, ``name[0].given``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(the resource)"


def _label(resource: dict[str, Any]) -> str:
    rid = resource.get("id")
    return f"{resource.get('resourceType')}/{rid}" if isinstance(rid, str) else str(resource.get("resourceType"))


def check_resource(resource: Any, where: str) -> list[str]:
    """Problems of one resource (empty when it validates); ``where`` names it in the messages (``entry 3``)."""
    if not isinstance(resource, dict):
        return [f"{where}: a resource must be a JSON object, got {type(resource).__name__}"]
    rtype = resource.get("resourceType")
    if not isinstance(rtype, str):
        return [f"{where}: the resource has no 'resourceType'"]
    model = _model(rtype)
    if model is None:
        return [f"{where}: '{rtype}' is not a FHIR {FHIR_RELEASE} resource type"]
    try:
        model.model_validate(resource)
    except ValidationError as e:
        label = _label(resource)
        return [f"{where} ({label}): {_field(tuple(err['loc']))}: {err['msg']}" for err in e.errors()]
    except (TypeError, ValueError, KeyError) as e:  # the library's own checks, outside pydantic's
        return [f"{where} ({_label(resource)}): {e}"]
    return []


def _entries(bundle: dict[str, Any], where: str) -> Iterator[tuple[Any, str]]:
    entries = bundle.get("entry", [])
    if not isinstance(entries, list):
        raise BundleError([f"{where}: 'entry' must be a list"])
    for i, entry in enumerate(entries):
        at = f"{where} entry {i + 1}"
        if not isinstance(entry, dict) or "resource" not in entry:
            yield None, at
        else:
            yield entry["resource"], at


def resources(data: Any, where: str) -> list[dict[str, Any]]:
    """The validated resources of ``data`` (a Bundle, whose nested Bundles are opened too, or one resource), in
    order; raises :class:`BundleError` with up to :data:`MAX_PROBLEMS` problems. ``where`` names the source in
    messages (``bundle 'p1.json'``, ``prefetch 'patient'``)."""
    if not isinstance(data, dict) or not isinstance(data.get("resourceType"), str):
        raise BundleError([f"{where}: not a FHIR resource (a JSON object with 'resourceType')"])
    out: list[dict[str, Any]] = []
    problems: list[str] = []
    todo: list[tuple[Any, str]] = [(data, where)]
    while todo and len(problems) < MAX_PROBLEMS:
        resource, at = todo.pop(0)
        if resource is None:
            problems.append(f"{at}: an entry without a 'resource'")
            continue
        if isinstance(resource, dict) and resource.get("resourceType") == "Bundle":
            envelope = {k: v for k, v in resource.items() if k != "entry"}
            problems += check_resource(envelope, at)
            todo += list(_entries(resource, at if at != where else where))
            continue
        found = check_resource(resource, at)
        problems += found
        if not found:
            out.append(resource)
    if problems:
        raise BundleError(problems[:MAX_PROBLEMS])
    patients = {r.get("id") for r in out if r.get("resourceType") == "Patient"}
    if len(patients) > 1:
        raise BundleError([f"{where}: holds {len(patients)} Patients; a bundle is one patient's record"])
    return out


def read_bundle(path: str) -> tuple[list[dict[str, Any]], list[Diagnostic]]:
    """A bundle file's validated resources, or the diagnostics saying why it cannot be used (E901 unreadable,
    E604 not valid JSON or not valid FHIR, each naming the file, the entry, the resource and the field)."""
    span = Span(path, 1, 1, 1, 2)
    try:
        text = read_text(path, DOCUMENT_LIMIT, newline="")
    except Refused as e:
        return [], [Diagnostic("E901", "error", f"cannot read bundle '{path}': {e.strerror}")]
    except UnicodeDecodeError as e:
        return [], [Diagnostic("E901", "error", f"cannot read bundle '{path}': not UTF-8 text ({e.reason})")]
    except OSError as e:
        why = e.strerror or str(e)
        return [], [Diagnostic("E901", "error", f"cannot read bundle '{path}': {why.lower()}")]
    doc = read_json(path, text)
    if doc.data is None or doc.diagnostics:
        return [], [Diagnostic("E604", "error", f"bundle '{os.path.basename(path)}': {d.message}", d.span or span)
                    for d in doc.diagnostics] or [Diagnostic("E604", "error", f"bundle '{path}' is empty", span)]
    try:
        return resources(doc.data, f"bundle '{os.path.basename(path)}'"), []
    except BundleError as e:
        return [], [Diagnostic("E604", "error", p, span) for p in e.problems]
