"""The variables of the diagrams and the exact partition of number inputs into cells.

Every input a condition reads becomes a variable; ``x is known`` adds ``known:x`` just before ``x``. Enum and bool
inputs branch on their values. Numbers branch on the cells of an exact partition: the domain is cut at every
threshold a test uses (open/closed ends respected), and neighbouring cells that no test tells apart are merged,
so every cell is decided by every test. Integer cells get integer bounds.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence

from engine.compile.guideline import Var
from engine.core.model import (
    EnumValue,
    Expr,
    Indicator,
    Input,
    Interval,
    KnownTest,
    Model,
    NumExpr,
    NumFunc,
    NumOp,
    NumRef,
    NumTest,
)
from engine.core.walk import iter_atoms


def all_conditions(model: Model) -> Iterator[Expr]:
    for let in model.lets.values():
        yield let.expr
    for a in model.assumptions:
        yield a.expr
    for s in model.sections:
        yield s.guard
    for r in model.rules:
        yield r.condition
    for c in model.covers:
        yield c.condition
    for t in model.together:
        yield t.condition
    for d in model.derived.values():
        for branch, _ in d.branches:
            yield branch
        yield from indicator_conditions(d.expr)


def _num_nodes(e: NumExpr | None) -> Iterator[NumExpr]:
    """Every node of a number expression (the conditions inside points are not entered)."""
    stack = [e] if e is not None else []
    while stack:
        x = stack.pop()
        yield x
        if isinstance(x, NumOp):
            stack += [x.left, x.right]
        elif isinstance(x, NumFunc):
            stack += list(x.args)


def indicator_conditions(e: NumExpr | None) -> Iterator[Expr]:
    """The conditions a score counts."""
    return (x.cond for x in _num_nodes(e) if isinstance(x, Indicator))


def number_refs(e: NumExpr | None) -> Iterator[str]:
    """The numbers a formula or relation reads directly."""
    return (x.name for x in _num_nodes(e) if isinstance(x, NumRef))


def representative(cell: Interval, integer: bool) -> float:
    """A point of ``cell`` (every test decides the whole cell, so one point stands for it)."""
    return cell.point("representative", integer=integer)


def partition(inp: Input, tests: set[Interval]) -> tuple[Interval, ...]:
    """The cells of a number input: its domain cut at every threshold of ``tests``, indistinguishable neighbours
    merged. Cells are disjoint, ordered, and cover the domain."""
    lo = None if math.isinf(inp.low) else inp.low
    hi = None if math.isinf(inp.high) else inp.high
    pts = {b for t in tests for b in (t.low, t.high) if b is not None
           and (lo is None or b >= lo) and (hi is None or b <= hi)}
    pts |= {p for p in (lo, hi) if p is not None}
    points = sorted(pts)
    raw: list[Interval] = []
    if not points:
        raw.append(Interval(None, None, False, False))
    else:
        if lo is None:
            raw.append(Interval(None, points[0], False, False))
        for i, p in enumerate(points):
            raw.append(Interval(p, p, True, True))
            if i + 1 < len(points):
                raw.append(Interval(p, points[i + 1], False, False))
        if hi is None:
            raw.append(Interval(points[-1], None, False, False))
    integer = inp.kind == "integer"
    if integer:
        ints: list[Interval] = []
        for c in raw:
            a = None if c.low is None else (c.low if c.low_closed else math.floor(c.low) + 1.0)
            b = None if c.high is None else (c.high if c.high_closed else math.ceil(c.high) - 1.0)
            if a is not None and c.low_closed and not float(a).is_integer():
                continue
            if a is not None and b is not None and a > b:
                continue
            ints.append(Interval(a, b, a is not None, b is not None))
        raw = ints
    ordered = sorted(tests, key=lambda t: (str(t)))
    cells: list[Interval] = []
    sigs: list[tuple[bool, ...]] = []
    for c in raw:
        sig = tuple(t.contains(representative(c, integer)) for t in ordered)
        if cells and sigs[-1] == sig:
            prev = cells[-1]
            cells[-1] = Interval(prev.low, c.high, prev.low_closed, c.high_closed)
        else:
            cells.append(c)
            sigs.append(sig)
    return tuple(cells)


def reads(models: Sequence[Model]) -> tuple[set[str], set[str], dict[str, set[Interval]]]:
    """What the conditions of ``models`` read: the inputs they test, those tested with ``is known``, and per
    number input the intervals its tests use (what its partition is cut at)."""
    used: set[str] = set()
    known: set[str] = set()
    num_tests: dict[str, set[Interval]] = {}
    for model in models:
        for cond in all_conditions(model):
            for a in iter_atoms(cond, model):
                if isinstance(a, KnownTest):
                    known.add(a.input)
                else:
                    used.add(a.input)
                    if isinstance(a, NumTest):
                        num_tests.setdefault(a.input, set()).add(a.interval)
        for d in model.derived.values():  # what a used relation or formula reads is a variable too
            if d.name in used and d.how in ("relation", "formula"):
                stack = list(number_refs(d.expr))
                while stack:
                    n = stack.pop()
                    if n not in used:
                        used.add(n)
                        if n in model.derived:
                            stack += list(number_refs(model.derived[n].expr))
    return used, known, num_tests


def build_variables(inputs: Mapping[str, Input], used: set[str], known: set[str],
                    num_tests: Mapping[str, set[Interval]]) -> tuple[Var, ...]:
    """The variables of ``inputs`` (in their order) that ``used``/``known`` name: ``known:x`` right before ``x``,
    numbers on the cells of their partition."""
    out: list[Var] = []
    for name, inp in inputs.items():
        q = inp.label or name
        if name in known:
            out.append(Var(f"known:{name}", name, "known", (False, True), f"{q} known?", None))
        if (name in used or name in known) and inp.kind != "set":  # a set is read through its members
            branches: tuple[EnumValue | bool | Interval, ...]
            branches = partition(inp, num_tests.get(name, set())) if inp.numeric else inp.domain
            out.append(Var(name, name, inp.kind, branches, q, inp.unit))
    return tuple(out)


def ordered_inputs(model: Model) -> dict[str, Input]:
    """The declared inputs and the derived ones, in the order the diagrams test them: a member of a set input
    right after the set, any other derived value just before the first input it reads (so that a figure asks
    "Risk category?" before, and instead of, what the category is computed from)."""
    before: dict[str, list[Input]] = {}
    after: dict[str, list[Input]] = {}
    last: list[Input] = []
    for d in model.derived.values():
        if not d.reads:
            last.append(d.as_input())
        elif d.how == "member":
            after.setdefault(d.reads[0], []).append(d.as_input())
        else:
            before.setdefault(d.reads[0], []).append(d.as_input())
    out: dict[str, Input] = {}
    for name, inp in model.inputs.items():
        out.update((d.name, d) for d in before.get(name, ()))
        out[name] = inp
        out.update((d.name, d) for d in after.get(name, ()))
    out.update((d.name, d) for d in last)
    return out


def variables(model: Model) -> tuple[Var, ...]:
    """The variable order, declared: inputs in declaration order, ``known:x`` right before ``x``. The order is
    the order in which a section's flowchart asks its questions, so authors declare the inputs that scope the
    guideline (extent, site, ...) first."""
    return build_variables(ordered_inputs(model), *reads([model]))
