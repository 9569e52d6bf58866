"""Never-together constraints (issue 14): ``never_together A, B [when COND] [cite N] [source "..."]``, checked on
every patient like a conflict (E209, exact, with an example patient) and flagged per patient in the results (the
JSON's ``never_together`` lists, per result and per verdict, and a text line), on a hypertension guideline written
for the purpose and on random guidelines (tests/modelgen.py) given a random constraint."""

from __future__ import annotations

import dataclasses
import itertools
import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from modelgen import condition, facts_for, models

from dsl.format import format_file
from dsl.parser import parse
from engine.cases.validate import Case
from engine.checks import CHECKS
from engine.checks.together import together, together_regions
from engine.cli.report_run import text_case
from engine.compile.compiler import compile
from engine.compile.export import from_data, to_data
from engine.core.errors import CaseError
from engine.core.model import TRUE, Together
from engine.evaluate.api import load
from engine.evaluate.guideline import Guideline
from engine.evaluate.reference import evaluate_direct

RULES = Path(__file__).parent / "fixtures" / "together" / "hypertension.rules"
BASE: dict[str, Any] = {"systolic": 150, "diabetes": False, "pregnant": False, "ckd": False, "black": False}


def _agree(g: Guideline, facts: dict[str, Any]) -> Any:
    """The walk, the generated fast path and the graph-free reference give the same result, flags included."""
    walk = g.evaluator.walk(facts, "c")
    direct = evaluate_direct(g.model, facts, "c")
    assert walk.to_dict() == direct.to_dict()
    if len(facts) == len(g.model.inputs):
        fast = g.evaluator.fast(facts, "c")
        assert fast == walk
    return walk


def _flags(result: Any) -> set[tuple[str, ...]]:
    return {t.actions for t in result.never_together}


def test_syntax_resolves_and_formats_back() -> None:
    text = RULES.read_text()
    tree, diags = parse(text, "h.rules")
    assert tree is not None and not diags and format_file(tree) == text
    g = load(str(RULES))
    first, second = g.model.together
    assert first == Together(("ace_inhibitor", "arb"), TRUE, None, (), "Never an ACE inhibitor together with an ARB")
    assert second.actions == ("ccb", "thiazide", "labetalol") and second.when == "ckd" and second.citations == (1,)


def test_check_reports_each_pair_with_a_patient_who_is_flagged() -> None:
    g = load(str(RULES))
    found = together(g.compiled)
    assert [d.code for d in found] == ["E209"] * 4
    pairs = {tuple(d.message.split("'")[1:4:2]) for d in found}
    assert pairs == {("ace_inhibitor", "arb"), ("ccb", "thiazide"), ("ccb", "labetalol"), ("thiazide", "labetalol")}
    for d in found:
        assert d.witness is not None
        a, b = d.message.split("'")[1:4:2]
        r = _agree(g, d.witness["facts"])
        assert any({a, b} <= set(t) for t in _flags(r)), (d.witness, r.never_together)
    assert "E209" in {d.code for check in CHECKS for d in check(g.compiled)}


def test_flags_match_the_check_regions_on_every_patient() -> None:
    """Every patient of the grid, with every input known or one left out: the result's flags (walk = fast =
    reference) are exactly the pairs whose check region holds the patient (complete patients)."""
    g = load(str(RULES))
    regions = list(together_regions(g.compiled))
    names = list(BASE)
    for values in itertools.product((100, 150), *[(False, True)] * 4):
        facts = dict(zip(names, values, strict=True))
        r = _agree(g, facts)
        flagged = {(i, a, b) for i, t in enumerate(g.model.together) for a, b in itertools.combinations(t.actions, 2)
                   if any({a, b} <= set(f) for f in _flags(r))}
        branch = [1 if v.kind == "known" else v.branch_of(facts[v.input]) for v in g.compiled.vars]
        inside = {key for key, sp, region in regions if sp.m.evaluate(region, branch) is True}
        assert flagged == inside, (facts, flagged, inside)
        for gone in names:
            _agree(g, {k: v for k, v in facts.items() if k != gone})


def test_overrides_and_prevailing_prohibitions_lift_the_constraint() -> None:
    g = load(str(RULES))
    assert _flags(_agree(g, {**BASE, "diabetes": True})) == {("ace_inhibitor", "arb")}
    assert _flags(_agree(g, {**BASE, "diabetes": True, "pregnant": True})) == set()  # harm set both aside
    assert _flags(_agree(g, {**BASE, "ckd": True, "black": True, "pregnant": True})) == {
        ("ccb", "thiazide", "labetalol")}
    assert _flags(_agree(g, {**BASE, "black": True, "pregnant": True})) == set()  # when ckd: not decided true
    unknown = _agree(g, {k: v for k, v in {**BASE, "black": True, "pregnant": True}.items() if k != "ckd"})
    assert _flags(unknown) == set()  # pending condition: not flagged (decided true only)


def test_json_and_text_show_the_flag() -> None:
    g = load(str(RULES))
    facts = {**BASE, "diabetes": True}
    r = _agree(g, facts)
    data = r.to_dict()
    assert data["never_together"] == [{"actions": ["ace_inhibitor", "arb"], "rules": ["diabetes_first_line"],
                                       "when": None}]
    assert {v["action"]: v["never_together"] for v in data["actions"]} == {"ace_inhibitor": ["arb"],
                                                                           "arb": ["ace_inhibitor"]}
    text = "".join(text_case(g.model, Case("c", None, facts, None, "c.yaml", 1), r))
    assert "NEVER TOGETHER: ACE inhibitor (ace_inhibitor) and Angiotensin receptor blocker (arb) are both " \
           "recommended (rules diabetes_first_line)" in text
    plain = _agree(g, {**BASE, "black": True}).to_dict()  # a guideline with constraints: the keys are always there
    assert plain["never_together"] == [] and plain["actions"][0]["never_together"] == []


def test_guidelines_without_constraints_keep_their_json() -> None:
    g = load(str(Path(__file__).parent / "fixtures" / "exceptions" / "hypertension.rules"))
    data = _agree(g, {**BASE, "diabetes": True}).to_dict()
    assert "never_together" not in data and all("never_together" not in v for v in data["actions"])


def test_export_round_trip() -> None:
    g = load(str(RULES))
    data = json.loads(json.dumps(to_data(g.compiled)))
    back = from_data(data)
    assert back.model.together == g.model.together
    facts = {**BASE, "ckd": True, "black": True}
    assert Guideline(back).evaluate(facts, "c").to_dict() == g.evaluate(facts, "c").to_dict()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_random_constraints_agree_with_the_reference(data: Any) -> None:
    """On random guidelines given a random constraint: on complete patients the check's regions hold exactly where
    the reference flags the pair; on partial ones walk, fast and reference agree."""
    model = data.draw(models())
    if len(model.actions) < 2:
        return
    acts = tuple(data.draw(st.permutations(list(model.actions)))[:data.draw(st.integers(2, len(model.actions)))])
    when = data.draw(st.sampled_from([TRUE, condition(data.draw, model.inputs, list(model.lets), 1)]))
    model = dataclasses.replace(model, together=(Together(acts, when),))
    g = Guideline(compile(model))
    regions = list(together_regions(g.compiled))
    for _ in range(4):
        facts = data.draw(facts_for(model))
        try:
            g.check_facts(facts)
        except CaseError:  # facts breaking an assumption are rejected: nothing to compare
            continue
        r = _agree(g, facts)
        if len(facts) != len(model.inputs):
            continue
        flagged = {(a, b) for a, b in itertools.combinations(acts, 2) if any({a, b} <= set(f) for f in _flags(r))}
        branch = [1 if v.kind == "known" else v.branch_of(facts[v.input]) for v in g.compiled.vars]
        inside = {(a, b) for (_, a, b), sp, region in regions if sp.m.evaluate(region, branch) is True}
        assert flagged == inside, (facts, flagged, inside)


def test_the_language_server_indexes_the_constraint() -> None:
    from engine.lsp.index import build

    tree, _ = parse(RULES.read_text(), "h.rules")
    assert tree is not None
    index = build(tree)
    lines = {o.span.line for o in index.occurrences if o.key == ("action", "arb") and not o.declaration}
    assert 18 in lines  # never_together ace_inhibitor, arb ...
    assert 19 in {o.span.line for o in index.occurrences if o.key == ("input", "ckd")}  # ... when ckd
