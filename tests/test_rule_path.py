"""The all-known path written per rule (engine/evaluate/rulecode.py) == the section diagrams' generated path == the
memoised walk == the reference evaluator, on random guidelines with every input known (facts may break an
assumption: the path must then give what the diagrams give, no entries and lets unknown)."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from modelgen import build, enum, eq, facts_for, gt, le, models, num, rule

from engine.compile.compiler import compile
from engine.core.model import TRUE, Section
from engine.evaluate.guideline import Guideline
from engine.evaluate.reference import evaluate_direct
from engine.evaluate.rulecode import generate_rules, projection


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_rule_path_matches_diagrams_walk_and_reference(data: Any) -> None:
    model = data.draw(models())
    g = Guideline(compile(model))
    ev = g.evaluator
    for _ in range(3):
        facts = data.draw(facts_for(model, max_missing=0))
        fast = ev.fast(facts, "c")
        assert fast is not None
        assert fast == ev.diagram_fast(facts, "c")
        assert fast == ev.walk(facts, "c")
        assert fast.to_dict() == evaluate_direct(model, facts, "c").to_dict()  # verdicts and adjustments too


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_projection_holds_wherever_the_rule_does(data: Any) -> None:
    """Every patient a rule applies to takes, at each variable, a branch its projection lists."""
    model = data.draw(models())
    c = compile(model)
    m = c.mdd
    for r in model.rules:
        node = c.rule_nodes[r.name]
        proj = projection(c, node)
        branches = [data.draw(st.integers(0, len(v.branches) - 1)) if v.kind != "known" else 1 for v in c.vars]
        if m.evaluate(node, branches) is True:
            assert all(branches[lv] in allowed for lv, allowed in proj.items())


def test_cross_section_overrides_and_mixed_strengths() -> None:
    """An overrider in another section (computed before every section), a section whose entries are not in rule
    order (its truth values kept, then the entries written in result order), a section guard read off the rules
    (a case outside it tests nothing more) and a conflict across sections."""
    site, size = enum("site", "limb", "trunk"), num("size")
    limb = eq("site", "limb")
    model = build([site, size], [
        rule("a", gt("size", 5), ("consider", "rt"), section="first", guard=limb),
        rule("b", TRUE, ("recommend", "surgery"), section="first", guard=limb),
        rule("c", le("size", 8), ("not_recommended", "rt"), section="second", overrides=("a",)),
        rule("d", gt("size", 2), ("recommend", "chemo"), section="second"),
        rule("e", gt("size", 8), ("not_recommended", "surgery"), section="second"),
    ], sections=[Section("first", limb), Section("second", TRUE)])
    g = Guideline(compile(model))
    src, _ = generate_rules(g.compiled)
    assert "o_((" in src and "a2 = True" in src and "if (x" in src
    for site_v in ("limb", "trunk"):
        for size_v in (1, 3, 6, 9):
            facts = {"site": site_v, "size": size_v}
            fast = g.evaluator.fast(facts, "c")
            assert fast is not None
            assert fast == g.evaluator.walk(facts, "c")
            assert fast.to_dict() == evaluate_direct(model, facts, "c").to_dict()
    res = g.evaluator.fast({"site": "limb", "size": 6}, "c")
    assert res is not None
    assert [o.rule for o in res.overridden] == ["a"] and [o.by for o in res.overridden] == [("c",)]
    assert [r.rule for r in res.recommendations] == ["b", "c", "d"]
    clash = g.evaluator.fast({"site": "limb", "size": 9}, "c")
    assert clash is not None and [(c.action, c.positive, c.negative) for c in clash.conflicts] == [
        ("surgery", ("b",), ("e",))]
