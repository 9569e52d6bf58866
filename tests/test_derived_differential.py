"""Derived values (issue 13): the checks agree with brute-force enumeration, witnesses included, and every
evaluator agrees with the reference semantics, on random guidelines that use relations between numbers, number
lets, counts, points, ``at_least``, classifications and set inputs (tests/modelgen_derived.py).

The brute force shares no code with derive, compile or the checks: the integer inputs have small declared ranges,
so it enumerates *every* patient (every integer of each range, every bool, enum value and subset of the set),
computes each derived value from its definition with exact rationals, and decides conflicts and gaps patient by
patient. A classification is the value of the first branch that holds, else ``otherwise``; an unclassified patient
(no branch holds, no ``otherwise``) is one possible world per value of the classification, as the checks read it.
The checks' regions are then compared with the brute force as sets of such worlds.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from modelgen_derived import derived_rules, domain

from dsl.parser import parse
from engine.checks import CHECKS as ALL_CHECKS
from engine.checks.conflicts import conflict_regions, conflicts
from engine.checks.gaps import gap_regions, gaps
from engine.compile.compiler import compile
from engine.compile.guideline import CompiledGuideline
from engine.core.derived import Derived
from engine.core.model import (
    And,
    Const,
    Expr,
    Indicator,
    Interval,
    KnownTest,
    LetRef,
    Model,
    Not,
    NumConst,
    NumExpr,
    NumFunc,
    NumOp,
    NumRef,
    NumTest,
    Or,
    ValueTest,
)
from engine.evaluate.guideline import Guideline
from engine.evaluate.reference import evaluate_direct
from engine.resolve.resolver import resolve

World = dict[str, Any]


def model_of(text: str) -> Model:
    tree, syntax = parse(text, "gen.rules")
    assert tree is not None and not syntax, (syntax, text)
    model, semantic = resolve(tree, "gen.rules")
    assert model is not None and not [d for d in semantic if d.severity == "error"], (semantic, text)
    return model


# ---------------------------------------------------------------------------------------------------------------
# The brute force


def _contains(iv: Interval, x: Fraction) -> bool:
    if iv.low is not None:
        lo = Fraction(repr(iv.low))
        if x < lo or (x == lo and not iv.low_closed):
            return False
    if iv.high is not None:
        hi = Fraction(repr(iv.high))
        if x > hi or (x == hi and not iv.high_closed):
            return False
    return True


def holds(e: Expr, w: World, model: Model) -> bool:
    match e:
        case Const(v):
            return v
        case ValueTest(name, values):
            return w[name] in values
        case NumTest(name, iv):
            return _contains(iv, Fraction(w[name]))
        case KnownTest(name):
            return name in w
        case LetRef(name):
            return holds(model.lets[name].expr, w, model)
        case And(items):
            return all(holds(i, w, model) for i in items)
        case Or(items):
            return any(holds(i, w, model) for i in items)
        case Not(item):
            return not holds(item, w, model)
    raise AssertionError(e)


def number(e: NumExpr, w: World, model: Model) -> Fraction:
    match e:
        case NumConst(v):
            return v
        case NumRef(name):
            return Fraction(w[name])
        case Indicator(c, weight):
            return weight if holds(c, w, model) else Fraction(0)
        case NumOp(op, a, b):
            x, y = number(a, w, model), number(b, w, model)
            return {"+": x + y, "-": x - y, "*": x * y}[op] if op != "/" else x / y
        case NumFunc("min", args):
            return min(number(a, w, model) for a in args)
        case NumFunc("max", args):
            return max(number(a, w, model) for a in args)
        case NumFunc(_, args):
            return abs(number(args[0], w, model))
    raise AssertionError(e)


def values_of(d: Derived, w: World, model: Model) -> list[Any]:
    """The possible values of ``d`` in world ``w`` (one, except for an unclassified patient)."""
    if d.how == "member":
        return [d.values[0] in w[d.reads[0]]]
    if d.how == "classification":
        for c, value in d.branches:
            if holds(c, w, model):
                return [value]
        return [d.otherwise] if d.otherwise is not None else list(d.values)
    assert d.expr is not None
    x = number(d.expr, w, model)
    if d.how == "relation":
        assert d.interval is not None
        return [_contains(d.interval, x)]
    return [x]


def worlds_of(model: Model, facts: Mapping[str, Any]) -> Iterator[World]:
    """Every world the inputs ``facts`` stand for (the derived values added), assumptions not yet applied."""
    worlds: list[World] = [dict(facts)]
    for d in model.derived.values():
        if not all(n in facts for n in d.reads):
            continue  # computed from inputs no condition reads: it is not read either
        worlds = [{**w, d.name: v} for w in worlds for v in values_of(d, w, model)]
    yield from worlds


def read_inputs(model: Model) -> list[str]:
    from engine.compile.variables import all_conditions
    from engine.core.walk import inputs_read
    read = {n for c in all_conditions(model) for n in inputs_read(c, model)}
    return [n for n in model.inputs if n in model.reads_of(sorted(read))]


def all_worlds(model: Model, names: list[str], given: Mapping[str, Any] | None = None) -> list[World]:
    """The allowed worlds (assumptions hold) of the inputs ``names`` (each over its whole domain), ``given``
    fixed."""
    given = given or {}
    free = [n for n in names if n not in given]
    out = []
    for combo in itertools.product(*(domain(model, n) for n in free)):
        for w in worlds_of(model, {**given, **dict(zip(free, combo, strict=True))}):
            if all(holds(a.expr, w, model) for a in model.assumptions):
                out.append(w)
    return out


def _chains(model: Model) -> dict[str, set[str]]:
    direct: dict[str, set[str]] = {r.name: set() for r in model.rules}
    for r in model.rules:
        for o in r.overrides:
            direct[o].add(r.name)
    out = {}
    for name in direct:
        seen: set[str] = set()
        todo = list(direct[name])
        while todo:
            o = todo.pop()
            if o not in seen and o != name:
                seen.add(o)
                todo.extend(direct[o])
        out[name] = seen
    return out


def findings(model: Model, w: World, chains: dict[str, set[str]]) -> tuple[set[tuple[str, str, str]],
                                                                           set[tuple[int, str]]]:
    """The conflicts (positive rule, negative rule, action) and gaps (cover index, action) of one world."""
    applies = {r.name for r in model.rules if holds(r.condition, w, model)}
    active = {n for n in applies if not chains[n] & applies}
    pos: dict[str, set[str]] = {}
    neg: dict[str, set[str]] = {}
    for r in model.rules:
        if r.name in active:
            for e in r.entries:
                (pos if e.strength.positive else neg).setdefault(e.action, set()).add(r.name)
    found = {(p, n, a) for a, ps in pos.items() for p in ps for n in neg.get(a, ())}
    holes = {(i, c.action) for i, c in enumerate(model.covers)
             if holds(c.condition, w, model) and c.action not in pos and c.action not in neg}
    return found, holes


def key(w: World) -> tuple[tuple[str, Any], ...]:
    return tuple(sorted(w.items()))


def branches(g: CompiledGuideline, w: World) -> list[int]:
    out = []
    for v in g.vars:
        if v.kind == "known":
            out.append(1 if v.input in w else 0)
        else:
            value = w[v.input]
            out.append(v.branch_of(float(value) if isinstance(value, Fraction) else value))
    return out


# ---------------------------------------------------------------------------------------------------------------
# Checks against the brute force


def compare_checks(text: str, allowed: bool = True) -> tuple[int, int]:
    """Conflicts and gaps as world sets; every witness shows its finding. Returns how many of each were found."""
    model = model_of(text)
    g = compile(model)
    names = read_inputs(model)
    worlds = all_worlds(model, names)
    chains = _chains(model)
    truth_c: dict[tuple[str, str, str], set[Any]] = {}
    truth_g: dict[tuple[int, str], set[Any]] = {}
    for w in worlds:
        found, holes = findings(model, w, chains)
        for f in found:
            truth_c.setdefault(f, set()).add(key(w))
        for h in holes:
            truth_g.setdefault(h, set()).add(key(w))
    rules = [r.name for r in model.rules]

    def inside(m: Any, region: int) -> set[Any]:
        return {key(w) for w in worlds if m.evaluate(region, branches(g, w)) is True}

    got_c = {(rules[p], rules[n], a): inside(sp.m, region) for (p, n, a), sp, region in conflict_regions(g)}
    got_g = {k: inside(sp.m, region) for k, sp, region in gap_regions(g)}
    got_c = {k: v for k, v in got_c.items() if v}
    got_g = {k: v for k, v in got_g.items() if v}
    assert got_c.keys() == truth_c.keys(), (text, sorted(got_c), sorted(truth_c))
    for k, pts in got_c.items():
        assert pts == truth_c[k], (text, k, sorted(pts ^ truth_c[k])[:3])
    assert got_g.keys() == truth_g.keys(), (text, sorted(got_g), sorted(truth_g))
    for k, pts in got_g.items():
        assert pts == truth_g[k], (text, k, sorted(pts ^ truth_g[k])[:3])
    check_witnesses(model, g, names, chains, text, allowed)
    return len(truth_c), len(truth_g)


def check_witnesses(model: Model, g: CompiledGuideline, names: list[str], chains: dict[str, set[str]],
                    text: str, allowed: bool = True) -> None:
    """Every witness patient ``check`` prints: allowed (some completion of what it leaves out satisfies every
    assumption), shows its finding in every allowed completion (brute force), and the evaluator finds it too."""
    guideline = Guideline(g)
    for d in conflicts(g) + gaps(g):
        assert d.witness is not None, d.message
        facts = dict(d.witness["facts"])
        completions = all_worlds(model, names, {k: tuple(v) if isinstance(v, list) else v for k, v in facts.items()})
        if not completions and not allowed:
            continue
        assert completions, (text, d.message, facts)
        result = guideline.evaluate(facts, "w")
        if d.code == "E201":
            rule_names = [n for n in (r.name for r in model.rules) if f"'{n}'" in d.message.split(" when ")[0]]
            action = d.message.split("'")[1]
            shown = {(c.action, p, n) for c in result.conflicts for p in c.positive for n in c.negative}
            pairs = [(p, n) for p in rule_names for n in rule_names if (action, p, n) in shown]
            assert pairs, (text, d.message, facts, result.conflicts)
            p, n = pairs[0]
            for w in completions:
                assert (p, n, action) in findings(model, w, chains)[0], (text, d.message, facts, w)
        else:
            action = d.message.split("'")[1]
            assert action in {x.action for x in result.not_addressed}, (text, d.message, facts)
            for w in completions:
                assert any(a == action for _, a in findings(model, w, chains)[1]), (text, d.message, facts, w)


CHECKS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@CHECKS
@given(derived_rules())
def test_checks_equal_brute_force(text: str) -> None:
    compare_checks(text, allowed=False)  # witnesses outside the assumptions: test_every_witness_is_allowed


FRACTION = """\
guideline "Integer let of a fraction"
input i0: integer in 0..3
input i1: integer in 0..3
let half: integer in -12..12 = (i0 + i1) / 2
action alpha
section s:
  rule r0:
    when i0 == 1 and i1 == 0
    recommend alpha
  rule r1:
    when half >= 0
    never alpha
"""


def test_an_integer_let_of_a_fraction() -> None:
    """A let declared integer whose formula can give 1/2 is refused (E187): the checks would take patients with
    an odd i0 + i1 as impossible, and the language does not round."""
    model, diagnostics = resolve(parse(FRACTION, "f.rules")[0], "f.rules")  # type: ignore[arg-type]
    assert model is None and [d.code for d in diagnostics] == ["E187"]


WITNESS = """\
guideline "Witness"
input i0: integer in 0..3
input i1: integer in 0..3
input i2: integer in 0..4
input b0: bool
assume i0 + i1 < min(i2, i0 + 1)
action alpha
action beta
section s:
  rule r0:
    must alpha
  rule r1:
    when i1 < 1
    must alpha
    never beta
  rule r5:
    when b0
    not_recommended alpha
  cover alpha when (i0 < 2 and b0)
  cover beta
"""


def test_every_witness_is_allowed() -> None:
    compare_checks(WITNESS)


OUTSIDE = """\
guideline "Witness outside the assumptions"
input i0: integer in 0..2
input i1: integer in 0..2
input i2: integer in 0..2
assume i1 < i0
action alpha
action beta
section s:
  rule r0:
    must alpha
  rule r1:
    when i0 - i2 < 0
    must alpha
    overrides r0
  rule r2:
    must beta
    overrides r0
  cover alpha
"""


def test_witnesses_satisfy_relation_assumptions() -> None:
    """The gap's witness was {i0: 0, i2: 0}: with assume i1 < i0 no i1 exists for i0 = 0 (fixed in the checks)."""
    compare_checks(OUTSIDE, allowed=True)


UNCLASSIFIED = """\
guideline "Unclassified"
input b0: bool
classify k0:
  when b0 then v0
  when not b0 and false then v1
action alpha
section s:
  rule r0:
    must alpha
  rule r1:
    when k0 == v0
    not_recommended alpha
"""


def test_unclassified_patients_are_e210s_not_other_findings() -> None:
    """Patients no branch classifies (and no otherwise) have an unknown category: their rules stay pending in a
    run, so the checks report them once, as E210 with an example, and no conflict there."""
    g = compile(model_of(UNCLASSIFIED))
    found = [d for check in ALL_CHECKS for d in check(g)]
    codes = [d.code for d in found]
    assert "E210" in codes
    assert found[codes.index("E210")].witness["facts"] == {"b0": False}  # type: ignore[index]
    assert conflicts(g) and all(d.witness["facts"]["b0"] is True for d in conflicts(g))  # type: ignore[index]


@pytest.mark.slow
@pytest.mark.xfail(strict=False, reason="the brute force reads an unclassified patient's category as any value; the "
                                        "checks leave those patients to E210 (see the test above)")
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow],
          phases=[Phase.explicit, Phase.generate])  # a known gap: no shrinking (it took 86 s)
@given(derived_rules(unclassified=True))
def test_checks_equal_brute_force_unclassified(text: str) -> None:
    compare_checks(text)


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(derived_rules())
def test_checks_equal_brute_force_many(text: str) -> None:
    compare_checks(text)


# ---------------------------------------------------------------------------------------------------------------
# Evaluators against the reference semantics


def compare_evaluators(text: str, data: st.DataObject) -> None:
    model = model_of(text)
    compiled = compile(model)
    names = sorted(model.inputs)
    for _ in range(3):
        g = Guideline(compiled)  # a fresh evaluator per case: see test_because_values_are_the_case_s_own
        ev = g.evaluator
        full = {n: data.draw(st.sampled_from(domain(model, n))) for n in names}
        drop = data.draw(st.sets(st.sampled_from(names), max_size=3))
        facts = {n: v for n, v in full.items() if n not in drop}
        got = g.evaluate(facts, "c", validate=False)
        direct = evaluate_direct(model, facts, "c")
        a, b = got.to_dict(), direct.to_dict()
        a.pop("values", None)  # what the case's facts computed (the reference says nothing about it)
        a, b = _without_because(a), _without_because(b)  # the evaluator's 'because' also lists relations it
        # decides from partial facts (interval arithmetic, the solver with the assumptions); the reference does not
        _needs_within(a, b, model)
        assert a == b, (text, facts, a, b)
        assert ev.walk(facts, "c").to_dict() == got.to_dict()
        fast = ev.fast(ev.with_derived(full), "c")
        if fast is not None:
            assert fast == Guideline(compiled).evaluator.walk(full, "c"), (text, full)


def _without_because(x: Any) -> Any:
    if isinstance(x, dict):
        return {k: _without_because(v) for k, v in x.items() if k != "because"}
    if isinstance(x, list):
        return [_without_because(v) for v in x]
    return x


def _needs_within(got: dict[str, Any], ref: dict[str, Any], model: Model) -> None:
    """A pending entry's ``needs``: the engine names every input a derived value is computed from, where the
    reference names only those whose value can decide the entry (a finding: see
    test_pending_names_only_the_inputs_that_decide). Checked as reference <= engine <= what the rule reads, then
    the engine's list is replaced by the reference's so that the rest is compared exactly."""
    ref_needs = {(p["rule"], p["action"]): p["needs"] for p in ref["pending"]}
    for p in got["pending"]:
        want = ref_needs.get((p["rule"], p["action"]))
        if want is None:
            continue
        assert set(want) <= set(p["needs"]), (p, want)
        p["needs"] = want


NEEDS = """\
guideline "Needs"
input site: {gastric, small_bowel}
input size: number cm in 0..50
classify risk first_match:
  when site == gastric and size <= 2 cm then very_low
  when size <= 5 cm then low
  otherwise high
action treat
section s:
  rule r:
    when risk == high
    recommend treat
"""


@pytest.mark.xfail(strict=True, reason="pending on a derived value names every input it is computed from: "
                                       "'risk == high' is size > 5 cm whatever the site, yet needs lists site too")
def test_pending_names_only_the_inputs_that_decide() -> None:
    model = model_of(NEEDS)
    got = Guideline(compile(model)).evaluate({}, "c")
    assert evaluate_direct(model, {}, "c").pending[0].needs == ("size",)
    assert got.pending[0].needs == ("size",), got.pending


STALE = """\
guideline "Stale"
input i0: integer in 0..2
input i1: integer in 0..2
action alpha
section s:
  rule r:
    when i0 <= i1
    must alpha
"""


def test_because_values_are_the_case_s_own() -> None:
    g = Guideline(compile(model_of(STALE)))
    g.evaluate({"i0": 1, "i1": 2}, "first")
    second = g.evaluate({"i0": 0, "i1": 0}, "second")
    assert dict(second.recommendations[0].because[0].values) == {"i0": 0, "i1": 0}, \
        second.recommendations[0].because


OVERLAP = """\
guideline "Overlap"
input i1: integer in 0..2
input b0: bool
classify k1:
  when i1 < 1 then v0
  when b0 then v1
  otherwise v1
action alpha
section s:
  rule r4:
    when k1 == v0
    must alpha
"""


def test_overlapping_exclusive_branches_agree_with_their_completions() -> None:
    model = model_of(OVERLAP)
    g = Guideline(compile(model))
    assert [r.rule for r in g.evaluate({"b0": True, "i1": 0}, "c").recommendations] == ["r4"]
    assert [p.rule for p in g.evaluate({"b0": True}, "c").pending] == ["r4"]


ASSUMED = """\
guideline "Relation against an assumption"
input i0: integer in 0..2
input i1: integer in 0..2
input i2: integer in 0..2
assume i0 < i1
action alpha
section s:
  rule r1:
    when i1 < i0 + i2
    must alpha
"""


def test_a_relation_the_assumptions_refute_is_decided() -> None:
    model = model_of(ASSUMED)
    assert evaluate_direct(model, {"i2": 0}, "c").pending == ()
    assert Guideline(compile(model)).evaluate({"i2": 0}, "c").pending == ()


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(derived_rules(exclusive=False), st.data())
def test_evaluators_equal_reference(text: str, data: st.DataObject) -> None:
    compare_evaluators(text, data)


@pytest.mark.slow
@pytest.mark.xfail(strict=False, reason="overlapping exclusive branches and non-linear formulas (see the tests above) "
                                        "when drawn")
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow],
          phases=[Phase.explicit, Phase.generate])  # a known gap: no shrinking (it took 86 s)
@given(derived_rules(nonlinear=True), st.data())
def test_evaluators_equal_reference_many(text: str, data: st.DataObject) -> None:
    compare_evaluators(text, data)


PINNED = """guideline "An assumed relation pins an unknown number"
input i1: integer in 0..2
input i2: integer in 0..2
assume i2 < i1
action alpha
section s:
  rule r2:
    when i2 < 1
    must alpha
"""


def test_an_assumed_relation_pins_an_unknown_number_to_one_cell() -> None:
    """With i1 = 1 the assumption leaves i2 = 0 only, so the rule on i2 applies (found by the differential test:
    the diagrams, seeing i1's single cell, left it pending)."""
    model = model_of(PINNED)
    want = evaluate_direct(model, {"i1": 1}, "c")
    got = Guideline(compile(model)).evaluate({"i1": 1}, "c")
    assert [r.rule for r in want.recommendations] == [r.rule for r in got.recommendations] == ["r2"]
    assert got.pending == want.pending == ()


def test_a_pending_entry_names_the_inputs_an_assumed_relation_ties_to_it() -> None:
    """assume i1 - i0 < i2 with i1 = 0: entering i0 can decide a rule on i2 (i0 = 0 forces i2 >= 1)."""
    model = model_of(PINNED.replace("assume i2 < i1", "input i0: integer in 0..2\nassume i1 - i0 < i2"))
    want = evaluate_direct(model, {"i1": 0}, "c")
    got = Guideline(compile(model)).evaluate({"i1": 0}, "c")
    assert set(want.pending[0].needs) <= set(got.pending[0].needs) == {"i0", "i2"}
