"""A region of the case space turned into one concrete patient case, ready to paste into a YAML case file.

The patient is a point of the region. Given the cube that describes the part of the region it comes from (a cube
inside "the region, or not allowed"), the case gives a value exactly for the inputs the cube restricts and leaves
the others out. That is exact, not a shortcut: every allowed patient that agrees with the case on the given inputs
is in the cube, hence in the region, and the evaluator, which reads an omitted input as "any allowed value",
decides the finding just as for the point itself. Without a cube the region's support is given. A ``known:x``
branch that is false leaves ``x`` out, which is what ``x is unknown`` means.

Values are chosen to read well: an enum's first value in the region, and for a number cell the smallest whole
number strictly inside it (``size_cm > 5`` gives 6), else an end point or the midpoint.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

from engine.checks.regions import Cube, point_in_cube
from engine.compile.guideline import CompiledGuideline, Var
from engine.compile.mdd import MDD
from engine.core.derive import deriver
from engine.core.derived import Derived
from engine.core.model import Interval
from engine.core.values import json_number


def value_of(var: Var, branch: int, low: float, high: float) -> Any:
    """The case value standing for ``branch`` of ``var`` (JSON-friendly: whole numbers as int)."""
    b = var.branches[branch]
    if isinstance(b, Interval):
        return json_number(b.point("next_whole", integer=var.kind == "integer", domain=(low, high)))
    return b


def point_in(g: CompiledGuideline, m: MDD, region: int, cube: Cube | None = None) -> dict[int, int] | None:
    """A point of ``region`` (and of ``cube`` if given) on the levels that matter: the cube's restricted levels
    when a cube is given (see :func:`witness`), else the region's support. Where the cube tests ``x`` but not
    ``known:x``, a point with ``x`` given is preferred (so the value can be stated)."""
    if cube is None:
        path = m.witness(region, True)
        if path is None:
            return None
        return _with_derived_inputs(g, m, region, {lv: path.get(lv, 0) for lv in m.support(region)})
    levels = {v.name: i for i, v in enumerate(g.vars)}
    narrowed = list(cube)
    for lv, s in enumerate(cube):
        klv = levels.get(f"known:{g.vars[lv].input}")
        if s is not None and g.vars[lv].kind != "known" and klv is not None and cube[klv] is None:
            narrowed[klv] = frozenset({1})
    path = None
    for c in (tuple(narrowed), cube):
        path = point_in_cube(m, region, c)
        if path is not None:
            cube = c
            break
    if path is None:
        return None
    point = {lv: path[lv] if lv in path else min(s) for lv, s in enumerate(cube) if s is not None}
    for lv, var in enumerate(g.vars):  # "x is known" needs a value of x: one on the path (any if untested)
        klv = levels.get(f"known:{var.input}")
        if var.kind != "known" and klv is not None and point.get(klv) == 1 and lv not in point:
            point[lv] = path.get(lv, 0)
    return _with_derived_inputs(g, m, region, point)


def _solvable_path(g: CompiledGuideline, m: MDD, through: int, point: dict[int, int],
                   limit: int = 64) -> dict[int, int] | None:
    """A path of ``through`` on which a patient really has the value the point gives each non-linear formula. A
    formula's cell is not implied by the cells of its inputs, so the first path may hold no such patient: the
    cells of the formula's number inputs are tried in turn (at most ``limit`` combinations), each checked by the
    small search of :func:`_repair`; else the first path."""
    first = m.witness(through, True)
    free = [d for lv in point if (d := g.model.derived.get(g.vars[lv].input)) is not None
            and d.how == "formula" and not d.exact]
    if first is None or not free:
        return first
    levels = {v.name: i for i, v in enumerate(g.vars)}
    inputs = sorted({levels[n] for d in free for n in d.reads if n in levels and g.vars[levels[n]].numeric})
    combos = itertools.product(*[range(len(g.vars[lv].branches)) for lv in inputs])
    for combo in itertools.islice(combos, limit):
        part = m.and_(through, *[m.test(lv, {b}) for lv, b in zip(inputs, combo, strict=True)])
        path = m.witness(part, True) if part != m.FALSE else None
        if path is None:
            continue
        trial = {**path, **dict(zip(inputs, combo, strict=True)), **point}
        if _fits(g, trial, facts_of(g, trial, budget=2_000)):
            return {**path, **dict(zip(inputs, combo, strict=True))}
    return first


def _with_derived_inputs(g: CompiledGuideline, m: MDD, region: int, point: dict[int, int]) -> dict[int, int]:
    """``point`` with values for the inputs behind each derived value it fixes: a case gives inputs, never
    ``risk == high`` itself, so a point that fixes a derived value must fix inputs that compute it. They are
    read off a path of the region through the point (the region holds the definitions, so the path's inputs give
    the point's derived values); inputs the path leaves free take their first branch."""
    derived = g.model.derived
    fixed = [lv for lv in point if g.vars[lv].input in derived]
    if not fixed:
        return point
    through = m.and_(region, *[m.test(lv, {b}) for lv, b in point.items()])
    path = _solvable_path(g, m, through, point)
    if path is None:
        return point
    levels = {v.name: i for i, v in enumerate(g.vars)}
    out = dict(point)
    for lv, b in path.items():  # the derived values in between (a relation a score counts) as the path has them
        if lv not in out and g.vars[lv].input in derived:
            out[lv] = b
    for lv in fixed:
        d = derived[g.vars[lv].input]
        if d.how == "formula" and not d.exact:
            continue  # nothing in the diagrams ties it to its inputs: the solver chooses them (facts_of)
        for name in d.reads:
            for key in (f"known:{name}", name):
                at = levels.get(key)
                if at is not None and at not in out:
                    out[at] = path.get(at, 1 if key.startswith("known:") else 0)
            for d in derived.values():  # a set input is given through its members
                at = levels.get(d.name)
                if d.how == "member" and d.reads[0] == name and at is not None and at not in out:
                    out[at] = path.get(at, 0)
    return out


def facts_of(g: CompiledGuideline, point: dict[int, int], budget: int = 20_000) -> dict[str, Any]:
    """Case facts for a point: inputs in declaration order, omitted where ``known:x`` is false."""
    levels = {v.name: i for i, v in enumerate(g.vars)}
    facts: dict[str, Any] = {}
    for name, inp in g.model.inputs.items():
        lv = levels.get(name)
        klv = levels.get(f"known:{name}")
        if klv is not None and klv in point:
            if point[klv] == 0:
                continue
            b = point.get(lv, 0) if lv is not None else None
        elif lv is not None and lv in point:
            b = point[lv]
        else:
            continue
        if lv is not None and b is not None:
            facts[name] = value_of(g.vars[lv], b, inp.low, inp.high)
    for d in g.model.derived.values():  # a set input: the members the point puts in it
        lv = levels.get(d.name)
        klv = levels.get(f"known:{d.reads[0]}") if d.how == "member" else None
        if d.how == "member" and lv is not None and lv in point and (klv is None or point.get(klv) != 0):
            members = facts.setdefault(d.reads[0], [])
            if g.vars[lv].branches[point[lv]] is True:
                members.append(d.values[0])
    if g.solve is not None:  # numbers a relation reads: values that satisfy the point's relations and cells
        free = [f for lv in point if (f := g.model.derived.get(g.vars[lv].input)) is not None
                and f.how == "formula" and not f.exact]
        loose = {n for f in free for n in f.reads}
        solved = g.solve(point)
        for name, x in (solved or {}).items():
            if name in facts or (name in loose and name in g.model.inputs):
                facts[name] = x
        for name in loose:  # a formula's input the solver does not see (an enum, a bool): its first value
            if name not in facts and name in levels and not g.vars[levels[name]].numeric:
                facts[name] = value_of(g.vars[levels[name]], 0, 0.0, 0.0)
        if free:
            facts = _repair(g, point, facts, free, levels, budget)
    return facts


def _candidates(var: Var, cell: Interval, low: float, high: float) -> list[float]:
    """A few values inside a number cell (its ends where closed, quarters, a whole number inside)."""
    lo = max(cell.low if cell.low is not None else low, low)
    hi = min(cell.high if cell.high is not None else high, high)
    if math.isinf(lo) or math.isinf(hi):
        lo, hi = (lo, lo + 100.0) if not math.isinf(lo) else (hi - 100.0, hi) if not math.isinf(hi) else (0.0, 100.0)
    xs = [lo + (hi - lo) * k / 8 for k in range(9)]
    if var.kind == "integer":
        xs = [float(math.ceil(x)) for x in xs] + [float(math.floor(x)) for x in xs]
    return [x for x in dict.fromkeys(xs) if cell.contains(x)]


def _classifiable(g: CompiledGuideline, m: MDD, region: int, point: dict[int, int]) -> dict[int, int]:
    """``point`` with the inputs that classifications without ``otherwise`` read, from a path of the region (the
    region holds only classified patients, so a description of it may leave them out: "when true")."""
    tables = [d for d in g.model.derived.values() if d.how == "classification" and d.otherwise is None]
    levels = {v.name: i for i, v in enumerate(g.vars)}
    needed = {levels[k] for d in tables for n in d.reads for k in (n, f"known:{n}") if k in levels}
    needed -= set(point)
    if not needed:
        return point
    path = m.witness(m.and_(region, *[m.test(lv, {b}) for lv, b in point.items()]), True)
    if path is None:
        return point
    return {**point, **{lv: path.get(lv, 0) for lv in needed if lv in path}}


def _fits(g: CompiledGuideline, point: dict[int, int], facts: dict[str, Any]) -> bool:
    """Whether ``facts`` give every derived value the point fixes the point's value (computed as a run does)."""
    full = deriver(g.model)(facts)
    for lv, b in point.items():
        var = g.vars[lv]
        if var.input not in g.model.derived or var.kind == "known":
            continue
        v = full.get(var.input)
        try:
            if v is None or var.branch_of(v) != b:  # type: ignore[arg-type]
                return False
        except ValueError:
            return False
    return True


def _repair(g: CompiledGuideline, point: dict[int, int], facts: dict[str, Any], free: list[Derived],
            levels: dict[str, int], budget: int) -> dict[str, Any]:
    """``facts`` with the numbers behind each non-linear formula of the point moved, within their cells, so that
    the formula lands in its cell and every derived value the point fixes keeps its value (checked by computing
    them, exactly as a run does); ``facts`` unchanged when no combination of a few values per cell does. The
    solver cannot always do this (a product of integers is undecidable in general); a small search can."""
    def fits(candidate: dict[str, Any]) -> bool:
        return _fits(g, point, candidate)

    if fits(facts):
        return facts
    names = sorted({n for f in free for n in f.reads if n in levels and g.vars[levels[n]].numeric and n in facts})
    grids = []
    for n in names:
        var, inp = g.vars[levels[n]], g.model.inputs[n]
        cell = var.branches[point.get(levels[n], var.branch_of(facts[n]))]
        assert isinstance(cell, Interval)
        grids.append([json_number(x) for x in _candidates(var, cell, inp.low, inp.high)])
    for combo in itertools.islice(itertools.product(*grids), budget):
        candidate = {**facts, **dict(zip(names, combo, strict=True))}
        if fits(candidate):
            return candidate
    return facts


def witness(g: CompiledGuideline, m: MDD, region: int, case_id: str, description: str, cube: Cube | None = None) -> \
        dict[str, Any] | None:
    """``{"id", "description", "facts"}`` for a patient of ``region`` (a diagram of ``m``); None when the region
    is empty."""
    point = point_in(g, m, region, cube)
    if point is None:
        return None
    if g.classified is not None:  # the checks' patients are classified; a run must see that from the facts too
        point = _classifiable(g, m, region, point)
    facts = facts_of(g, point)
    free = sorted({d.name for lv in point if (d := g.model.derived.get(g.vars[lv].input)) is not None
                   and d.how == "formula" and not d.exact})
    if free and not _fits(g, point, facts):
        description += (f" (no example found where {', '.join(free)} also has the value this finding needs: "
                        "the finding may not occur for real patients)")
    return {"id": case_id, "description": description, "facts": facts}
