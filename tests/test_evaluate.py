"""Guideline.evaluate: decided, pending (with needs), overridden, conflicts, lets, because, ordering, fast path."""

from __future__ import annotations

import random
from typing import Any

import pytest
from modelgen import build, enum, eq, flag, gt, num, rule

import engine
from engine.cases.load import load_cases
from engine.compile.compiler import compile
from engine.core.errors import GuidelineError
from engine.core.model import TRUE, And, KnownTest, Let, LetRef, Not, Or, Section
from engine.evaluate.guideline import Guideline


def _g(model: Any) -> Guideline:
    return Guideline(compile(model))


def _rt() -> Any:
    site, mdt, size = enum("site", "limb", "uterus"), flag("mdt"), num("size_cm")
    rules = [rule("standard", gt("size_cm", 5), ("recommend", "rt")),
             rule("no_rt", eq("site", "uterus"), ("not_recommended", "rt"), overrides=("standard",)),
             rule("after_mdt", And((eq("site", "uterus"), eq("mdt", True))), ("consider", "rt"),
                  overrides=("no_rt",)),
             rule("visit", TRUE, ("must", "visit"), ("consider", "rt_info"))]
    return _g(build([site, mdt, size], rules))


def test_all_known_recommendations_overridden_and_order() -> None:
    g = _rt()
    r = g.evaluate({"site": "uterus", "mdt": True, "size_cm": 7.5}, "c1")
    assert r.case == "c1"
    assert [(x.rule, x.action, x.strength.value) for x in r.recommendations] == \
        [("visit", "visit", "must"), ("after_mdt", "rt", "consider"), ("visit", "rt_info", "consider")]
    assert {(o.rule, o.by) for o in r.overridden} == {("standard", ("no_rt", "after_mdt")),
                                                      ("no_rt", ("after_mdt",))}
    assert r.pending == () and r.conflicts == ()


def test_because_lists_the_literals_that_held_with_values() -> None:
    g = _rt()
    r = g.evaluate({"site": "limb", "mdt": False, "size_cm": 7.5})
    (std,) = [x for x in r.recommendations if x.rule == "standard"]
    assert [(b.condition, b.values) for b in std.because] == [("size_cm > 5", (("size_cm", 7.5),))]
    assert std.to_dict()["because"] == [{"condition": "size_cm > 5", "values": {"size_cm": 7.5}}]


def test_unknown_input_gives_pending_with_needs() -> None:
    g = _rt()
    r = g.evaluate({"site": "limb", "mdt": False})
    assert [(p.rule, p.needs) for p in r.pending] == [("standard", ("size_cm",))]
    r = g.evaluate({"size_cm": 7.0, "mdt": True})
    pend = {(p.rule, p.needs) for p in r.pending}
    assert pend == {("standard", ("site",)), ("after_mdt", ("site",))}
    assert r.overridden == ()  # no_rt applies only on some branches: neither decided nor pending-active


def test_decided_despite_unknown_when_all_branches_agree() -> None:
    m = build([flag("a"), flag("b")], [rule("r", Or((eq("a", True), eq("b", True))), ("recommend", "x"))])
    g = _g(m)
    assert [x.rule for x in g.evaluate({"a": True}).recommendations] == ["r"]
    assert [p.needs for p in g.evaluate({"a": False}).pending] == [("b",)]
    assert [p.needs for p in g.evaluate({}).pending] == [("a", "b")]


def test_is_known_is_always_decided() -> None:
    m = build([num("size_cm")], [rule("ask", Not(KnownTest("size_cm")), ("must", "measure"))])
    g = _g(m)
    assert [x.rule for x in g.evaluate({}).recommendations] == ["ask"]
    r = g.evaluate({})
    assert r.recommendations[0].because[0].condition == "size_cm is unknown"
    assert g.evaluate({"size_cm": 3}).recommendations == ()


def test_assumptions_prune_unknown_branches() -> None:
    ins = [enum("site", "limb", "uterus"), enum("sex", "female", "male")]
    rules = [rule("r", And((eq("site", "uterus"), eq("sex", "female"))), ("recommend", "x"))]
    plain = _g(build(ins, rules))
    assumed = _g(build(ins, rules, assumptions=[Or((Not(eq("site", "uterus")), eq("sex", "female")))]))
    assert [p.needs for p in plain.evaluate({"site": "uterus"}).pending] == [("sex",)]
    assert [x.rule for x in assumed.evaluate({"site": "uterus"}).recommendations] == ["r"]


def test_lets_are_reported() -> None:
    lets = [Let("big", gt("size_cm", 5)), Let("risky", And((LetRef("big"), eq("a", True))))]
    m = build([flag("a"), num("size_cm")], [rule("r", LetRef("risky"), ("recommend", "x"))], lets=lets)
    g = _g(m)
    assert g.evaluate({"a": True, "size_cm": 9}).lets == (("big", True), ("risky", True))
    assert g.evaluate({"a": False}).lets == (("big", None), ("risky", False))
    r = g.evaluate({"a": True, "size_cm": 9})
    assert [b.condition for b in r.recommendations[0].because] == ["risky", "big", "size_cm > 5", "a == True"]
    assert r.to_dict()["lets"] == {"big": True, "risky": True}


def test_conflicts_across_sections() -> None:
    secs = [Section("one", TRUE), Section("two", TRUE)]
    m = build([flag("a")], [rule("p", eq("a", True), ("recommend", "x"), section="one"),
                            rule("n", TRUE, ("never", "x"), section="two")], sections=secs)
    r = _g(m).evaluate({"a": True})
    assert [(c.action, c.positive, c.negative) for c in r.conflicts] == [("x", ("p",), ("n",))]
    assert [x.section for x in r.recommendations] == ["one", "two"]


def test_result_json_shape() -> None:
    d = _rt().evaluate({"site": "limb"}, "k").to_dict()
    assert set(d) == {"case", "recommendations", "overridden", "pending", "conflicts", "actions", "not_addressed",
                      "clashes", "lets"}
    assert set(d["actions"][0]) >= {"action", "strength", "params", "rules", "citations", "notes", "because"}
    assert set(d["recommendations"][0]) == {"action", "strength", "rule", "section", "params", "evidence",
                                            "citations", "because", "notes", "source"}  # the design's contract


def test_lms_cases_fast_path_equals_walk() -> None:
    g = engine.load("rules/lms.rules")
    cases, diags = load_cases(["rules/cases"], g.model)
    assert cases and not [d for d in diags if d.severity == "error"]
    for c in cases:
        assert g.evaluate(c.facts, c.id) == g.evaluator.walk(c.facts, c.id)
    rng = random.Random(3)
    full = [v.input for v in g.compiled.vars if v.kind != "known"]
    checked = 0
    for _ in range(300):
        base = dict(rng.choice(cases).facts)
        for name in full:
            inp = g.model.inputs[name]
            if name not in base:
                base[name] = (rng.choice(inp.domain) if inp.domain else
                              round(rng.uniform(inp.low, min(inp.high, 200.0)), 1))
        fast = g.evaluator.fast(base, "x")
        if fast is None:
            continue
        assert fast == g.evaluator.walk(base, "x")
        checked += 1
    assert checked > 100


def test_load_reports_errors_as_guideline_error(tmp_path: Any) -> None:
    bad = tmp_path / "bad.rules"
    bad.write_text('guideline "x"\ninput a: bool\nsection s:\n  rule r:\n    when b\n    recommend zz\n')
    with pytest.raises(GuidelineError) as e:
        engine.load(str(bad))
    assert e.value.diagnostics and all(d.severity == "error" for d in e.value.diagnostics)
    with pytest.raises(GuidelineError):
        engine.load(str(tmp_path / "missing.rules"))
