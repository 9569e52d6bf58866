"""The checker passes on purpose-written rules files: each finding is found, gone after the fix, and its witness
patient really exhibits it when evaluated."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dsl.diagnostics import Diagnostic
from engine.checks import CHECKS
from engine.checks.regions import cube_node, cubes, describe
from engine.checks.space import space
from engine.compile.compiler import compile
from engine.compile.guideline import CompiledGuideline
from engine.evaluate.guideline import Guideline
from engine.evaluate.result import Result
from engine.resolve.pipeline import load_model

FIXTURES = Path(__file__).parent / "fixtures" / "checks"


def compiled(name: str) -> CompiledGuideline:
    model, diags, _ = load_model(str(FIXTURES / f"{name}.rules"))
    assert model is not None, diags
    assert not [d for d in diags if d.severity == "error"], diags
    return compile(model)


def check(name: str) -> tuple[CompiledGuideline, list[Diagnostic]]:
    g = compiled(name)
    return g, [d for c in CHECKS for d in c(g)]


def codes(diags: list[Diagnostic]) -> list[str]:
    return [d.code for d in diags]


def run_witness(g: CompiledGuideline, d: Diagnostic) -> Result:
    assert d.witness is not None
    w: dict[str, Any] = dict(d.witness)
    assert set(w) == {"id", "description", "facts"}
    return Guideline(g).evaluate(w["facts"], w["id"])


def test_conflict_found_with_region_and_witness() -> None:
    g, diags = check("conflict")
    assert codes(diags) == ["E201"]
    d = diags[0]
    assert d.severity == "error"
    assert "rt_standard" in d.message and "uterine_no_rt" in d.message
    assert d.message.endswith("when site == uterus and depth == deep and size_cm > 5 cm and grade != 1")
    assert d.span == g.model.rule("uterine_no_rt").span
    assert d.notes and d.notes[0].span == g.model.rule("rt_standard").span
    res = run_witness(g, d)
    assert [(c.action, c.positive, c.negative) for c in res.conflicts] == [("rt", ("rt_standard",), ("uterine_no_rt",))]
    # the assumption (uterus implies female) lets the witness leave sex out
    assert d.witness is not None and "sex" not in d.witness["facts"]


def test_conflict_gone_after_override() -> None:
    _, diags = check("conflict_fixed")
    assert diags == []


def test_gap_found_and_witness_gets_no_position() -> None:
    g, diags = check("gap")
    assert codes(diags) == ["W202"]
    d = diags[0]
    assert d.message.endswith("when extent == localized and size_cm > 5 cm and margin != wide")
    res = run_witness(g, d)
    assert not [r for r in res.recommendations if r.action == "excision"]
    assert not res.pending
    _, fixed = check("gap_fixed")
    assert fixed == []


def test_dead_and_set_aside_rules() -> None:
    g, diags = check("dead")
    by_code = {(d.code, d.span): d for d in diags}
    assert sorted(codes(diags)) == ["W203", "W203", "W204"]
    assert ("W203", g.model.rule("male_uterine").span) in by_code
    assert "assumptions" in by_code[("W203", g.model.rule("male_uterine").span)].message
    assert "never be true" in by_code[("W203", g.model.rule("impossible_size").span)].message
    aside = by_code[("W204", g.model.rule("general").span)]
    res = run_witness(g, aside)
    assert [(o.rule, o.by) for o in res.overridden] == [("general", ("exception",))]
    _, fixed = check("dead_fixed")
    assert fixed == []


def test_override_that_never_applies() -> None:
    g, diags = check("override_never")
    assert codes(diags) == ["W205"]
    assert diags[0].span == g.model.rule("no_chemo_low").span
    assert diags[0].notes[0].span == g.model.rule("chemo_high").span
    _, fixed = check("override_never_fixed")
    assert fixed == []


def test_parameter_clash_and_todo() -> None:
    g, diags = check("param_clash")
    assert codes(diags) == ["W206", "N207"]
    clash = diags[0]
    assert clash.message.endswith("when years == 3 years and grade != 1")
    res = run_witness(g, clash)
    params = {r.rule: dict(r.params) for r in res.recommendations if r.action == "visit"}
    assert set(params) == {"early", "middle"} and params["early"] != params["middle"]
    assert diags[1].message == "todo (section 'follow'): Low-grade follow-up intervals"
    _, fixed = check("param_clash_fixed")
    assert fixed == []


def test_unknown_inputs_read_as_the_evaluator_does() -> None:
    g, diags = check("unknown")
    assert codes(diags) == ["E201", "W202"]
    conflict, gap = diags
    assert "size_cm is unknown and imaging == true" in conflict.message
    assert conflict.witness is not None and "size_cm" not in conflict.witness["facts"]
    assert [c.action for c in run_witness(g, conflict).conflicts] == ["mri"]
    assert gap.message.endswith("when size_cm is known and imaging == false")
    assert not run_witness(g, gap).recommendations
    _, fixed = check("unknown_fixed")
    assert codes(fixed) == ["W202"]


def test_every_witness_of_lms_exhibits_its_finding() -> None:
    model, _, _ = load_model(str(Path(__file__).parent.parent / "rules" / "lms.rules"))
    if model is None:
        pytest.skip("rules/lms.rules does not resolve")
    g = compile(model)
    diags = [d for c in CHECKS for d in c(g)]
    for d in diags:
        if d.witness is None:
            continue
        res = run_witness(g, d)
        if d.code == "E201":
            assert res.conflicts, d.message
        elif d.code == "W202":
            action = d.message.split("'")[1]
            assert not [r for r in res.recommendations if r.action == action], d.message


def test_checks_are_deterministic() -> None:
    first = [d.to_dict() for d in check("conflict")[1] + check("dead")[1]]
    again = [d.to_dict() for d in check("conflict")[1] + check("dead")[1]]
    assert first == again


def test_description_is_exact_for_the_region() -> None:
    g = compiled("gap")
    sp = space(g)
    m = sp.m
    region = m.and_(sp.cover(0), m.not_(m.or_(sp.active(0), sp.active(1))))
    found = cubes(m, region, sp.allowed, [v.numeric for v in g.vars])
    union = m.or_(*[cube_node(m, c) for c in found])
    assert m.and_(union, sp.allowed) == region
    assert describe(g, found) == "extent == localized and size_cm > 5 cm and margin != wide"


def test_condition_builder_agrees_with_the_compiler() -> None:
    for name in ("conflict", "gap", "dead", "param_clash", "unknown"):
        g = compiled(name)
        sp = space(g)
        for r in g.model.rules:
            assert sp.condition(r.condition) == sp.copy(g.rule_nodes[r.name]), (name, r.name)


def test_checks_leave_the_compiled_diagrams_alone() -> None:
    g = compiled("conflict")
    before = len(g.mdd)
    for c in CHECKS:
        c(g)
    assert len(g.mdd) == before
