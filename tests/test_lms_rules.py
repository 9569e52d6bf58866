"""The leiomyosarcoma rules file honours the LMS data contract of DESIGN.md and stays traceable to its source.

The contract (input names with their types and values, action ids) is written out here rather than read from the
rules file, so that renaming or dropping a contract name in ``rules/lms.rules`` fails a test. Traceability means:
every rule cites the source's reference numbers and quotes the sentence it encodes, every contract action is used
by some rule, and the file is in the canonical layout that ``guidegraph fmt`` writes.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from engine.core.model import Model
from engine.resolve.pipeline import load_model

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules" / "lms.rules"
CASES = ROOT / "rules" / "cases"
SOURCE = Path(__file__).parents[2] / "shared" / "guideline" / "leiomyosarcoma-clinical-management.txt"
"""The source text, in ``../shared/guideline/`` next to the repository, as CI lays it out. Elsewhere the test that
reads it skips; in CI (the ``CI`` environment variable set) it fails instead."""

# The LMS data contract (DESIGN.md): enum inputs with exactly these values, in this order.
CONTRACT_ENUMS: dict[str, tuple[str | int, ...]] = {
    "sex": ("female", "male"),
    "site": ("extremity", "trunk_wall", "retroperitoneum", "uterus", "other"),
    "depth": ("superficial", "deep"),
    "grade": (1, 2, 3),
    "extent": ("localized", "metastatic"),
    "menopausal_status": ("premenopausal", "postmenopausal"),
    "nodes": ("clinically_negative", "macroscopically_involved"),
    "margin": ("wide", "close", "positive"),
    "mitotic_rate": ("low", "high"),
    "ajcc_stage": (1, 2, 3, 4),
    "rt_timing": ("preoperative", "postoperative"),
    "phase": ("diagnosis", "treatment", "follow_up"),
}
CONTRACT_BOOLS = ("imaging_done", "prior_doxorubicin", "lung_metastases", "mdt_reviewed", "vascular_invasion",
                  "necrosis", "dna_aneuploidy")
# name -> (unit, low, high); the brief fixes the ranges.
CONTRACT_NUMBERS: dict[str, tuple[str, float, float]] = {
    "age": ("years", 0, 120),
    "size_cm": ("cm", 0, 100),
    "years_since_treatment": ("years", 0, 100),
}
CONTRACT_ACTIONS = (
    "sarcoma_mdt", "history_and_physical", "primary_imaging", "biopsy", "pathology_review", "chest_ct",
    "abdominopelvic_ct", "plain_radiograph", "treatment_outside_sarcoma_center", "wide_excision", "reconstruction",
    "radiotherapy", "adjuvant_chemotherapy", "regional_hyperthermia", "total_abdominal_hysterectomy",
    "bilateral_salpingo_oophorectomy", "lymphadenectomy", "extended_lymph_node_dissection",
    "compartmental_resection", "preoperative_therapy", "doxorubicin", "trabectedin", "metastasectomy",
    "palliative_radiotherapy", "follow_up_visit", "chest_ct_surveillance", "rehabilitation",
)
MODALITIES = {"diagnostic", "surgery", "radiotherapy", "systemic", "supportive", "surveillance", "referral", "other"}
EXPECT_KEYS = {"must", "recommend", "consider", "not_recommended", "never", "absent", "pending", "params"}


@pytest.fixture(scope="module")
def model() -> Model:
    loaded, diagnostics, _ = load_model(str(RULES))
    errors = [f"{d.code}: {d.message}" for d in diagnostics if d.severity == "error"]
    assert not errors, errors
    assert loaded is not None
    return loaded


def test_no_diagnostics_at_all(model: Model) -> None:
    """Not even warnings from resolution: an always-true comparison or a dead let would be a slip in encoding."""
    _, diagnostics, _ = load_model(str(RULES))
    assert [f"{d.code}: {d.message}" for d in diagnostics] == []


def test_every_rule_cites_and_quotes_its_source(model: Model) -> None:
    for rule in model.rules:
        assert rule.citations, f"rule {rule.name} has no cite"
        assert set(rule.citations) <= set(range(1, 10)), f"rule {rule.name} cites a number the source lacks"
        assert rule.source and len(rule.source) > 10, f"rule {rule.name} has no source quote"


def test_source_quotes_come_from_the_text(model: Model) -> None:
    """Each quote's opening words occur in the source (the quotes are verbatim or nearly: a heading may be
    prefixed, so the check looks for the first six words after any "Heading:" prefix)."""
    if not SOURCE.exists():
        if os.environ.get("CI"):
            pytest.fail(f"the source text is missing: {SOURCE} (CI must provide ../shared/guideline/ next to the "
                        "repository)")
        pytest.skip(f"source text not available at {SOURCE}")
    text = " ".join(SOURCE.read_text(encoding="utf-8").split())
    for rule in model.rules:
        assert rule.source is not None
        quote = rule.source
        words = quote.split()
        found = " ".join(words[:6]) in text
        if not found and ": " in quote:
            found = " ".join(quote.split(": ", 1)[1].split()[:6]) in text
        assert found, f"rule {rule.name}: source quote not found in the guideline: {quote[:60]!r}"


def test_references_are_numbers_only(model: Model) -> None:
    assert sorted(model.references) == list(range(1, 10))
    for n, text in model.references.items():
        assert text == f"Reference {n} of the source summary"


def test_contract_inputs_declared_with_their_types(model: Model) -> None:
    for name, values in CONTRACT_ENUMS.items():
        inp = model.inputs[name]
        assert inp.kind == "enum" and inp.values == values, name
    for name in CONTRACT_BOOLS:
        assert model.inputs[name].kind == "bool", name
    for name, (unit, low, high) in CONTRACT_NUMBERS.items():
        inp = model.inputs[name]
        assert (inp.kind, inp.unit, inp.low, inp.high) == ("number", unit, low, high), name
    for inp in model.inputs.values():
        assert inp.label, f"input {inp.name} has no label"
        if inp.numeric:
            assert math.isfinite(inp.low) and math.isfinite(inp.high), inp.name


def test_contract_actions_declared_labelled_and_used(model: Model) -> None:
    used = {e.action for r in model.rules for e in r.entries}
    for name in CONTRACT_ACTIONS:
        assert name in model.actions, f"contract action {name} is not declared"
        assert name in used, f"contract action {name} is used by no rule"
    for action in model.actions.values():
        assert action.label, f"action {action.name} has no label"
        assert action.modality in MODALITIES
    assert used <= set(model.actions)


def test_action_parameters(model: Model) -> None:
    rt = {p.name: p for p in model.actions["radiotherapy"].params}
    assert rt["timing"].kind == "enum" and set(rt["timing"].values) == {"preoperative", "postoperative"}
    # boost_to: "possible boost to 66 Gy" (source line 34) is a total dose, named so that it reads "boost to 66 Gy"
    assert all(rt[p].kind == "number" and rt[p].unit == "Gy" for p in ("dose", "fraction", "boost_to"))
    (every,) = model.actions["follow_up_visit"].params
    assert (every.name, every.kind, every.unit) == ("every", "number", "months")


def test_exceptions_are_overrides(model: Model) -> None:
    """The source's exceptions are written as overrides (DESIGN: Catala-style default logic)."""
    over = {r.name: set(r.overrides) for r in model.rules}
    assert "rt_standard" in over["uterine_no_adjuvant_rt"]
    assert "rt_standard" in over["pitfall_uterine_adjuvant_rt"]
    assert {"uterine_no_adjuvant_rt", "pitfall_uterine_adjuvant_rt"} <= over["uterine_rt_after_mdt"]
    assert "chemo_not_standard" in over["chemo_high_risk_option"]
    assert "workup_biopsy" in over["pitfall_biopsy_without_imaging"]
    # the retroperitoneal section's own RT statement (a preoperative option) limits the general indication
    rt_rules = {"rt_standard", "rt_postoperative_dose", "rt_postoperative_boost", "rt_preoperative_dose"}
    assert rt_rules <= over["retroperitoneal_preoperative_rt"]
    assert rt_rules <= over["uterine_no_adjuvant_rt"] and rt_rules <= over["pitfall_uterine_adjuvant_rt"]


def test_open_questions_are_reported(model: Model) -> None:
    covered = {c.action for c in model.covers}
    assert {"bilateral_salpingo_oophorectomy", "lymphadenectomy", "follow_up_visit", "radiotherapy"} <= covered
    assert any(t.text.startswith("Margin-based approach") for t in model.todos)


def _case_documents() -> list[tuple[Path, dict[str, object]]]:
    out: list[tuple[Path, dict[str, object]]] = []
    for path in sorted(CASES.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for case in data if isinstance(data, list) else [data]:
            out.append((path, case))
    return out


def test_cases_are_well_formed(model: Model) -> None:
    cases = _case_documents()
    assert len(cases) >= 32
    ids = [str(c["id"]) for _, c in cases]
    assert len(ids) == len(set(ids)), "duplicate case ids"
    for path, case in cases:
        assert set(case) == {"id", "description", "facts", "expect"}, (path, case.get("id"))
        facts, expect = case["facts"], case["expect"]
        assert isinstance(facts, dict) and isinstance(expect, dict)
        assert set(facts) <= set(model.inputs), (case["id"], set(facts) - set(model.inputs))
        assert set(expect) <= EXPECT_KEYS, (case["id"], set(expect) - EXPECT_KEYS)
        named: set[str] = set()
        for key, value in expect.items():
            # a strength's list may hold `{action: {param: value}}` items (expectations with parameters)
            items = value if isinstance(value, dict | list) else []
            named |= {next(iter(i)) if isinstance(i, dict) else i for i in items}
            if key == "pending" and isinstance(value, dict):
                assert all(set(v) <= set(model.inputs) for v in value.values()), case["id"]
        assert named <= set(model.actions), (case["id"], named - set(model.actions))


def test_cases_load_against_the_model(model: Model) -> None:
    """Every case's facts have the right types and respect the assumptions (no E3xx from the case loader)."""
    from engine.cases.load import load_cases

    _, diagnostics = load_cases([str(p) for p in sorted(CASES.glob("*.yaml"))], model)
    assert [f"{d.code}: {d.message}" for d in diagnostics if d.severity == "error"] == []


def test_cases_pass_and_fire_every_rule(guideline: Any) -> None:
    """The expectations (written from the source text) hold, and together the cases make every rule fire."""
    from engine.cases.expect import failures, parse_expectation
    from engine.cases.load import load_cases

    model = guideline.model
    cases, _ = load_cases([str(p) for p in sorted(CASES.glob("*.yaml"))], model)
    problems: list[str] = []
    fired: set[str] = set()
    for case in cases:
        result = guideline.evaluate(case.facts, str(case.id))
        fired |= {r.rule for r in result.recommendations}
        assert not result.conflicts, (case.id, result.conflicts)
        expectation, diagnostics = parse_expectation(case, model)
        problems += [f"{case.id}: {d.message}" for d in diagnostics]
        if expectation is not None:
            problems += [f"{case.id}: {line}" for line in failures(expectation, result)]
    assert problems == []
    assert [r.name for r in model.rules if r.name not in fired] == []


def test_gaps_are_exactly_the_open_questions(model: Model) -> None:
    """No conflict anywhere in the case space; the only gaps are the covers that surface the source's open
    questions (a new gap means a rule lost its reach, a missing one that a question was silently answered)."""
    from engine.compile.compiler import compile as compile_guideline

    guideline = compile_guideline(model)
    conflicts: set[str] = set()
    gaps: set[str] = set()
    for leaf in guideline.leaves.values():
        if not leaf.impossible:
            conflicts |= set(leaf.conflicts)
            gaps |= set(leaf.gaps)
    assert conflicts == set()
    assert gaps == {"radiotherapy", "bilateral_salpingo_oophorectomy", "lymphadenectomy", "doxorubicin",
                    "metastasectomy", "follow_up_visit"}


def test_check_reports_exactly_the_documented_findings() -> None:
    """`guidegraph check` finds no error and no conflict; its warnings are the six open-question gaps (no parameter
    clash: the follow-up bands are consecutive, so year 3 gets one interval), and its notes are the two todos."""
    import json

    done = subprocess.run([sys.executable, "-m", "engine", "check", str(RULES), "--format", "json"],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    findings = json.loads(done.stdout)["diagnostics"]
    assert [f for f in findings if f["severity"] == "error"] == []
    gaps = sorted(f["message"].split("'")[1] for f in findings if f["code"] == "W202")
    assert gaps == sorted(["radiotherapy", "bilateral_salpingo_oophorectomy", "lymphadenectomy", "doxorubicin",
                           "metastasectomy", "follow_up_visit"])
    assert len([f for f in findings if f["code"] == "N207"]) == 2
    assert {f["code"] for f in findings} == {"W202", "N207"}


def test_canonical_format() -> None:
    done = subprocess.run([sys.executable, "-m", "engine", "fmt", "--check", str(RULES)],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


# ---------------------------------------------------------------------------------------------------------------
# Issue 15: the behaviours that the case files' expectation forms cannot state exactly ("only this interval",
# "no boost", "rejected"), checked on the compiled guideline.


@pytest.fixture(scope="module")
def guideline() -> Any:
    import engine

    return engine.load(str(RULES))


def _entries(guideline: Any, facts: dict[str, object], action: str) -> list[tuple[str, str, dict[str, object]]]:
    result = guideline.evaluate(facts, "t").to_dict()
    return [(r["rule"], r["strength"], r["params"]) for r in result["recommendations"] if r["action"] == action]


def _pending(guideline: Any, facts: dict[str, object], action: str) -> list[tuple[str, list[str]]]:
    result = guideline.evaluate(facts, "t").to_dict()
    return [(p["rule"], p["needs"]) for p in result["pending"] if p["action"] == action]


@pytest.mark.parametrize("stage", [1, 2, 3, 4])
def test_no_let_sets_an_ajcc_stage_threshold(guideline: Any, stage: int) -> None:
    """Source line 23 "AJCC stage 3, 8" is the indicator "AJCC stage" with references 3 and 8 (second fidelity
    review): the source names no stage threshold, so no let reports a stage as a poor prognostic indicator or not
    (the former `ajcc_stage == 3` let reported stage 4 as lacking it)."""
    result = guideline.evaluate({"phase": "diagnosis", "ajcc_stage": stage}, "t").to_dict()
    assert [name for name in result["lets"] if "ajcc" in name] == []
    assert "document_prognostic_factors" in [a["action"] for a in result["actions"]]


@pytest.mark.parametrize(("years", "every"), [
    (0, {"min": 3, "max": 4, "unit": "months"}), (2.9, {"min": 3, "max": 4, "unit": "months"}),
    (3, {"min": 3, "max": 4, "unit": "months"}), (3.01, {"value": 6, "unit": "months"}),
    (4, {"value": 6, "unit": "months"}), (5, {"value": 6, "unit": "months"}),
    (5.01, {"value": 12, "unit": "months"}), (100, {"value": 12, "unit": "months"}),
])
def test_exactly_one_follow_up_interval_at_every_time(guideline: Any, years: float,
                                                      every: dict[str, object]) -> None:
    """Source lines 58-60 read as consecutive bands: [0, 3] every 3-4 months, (3, 5] every 6, > 5 annually."""
    facts = {"phase": "follow_up", "grade": 2, "years_since_treatment": years}
    assert [params["every"] for _, _, params in _entries(guideline, facts, "follow_up_visit")] == [every]


HIGH_RISK_POSTOP = {"phase": "treatment", "extent": "localized", "site": "extremity", "depth": "deep",
                    "size_cm": 8, "grade": 3, "rt_timing": "postoperative"}


@pytest.mark.parametrize(("margin", "boost"), [("wide", False), ("close", True), ("positive", True)])
def test_boost_to_66_gy_only_for_close_or_positive_margins(guideline: Any, margin: str, boost: bool) -> None:
    """Source line 34 "possible boost to 66 Gy depending on margins": consider, for a close or positive margin."""
    entries = _entries(guideline, {**HIGH_RISK_POSTOP, "margin": margin}, "radiotherapy")
    boosts = [(rule, strength) for rule, strength, params in entries if "boost_to" in params]
    assert boosts == ([("rt_postoperative_boost", "consider")] if boost else [])
    assert ("rt_standard", "recommend", {}) in entries


def test_boost_waits_on_an_unknown_margin(guideline: Any) -> None:
    assert _pending(guideline, HIGH_RISK_POSTOP, "radiotherapy") == [("rt_postoperative_boost", ["margin"])]
    preop = {**HIGH_RISK_POSTOP, "rt_timing": "preoperative", "margin": "positive"}
    assert not any("boost_to" in p for _, _, p in _entries(guideline, preop, "radiotherapy"))


@pytest.mark.parametrize("rt_timing", ["preoperative", "postoperative", None])
def test_retroperitoneal_rt_is_only_the_preoperative_option(guideline: Any, rt_timing: str | None) -> None:
    """Source line 50: for retroperitoneal LMS RT is a preoperative option (consider), never the general
    Category 1 indication, whatever the planned timing; and nothing waits on depth (deep by assumption)."""
    facts: dict[str, object] = {"phase": "treatment", "extent": "localized", "site": "retroperitoneum",
                                "size_cm": 15, "grade": 3, "margin": "positive"}
    if rt_timing:
        facts["rt_timing"] = rt_timing
    entries = _entries(guideline, facts, "radiotherapy")
    assert {strength for _, strength, _ in entries} == {"consider"}
    assert {params.get("timing") for _, _, params in entries} == {"preoperative"}
    assert _pending(guideline, facts, "radiotherapy") == []


def test_uterine_no_adjuvant_rt_only_in_localized_disease(guideline: Any) -> None:
    base = {"phase": "treatment", "site": "uterus", "sex": "female", "size_cm": 9, "grade": 3,
            "mdt_reviewed": False}
    assert _entries(guideline, {**base, "extent": "metastatic"}, "radiotherapy") == []
    assert {s for _, s, _ in _entries(guideline, {**base, "extent": "localized"}, "radiotherapy")} \
        == {"not_recommended"}


def test_follow_up_of_metastatic_disease_is_rejected(model: Model, tmp_path: Path) -> None:
    """DESIGN.md: `assume phase == follow_up implies extent == localized` (a recurrence is a new treatment case)."""
    from engine.cases.load import load_cases

    for facts in ("{phase: follow_up, extent: metastatic}", "{phase: follow_up, lung_metastases: true}"):
        case = tmp_path / "c.yaml"
        case.write_text(f"id: fu_metastatic\nfacts: {facts}\n", encoding="utf-8")
        _, diagnostics = load_cases([str(case)], model)
        assert [d for d in diagnostics if d.severity == "error"], facts


ALL_PHASES = {"mdt_all_patients", "pitfall_outside_sarcoma_center", "pitfall_small_low_grade_risk"}


def test_without_phase_only_the_all_patient_statements_are_decided(guideline: Any) -> None:
    """DESIGN.md: a case without `phase` gets the statements about all patients; everything else waits on it."""
    facts = {"site": "extremity", "depth": "deep", "size_cm": 8, "grade": 3, "extent": "localized",
             "imaging_done": True, "rt_timing": "postoperative", "margin": "close", "nodes": "clinically_negative",
             "years_since_treatment": 1}
    result = guideline.evaluate(facts, "t").to_dict()
    assert {r["rule"] for r in result["recommendations"]} == ALL_PHASES
    assert all("phase" in p["needs"] for p in result["pending"])
    for phase in ("diagnosis", "treatment", "follow_up"):
        result = guideline.evaluate({**facts, "phase": phase}).to_dict()
        fired = {r["rule"] for r in result["recommendations"]}
        assert fired >= ALL_PHASES, phase


INTERPRETED_RULES = {
    "met_first_line_doxorubicin", "uterine_rt_after_mdt", "chemo_not_standard", "prognostic_documentation",
    "fu_years_0_3", "fu_years_3_5", "rt_postoperative_dose", "rt_preoperative_dose", "rt_postoperative_boost",
    "retroperitoneal_preoperative_rt", "hyperthermia_high_risk", "pitfall_small_low_grade_risk",
    "uterine_no_bso_premenopausal", "uterine_no_adjuvant_rt", "pitfall_uterine_adjuvant_rt",
}


def test_interpretations_are_marked_on_their_rules_and_listed(model: Model) -> None:
    """Every reading the source does not force is a footnote "Interpretation: ..." on its rule (so results and
    figures show it) and is listed under "Interpretations" in rules/README.md."""
    marked = {r.name for r in model.rules if any(f.startswith("Interpretation: ") for f in r.footnotes)}
    assert marked >= INTERPRETED_RULES
    readme = (ROOT / "rules" / "README.md").read_text(encoding="utf-8")
    assert "## Interpretations" in readme
    listed = readme.split("## Interpretations", 1)[1]
    for name in marked:
        assert f"`{name}`" in listed, f"interpretation on rule {name} not listed in rules/README.md"
