"""`guidegraph export --format fhir`: a Bundle with a PlanDefinition and its ActivityDefinitions, valid against
the fhir.resources R4B models, with every rule entry as an action carrying its strength, evidence, citations and
condition."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("fhir.resources")

from fhir.resources.R4B.bundle import Bundle

from engine import load
from engine.fhir.bundle import resources
from engine.fhir.plandefinition import STRENGTH_URL, fhirpath

ROOT = Path(__file__).resolve().parent.parent
RULES = str(ROOT / "rules" / "lms.rules")
MAP = str(ROOT / "rules" / "lms.fhir.yaml")


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> dict:  # type: ignore[type-arg]
    out = tmp_path_factory.mktemp("export") / "lms.plan.json"
    done = subprocess.run([sys.executable, "-m", "engine", "export", RULES, "--format", "fhir", "--fhir-map", MAP,
                           "-o", str(out)], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    data: dict = json.loads(out.read_text())  # type: ignore[type-arg]
    return data


def test_the_export_validates_against_the_r4b_models(exported: dict) -> None:  # type: ignore[type-arg]
    found = resources(exported, "export")  # every resource, by its own model
    Bundle.model_validate({**exported, "entry": []})
    assert found[0]["resourceType"] == "PlanDefinition"
    assert {r["resourceType"] for r in found[1:]} == {"ActivityDefinition"}


def test_every_rule_entry_is_an_action_with_strength_and_citations(exported: dict) -> None:  # type: ignore[type-arg]
    g = load(RULES)
    plan = exported["entry"][0]["resource"]
    actions = {a["id"]: a for s in plan["action"] for a in s["action"]}
    entries = [(r, e) for r in g.model.rules for e in r.entries]
    assert len(actions) == len(entries)
    urls = {e["resource"]["url"]: e["resource"] for e in exported["entry"][1:]}
    for rule, entry in entries:
        action = actions[f"{rule.name}.{entry.action}"]
        (strength,) = [x for x in action["extension"] if x["url"] == STRENGTH_URL]
        assert strength["valueCodeableConcept"]["text"] == entry.strength.value
        assert [int(d["label"]) for d in action.get("documentation", [])] == list(rule.citations)
        target = urls[action["definitionCanonical"]]
        assert target.get("doNotPerform", False) is (not entry.strength.positive)
    rt = actions["rt_standard.radiotherapy"]
    assert rt["condition"][0]["expression"] == {
        "language": "text/fhirpath", "expression": "((%grade in (2 | 3)) and (%depth = 'deep') and (%size_cm > 5))",
        "description": "high_risk"}
    assert {i["id"] for i in rt["input"]} == {"grade", "depth", "size_cm"}


def test_fhirpath_of_simple_conditions() -> None:
    g = load(RULES)
    section = next(s for s in g.model.sections if s.name == "localized")
    assert fhirpath(section.guard, g.model) == "(%phase = 'treatment') and (%extent = 'localized')"
