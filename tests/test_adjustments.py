"""Adjustments (issue 14): ``adjust ACTION(PARAM: VALUE)`` changes the parameters of a positive recommendation
without changing its strength (a dose exception: KIT exon 9 -> 800 mg). Decided per patient like a rule's entries
(overrides and unknown data included), shown in the verdict, the text report and the figure, checked by W214
(two adjustments disagree) and W215 (an adjustment that changes nothing). The walk, the fast path and the
graph-free reference agree on every patient of a grid; random models draw adjustments too (tests/modelgen.py)."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

from dsl.format import format_file
from dsl.parser import parse
from engine.cases.validate import Case
from engine.checks import CHECKS
from engine.checks.adjustments import adjustments
from engine.cli.report_run import text_case
from engine.compile.compiler import compile
from engine.compile.export import from_data, to_data
from engine.core.model import Quantity, Strength
from engine.evaluate.api import load
from engine.evaluate.guideline import Guideline
from engine.evaluate.reference import evaluate_direct
from visualize.boxes import entry_views

RULES = Path(__file__).parent / "fixtures" / "adjust" / "gist.rules"
FULL = {"high_risk": True, "kit_exon": 11, "intolerant": False, "pregnant": False}


def _agree(g: Guideline, facts: dict[str, Any]) -> Any:
    walk = g.evaluator.walk(facts, "c")
    assert walk.to_dict() == evaluate_direct(g.model, facts, "c").to_dict(), facts
    if len(facts) == len(g.model.inputs):
        assert g.evaluator.fast(facts, "c").to_dict() == walk.to_dict()
    return walk


def _imatinib(result: Any) -> Any:
    return next(v for v in result.actions if v.action == "imatinib")


def _dose(result: Any) -> float | None:
    params = dict(_imatinib(result).params)
    return params["dose"].value if "dose" in params else None


def _load(tmp_path: Path, text: str) -> Guideline:
    p = tmp_path / "g.rules"
    p.write_text(text, encoding="utf-8")
    return load(str(p))


def test_syntax_resolves_and_formats_back() -> None:
    text = RULES.read_text()
    tree, diags = parse(text, "gist.rules")
    assert tree is not None and not diags and format_file(tree) == text
    model = load(str(RULES)).model
    exon9 = model.rule("exon9_dose")
    assert exon9.entries == () and [(a.action, a.params) for a in exon9.adjusts] == [
        ("imatinib", (("dose", Quantity(800, "mg")),))]
    assert [(model.rules[ri].name, a.action) for ri, a in model.adjustments] == [
        ("exon9_dose", "imatinib"), ("intolerant_dose", "imatinib")]


def test_evaluators_agree_on_every_patient() -> None:
    g = load(str(RULES))
    names = list(FULL)
    for values in itertools.product((False, True), (9, 11), (False, True), (False, True)):
        facts = dict(zip(names, values, strict=True))
        _agree(g, facts)
        for gone in names:
            _agree(g, {k: v for k, v in facts.items() if k != gone})


def test_an_adjustment_changes_the_dose_not_the_strength() -> None:
    g = load(str(RULES))
    base = _agree(g, FULL)
    assert _dose(base) == 400 and _imatinib(base).adjusted == ()
    exon9 = _agree(g, {**FULL, "kit_exon": 9})
    v = _imatinib(exon9)
    assert v.strength is Strength.RECOMMEND and _dose(exon9) == 800
    assert dict(v.params)["duration"] == Quantity(3, "years")  # the parameters it does not name stay
    assert [(a.rule, a.needs) for a in v.adjusted] == [("exon9_dose", ())]
    assert [r.params for r in exon9.recommendations] == [r.params for r in base.recommendations]  # audit trail
    data = exon9.to_dict()["actions"][0]
    assert data["params"]["dose"] == {"value": 800, "unit": "mg"}
    assert data["adjusted"] == [{"rule": "exon9_dose", "params": {"dose": {"value": 800, "unit": "mg"}},
                                 "in_force": True, "needs": []}]


def test_overrides_decide_between_adjustments() -> None:
    g = load(str(RULES))
    r = _agree(g, {**FULL, "kit_exon": 9, "intolerant": True})
    assert _dose(r) == 300 and [a.rule for a in _imatinib(r).adjusted] == ["intolerant_dose"]


def test_a_negative_verdict_is_not_adjusted() -> None:
    g = load(str(RULES))
    r = _agree(g, {**FULL, "kit_exon": 9, "pregnant": True})
    v = _imatinib(r)
    assert v.strength is Strength.NEVER and v.params == () and v.adjusted == ()


def test_unknown_data_leaves_an_adjustment_pending_with_what_decides_it() -> None:
    g = load(str(RULES))
    facts = {"high_risk": True, "kit_exon": 9, "pregnant": False}  # intolerant unknown: either dose may hold
    r = _agree(g, facts)
    assert _dose(r) == 400
    assert [(a.rule, a.needs) for a in _imatinib(r).adjusted] == [("exon9_dose", ("intolerant",)),
                                                                   ("intolerant_dose", ("intolerant",))]
    text = "".join(text_case(g.model, Case("c", None, facts, None, "c.yaml", 1), r))
    assert "      may be adjusted by exon9_dose (dose: 800 mg): enter intolerant to decide\n" in text
    in_force = {**facts, "intolerant": False}
    assert "      adjusted by exon9_dose: dose: 800 mg\n" in "".join(
        text_case(g.model, Case("c", None, in_force, None, "c.yaml", 1), g.evaluate(in_force, "c")))


def test_the_checks_find_disagreeing_and_idle_adjustments(tmp_path: Path) -> None:
    assert adjustments(load(str(RULES)).compiled) == []
    text = RULES.read_text().replace("    overrides exon9_dose\n", "") + (
        "\n  rule low_risk_dose:\n    when not high_risk\n    adjust imatinib(dose: 100 mg)\n")
    g = _load(tmp_path, text)
    found = adjustments(g.compiled)
    assert [d.code for d in found] == ["W214", "W215"]
    assert found[0].witness is not None and "kit_exon == 9 and intolerant == true" in found[0].message
    r = g.evaluate({"high_risk": True, "kit_exon": 9, "intolerant": True, "pregnant": False}, "c")
    v = _imatinib(r)
    assert "dose" in v.clashes and "dose" not in dict(v.params)
    assert "W214" in {d.code for check in CHECKS for d in check(g.compiled)}


def test_resolver_errors(tmp_path: Path) -> None:
    both = RULES.read_text().replace("    adjust imatinib(dose: 800 mg)\n",
                                     "    adjust imatinib(dose: 800 mg)\n    recommend imatinib\n")
    from engine.core.errors import GuidelineError

    for text, says in ((both, "both gives and adjusts 'imatinib'"),
                       (RULES.read_text().replace("adjust imatinib(dose: 800 mg)", "adjust imatinib(dosage: 800 mg)"),
                        "no parameter 'dosage'")):
        try:
            _load(tmp_path, text)
        except GuidelineError as e:
            assert says in "\n".join(d.message for d in e.diagnostics)
        else:
            raise AssertionError(f"accepted: {says}")


def test_export_round_trip_and_figure_box() -> None:
    g = load(str(RULES))
    back = from_data(json.loads(json.dumps(to_data(g.compiled))))
    assert back.model.rules == g.model.rules
    facts = {**FULL, "kit_exon": 9}
    assert Guideline(back).evaluate(facts, "c").to_dict() == g.evaluate(facts, "c").to_dict()
    leaves = [d for _, d in compile(g.model).graph.nodes(data=True) if d.get("entries")]
    views = [v for leaf in leaves for v in entry_views(leaf, g.model, {}) if v.action == "Imatinib"]
    assert views and all(v.details == ("dose: 400 mg; duration: 3 years", "dose: 800 mg if KIT mutation exon: 9",
                                       "dose: 300 mg if intolerant of the full dose: yes")
                         for v in views if v.strength == "recommend")


def test_coverage_counts_an_adjustment_that_changed_a_dose_and_finds_witnesses() -> None:
    from engine.cases.coverage import coverage

    g = load(str(RULES))
    cases = [FULL, {**FULL, "kit_exon": 9}]
    cov = coverage(g, cases, [g.evaluate(c, "c") for c in cases])
    assert "exon9_dose" in cov.fired and "intolerant_dose" in cov.uncovered
    facts = cov.witnesses["intolerant_dose"]
    assert facts is not None and facts.get("intolerant") is True
    assert [a.rule for a in _imatinib(g.evaluate(facts, "w")).adjusted if not a.needs] == ["intolerant_dose"]
