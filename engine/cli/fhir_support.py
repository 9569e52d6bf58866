"""What the commands that read FHIR share (``run --fhir-map``, ``serve``): the extra's check, loading the map.

The FHIR extra (fhir.resources, Starlette, uvicorn) is optional, so its absence is a usage error with the install
line, not an ImportError. A map with problems is reported like a rules file with problems: every diagnostic with
its line, exit 1 (2 when the map cannot be read at all).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from engine.cli.support import Exit, check_output, exit_for, load_guideline, refuse_inputs, report, say

if TYPE_CHECKING:
    from engine.cases.load import Loaded
    from engine.evaluate.guideline import Guideline
    from engine.fhir.mapfile import FhirMap


def missing_extra(*modules: str) -> Exit | None:
    """USAGE (after saying what to install) when one of ``modules`` of the fhir extra cannot be imported."""
    import importlib

    for name in ("fhir.resources", *modules):
        try:
            importlib.import_module(name)
        except ImportError:
            say(f"guidegraph: error: this needs the fhir extra ({name} is missing): pip install 'guidegraph[fhir]'\n")
            return Exit.USAGE
    return None


def load_rules_and_map(rules: str, map_path: str) -> tuple[Guideline, FhirMap] | Exit:
    """The compiled guideline and its checked map, or the exit code after reporting why not."""
    from engine.fhir.mapfile import MapError, load_map

    guideline, code = load_guideline(rules)
    if guideline is None:
        return code
    try:
        return guideline, load_map(map_path, guideline.model)
    except MapError as e:
        report(e.diagnostics)
        return exit_for(e.diagnostics)


def load_fhir_cases(rules: str, bundles: Sequence[str], map_path: str,
                    output: str | None) -> tuple[Guideline, Loaded] | Exit:
    """``run --fhir-map``'s counterpart of :func:`engine.cli.support.load_with_cases`: the guideline and the
    bundles read as cases (engine/fhir/cases.py), or the exit code after reporting why not."""
    if (missing := missing_extra()) is not None:
        return missing
    from engine.fhir.cases import bundle_files, load_bundles

    files, _ = bundle_files(bundles)
    problem = refuse_inputs(output, [rules, map_path, *files]) or check_output(output)
    if problem is not None:
        report([problem])
        return Exit.USAGE
    loaded = load_rules_and_map(rules, map_path)
    if isinstance(loaded, Exit):
        return loaded
    guideline, fmap = loaded
    return guideline, load_bundles(bundles, guideline, fmap)


def plan_definition_text(guideline: Guideline, rules: str, map_path: str | None) -> str | Exit:
    """``export --format fhir``: the PlanDefinition Bundle as JSON text, or the exit code after reporting why."""
    import json
    import os

    from engine.fhir.mapfile import MapError, load_map
    from engine.fhir.plandefinition import plan_definition_bundle

    fmap = None
    if map_path is not None:
        try:
            fmap = load_map(map_path, guideline.model)
        except MapError as e:
            report(e.diagnostics)
            return exit_for(e.diagnostics)
    name = os.path.splitext(os.path.basename(rules))[0]
    return json.dumps(plan_definition_bundle(guideline.model, fmap, name), indent=2, ensure_ascii=False) + "\n"
