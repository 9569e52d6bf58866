"""Derived values end to end (issue 13): evaluation of relations, scores, classifications and set inputs; the
classification checks with their example patients; witnesses that satisfy relations; figures that ask a derived
value as one question and draw a classification's table. The property tests against brute force are in
tests/test_derived_properties.py."""

from __future__ import annotations

from pathlib import Path

import pytest

import engine
from engine.checks import CHECKS
from engine.core.errors import CaseError
from engine.evaluate.guideline import Guideline

FIX = Path(__file__).resolve().parent / "fixtures" / "derived"


def load(name: str) -> Guideline:
    return engine.load(str(FIX / name))


def findings(g: Guideline) -> list:  # type: ignore[type-arg]
    return [d for check in CHECKS for d in check(g.compiled)]


def actions(result: object) -> dict[str, str]:
    """Per action, its strongest recommendation."""
    out: dict[str, str] = {}
    for r in sorted(result.recommendations, key=lambda r: -r.strength.rank):  # type: ignore[attr-defined]
        out[r.action] = r.strength.value
    return out


def test_relation_score_and_classification_decide_recommendations() -> None:
    g = load("bp.rules")
    full = g.evaluate({"sbp": 180, "dbp": 100, "diabetes": True, "ckd": True, "smoker": False,
                       "site": "gastric", "size": 1})
    assert actions(full) == {"treat": "recommend", "lifestyle": "recommend"}  # 80 > 60; 2 of 3 factors
    assert actions(g.evaluate({"sbp": 160, "dbp": 100, "site": "gastric", "size": 1})) == {}  # 60 is not > 60
    high = g.evaluate({"sbp": 150, "dbp": 100, "site": "small_bowel", "size": 10, "diabetes": True})
    assert actions(high) == {"refer": "recommend"}  # risk high: size > 5 cm


def test_pending_names_the_inputs_behind_a_derived_value() -> None:
    g = load("bp.rules")
    res = g.evaluate({"sbp": 150, "diabetes": True, "ckd": True, "site": "small_bowel"})
    needs: dict[str, set[str]] = {}
    for p in res.pending:
        needs.setdefault(p.action, set()).update(p.needs)
    assert needs["treat"] == {"dbp"}  # sbp - dbp > 60 mmHg: dbp is missing
    assert needs["refer"] == {"size", "dbp"}  # the risk category needs the size; the pulse pressure dbp


def test_an_assumption_between_inputs_rejects_a_case() -> None:
    g = load("bp.rules")
    with pytest.raises(CaseError, match="sbp > dbp"):
        g.evaluate({"sbp": 90, "dbp": 100})


def test_a_derived_value_is_not_an_input_of_a_case() -> None:
    g = load("bp.rules")
    with pytest.raises(CaseError, match="'risk' is a classification the guideline computes"):
        g.evaluate({"risk": "high"})


def test_gap_witness_satisfies_the_relation_and_the_assumption() -> None:
    g = load("bp.rules")
    gaps = [d for d in findings(g) if d.code == "W202" and "'treat'" in d.message]
    assert len(gaps) == 1
    assert "sbp - dbp <= 60 mmHg" in gaps[0].message
    facts = gaps[0].witness["facts"]
    assert facts["sbp"] >= 140 and facts["sbp"] > facts["dbp"] and facts["sbp"] - facts["dbp"] <= 60
    assert "treat" not in actions(g.evaluate(facts))


def test_unclassified_patients_are_reported_with_an_example() -> None:
    g = load("gist_risk.rules")
    found = {d.code: d for d in findings(g)}
    assert found["E210"].witness["facts"] == {"size": 1, "mitoses": 7}
    assert "W212" in found  # the branch 'size > 50 cm' can never be taken
    res = g.evaluate({"site": "gastric", "size": 1, "mitoses": 7})
    assert res.recommendations == () and [p.action for p in res.pending] == ["imatinib"]


def test_overlapping_branches_of_an_exclusive_classification() -> None:
    g = load("gist_overlap.rules")
    (overlap,) = [d for d in findings(g) if d.code == "E211"]
    assert "'then low' and 'then moderate'" in overlap.message
    facts = overlap.witness["facts"]
    assert facts["site"] == "small_bowel" and 4 < facts["size"] <= 5


def test_set_inputs_from_lists_and_csv_cells() -> None:
    g = load("sets.rules")
    assert actions(g.evaluate({"progressing": True, "prior": ["imatinib"]})) == {"sunitinib": "recommend"}
    assert actions(g.evaluate({"progressing": True, "prior": "imatinib|sunitinib"})) == {
        "regorafenib": "recommend"}
    with pytest.raises(CaseError, match="not a possible member"):
        g.evaluate({"progressing": True, "prior": ["imatinib", "aspirin"]})
    pending = g.evaluate({"progressing": True})
    assert {p.action for p in pending.pending} == {"sunitinib", "regorafenib"}
    assert {n for p in pending.pending for n in p.needs} == {"prior"}


def test_a_section_figure_asks_the_category_not_what_it_is_computed_from() -> None:
    from visualize.dot import to_dot
    g = load("bp.rules")
    dot = to_dot(g, section="s")
    assert "Risk category?" in dot
    assert "Size?" not in dot


def test_the_classification_table_is_a_figure_of_its_own(snapshot: object) -> None:
    from visualize.classification import classification_dot
    g = load("gist_risk.rules")
    dot = classification_dot(g.compiled, "risk")
    assert "Risk category?" not in dot  # the table asks the inputs, not the category
    assert "not classified" in dot
    snapshot.snapshot_dir = Path(__file__).resolve().parent / "snapshots" / "test_derived_engine"  # type: ignore[attr-defined]
    snapshot.assert_match(dot, "gist_risk_table.dot")  # type: ignore[attr-defined]


def test_diff_sees_a_changed_classification_table(tmp_path: Path) -> None:
    """Derived values are definitions: a changed risk table changes verdicts on the inputs (the new version's
    derived values are kept apart, and one solver walk ties both versions' relations to the shared inputs)."""
    from engine.diff.compare import diff
    from engine.resolve.pipeline import load_model
    new_text = (FIX / "bp.rules").read_text().replace("when size <= 5 cm then low", "when size <= 6 cm then low")
    (tmp_path / "bp2.rules").write_text(new_text)
    old, _, _ = load_model(str(FIX / "bp.rules"))
    new, _, _ = load_model(str(tmp_path / "bp2.rules"))
    assert old is not None and new is not None
    d = diff(old, new)
    assert d.changed_actions == ("refer",)
    g_old, g_new = load("bp.rules"), engine.load(str(tmp_path / "bp2.rules"))
    for region in d.regions:
        assert region.example is not None
        facts = region.example["facts"]
        assert actions(g_old.evaluate(facts)).get("refer") != actions(g_new.evaluate(facts)).get("refer"), facts
    assert not diff(old, old).regions
