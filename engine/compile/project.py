"""What a section's figure asks: the questions its own conditions read, not what derived values are computed from.

A section's compiled diagram holds the definitions of the derived values it tests (engine.compile.derived), so
that evaluation and the checks never meet a category that disagrees with its inputs. Below "Risk category?" it
therefore tests the inputs the category is computed from, and a figure drawn from it would redraw the whole risk
table under every category. The diagram that is *drawn* (and copied into the graph of docs/graph.md) leaves those
inputs out: each variable that none of the conditions deciding the section's leaves reads is projected away (its
branches merged, the ones the definitions or the assumptions rule out dropped). That is only done when it loses
nothing: if two branches of such a variable lead to different possible leaves, the diagram is drawn as compiled.
The classification itself is drawn as a figure of its own (``guidegraph render --section NAME`` of a
classification; see visualize).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from engine.compile.guideline import IMPOSSIBLE, Var
from engine.compile.mdd import MDD
from engine.compile.units import status_units
from engine.core.model import Expr, KnownTest, Model
from engine.core.walk import iter_atoms


class _Clash(Exception):
    pass


def _merge(a: Any, b: Any) -> Any:
    if a == b or b == IMPOSSIBLE:
        return a
    if a == IMPOSSIBLE:
        return b
    raise _Clash


def read_levels(model: Model, vs: tuple[Var, ...], exprs: Iterable[Expr]) -> set[int]:
    """The levels the atoms of ``exprs`` test (lets expanded)."""
    level = {v.name: i for i, v in enumerate(vs)}
    out: set[int] = set()
    for e in exprs:
        for a in iter_atoms(e, model):
            name = f"known:{a.input}" if isinstance(a, KnownTest) else a.input
            if name in level:
                out.add(level[name])
    return out


def section_reads(model: Model, vs: tuple[Var, ...], section: str) -> set[int]:
    """The levels that decide a section's leaves: its guard, its rules and their overriders, its covers and the
    rules that may answer them."""
    rules = {ri for ri, r in enumerate(model.rules) if r.section == section}
    for u in status_units(model).units:
        if u.rule in rules:
            rules.update(u.over)
    covered = {c.action for c in model.covers if c.section == section}
    rules.update(ri for ri, r in enumerate(model.rules) if any(e.action in covered for e in r.entries))
    exprs: list[Expr] = [s.guard for s in model.sections if s.name == section]
    exprs += [model.rules[ri].condition for ri in sorted(rules)]
    exprs += [c.condition for c in model.covers if c.section == section]
    return read_levels(model, vs, exprs)


def projected(model: Model, vs: tuple[Var, ...], m: MDD, section: str, node: int) -> int:
    """``node`` without the variables the section does not read (see the module docstring); ``node`` itself when
    there are none or when leaving them out would merge different leaves."""
    if not model.derived:
        return node
    keep = section_reads(model, vs, section)
    drop = set(m.support(node)) - keep
    if not drop:
        return node
    try:
        return merged(m, node, drop, _merge)
    except _Clash:
        return node


def merged(m: MDD, node: int, drop: set[int], merge: Callable[[Any, Any], Any]) -> int:
    """``node`` without the levels ``drop``: at each of their nodes the children are combined pointwise with
    ``merge`` (of terminal values), so the result no longer tests them."""
    memo: dict[int, int] = {}

    def rec(n: int) -> int:
        r = memo.get(n)
        if r is None:
            if m.is_terminal(n):
                r = n
            else:
                kids = [rec(c) for c in m.children(n)]
                if m.level(n) in drop:
                    r = kids[0]
                    for k in kids[1:]:
                        r = m.apply(merge, r, k)
                else:
                    r = m.node(m.level(n), kids)
            memo[n] = r
        return r

    return rec(node)
