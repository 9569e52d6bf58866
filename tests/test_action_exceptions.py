"""Action-level exceptions (issue 14, part 1): ``overrides rule.action`` and prevailing prohibitions
(``never ACTION prevails``), on a hypertension guideline written for the purpose, and exactness of the checks and
the evaluator on random guidelines that use them (tests/modelgen.py draws both)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from modelgen import facts_for, models

from dsl.format import format_file
from dsl.parser import parse
from engine.checks import CHECKS
from engine.checks.conflicts import conflict_regions
from engine.compile.compiler import compile
from engine.compile.export import from_data, to_data
from engine.evaluate.api import load
from engine.evaluate.guideline import Guideline
from engine.evaluate.reference import evaluate_direct
from engine.resolve.resolver import resolve

RULES = Path(__file__).parent / "fixtures" / "exceptions" / "hypertension.rules"
BASE = {"systolic": 150, "diabetes": True, "pregnant": False, "ckd": False, "black": False}


def _guideline(text: str) -> Guideline:
    tree, syntax = parse(text, "h.rules")
    assert tree is not None and not syntax
    model, diags = resolve(tree, "h.rules")
    assert model is not None and not [d for d in diags if d.severity == "error"], diags
    return Guideline(compile(model))


def _positive(result: Any, action: str) -> list[str]:
    return [r.rule for r in result.recommendations if r.action == action and r.strength.positive]


def _agree(g: Guideline, facts: dict[str, Any]) -> Any:
    """The walk, the generated fast path and the graph-free reference give the same result."""
    walk = g.evaluator.walk(facts, "c")
    direct = evaluate_direct(g.model, facts, "c")
    assert walk.to_dict() == direct.to_dict()
    if len(facts) == len(g.model.inputs):
        assert g.evaluator.fast(facts, "c") == walk
    return walk


def test_harm_prevails_over_every_positive_without_naming_them() -> None:
    g = load(str(RULES))
    r = _agree(g, {**BASE, "pregnant": True, "ckd": True})
    assert _positive(r, "ace_inhibitor") == [] and _positive(r, "arb") == []
    aside = {(o.rule, o.action): o.by for o in r.overridden}
    assert aside == {("diabetes_first_line", "ace_inhibitor"): ("pregnancy_harm",),
                     ("ckd_first_line", "ace_inhibitor"): ("pregnancy_harm",),
                     ("diabetes_first_line", "arb"): ("pregnancy_harm",)}
    assert _positive(r, "thiazide") == ["ckd_first_line"]  # the rest of a multi-drug rule stays
    assert r.conflicts == ()


def test_a_new_positive_rule_needs_no_edit_elsewhere() -> None:
    text = RULES.read_text() + ("\n  rule elderly_ace \"A new indication\":\n    when diabetes and ckd\n"
                                "    must ace_inhibitor\n")
    g = _guideline(text)
    r = _agree(g, {**BASE, "pregnant": True, "ckd": True})
    assert _positive(r, "ace_inhibitor") == []
    assert ("elderly_ace", "ace_inhibitor") in {(o.rule, o.action) for o in r.overridden}
    found = [d for check in CHECKS for d in check(g.compiled)]
    assert not [d for d in found if d.code == "E201"]
    note = next(d for d in found if d.code == "N208" and "'never ace_inhibitor'" in d.message)
    assert "'elderly_ace'" in note.message  # check lists what the prohibition took precedence over


def test_without_prevails_it_is_a_conflict() -> None:
    g = _guideline(RULES.read_text().replace("never ace_inhibitor prevails", "never ace_inhibitor"))
    found = [d for check in CHECKS for d in check(g.compiled)]
    assert {d.code for d in found if d.severity == "error"} == {"E201"}
    r = _agree(g, {**BASE, "pregnant": True})
    assert [c.action for c in r.conflicts] == ["ace_inhibitor"]


def test_an_action_of_another_rule_is_set_aside_alone() -> None:
    g = load(str(RULES))
    r = _agree(g, {**BASE, "black": True})
    assert _positive(r, "ace_inhibitor") == []
    assert _positive(r, "arb") == ["diabetes_first_line"]  # the same rule's other entry is kept
    assert {(o.rule, o.action, o.by) for o in r.overridden} == {
        ("diabetes_first_line", "ace_inhibitor", ("black_first_line",))}


def test_unknown_data_leaves_the_entry_pending() -> None:
    g = load(str(RULES))
    facts = {k: v for k, v in {**BASE, "ckd": True}.items() if k != "pregnant"}
    r = _agree(g, facts)
    pending = {(p.rule, p.action): p.needs for p in r.pending}
    assert pending[("ckd_first_line", "ace_inhibitor")] == ("pregnant",)
    assert _positive(r, "thiazide") == ["ckd_first_line"]


def test_format_and_export_round_trip() -> None:
    text = RULES.read_text()
    tree, _ = parse(text, "h.rules")
    assert tree is not None and format_file(tree) == text
    g = load(str(RULES))
    data = json.loads(json.dumps(to_data(g.compiled)))
    assert from_data(data).model.rules == g.model.rules


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_conflict_regions_match_the_reference_on_complete_patients(data: Any) -> None:
    """For complete patients, the checker's conflict regions (per entry, exceptions included) hold exactly where
    the graph-free reference evaluator finds both polarities active on the action."""
    model = data.draw(models())
    g = compile(model)
    regions = [(key, sp, region) for key, sp, region in conflict_regions(g)]
    for _ in range(5):
        facts = data.draw(facts_for(model, max_missing=0))
        result = evaluate_direct(model, facts, "c")
        if not result.recommendations and not result.overridden and not result.pending:
            continue
        branch = [1 if v.kind == "known" else v.branch_of(facts[v.input]) for v in g.vars]
        if g.mdd.evaluate(g.assume_node, branch) is not True:
            continue  # the facts break an assumption
        expected = {(p.action, p.rule, n.rule) for p in result.recommendations if p.strength.positive
                    for n in result.recommendations if n.action == p.action and not n.strength.positive}
        found = {(a, model.rules[p].name, model.rules[n].name) for (p, n, a), sp, region in regions
                 if sp.m.evaluate(region, branch) is True}
        assert found == expected, (facts, found, expected)
