"""A region of the case space turned into one concrete patient case, ready to paste into a YAML case file.

The patient is a point of the region, and the case gives a value exactly for the inputs the region depends on
(its diagram's support); the others are left out. Leaving them out is exact, not a shortcut: the region does not
depend on them and contains only allowed patients, so every allowed value of the omitted inputs is in the region
too, and the evaluator, which reads an omitted input as "any allowed value", decides the finding just as for the
point itself. A ``known:x`` branch that is false leaves ``x`` out, which is what ``x is unknown`` means.

Values are chosen to read well: an enum's first value in the region, and for a number cell the smallest whole
number strictly inside it (``size_cm > 5`` gives 6), else an end point or the midpoint.
"""

from __future__ import annotations

import math
from typing import Any

from engine.checks.regions import Cube, cube_node
from engine.guideline import Guideline, Var
from engine.mdd import MDD
from engine.model import Interval


def number_in(cell: Interval, integer: bool, low: float, high: float) -> float:
    """A readable number inside ``cell`` (clipped to the input's declared range ``low..high``)."""
    lo = cell.low if cell.low is not None else (low if not math.isinf(low) else None)
    hi = cell.high if cell.high is not None else (high if not math.isinf(high) else None)
    lo_closed = cell.low_closed or cell.low is None
    hi_closed = cell.high_closed or cell.high is None
    if lo is not None and hi is not None and lo == hi:
        return lo
    if lo is None:
        return (math.ceil(hi) - 1.0) if hi is not None else 0.0
    if hi is None:
        return math.floor(lo) + 1.0
    inner = math.floor(lo) + 1.0
    if inner < hi or (inner == hi and hi_closed):
        return inner
    if integer or lo_closed:
        return lo if lo_closed else hi
    return (lo + hi) / 2.0


def value_of(var: Var, branch: int, low: float, high: float) -> Any:
    """The case value standing for ``branch`` of ``var`` (JSON-friendly: whole numbers as int)."""
    b = var.branches[branch]
    if isinstance(b, Interval):
        x = number_in(b, var.kind == "integer", low, high)
        return int(x) if float(x).is_integer() else x
    return b


def point_in(g: Guideline, region: int, cube: Cube | None = None) -> dict[int, int] | None:
    """A point (level -> branch, on the region's support only) of ``region`` (and of ``cube`` if given)."""
    m = g.mdd
    u = m.and_(region, cube_node(m, cube)) if cube is not None else region
    path = m.witness(u, True)
    if path is None:
        return None
    out: dict[int, int] = {}
    for lv in m.support(region):
        if lv in path:
            out[lv] = path[lv]
        else:  # the path does not test it: any branch (inside the cube, to match the description) will do
            s = cube[lv] if cube is not None else None
            out[lv] = min(s) if s else 0
    return out


def facts_of(g: Guideline, point: dict[int, int]) -> dict[str, Any]:
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
    return facts


def cofactor(m: MDD, u: int, fixed: dict[int, int]) -> int:
    """``u`` with every level of ``fixed`` set to its branch, in one pass (``MDD.restrict`` does one level)."""
    memo: dict[int, int] = {}

    def rec(n: int) -> int:
        r = memo.get(n)
        if r is None:
            if m.is_terminal(n):
                r = n
            else:
                lv = m.level(n)
                kids = m.children(n)
                r = rec(kids[fixed[lv]]) if lv in fixed else m.node(lv, [rec(c) for c in kids])
            memo[n] = r
        return r

    return rec(u)


def shrink(g: Guideline, region: int, allowed: int, point: dict[int, int]) -> dict[int, int]:
    """Leave out every input the finding does not need: an input may go when, with it unknown, every allowed
    patient matching the rest of the case is still in ``region`` (what the evaluator then decides). Inputs with a
    ``known:x`` variable are left out by setting it to false. Tried from the last input to the first."""
    m = g.mdd
    levels = {v.name: i for i, v in enumerate(g.vars)}
    out = dict(point)
    for lv in sorted(point, reverse=True):
        var = g.vars[lv]
        if var.kind == "known" or lv not in out:
            continue
        trial = dict(out)
        del trial[lv]
        klv = levels.get(f"known:{var.input}")
        if klv is not None:
            trial[klv] = 0
        r, a = cofactor(m, region, trial), cofactor(m, allowed, trial)
        if a != m.FALSE and m.or_(m.not_(a), r) == m.TRUE:
            out = trial
    return out


def witness(g: Guideline, region: int, case_id: str, description: str, cube: Cube | None = None,
            allowed: int | None = None) -> dict[str, Any] | None:
    """``{"id", "description", "facts"}`` for a patient of ``region``; None when the region is empty. With
    ``allowed`` (the allowed patients), inputs the finding does not need are left out (:func:`shrink`)."""
    point = point_in(g, region, cube)
    if point is None:
        return None
    if allowed is not None:
        point = shrink(g, region, allowed, point)
    return {"id": case_id, "description": description, "facts": facts_of(g, point)}
