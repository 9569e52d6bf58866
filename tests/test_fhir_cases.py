"""Synthetic FHIR Bundles for every LMS case (scripts/fhir_bundles.py) read back through rules/lms.fhir.yaml give
the YAML case's facts and verdicts exactly: a FHIR patient and a YAML patient with the same data are one case."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("fhir.resources")

from engine import load
from engine.cases.load import load_cases
from engine.fhir.cases import PatientReader
from engine.fhir.mapfile import load_map
from scripts.fhir_bundles import bundle_for, fhir_id

ROOT = Path(__file__).resolve().parent.parent
RULES = str(ROOT / "rules" / "lms.rules")
MAP = str(ROOT / "rules" / "lms.fhir.yaml")
CASES = str(ROOT / "rules" / "cases")


@pytest.fixture(scope="module")
def lms():  # type: ignore[no-untyped-def]
    g = load(RULES)
    return g, load_map(MAP, g.model)


def _resources(bundle: dict) -> list[dict]:  # type: ignore[type-arg]
    return [e["resource"] for e in bundle["entry"]]


def test_every_lms_case_reads_back_with_its_facts_and_verdicts(lms) -> None:  # type: ignore[no-untyped-def]
    g, fmap = lms
    cases, diags = load_cases([CASES], g.model)
    assert not diags and len(cases) > 50
    reader = PatientReader(g, fmap)
    for case in cases:
        bundle = json.loads(json.dumps(bundle_for(case.id, case.facts, fmap)))  # through JSON, as a file would be
        facts, unread, errors = reader.read(_resources(bundle), case.id)
        assert errors == [] and unread == [], case.id
        assert facts == case.facts, case.id
        assert {k: type(v) for k, v in facts.items()} == {k: type(v) for k, v in case.facts.items()}, case.id
        want = g.evaluate(case.facts, case.id, validate=False).to_dict()
        got = g.evaluate(facts, case.id, validate=False).to_dict()
        assert got == want, case.id


def test_run_with_fhir_map_prints_the_yaml_cases_verdicts(tmp_path: Path, lms) -> None:  # type: ignore[no-untyped-def]
    """The CLI end to end: a folder of bundles through `run --fhir-map` gives the YAML run's JSON, case by case."""
    g, fmap = lms
    cases, _ = load_cases([str(ROOT / "rules" / "cases" / "uterine.yaml")], g.model)
    for case in cases:
        (tmp_path / f"{fhir_id(case.id)}.json").write_text(json.dumps(bundle_for(case.id, case.facts, fmap)))
    cli = [sys.executable, "-m", "engine", "run", RULES, "--format", "json"]
    fhir = subprocess.run([*cli, str(tmp_path), "--fhir-map", MAP], capture_output=True, text=True, cwd=ROOT)
    yaml_run = subprocess.run([*cli, str(ROOT / "rules" / "cases" / "uterine.yaml")], capture_output=True,
                              text=True, cwd=ROOT)
    assert fhir.returncode == yaml_run.returncode == 0, fhir.stderr
    by_id = {fhir_id(r["case"]): r for r in json.loads(yaml_run.stdout)["results"]}
    got = json.loads(fhir.stdout)["results"]
    assert len(got) == len(by_id) == len(cases)
    for result in got:
        want = by_id[result["case"]]
        assert {**result, "case": None} == {**want, "case": None}, result["case"]
