"""The weak negative strength (``may_omit``) and ``any_of`` choice sets (issue 14).

``may_omit`` is the sixth step of the scale (a weak recommendation against): negative for conflicts, weak for the
verdict and the audit, never prevailing. ``any_of(A, B, C)`` is a choice set whose alternatives may be given
together: shown as "one or more of", and, unlike a ``one_of``'s, two of its alternatives break a
``never_together``. The brute-force agreement tests draw both (tests/modelgen.py); these pin what each output
says."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dsl.format import format_file
from dsl.parser import parse
from engine.cases.validate import Case
from engine.checks import CHECKS
from engine.checks.together import together
from engine.cli.report_run import text_case
from engine.compile.compiler import compile
from engine.compile.export import from_data, to_data
from engine.core.model import AnyOf, Strength
from engine.evaluate.api import load
from engine.evaluate.guideline import Guideline
from engine.evaluate.reference import evaluate_direct
from visualize.boxes import entry_views

if TYPE_CHECKING:
    from conftest import Cli

PAIN = """guideline "Analgesia"

input pain: {mild, severe}
input frail: bool

action paracetamol "Paracetamol"
action ibuprofen(dose: mg) "Ibuprofen"
action physiotherapy "Physiotherapy"
action opioid "Opioid"

never_together ibuprofen, opioid

section main "Main":

  rule mild_pain:
    when pain == mild
    recommend any_of(paracetamol, ibuprofen(dose: 400 mg) [evidence "B"], physiotherapy)

  rule severe_pain:
    when pain == severe
    consider one_of(opioid, paracetamol)

  rule frail_no_physio:
    when frail
    may_omit physiotherapy
    evidence "expert opinion"
"""


def _load(tmp_path: Path, text: str) -> Guideline:
    p = tmp_path / "g.rules"
    p.write_text(text, encoding="utf-8")
    return load(str(p))


def _agree(g: Guideline, facts: dict[str, Any]) -> Any:
    walk = g.evaluator.walk(facts, "c")
    assert walk.to_dict() == evaluate_direct(g.model, facts, "c").to_dict()
    return walk


def _text(g: Guideline, facts: dict[str, Any]) -> str:
    return "".join(text_case(g.model, Case("c", None, facts, None, "c.yaml", 1), g.evaluate(facts, "c")))


def test_any_of_parses_resolves_and_formats_back(tmp_path: Path) -> None:
    tree, diags = parse(PAIN, "g.rules")
    assert tree is not None and not diags and format_file(tree) == PAIN
    g = _load(tmp_path, PAIN)
    mild = g.model.rules[0]
    assert [e.one_of for e in mild.entries] == [("paracetamol", "ibuprofen", "physiotherapy")] * 3
    assert all(isinstance(e.one_of, AnyOf) for e in mild.entries)
    assert not isinstance(g.model.rules[1].entries[0].one_of, AnyOf)
    assert g.model.rules[2].entries[0].strength is Strength.MAY_OMIT


def test_any_of_in_json_text_and_figure(tmp_path: Path) -> None:
    g = _load(tmp_path, PAIN)
    facts = {"pain": "mild", "frail": False}
    data = _agree(g, facts).to_dict()
    assert [r.get("any_of") for r in data["recommendations"]] == [["paracetamol", "ibuprofen", "physiotherapy"]] * 3
    assert all("one_of" not in r for r in data["recommendations"])
    assert [v.get("any_of") for v in data["actions"]] == [["paracetamol", "ibuprofen", "physiotherapy"]] * 3
    text = _text(g, facts)
    assert "  RECOMMEND one or more of: Paracetamol, Ibuprofen (dose: 400 mg), Physiotherapy  [B]\n" in text
    assert "CONSIDER one of" not in text
    severe = _text(g, {"pain": "severe", "frail": False})
    assert "  CONSIDER one of: Opioid, Paracetamol\n" in severe
    leaves = [d for _, d in compile(g.model).graph.nodes(data=True) if d.get("entries")]
    boxes = {v.action for leaf in leaves for v in entry_views(leaf, g.model, {})}
    assert "Choose one or more: Paracetamol | Ibuprofen | Physiotherapy" in boxes
    assert "Choose one: Opioid | Paracetamol" in boxes


def test_two_alternatives_of_an_any_of_break_a_constraint(tmp_path: Path) -> None:
    """One or more of A, B: the patient may get both, so ``never_together A, B`` is broken (check and run), where
    for ``one_of(A, B)`` it is not."""
    text = PAIN.replace("never_together ibuprofen, opioid", "never_together ibuprofen, physiotherapy")
    g = _load(tmp_path, text)
    found = together(g.compiled)
    assert [d.code for d in found] == ["E209"]
    assert "pain == mild" in found[0].message and found[0].witness is not None
    r = _agree(g, {"pain": "mild", "frail": False})
    assert [t.actions for t in r.never_together] == [("ibuprofen", "physiotherapy")]
    as_one = _load(tmp_path, text.replace("recommend any_of(", "recommend one_of("))
    assert together(as_one.compiled) == []
    assert _agree(as_one, {"pain": "mild", "frail": False}).never_together == ()


def test_export_keeps_the_kind_of_choice(tmp_path: Path) -> None:
    g = _load(tmp_path, PAIN)
    data = json.loads(json.dumps(to_data(g.compiled)))
    assert "any_of" in data["rules"][0]["entries"][0] and "one_of" in data["rules"][1]["entries"][0]
    back = from_data(data)
    assert back.model.rules == g.model.rules
    assert isinstance(back.model.rules[0].entries[0].one_of, AnyOf)
    facts = {"pain": "mild", "frail": True}
    assert Guideline(back).evaluate(facts, "c").to_dict() == g.evaluate(facts, "c").to_dict()


def test_may_omit_verdict_and_its_conflict_with_a_positive(tmp_path: Path) -> None:
    g = _load(tmp_path, PAIN)
    codes = [d.code for check in CHECKS for d in check(g.compiled)]
    assert codes.count("E201") == 1  # mild and frail: physiotherapy recommended and may be omitted
    r = _agree(g, {"pain": "severe", "frail": True})
    physio = next(v for v in r.actions if v.action == "physiotherapy")
    assert physio.strength is Strength.MAY_OMIT and not physio.conflict
    assert r.to_dict()["recommendations"][-1]["strength"] == "may_omit"
    assert "  MAY OMIT Physiotherapy (physiotherapy)  [expert opinion]\n" in _text(g, {"pain": "severe",
                                                                                     "frail": True})
    both = _agree(g, {"pain": "mild", "frail": True})
    assert [c.action for c in both.conflicts] == ["physiotherapy"]


def test_a_strong_negative_outranks_the_weak_one(tmp_path: Path) -> None:
    text = PAIN + "\n  rule frail_no_opioid:\n    when frail\n    not_recommended opioid\n" \
        "\n  rule frail_opioid_optional:\n    when frail\n    may_omit opioid\n"
    g = _load(tmp_path, text)
    r = _agree(g, {"pain": "mild", "frail": True})
    assert next(v for v in r.actions if v.action == "opioid").strength is Strength.NOT_RECOMMENDED


def test_case_files_expect_may_omit(cli: Cli, tmp_path: Path) -> None:
    rules = tmp_path / "g.rules"
    rules.write_text(PAIN, encoding="utf-8")
    case = tmp_path / "c.yaml"
    case.write_text("id: frail\nfacts: {pain: severe, frail: true}\nexpect:\n  may_omit: [physiotherapy]\n"
                    "  consider: [opioid, paracetamol]\n", encoding="utf-8")
    assert cli("test", str(rules), str(case)).code == 0
    case.write_text("id: frail\nfacts: {pain: severe, frail: true}\nexpect:\n  not_recommended: [physiotherapy]\n",
                    encoding="utf-8")
    assert cli("test", str(rules), str(case)).code == 1


def test_audit_counts_a_weak_negative_given_as_neither(cli: Cli, tmp_path: Path) -> None:
    """Giving an action the guideline says may be omitted is no discordance (it is left to judgement); giving one
    it does not recommend is."""
    rules = tmp_path / "g.rules"
    rules.write_text(PAIN, encoding="utf-8")
    cohort = tmp_path / "c.csv"
    cohort.write_text("id,pain,frail,given_physiotherapy\nw1,severe,true,yes\nw2,severe,true,no\n",
                      encoding="utf-8")
    r = cli("audit", str(rules), str(cohort), "--given", "given_physiotherapy", "--format", "json")
    assert r.code == 0, r.err
    out = json.loads(r.out)
    row = next(x for x in out["rules"] if x["rule"] == "frail_no_physio")
    assert (row["active"], row["given"], row["concordant"], row["discordant"]) == (2, 1, 0, 0)
    physio = next(a for a in out["actions"] if a["action"] == "physiotherapy")
    assert (physio["negative"], physio["given"], physio["concordant"], physio["discordant"]) == (2, 1, 0, 0)
    assert out["discordant"] == []
