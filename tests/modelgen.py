"""Hypothesis strategies for random small guideline Models and random (partial) facts.

Shared by the differential and export tests: inputs of every kind, lets, assumptions, sections with guards,
rules with random overrides (always to earlier rules, so there are no cycles), choice sets (``one_of`` and
``any_of``), adjustments and covers.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from hypothesis import strategies as st

from engine.core.model import (
    TRUE,
    Action,
    Adjustment,
    And,
    AnyOf,
    Assumption,
    Cover,
    Entry,
    Expr,
    Input,
    Interval,
    KnownTest,
    Let,
    LetRef,
    Model,
    Not,
    NumTest,
    Or,
    Quantity,
    Rule,
    Section,
    Strength,
    Symbol,
    ValueTest,
)
from engine.evaluate.result import FactValue

THRESHOLDS = (0.0, 2.5, 5.0, 7.0, 10.0)
ACTIONS = ("alpha", "beta", "gamma", "delta")


@st.composite
def inputs(draw: Any) -> dict[str, Input]:
    out: dict[str, Input] = {}
    for i in range(draw(st.integers(1, 3))):
        out[f"b{i}"] = Input(f"b{i}", "bool", label=f"Flag {i}")
    for i in range(draw(st.integers(1, 3))):
        n = draw(st.integers(2, 4))
        if draw(st.booleans()):
            out[f"e{i}"] = Input(f"e{i}", "enum", values=tuple(f"v{k}" for k in range(n)))
        else:
            out[f"e{i}"] = Input(f"e{i}", "enum", values=tuple(range(1, n + 1)))
    for i in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["number", "integer"]))
        bounded = draw(st.booleans())
        out[f"n{i}"] = Input(f"n{i}", kind, unit="cm" if kind == "number" else None,
                             low=0.0 if bounded else float("-inf"), high=10.0 if bounded else float("inf"))
    return out


def _atom(draw: Any, ins: dict[str, Input]) -> Expr:
    name = draw(st.sampled_from(sorted(ins)))
    inp = ins[name]
    if draw(st.integers(0, 9)) == 0:
        return KnownTest(name, f"{name} is known")
    if inp.numeric:
        shape = draw(st.integers(0, 2))
        a, b = sorted(draw(st.lists(st.sampled_from(THRESHOLDS), min_size=2, max_size=2)))
        if shape == 0:
            iv = Interval(a, None, low_closed=draw(st.booleans()))
        elif shape == 1:
            iv = Interval(None, b, high_closed=draw(st.booleans()))
        else:
            iv = Interval(a, b, draw(st.booleans()), draw(st.booleans()))
        return NumTest(name, iv, f"{name} in {iv}")
    dom = inp.domain
    vals = frozenset(draw(st.lists(st.sampled_from(dom), min_size=1, max_size=len(dom), unique=True)))
    return ValueTest(name, vals, f"{name} in {sorted(map(str, vals))}")


def condition(draw: Any, ins: dict[str, Input], lets: list[str], depth: int = 2) -> Expr:
    k = draw(st.integers(0, 9 if depth > 0 else 3))
    if k <= 2:
        return _atom(draw, ins)
    if k == 3:
        return LetRef(draw(st.sampled_from(lets))) if lets else _atom(draw, ins)
    if k == 4:
        return Not(condition(draw, ins, lets, depth - 1))
    items = tuple(condition(draw, ins, lets, depth - 1) for _ in range(draw(st.integers(2, 3))))
    return And(items) if k <= 7 else Or(items)


@st.composite
def models(draw: Any, adjustments: bool = True) -> Model:
    """A random guideline; ``adjustments=False`` for code that takes none (the per-plan SQL writer)."""
    ins = draw(inputs())
    lets: dict[str, Let] = {}
    for i in range(draw(st.integers(0, 3))):
        lets[f"l{i}"] = Let(f"l{i}", condition(draw, ins, list(lets)))
    assumptions = tuple(Assumption(condition(draw, ins, list(lets), 1)) for _ in range(draw(st.integers(0, 1))))
    actions = {a: Action(a, label=a.title()) for a in ACTIONS}
    sections: list[Section] = []
    for i in range(draw(st.integers(1, 3))):
        guard = condition(draw, ins, list(lets), 1) if draw(st.booleans()) else TRUE
        sections.append(Section(f"s{i}", guard))
    rules: list[Rule] = []
    for i in range(draw(st.integers(5, 20))):
        sec = draw(st.sampled_from(sections))
        when = condition(draw, ins, list(lets)) if draw(st.integers(0, 5)) else TRUE
        entries = tuple(Entry(draw(st.sampled_from(ACTIONS)), strength,
                              (("dose", Quantity(float(i), "Gy")), ("how", Symbol("x"))) if j == 0 else (),
                              prevails=strength.advises_against and draw(st.integers(0, 3)) == 0)
                        for j in range(draw(st.integers(1, 2)))
                        for strength in [draw(st.sampled_from(list(Strength)))])
        entries = tuple({e.action: e for e in entries}.values())  # one entry per action (E142)
        if len(entries) == 2 and all(e.strength.positive for e in entries) and draw(st.integers(0, 2)) == 0:
            kind = draw(st.sampled_from([tuple, AnyOf]))  # a choice set: one_of or any_of
            alts = kind(e.action for e in entries)
            entries = tuple(dataclasses.replace(e, strength=entries[0].strength, one_of=alts) for e in entries)
        over: tuple[str, ...] = ()
        if rules and draw(st.integers(0, 2)) == 0:
            over = tuple(sorted({draw(st.sampled_from([r.name for r in rules]))
                                 for _ in range(draw(st.integers(1, 2)))}))
        aside: tuple[tuple[str, str], ...] = ()
        if rules and draw(st.integers(0, 3)) == 0:  # action-level exceptions, to earlier rules (no cycles)
            target = draw(st.sampled_from(rules))
            aside = ((target.name, draw(st.sampled_from(target.entries)).action),)
        adjusts: tuple[Adjustment, ...] = ()
        free = [a for a in ACTIONS if a not in {e.action for e in entries}]  # a rule does not give what it adjusts
        if adjustments and free and draw(st.integers(0, 3)) == 0:
            adjusts = (Adjustment(draw(st.sampled_from(free)), (("dose", Quantity(float(draw(st.integers(0, 2))),
                                                                                   "Gy")),)),)
        rules.append(Rule(f"r{i}", sec.name, And((sec.guard, when)), when, entries, evidence="E" if i % 2 else None,
                          citations=(1,) if i % 3 == 0 else (), overrides=over, sets_aside=aside, adjusts=adjusts))
    covers = tuple(Cover(draw(st.sampled_from(ACTIONS)), s.name, s.guard) for s in sections if draw(st.booleans()))
    return Model("Random", "1", "random.rules", {1: "Ref"}, ins, lets, assumptions, actions, tuple(sections),
                 tuple(rules), covers, ())


def _value(draw: Any, inp: Input) -> FactValue:
    if inp.kind == "bool":
        return bool(draw(st.booleans()))
    if inp.kind == "enum":
        v: FactValue = draw(st.sampled_from(inp.values))
        return v
    pts = [t for t in (*THRESHOLDS, 1.0, 3.0, 6.0, 8.5) if inp.low <= t <= inp.high]
    if inp.low < -1:
        pts.append(-3.0)
    if inp.high > 11:
        pts.append(42.0)
    x = float(draw(st.sampled_from(sorted(pts))))
    return int(x) if inp.kind == "integer" else x


@st.composite
def facts_for(draw: Any, model: Model, max_missing: int = 4) -> dict[str, FactValue]:
    names = sorted(model.inputs)
    k = draw(st.integers(0, min(max_missing, len(names))))
    missing = set(draw(st.lists(st.sampled_from(names), min_size=k, max_size=k, unique=True)))
    return {n: _value(draw, model.inputs[n]) for n in names if n not in missing}


# ---------------------------------------------------------------------------------------------------------------
# Hand-written models for unit tests


def num(name: str, low: float = 0.0, high: float = 100.0, unit: str | None = "cm", kind: str = "number") -> Input:
    return Input(name, kind, label=name.replace("_", " ").capitalize(), unit=unit, low=low, high=high)  # type: ignore[arg-type]


def enum(name: str, *values: str | int) -> Input:
    return Input(name, "enum", values=tuple(values))


def flag(name: str) -> Input:
    return Input(name, "bool")


def gt(name: str, x: float, closed: bool = False) -> NumTest:
    return NumTest(name, Interval(x, None, low_closed=closed), f"{name} {'>=' if closed else '>'} {x:g}")


def le(name: str, x: float, closed: bool = True) -> NumTest:
    return NumTest(name, Interval(None, x, high_closed=closed), f"{name} {'<=' if closed else '<'} {x:g}")


def eq(name: str, *values: str | int | bool) -> ValueTest:
    return ValueTest(name, frozenset(values), f"{name} == {values[0]}" if len(values) == 1 else
                     f"{name} in {{{', '.join(map(str, values))}}}")


def rule(name: str, when: Expr, *entries: tuple[str, str], section: str = "main", overrides: tuple[str, ...] = (),
         guard: Expr = TRUE) -> Rule:
    return Rule(name, section, And((guard, when)), when,
                tuple(Entry(a, Strength(s)) for s, a in entries), overrides=overrides, citations=(1,))


def build(inputs_: list[Input], rules: list[Rule], *, lets: list[Let] = (),  # type: ignore[assignment]
          assumptions: list[Expr] = (), covers: list[Cover] = (),  # type: ignore[assignment]
          sections: list[Section] | None = None) -> Model:
    actions = {a: Action(a) for a in sorted({e.action for r in rules for e in r.entries} | {c.action for c in covers})}
    secs = sections or [Section("main", TRUE)]
    return Model("Test", "1", "test.rules", {1: "Ref"}, {i.name: i for i in inputs_}, {x.name: x for x in lets},
                 tuple(Assumption(a) for a in assumptions), actions, tuple(secs), tuple(rules), tuple(covers), ())
