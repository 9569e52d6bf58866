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

from typing import Any

from engine.checks.regions import Cube, point_in_cube
from engine.compile.guideline import CompiledGuideline, Var
from engine.compile.mdd import MDD
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
        return {lv: path.get(lv, 0) for lv in m.support(region)}
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
    path = m.witness(through, True)
    if path is None:
        return point
    levels = {v.name: i for i, v in enumerate(g.vars)}
    out = dict(point)
    for lv, b in path.items():  # the derived values in between (a relation a score counts) as the path has them
        if lv not in out and g.vars[lv].input in derived:
            out[lv] = b
    for lv in fixed:
        for name in derived[g.vars[lv].input].reads:
            for key in (f"known:{name}", name):
                at = levels.get(key)
                if at is not None and at not in out:
                    out[at] = path.get(at, 1 if key.startswith("known:") else 0)
            for d in derived.values():  # a set input is given through its members
                at = levels.get(d.name)
                if d.how == "member" and d.reads[0] == name and at is not None and at not in out:
                    out[at] = path.get(at, 0)
    return out


def facts_of(g: CompiledGuideline, point: dict[int, int]) -> dict[str, Any]:
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
        solved = g.solve(point)
        for name, x in (solved or {}).items():
            if name in facts:
                facts[name] = x
    return facts


def witness(g: CompiledGuideline, m: MDD, region: int, case_id: str, description: str, cube: Cube | None = None) -> \
        dict[str, Any] | None:
    """``{"id", "description", "facts"}`` for a patient of ``region`` (a diagram of ``m``); None when the region
    is empty."""
    point = point_in(g, m, region, cube)
    if point is None:
        return None
    return {"id": case_id, "description": description, "facts": facts_of(g, point)}
