"""Issue 16: one verdict per action, what the guideline leaves open for the patient, per-patient clashes, pending
that matters, and every footnote of lms.rules visible in `run` output."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import yaml

import engine
from engine.compile.compiler import overriders
from engine.evaluate.guideline import Guideline

if TYPE_CHECKING:
    from conftest import Cli

LMS = "rules/lms.rules"
STRENGTH = re.compile(r"^  (MUST|RECOMMEND|CONSIDER|NOT RECOMMENDED|NEVER|CONFLICT) .*?\((\w+)\)")


@pytest.fixture(scope="module")
def lms() -> Guideline:
    return engine.load(LMS)


def _blocks(text: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for block in text.split("\n\nCase "):
        lines = block.removeprefix("Case ").splitlines()
        if lines and not lines[0].startswith("References:"):
            out[lines[0].split(":")[0].split()[0]] = lines
    return out


def test_lms_cases_one_line_per_action_and_at_most_40_lines(cli: Cli) -> None:
    code, out, _ = cli("run", LMS, "rules/cases")
    assert code == 0
    blocks = _blocks(out.split("\n\nReferences:\n")[0])
    assert len(blocks) > 40
    for case, lines in blocks.items():
        actions = [m.group(2) for line in lines if (m := STRENGTH.match(line))]
        assert actions and len(actions) == len(set(actions)), (case, actions)
        assert len(lines) <= 40, (case, len(lines))
    typical = blocks["extremity_high_risk_postoperative_rt"]
    assert len(typical) <= 32
    assert ("      because High risk (grade 2-3, deep, > 5 cm): FNCLCC grade 3, deep, 8 cm;"
            " Planned timing of radiotherapy: postoperative") in typical
    assert not any("grade in {2, 3}" in line for line in typical)  # the let is named, not expanded


def test_json_actions_one_per_action_with_rules_and_notes(cli: Cli) -> None:
    code, out, _ = cli("run", LMS, "rules/cases", "--format", "json")
    assert code == 0
    for res in json.loads(out)["results"]:
        names = [v["action"] for v in res["actions"]]
        assert len(names) == len(set(names)) == len({r["action"] for r in res["recommendations"]})
        for v in res["actions"]:
            recs = [r for r in res["recommendations"] if r["action"] == v["action"]]
            assert [b["rule"] for b in v["rules"]] == list(dict.fromkeys(
                r["rule"] for r in sorted(recs, key=lambda r: r["strength"] in ("not_recommended", "never"))))
            assert set(v["notes"]) == {n for r in recs for n in r["notes"]}
            assert set(v["citations"]) == {c for r in recs for c in r["citations"]}
        for n in res["not_addressed"]:
            assert set(n) == {"action", "section", "cover"}


def test_every_footnote_of_lms_is_shown_by_run_for_a_patient_it_applies_to(lms: Guideline, cli: Cli,
                                                                            tmp_path: Path) -> None:
    g = lms.compiled
    m = g.mdd
    over = overriders(g.model)
    cases = []
    for ri, rule in enumerate(g.model.rules):
        if not rule.footnotes:
            continue
        active = m.and_(g.rule_nodes[rule.name], g.assume_node,
                        *[m.not_(g.rule_nodes[g.model.rules[o].name]) for o in over[ri]])
        path = m.witness(active, True)
        assert path is not None, rule.name
        cases.append({"id": f"w_{rule.name}", "facts": g.facts_of(path, complete=True)})
    assert len(cases) > 10
    file = tmp_path / "witnesses.yaml"
    file.write_text(yaml.safe_dump(cases), encoding="utf-8")
    code, out, _ = cli("run", LMS, str(file))
    assert code in (0, 1)
    blocks = _blocks(out.split("\n\nReferences:\n")[0])
    for rule in g.model.rules:
        if rule.footnotes:
            shown = "\n".join(blocks[f"w_{rule.name}"])
            for note in rule.footnotes:
                assert f"      note: {note}\n" in shown + "\n", (rule.name, note)


@pytest.mark.parametrize(("facts", "action"), [
    ({"phase": "treatment", "extent": "localized", "site": "uterus", "sex": "female", "menopausal_status":
      "postmenopausal"}, "bilateral_salpingo_oophorectomy"),
    ({"phase": "follow_up", "extent": "localized", "grade": 1, "years_since_treatment": 1}, "follow_up_visit"),
    ({"phase": "treatment", "extent": "localized", "site": "extremity", "depth": "superficial", "size_cm": 10,
      "grade": 3}, "radiotherapy"),
])
def test_not_addressed_examples_of_the_issue(lms: Guideline, facts: dict[str, object], action: str) -> None:
    res = lms.evaluate(facts, "x")
    assert action in [n.action for n in res.not_addressed]
    n = next(n for n in res.not_addressed if n.action == action)
    assert n.cover and n.section
    assert action not in [v.action for v in res.actions]
    assert res.to_dict()["not_addressed"][[x.action for x in res.not_addressed].index(action)] == {
        "action": action, "section": n.section, "cover": n.cover}


def test_not_addressed_depends_on_unknown_inputs(lms: Guideline, cli: Cli, tmp_path: Path) -> None:
    facts = {"phase": "treatment", "extent": "localized", "site": "extremity", "depth": "superficial",
             "size_cm": 10}
    res = lms.evaluate(facts, "x")  # superficial: no RT position whatever the unknown grade
    assert "radiotherapy" in [n.action for n in res.not_addressed] and not res.maybe_not_addressed
    deep = lms.evaluate({**facts, "depth": "deep"}, "z")  # grade unknown: RT for grade 2-3, a gap for grade 1
    assert dict((n.action, needs) for n, needs in deep.maybe_not_addressed).get("radiotherapy") == ("grade",)
    file = tmp_path / "c.yaml"
    file.write_text(yaml.safe_dump({"id": "deep", "facts": {**facts, "depth": "deep"}}), encoding="utf-8")
    _, out, _ = cli("run", LMS, str(file))
    assert "  Not addressed by the guideline, depending on grade: Radiation therapy (radiotherapy)\n" in out


CLASH = """\
guideline "Clash" version "1"
input grade: {1, 2, 3}
input known_x: bool
action visit(every: months) "Visit"
action scan "Scan"
action drug "Drug"
section s "S":
  rule a "Visit A":
    recommend visit(every: 3 months)
    footnote "First note."
  rule b "Visit B":
    when grade == 3
    recommend visit(every: 6 months)
  rule c:
    when grade in {2, 3}
    recommend scan
  rule d:
    when known_x
    recommend scan
  rule e:
    when known_x
    consider drug
  rule f:
    when grade == 3
    never drug
"""


def test_clashes_and_conflicts_in_text_and_json(cli: Cli, tmp_path: Path) -> None:
    rules = tmp_path / "clash.rules"
    rules.write_text(CLASH, encoding="utf-8")
    case = tmp_path / "c.yaml"
    case.write_text("- id: g3\n  facts: {grade: 3, known_x: true}\n- id: g2\n  facts: {grade: 2}\n",
                    encoding="utf-8")
    code, out, _ = cli("run", str(rules), str(case))
    assert code == 1
    g3 = out.split("Case g2")[0]
    assert "  RECOMMEND Visit (visit) -- every: 3 months (a) | 6 months (b) [CLASH]\n" in g3
    assert "  CONFLICT Drug (drug): CONSIDER by e; NEVER by f\n" in g3
    assert g3.count("(scan)") == 1
    assert "Clashes (one action, different parameters):" in g3 and "Conflicts:" in g3
    # pending that cannot change anything is not listed: scan is already recommended by rule c
    g2 = out.split("Case g2")[1]
    assert "Enter known_x to decide 1 item: CONSIDER Drug (drug)" in g2
    assert "Scan (scan)" not in g2.split("Pending")[1]
    _, js, _ = cli("run", str(rules), str(case), "--format", "json")
    res = json.loads(js)["results"][0]
    assert res["clashes"] == [{"action": "visit", "param": "every", "rules": ["a", "b"],
                               "values": [{"value": 3, "unit": "months"}, {"value": 6, "unit": "months"}]}]
    drug = next(v for v in res["actions"] if v["action"] == "drug")
    assert drug["conflict"] is True and drug["strength"] is None
    visit = next(v for v in res["actions"] if v["action"] == "visit")
    assert visit["clashes"] == ["every"] and visit["params"] == {} and visit["notes"] == ["First note."]
    assert [r["label"] for r in visit["rules"]] == ["Visit A", "Visit B"]
    assert len(json.loads(js)["results"][1]["pending"]) == 2  # the audit trail keeps every pending rule
