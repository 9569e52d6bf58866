"""Differential test: the checker's conflicts and gaps equal a brute-force enumeration, on random guidelines.

The brute force below shares no code with the compiler or the checker: it enumerates one representative value per
atom of every input (each enum value; each threshold and each open gap between the thresholds the conditions use;
"omitted" for inputs tested with ``is known``), evaluates every condition straight from the model's expression
trees, and computes per point which rules apply, which are set aside and which entries are *decided* active: an
omitted input stands for every value the assumptions allow, and something is decided when it holds for all of them
(the evaluator's reading). Conflicts and gaps are then compared as sets of (rules, action) and as point sets.
"""

from __future__ import annotations

import importlib.util
import itertools
import math
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dsl.parser import parse
from engine.checks.conflicts import conflict_regions
from engine.checks.gaps import gap_regions
from engine.compile.compiler import compile
from engine.compile.guideline import CompiledGuideline
from engine.compile.mdd import MDD
from engine.core.model import (
    And,
    Const,
    EnumValue,
    Expr,
    Input,
    KnownTest,
    LetRef,
    Model,
    Not,
    NumTest,
    Or,
    ValueTest,
)
from engine.resolve.resolver import resolve


def _generator() -> Callable[..., str]:
    """``bench/gen_rules.py``'s ``generate`` (bench/ is not on the test path: load it from its file)."""
    path = Path(__file__).resolve().parent.parent / "bench" / "gen_rules.py"
    spec = importlib.util.spec_from_file_location("gen_rules", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("gen_rules", module)
    spec.loader.exec_module(module)
    gen: Callable[..., str] = module.generate
    return gen


generate = _generator()
Value = EnumValue | bool | float


def _walk(e: Expr, model: Model) -> Iterator[Expr]:
    yield e
    if isinstance(e, And | Or):
        for i in e.items:
            yield from _walk(i, model)
    elif isinstance(e, Not):
        yield from _walk(e.item, model)
    elif isinstance(e, LetRef):
        yield from _walk(model.lets[e.name].expr, model)


def _exprs(model: Model) -> list[Expr]:
    out: list[Expr] = [a.expr for a in model.assumptions]
    out += [r.condition for r in model.rules] + [c.condition for c in model.covers]
    return out


def representatives(model: Model) -> dict[str, list[Value | None]]:
    """Per used input: one value per atom; ``None`` (omitted) for inputs tested with ``is known``."""
    used: dict[str, list[Expr]] = {}
    for e in _exprs(model):
        for a in _walk(e, model):
            if isinstance(a, ValueTest | NumTest | KnownTest):
                used.setdefault(a.input, []).append(a)
    reps: dict[str, list[Value | None]] = {}
    for name, inp in model.inputs.items():
        if name not in used:
            continue
        tests = used[name]
        vals: list[Value | None]
        if inp.numeric:
            vals = list(_number_reps(inp, [t for t in tests if isinstance(t, NumTest)]))
        else:
            vals = list(inp.domain)
        if any(isinstance(t, KnownTest) for t in tests):
            vals.append(None)
        reps[name] = vals
    return reps


def _number_reps(inp: Input, tests: list[NumTest]) -> list[float]:
    ends = {inp.low, inp.high}
    for t in tests:
        ends |= {x for x in (t.interval.low, t.interval.high) if x is not None}
    ends = {x for x in ends if not math.isinf(x)}
    pts = sorted(ends)
    cands = set(pts)
    for a, b in itertools.pairwise(pts):
        cands.add((a + b) / 2)
    if pts:
        cands |= {pts[0] - 1, pts[-1] + 1}
    if inp.kind == "integer":
        cands = {float(c) for x in cands for c in (math.floor(x), math.ceil(x), math.floor(x) + 1,
                                                    math.ceil(x) - 1)}
    cands = {c for c in cands if inp.low <= c <= inp.high}
    seen: dict[tuple[bool, ...], float] = {}
    for c in sorted(cands):
        sig = tuple(t.interval.contains(c) for t in tests)
        seen.setdefault(sig, c)
    return sorted(seen.values())


def _ev(e: Expr, vals: Mapping[str, Value], omitted: frozenset[str], model: Model) -> bool:
    if isinstance(e, Const):
        return e.value
    if isinstance(e, ValueTest):
        return vals[e.input] in e.values
    if isinstance(e, NumTest):
        v = vals[e.input]
        assert isinstance(v, int | float)
        return e.interval.contains(float(v))
    if isinstance(e, KnownTest):
        return e.input not in omitted
    if isinstance(e, LetRef):
        return _ev(model.lets[e.name].expr, vals, omitted, model)
    if isinstance(e, And):
        return all(_ev(i, vals, omitted, model) for i in e.items)
    if isinstance(e, Or):
        return any(_ev(i, vals, omitted, model) for i in e.items)
    assert isinstance(e, Not)
    return not _ev(e.item, vals, omitted, model)


@dataclass(frozen=True)
class Point:
    """One patient: ``facts`` as a case gives them (omitted inputs absent)."""

    facts: tuple[tuple[str, Value], ...]

    def as_dict(self) -> dict[str, Value]:
        return dict(self.facts)


@dataclass
class Analysis:
    points: list[Point]
    conflicts: dict[tuple[str, str, str], set[Point]]  # (positive rule, negative rule, action) -> points
    gaps: dict[tuple[int, str], set[Point]]  # (cover index, action) -> points
    applies: dict[str, set[Point]]
    active: dict[str, set[Point]]


def analyse(model: Model) -> Analysis:
    """Every point, with its decided conflicts and gaps."""
    reps = representatives(model)
    names = list(reps)
    res = Analysis([], {}, {}, {r.name: set() for r in model.rules}, {r.name: set() for r in model.rules})
    overriders: dict[str, set[str]] = {r.name: set() for r in model.rules}
    for r in model.rules:
        for o in r.overrides:
            overriders[o].add(r.name)

    def chain(name: str) -> set[str]:
        seen: set[str] = set()
        todo = list(overriders[name])
        while todo:
            o = todo.pop()
            if o not in seen and o != name:
                seen.add(o)
                todo.extend(overriders[o])
        return seen

    chains = {r.name: chain(r.name) for r in model.rules}
    for combo in itertools.product(*(reps[n] for n in names)):
        omitted = frozenset(n for n, v in zip(names, combo, strict=True) if v is None)
        given = {n: v for n, v in zip(names, combo, strict=True) if v is not None}
        hidden = sorted(omitted)
        completions = []
        for fill in itertools.product(*([v for v in reps[n] if v is not None] for n in hidden)):
            vals = {**given, **dict(zip(hidden, fill, strict=True))}
            if all(_ev(a.expr, vals, omitted, model) for a in model.assumptions):
                completions.append(vals)
        if not completions:
            continue
        point = Point(tuple((n, given[n]) for n in names if n in given))
        res.points.append(point)
        applies_all: set[str] | None = None
        active_all: set[str] | None = None
        for vals in completions:  # decided = the same for every allowed value of the omitted inputs
            applies = {r.name for r in model.rules if _ev(r.condition, vals, omitted, model)}
            active = {n for n in applies if not chains[n] & applies}
            applies_all = applies if applies_all is None else applies_all & applies
            active_all = active if active_all is None else active_all & active
        assert applies_all is not None and active_all is not None
        for name in applies_all:
            res.applies[name].add(point)
        for name in active_all:
            res.active[name].add(point)
        pos: dict[str, set[str]] = {}
        neg: dict[str, set[str]] = {}
        for r in model.rules:
            if r.name in active_all:
                for e in r.entries:
                    (pos if e.strength.positive else neg).setdefault(e.action, set()).add(r.name)
        for action, ps in pos.items():
            for p in ps:
                for n in neg.get(action, ()):
                    res.conflicts.setdefault((p, n, action), set()).add(point)
        for i, c in enumerate(model.covers):
            inside = all(_ev(c.condition, v, omitted, model) for v in completions)
            if inside and c.action not in pos and c.action not in neg:
                res.gaps.setdefault((i, c.action), set()).add(point)
    return res


# ---------------------------------------------------------------------------------------------------------------
# The checker's regions as point sets


def branches(g: CompiledGuideline, point: Point) -> list[int]:
    facts = point.as_dict()
    out: list[int] = []
    for v in g.vars:
        if v.kind == "known":
            out.append(1 if v.input in facts else 0)
        elif v.input in facts:
            value = facts[v.input]
            out.append(v.branch_of(value))
        else:
            out.append(0)  # omitted: the decided region does not depend on it
    return out


def points_in(g: CompiledGuideline, m: MDD, region: int, points: list[Point]) -> set[Point]:
    return {p for p in points if m.evaluate(region, branches(g, p)) is True}


def model_of(n_rules: int, n_inputs: int, seed: int) -> Model:
    text = generate(n_rules, n_inputs, seed)
    tree, syntax = parse(text, "gen.rules")
    assert tree is not None and not syntax, (syntax, text)
    model, semantic = resolve(tree, "gen.rules")
    assert model is not None and not [d for d in semantic if d.severity == "error"], (semantic, text)
    return model


def compare(model: Model) -> None:
    g = compile(model)
    truth = analyse(model)
    names = [r.name for r in model.rules]
    found = {(names[p], names[n], a): points_in(g, sp.m, region, truth.points)
             for (p, n, a), sp, region in conflict_regions(g)}
    assert set(found) == set(truth.conflicts)
    for key, pts in found.items():
        assert pts == truth.conflicts[key], key
    holes = {key: points_in(g, sp.m, region, truth.points) for key, sp, region in gap_regions(g)}
    assert set(holes) == set(truth.gaps)
    for key, pts in holes.items():
        assert pts == truth.gaps[key], key


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n_rules=st.integers(1, 12), n_inputs=st.integers(2, 4), seed=st.integers(0, 10**6))
def test_conflicts_and_gaps_equal_brute_force(n_rules: int, n_inputs: int, seed: int) -> None:
    compare(model_of(n_rules, n_inputs, seed))


def test_brute_force_sees_known_conflicts() -> None:
    """The reference itself is checked on a guideline that surely has findings (not a vacuous comparison)."""
    hits = 0
    for seed in range(20):
        model = model_of(12, 3, seed)
        truth = analyse(model)
        hits += bool(truth.conflicts) + bool(truth.gaps)
        compare(model)
    assert hits >= 10
