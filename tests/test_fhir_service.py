"""`guidegraph serve` as a real process on a loopback port, called over HTTP: discovery, hook calls, and the
errors the CDS Hooks specification asks for (malformed request 400, no prefetch 412, oversized 413...)."""

from __future__ import annotations

import http.client
import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fhir.resources")
pytest.importorskip("uvicorn")

from engine import load
from engine.cases.load import load_cases
from engine.fhir.mapfile import load_map
from scripts.fhir_bundles import bundle_for, fhir_id

ROOT = Path(__file__).resolve().parent.parent
RULES = str(ROOT / "rules" / "lms.rules")
MAP = str(ROOT / "rules" / "lms.fhir.yaml")
MAX_BODY = 100_000
SERVICE = "/cds-services/guidegraph-lms"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, port: int, log: Path) -> None:
        self.port = port
        self.log = log

    def call(self, method: str, path: str, body: bytes | None = None,
             headers: dict[str, str] | None = None) -> tuple[int, Any]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request(method, path, body=body, headers=headers or {"Content-Type": "application/json"})
            response = conn.getresponse()
            return response.status, json.loads(response.read())
        finally:
            conn.close()

    def hook(self, request: dict[str, Any]) -> tuple[int, Any]:
        return self.call("POST", SERVICE, json.dumps(request).encode())


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    port = free_port()
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "engine", "serve", RULES, "--fhir-map", MAP, "--insecure",
                                 "--port", str(port), "--max-body", str(MAX_BODY)], cwd=ROOT, stdout=out,
                                stderr=subprocess.STDOUT)
    srv = Server(port, log)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if srv.call("GET", "/cds-services")[0] == 200:
                    break
            except OSError:
                pass
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "the service did not start"
            time.sleep(0.1)
        yield srv
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def cases() -> dict[str, Any]:
    g = load(RULES)
    fmap = load_map(MAP, g.model)
    found, _ = load_cases([str(ROOT / "rules" / "cases")], g.model)
    return {c.id: (c, bundle_for(c.id, c.facts, fmap), g.evaluate(c.facts, c.id, validate=False)) for c in found}


def request(case_id: str, bundle: dict[str, Any]) -> dict[str, Any]:
    return {"hook": "patient-view", "hookInstance": "6f1c1a0e-0000-4000-8000-000000000001",
            "context": {"userId": "Practitioner/example", "patientId": fhir_id(case_id)},
            "prefetch": {"record": bundle}}


def test_discovery_lists_the_patient_view_service(server: Server) -> None:
    status, body = server.call("GET", "/cds-services")
    assert status == 200
    (service,) = body["services"]
    assert service["hook"] == "patient-view" and service["id"] == "guidegraph-lms"
    assert service["prefetch"]["patient"] == "Patient/{{context.patientId}}"
    assert "Observation?patient={{context.patientId}}" in service["prefetch"].values()


def test_a_hook_call_gives_one_card_per_verdict_and_a_pending_card(server: Server, cases: dict[str, Any]) -> None:
    for case_id in ("extremity_high_risk_postoperative_rt", "uterine_premenopausal"):
        _, bundle, result = cases[case_id]
        status, body = server.hook(request(case_id, bundle))
        assert status == 200, body
        cards = body["cards"]
        verdicts = result.actions
        assert len(cards) == len(verdicts) + (1 if result.pending else 0)
        for card, v in zip(cards, verdicts, strict=False):
            assert len(card["summary"]) < 140 and card["source"]["label"]
            want = {"never": "critical", "not_recommended": "warning"}.get(v.strength.value, "info")
            assert card["indicator"] == want, card["summary"]
        if result.pending:
            assert cards[-1]["summary"].startswith("Enter ")
        orders = [c for c in cards if c.get("suggestions")]
        assert orders and all(c["suggestions"][0]["actions"][0]["type"] == "create" for c in orders)


def test_every_lms_case_is_answered_with_its_verdicts(server: Server, cases: dict[str, Any]) -> None:
    for case_id, (_, bundle, result) in cases.items():
        status, body = server.hook(request(case_id, bundle))
        assert status == 200, (case_id, body)
        assert len([c for c in body["cards"] if not c["summary"].startswith(("Enter ", "Record values"))]) == len(
            result.actions), case_id


def test_a_never_is_critical(server: Server, cases: dict[str, Any]) -> None:
    case_id = next(i for i, (_, _, r) in cases.items() if any(v.strength and v.strength.value == "never"
                                                                for v in r.actions))
    status, body = server.hook(request(case_id, cases[case_id][1]))
    assert status == 200 and any(c["indicator"] == "critical" and c["summary"].startswith("Never")
                                 for c in body["cards"])


@pytest.mark.parametrize("body, status, words", [
    (b"{not json", 400, "not valid JSON"),
    (b"[1, 2]", 400, "JSON object"),
    (json.dumps({"hook": "order-select", "hookInstance": "x", "context": {"patientId": "p"},
                 "prefetch": {}}).encode(), 400, "patient-view"),
    (json.dumps({"hook": "patient-view", "context": {"patientId": "p"}, "prefetch": {}}).encode(), 400,
     "hookInstance"),
    (json.dumps({"hook": "patient-view", "hookInstance": "x", "context": {}}).encode(), 400, "patientId"),
    (json.dumps({"hook": "patient-view", "hookInstance": "x", "context": {"patientId": "p"}}).encode(), 412,
     "prefetch"),
    (json.dumps({"hook": "patient-view", "hookInstance": "x", "context": {"patientId": "p"},
                 "prefetch": {"patient": None}}).encode(), 412, "no resource"),
])
def test_malformed_requests_get_the_spec_s_errors(server: Server, body: bytes, status: int, words: str) -> None:
    got, answer = server.call("POST", SERVICE, body)
    assert got == status and words in answer["error"], answer


def test_invalid_fhir_is_a_400_naming_the_resource_and_the_element(server: Server) -> None:
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": {"resourceType": "Patient", "id": "p", "gender": "female"}},
        {"resource": {"resourceType": "Observation", "id": "size", "status": "final", "code": {"text": "size"},
                      "valueQuantity": {"value": "eight"}}}]}
    status, answer = server.hook({"hook": "patient-view", "hookInstance": "x", "context": {"patientId": "p"},
                                  "prefetch": {"record": bundle}})
    assert status == 400
    assert any("entry 2 (Observation/size): valueQuantity.value" in d for d in answer["details"]), answer


def test_an_oversized_request_is_refused_with_413(server: Server) -> None:
    status, answer = server.call("POST", SERVICE, b" " * (MAX_BODY + 1))
    assert status == 413 and "larger than" in answer["error"]


def test_an_unknown_service_is_404(server: Server) -> None:
    status, answer = server.call("POST", "/cds-services/nope", b"{}")
    assert status == 404 and "error" in answer


def test_an_impossible_record_gets_one_warning_card(server: Server) -> None:
    bundle = bundle_for("impossible", {}, load_map(MAP, load(RULES).model))
    bundle["entry"][0]["resource"]["gender"] = "male"
    bundle["entry"].append({"resource": {
        "resourceType": "Condition", "id": "lms", "subject": {"reference": "Patient/impossible"},
        "code": {"coding": [{"system": "https://guidegraph.example/fhir/CodeSystem/lms-data",
                             "code": "leiomyosarcoma"}]},
        "bodySite": [{"coding": [{"system": "http://snomed.info/sct", "code": "35039007"}]}]}})
    status, answer = server.hook({"hook": "patient-view", "hookInstance": "x",
                                  "context": {"patientId": "impossible"}, "prefetch": {"record": bundle}})
    assert status == 200
    (card,) = answer["cards"]
    assert card["indicator"] == "warning" and "assumption" in card["detail"]


def test_the_log_names_no_patient(server: Server, cases: dict[str, Any]) -> None:
    text = server.log.read_text()
    assert "cards in" in text
    for case_id in cases:
        assert fhir_id(case_id) not in text
    assert "uterus" not in text and "35039007" not in text


def test_the_readme_example_gives_the_readme_cards(server: Server) -> None:
    request = json.loads((ROOT / "docs" / "examples" / "patient-view.json").read_text())
    status, body = server.hook(request)
    assert status == 200
    got = [(c["indicator"], c["summary"]) for c in body["cards"]]
    assert len(got) == 8
    assert ("warning", "Not recommended: Bilateral salpingo-oophorectomy") in got
    assert ("critical", "Never: Assume < 1% metastatic risk for a small or low-grade tumour") in got
    assert got[-1][1].startswith("Enter FNCLCC grade, Regional lymph nodes and Discussed at a multidisciplinary")
