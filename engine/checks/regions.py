"""A region of the case space (a boolean decision diagram) described as a few readable conditions.

A finding's region is exact but, as a diagram, unreadable. Authors want ``site == uterus and size_cm > 5 cm and
grade in {2, 3}``. :func:`cubes` covers the region with few *cubes* (one set of allowed branches per variable,
``None`` for "any"), greedily: take a point of the region not covered yet, widen it one variable at a time as long
as the widened cube stays inside the region (or among patients the assumptions exclude, which may be covered
freely: they do not exist), and repeat; then drop cubes the others already cover. Every cube is checked against
the diagram, so the description is exact: the union of the cubes, intersected with the allowed patients, is the
region. :func:`describe` prints cubes in the rules language's own condition syntax, so they can be pasted into a
``when``.

>>> from engine.compile.mdd import MDD
>>> m = MDD([3, 2])
>>> r = m.or_(m.test(0, {0}), m.and_(m.test(0, {1}), m.test(1, {1})))
>>> cubes(m, r, m.TRUE)
[(frozenset({0}), None), (frozenset({0, 1}), frozenset({1}))]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from engine.compile.guideline import CompiledGuideline, Var
from engine.compile.mdd import MDD
from engine.core.derived import Derived
from engine.core.model import Input, Interval
from engine.core.vocabulary import authored

Cube = tuple[frozenset[int] | None, ...]
"""One set of branches per level (None: any branch)."""

MAX_CUBES = 12
"""Descriptions stop after this many cubes (the message then says how many more points remain)."""


def cube_node(m: MDD, cube: Cube) -> int:
    """The boolean diagram of a cube, built bottom-up (one node per restricted level)."""
    u = m.TRUE
    for lv in range(len(cube) - 1, -1, -1):
        s = cube[lv]
        if s is not None:
            u = m.node(lv, [u if b in s else m.FALSE for b in range(m.sizes[lv])])
    return u


def _inside(m: MDD, cube: Sequence[frozenset[int] | None]) -> Callable[[int], bool]:
    """A memoised test: does every point of ``cube`` below node ``n`` lead to True (a walk of the part of the
    diagram inside the cube)."""
    memo: dict[int, bool] = {}

    def rec(n: int) -> bool:
        r = memo.get(n)
        if r is None:
            if m.is_terminal(n):
                r = m.value(n) is True
            else:
                s = cube[m.level(n)]
                kids = m.children(n)
                r = all(rec(kids[i]) for i in (range(len(kids)) if s is None else sorted(s)))
            memo[n] = r
        return r

    return rec


def within(m: MDD, u: int, cube: Cube) -> bool:
    """Whether every point of ``cube`` leads to True in ``u``."""
    return _inside(m, cube)(u)


def good_branches(m: MDD, upper: int, cube: Sequence[frozenset[int] | None], lv: int) -> frozenset[int]:
    """The branches ``b`` of level ``lv`` for which ``cube`` with ``lv`` set to ``{b}`` lies inside ``upper``, in
    one walk. A cube lies inside ``upper`` exactly when each of its branches at ``lv`` does, so this set is the
    widest ``lv`` can become with the other levels kept."""
    size = m.sizes[lv]
    everything = frozenset(range(size))
    memo: dict[int, frozenset[int]] = {}
    within_below = _inside(m, cube)  # nodes below lv: the cube decides them alone

    def rec(n: int) -> frozenset[int]:
        r = memo.get(n)
        if r is None:
            level = m.level(n)
            if m.is_terminal(n) or level > lv:
                r = everything if within_below(n) else frozenset()
            elif level == lv:
                r = frozenset(b for b, c in enumerate(m.children(n)) if within_below(c))
            else:
                s = cube[level]
                kids = m.children(n)
                r = everything
                for i in range(len(kids)) if s is None else sorted(s):
                    r = r & rec(kids[i])
                    if not r:
                        break
            memo[n] = r
        return r

    return rec(upper)


def meets(m: MDD, u: int, v: int) -> bool:
    """Whether some point is True in both ``u`` and ``v`` (a walk: no node is built, unlike ``m.and_``)."""
    memo: dict[tuple[int, int], bool] = {}
    nv = m.nvars

    def rec(a: int, b: int) -> bool:
        if a == m.FALSE or b == m.FALSE:
            return False
        la, lb = m.level(a), m.level(b)
        if la == nv and lb == nv:
            return m.value(a) is True and m.value(b) is True
        key = (a, b)
        r = memo.get(key)
        if r is None:
            lv = min(la, lb)
            ca = m.children(a) if la == lv else (a,) * m.sizes[lv]
            cb = m.children(b) if lb == lv else (b,) * m.sizes[lv]
            r = memo[key] = any(rec(x, y) for x, y in dict.fromkeys(zip(ca, cb, strict=True)))
        return r

    return rec(u, v)


def point_in_cube(m: MDD, u: int, cube: Cube) -> dict[int, int] | None:
    """The first path (``{level: branch}``, tested levels only) to True in ``u`` that stays inside ``cube``."""
    memo: dict[int, bool] = {}

    def branches(n: int) -> range | list[int]:
        s = cube[m.level(n)]
        return range(m.sizes[m.level(n)]) if s is None else sorted(s)

    def has(n: int) -> bool:
        r = memo.get(n)
        if r is None:
            kids = m.children(n)
            r = (m.value(n) is True) if m.is_terminal(n) else any(has(kids[i]) for i in branches(n))
            memo[n] = r
        return r

    if not has(u):
        return None
    path: dict[int, int] = {}
    while not m.is_terminal(u):
        kids = m.children(u)
        b = next(i for i in branches(u) if has(kids[i]))
        path[m.level(u)] = b
        u = kids[b]
    return path


def escapes(m: MDD, u: int, cube: Cube) -> bool:
    """Whether some point True in boolean ``u`` lies outside ``cube`` (a walk: no node is built). A path of a
    reduced diagram that skips a level the cube restricts has points outside the cube on that level."""
    def restricted(lv: int) -> bool:
        s = cube[lv]
        return s is not None and len(s) < m.sizes[lv]

    memo: dict[tuple[int, int], bool] = {}

    def rec(n: int, above: int) -> bool:  # some True point below n outside the cube (levels < above are inside)
        lv = m.level(n)
        if any(restricted(x) for x in range(above, lv)):
            return n != m.FALSE
        if m.is_terminal(n):
            return False
        key = (n, above)
        r = memo.get(key)
        if r is None:
            s = cube[lv]
            r = memo[key] = any((c != m.FALSE) if (s is not None and i not in s) else rec(c, lv + 1)
                                for i, c in enumerate(m.children(n)))
        return r

    return rec(u, 0)


def _expand(m: MDD, upper: int, cube: list[frozenset[int] | None], numeric: Sequence[bool]) -> None:
    """Widen ``cube`` in place, variable by variable (each as far as it goes), keeping it inside ``upper``."""
    for lv, s in enumerate(cube):
        if s is None:
            continue
        good = good_branches(m, upper, cube, lv)
        if numeric[lv]:  # only the run of neighbouring cells around the current ones: one interval
            lo, hi = min(s), max(s)
            while lo - 1 in good:
                lo -= 1
            while hi + 1 in good:
                hi += 1
            good = frozenset(range(lo, hi + 1)) | s
        cube[lv] = None if len(good) == m.sizes[lv] else good


def cubes(m: MDD, region: int, care: int, numeric: Sequence[bool] | None = None,
          limit: int = MAX_CUBES) -> list[Cube]:
    """Few cubes whose union, within ``care`` (the allowed patients), is ``region`` (at most ``limit``: see
    :func:`remaining`)."""
    numeric = numeric if numeric is not None else [False] * m.nvars
    upper = m.or_(region, m.not_(care))
    left = m.and_(region, care)
    found: list[Cube] = []
    while left != m.FALSE and len(found) < limit:
        point = m.witness(left, True)
        assert point is not None
        cube: list[frozenset[int] | None] = [None] * m.nvars
        for lv, b in point.items():
            cube[lv] = frozenset({b})
        _expand(m, upper, cube, numeric)
        c = tuple(cube)
        found.append(c)
        if not escapes(m, left, c):
            break
        left = m.and_(left, m.not_(cube_node(m, c)))
    # drop cubes the others already cover (the later ones are the smaller, so try those first)
    if len(found) < 2:
        return found
    nodes = [cube_node(m, c) for c in found]
    inside = m.and_(region, care)
    keep = list(range(len(found)))
    for i in reversed(range(len(found))):
        others = m.or_(*[nodes[j] for j in keep if j != i])
        if not meets(m, m.and_(inside, nodes[i]), m.not_(others)):
            keep.remove(i)
    return [found[i] for i in keep]


def remaining(m: MDD, region: int, care: int, found: Sequence[Cube]) -> int:
    """How many points of ``region`` the cubes leave out (0 unless the description was cut at the limit)."""
    covered = m.or_(*[cube_node(m, c) for c in found])
    return m.count(m.and_(region, care, m.not_(covered)), True)


# ---------------------------------------------------------------------------------------------------------------
# Text


def _enum_text(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


_NEGATED = {" > ": " <= ", " >= ": " < ", " < ": " >= ", " <= ": " > ", " == ": " != ", " != ": " == "}


def derived_literal(d: Derived, branches: frozenset[int]) -> str:
    """A relation or a set member true (branch 1) or false, as the author would write it: ``sbp - dbp <= 60
    mmHg`` rather than ``... == false``."""
    if branches == frozenset({1}):
        return d.text
    if d.how == "relation":
        for op, neg in _NEGATED.items():
            if op in d.text:
                return d.text.replace(op, neg, 1)
    return f"not ({d.text})"


def literal(var: Var, inp: Input, branches: frozenset[int], written: frozenset[float] = frozenset()) -> str:
    """``var`` takes one of ``branches``, in the rules language."""
    chosen = sorted(branches)
    if var.kind == "known":
        return f"{var.input} is {'known' if chosen == [1] else 'unknown'}"
    if var.numeric:
        runs: list[Interval] = []
        prev = -2
        for i in chosen:
            cell = var.branches[i]
            assert isinstance(cell, Interval)
            if i == prev + 1 and runs:
                last = runs[-1]
                runs[-1] = Interval(last.low, cell.high, last.low_closed, cell.high_closed)
            else:
                runs.append(cell)
            prev = i
        texts = [(authored(r, written) if written else r).text("rules", name=var.input, unit=inp.unit,
                                                               domain=(inp.low, inp.high)) for r in runs]
        if len(texts) == 1:
            return texts[0]
        return "(" + " or ".join(f"({t})" if " and " in t else t for t in texts) + ")"
    vals = [var.branches[i] for i in chosen]
    others = [v for i, v in enumerate(var.branches) if i not in branches]
    if len(vals) == 1:
        return f"{var.input} == {_enum_text(vals[0])}"
    if len(others) == 1 and var.kind != "bool":
        return f"{var.input} != {_enum_text(others[0])}"
    return f"{var.input} in {{{', '.join(_enum_text(v) for v in vals)}}}"


def cube_text(g: CompiledGuideline, cube: Cube) -> str:
    """One cube as a conjunction (``true`` for the whole space)."""
    parts: list[str] = []
    for lv, s in enumerate(cube):
        if s is None:
            continue
        var = g.vars[lv]
        if var.kind == "known" and s == frozenset({1}) and lv + 1 < len(cube) and cube[lv + 1] is not None:
            continue  # "x > 5" already says x is known
        d = g.model.derived.get(var.input)
        parts.append(derived_literal(d, s) if d is not None and d.kind == "bool" else
                     literal(var, g.model.input_of(var.input), s, g.model.vocabulary.written.get(var.input,
                                                                                                 frozenset())))
    return " and ".join(parts) if parts else "true"


def _grouped(text: str) -> str:
    return f"({text})" if " or " in text or " and " in text else text


def describe(g: CompiledGuideline, found: Sequence[Cube], more: int = 0) -> str:
    """Cubes as one condition: ``A and B``, or with the literals every cube shares pulled out,
    ``A and (B or C and D)``; ``more`` > 0 adds how many points are left out of a cut description."""
    n = len(g.vars)
    common: list[frozenset[int] | None] = [None] * n
    if len(found) > 1:
        for lv in range(n):
            sets = {c[lv] for c in found}
            if len(sets) == 1:
                common[lv] = next(iter(sets))
    rest = [tuple(None if common[lv] is not None else c[lv] for lv in range(n)) for c in found]
    texts = [cube_text(g, c) for c in rest]
    alt = texts[0] if len(texts) == 1 else " or ".join(_grouped(t) for t in texts)
    head = cube_text(g, tuple(common)) if any(s is not None for s in common) else ""
    out = head or alt
    if head and alt != "true":
        out = f"{head} and {_grouped(alt) if len(texts) > 1 else alt}"
    if more:
        out += f" (and {more} more combination{'s' if more != 1 else ''} of input values not listed)"
    return out


def region_text(g: CompiledGuideline, m: MDD, region: int, care: int) -> tuple[str, list[Cube]]:
    """The description of ``region`` (a diagram of ``m``, within ``care``) and its cubes."""
    numeric = [v.numeric for v in g.vars]
    found = cubes(m, region, care, numeric)
    more = remaining(m, region, care, found) if len(found) >= MAX_CUBES else 0
    return describe(g, found, more), found
