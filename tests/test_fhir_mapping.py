"""The FHIR map and the bundles: a map checked against the rules with file:line messages, bad bundles reported
by file, resource and element (never a traceback), and the reading rules: absent is unknown, the most recent value
counts, a refuted condition is false, an unreadable value is left unknown with a warning."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fhir.resources")

from engine import load
from engine.cli.main import main
from engine.fhir.cases import PatientReader
from engine.fhir.mapfile import MapError, load_map

ROOT = Path(__file__).resolve().parent.parent
RULES = str(ROOT / "rules" / "lms.rules")
MAP = str(ROOT / "rules" / "lms.fhir.yaml")
LMS = "https://guidegraph.example/fhir/CodeSystem/lms-data"
LOINC = "http://loinc.org"


@pytest.fixture(scope="module")
def guideline():  # type: ignore[no-untyped-def]
    return load(RULES)


def _map_errors(tmp_path: Path, text: str, guideline: Any) -> list[str]:
    path = tmp_path / "bad.fhir.yaml"
    path.write_text(text)
    with pytest.raises(MapError) as e:
        load_map(str(path), guideline.model)
    return [f"{d.span.line if d.span else 0}:{d.code}:{d.message}:{d.help}" for d in e.value.diagnostics]


HEAD = "format: guidegraph-fhir-map/1\nsystems: {lms: https://x.example/cs}\ninputs:\n"


@pytest.mark.parametrize("body, line, code, words", [
    ("  grde:\n    resource: Observation\n    code: lms|g\n    value: valueInteger\n", 4, "E602",
     "did you mean 'grade'"),
    ("  site:\n    resource: Observation\n    code: lms|s\n    value: valueCodeableConcept\n"
     "    values: {uterine: lms|u}\n", 8, "E603", "'uterine' is not a value"),
    ("  size_cm:\n    resource: Observation\n    code: lms|s\n    value: valueQuantity\n", 7, "E603",
     "needs 'units'"),
    ("  grade:\n    resource: Observation\n    code: lms|g\n    value: valueCodeableConcept\n"
     "    units: {cm: 1}\n    values: {1: lms|1}\n", 7, "E603", "for number inputs"),
    ("  depth:\n    resource: Observatoin\n    code: lms|d\n    value: valueCodeableConcept\n", 5, "E602",
     "did you mean 'Observation'"),
    ("  depth:\n    resource: Observation\n    code: snomed|d\n    value: valueCodeableConcept\n"
     "    values: {deep: lms|deep}\n", 6, "E601", "not a code"),
    ("  depth:\n    resource: Observation\n    code: lms|d\n    valeu: valueCodeableConcept\n", 7, "E601",
     "unknown key 'valeu'"),
    ("  size_cm:\n    resource: Observation\n    code: lms|s\n    value: valueQuantity\n    units: {mm: 0}\n",
     8, "E601", "positive number"),
])
def test_a_bad_map_is_reported_at_its_line(tmp_path: Path, guideline: Any, body: str, line: int, code: str,
                                           words: str) -> None:
    errors = _map_errors(tmp_path, HEAD + body, guideline)
    assert any(e.startswith(f"{line}:{code}:") and words in e for e in errors), errors


def test_the_lms_map_loads_and_reads_every_input_of_the_data_contract(guideline: Any) -> None:
    fmap = load_map(MAP, guideline.model)
    assert set(fmap.inputs) == set(guideline.model.inputs)
    assert set(fmap.orders) <= set(guideline.model.actions)


def _obs(rid: str, code: str, when: str, **value: Any) -> dict[str, Any]:
    system = LOINC if code[0].isdigit() else LMS
    return {"resourceType": "Observation", "id": rid, "status": "final", "effectiveDateTime": when,
            "code": {"coding": [{"system": system, "code": code}]}, **value}


def _read(guideline: Any, *resources: dict[str, Any]) -> tuple[Any, Any, Any]:
    reader = PatientReader(guideline, load_map(MAP, guideline.model))
    return reader.read([{"resourceType": "Patient", "id": "p"}, *resources], "test")


def test_absent_is_unknown_and_the_most_recent_value_counts(guideline: Any) -> None:
    facts, unread, errors = _read(
        guideline,
        _obs("s1", "21889-1", "2025-01-01", valueQuantity={"value": 30, "unit": "mm", "code": "mm",
                                                           "system": "http://unitsofmeasure.org"}),
        _obs("s2", "21889-1", "2025-06-01", valueQuantity={"value": 8, "unit": "cm"}),
        _obs("s0", "21889-1", "2024", valueQuantity={"value": 2, "unit": "cm"}))
    assert errors == [] and unread == []
    assert facts == {"size_cm": 8}


def test_units_are_converted_exactly(guideline: Any) -> None:
    facts, _, _ = _read(guideline, _obs("s", "21889-1", "2025-01-01", valueQuantity={"value": 55, "code": "mm"}))
    assert facts == {"size_cm": 5.5}


def test_a_refuted_condition_is_false_and_a_confirmed_one_true(guideline: Any) -> None:
    ver = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
    lung = {"coding": [{"system": "http://snomed.info/sct", "code": "94391008"}]}
    refuted = {"resourceType": "Condition", "id": "c", "subject": {"reference": "Patient/p"}, "code": lung,
               "verificationStatus": {"coding": [{"system": ver, "code": "refuted"}]}, "recordedDate": "2025-01-01"}
    assert _read(guideline, refuted)[0] == {"lung_metastases": False}
    confirmed = {**refuted, "id": "d", "recordedDate": "2025-02-01",
                 "verificationStatus": {"coding": [{"system": ver, "code": "confirmed"}]}}
    assert _read(guideline, refuted, confirmed)[0] == {"lung_metastases": True}  # the most recent counts
    in_error = {**confirmed, "id": "e", "verificationStatus": {"coding": [{"system": ver,
                                                                           "code": "entered-in-error"}]}}
    assert _read(guideline, in_error)[0] == {}


def test_an_unreadable_value_is_left_unknown_with_a_reason(guideline: Any) -> None:
    facts, unread, errors = _read(
        guideline, _obs("s", "21889-1", "2025-01-01", valueQuantity={"value": 3, "code": "[in_i]"}),
        _obs("d", "tumour-depth", "2025-01-01", valueCodeableConcept={"coding": [{"system": LMS, "code": "x"}]}))
    assert facts == {} and errors == []
    assert {(u.input, u.resource) for u in unread} == {("size_cm", "Observation/s"), ("depth", "Observation/d")}
    assert any("'[in_i]' has no factor" in u.reason for u in unread)


def test_age_from_the_birth_date_in_completed_years(guideline: Any) -> None:
    from datetime import date

    reader = PatientReader(guideline, load_map(MAP, guideline.model))
    facts, _, _ = reader.read([{"resourceType": "Patient", "id": "p", "birthDate": "1960-06-15"}], "t",
                              today=date(2026, 6, 14))
    assert facts == {"age": 65}


@dataclass
class Done:
    returncode: int
    stderr: str


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., Done]:
    """``guidegraph run RULES ...`` in this process (the CLI's main, as the console script calls it): a
    subprocess per case would cost a second each; tests/test_fhir_cases.py runs the real process."""
    def run(*args: str) -> Done:
        code = main(["run", RULES, *args])
        return Done(code, capsys.readouterr().err)
    return run


def _bundle(*resources: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in resources]}


@pytest.mark.parametrize("content, code, words", [
    ("{not json", 1, ["E604", "bundle 'b.json'", "invalid JSON"]),
    (json.dumps({"resourceType": "Patient", "id": "p", "birthDate": "yesterday"}), 1,
     ["E604", "(Patient/p): birthDate"]),
    (json.dumps(_bundle({"resourceType": "Patient", "id": "p"},
                        {"resourceType": "Observaton", "id": "x"})), 1,
     ["E604", "entry 2", "'Observaton' is not a FHIR R4B resource type"]),
    (json.dumps(_bundle({"resourceType": "Patient", "id": "p"},
                        _obs("s", "21889-1", "2025-01-01", valueQuantity={"value": 500, "code": "cm"}))), 1,
     ["E309", "bundle 'b.json' (Patient/p)", "size_cm"]),
    (json.dumps(_bundle({"resourceType": "Patient", "id": "p"},
                        _obs("s", "21889-1", "2025-01-01", valueQuantity={"value": 5, "code": "ft"}))), 0,
     ["W601", "size_cm", "'ft' has no factor"]),
])
def test_bad_bundles_exit_with_a_message_naming_file_resource_and_field(tmp_path: Path, content: str, code: int,
                                                                        words: list[str],
                                                                        run_cli: Callable[..., Done]) -> None:
    (tmp_path / "b.json").write_text(content)
    done = run_cli(str(tmp_path / "b.json"), "--fhir-map", MAP)
    assert done.returncode == code, done.stderr
    assert all(w in done.stderr for w in words), done.stderr
    assert "Traceback" not in done.stderr


def test_missing_files_exit_2(tmp_path: Path, run_cli: Callable[..., Done]) -> None:
    assert run_cli(str(tmp_path / "none.json"), "--fhir-map", MAP).returncode == 2
    (tmp_path / "b.json").write_text(json.dumps(_bundle({"resourceType": "Patient", "id": "p"})))
    done = run_cli(str(tmp_path / "b.json"), "--fhir-map", str(tmp_path / "none.yaml"))
    assert done.returncode == 2 and "cannot read FHIR map" in done.stderr


def test_a_bad_map_exits_1_with_file_and_line(tmp_path: Path, run_cli: Callable[..., Done]) -> None:
    (tmp_path / "m.yaml").write_text(HEAD + "  grde:\n    resource: Patient\n    value: gender\n")
    (tmp_path / "b.json").write_text(json.dumps(_bundle({"resourceType": "Patient", "id": "p"})))
    done = run_cli(str(tmp_path / "b.json"), "--fhir-map", str(tmp_path / "m.yaml"))
    assert done.returncode == 1 and "m.yaml:4:" in done.stderr and "E602" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
