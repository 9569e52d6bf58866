"""Derived values of two versions kept apart: the new version's are renamed when their definitions differ.

Two versions compared over one variable order share a variable per name. For an input that is right: it is the
same fact about the patient in both. A derived value is not a fact but a definition: if version 2 changes the
risk table, "risk" of version 1 and "risk" of version 2 are different functions of the inputs, and one shared
variable tied to both definitions would leave no patient on whom they disagree, hiding the very change. So when
the two versions' derived values are not all identical, every derived value of the new version gets a name of
its own (``risk (new)``), and each version's definitions tie its own variables to the shared inputs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from engine.core.derived import Derived
from engine.core.model import (
    Cover,
    Expr,
    Indicator,
    KnownTest,
    Let,
    Model,
    NumConst,
    NumExpr,
    NumFunc,
    NumOp,
    NumRef,
    NumTest,
    Rule,
    Section,
    ValueTest,
)
from engine.core.walk import map_children

SUFFIX = " (new)"


def separate(old: Model, new: Model) -> Model:
    """``new`` with its derived values renamed apart from ``old``'s when the two sets of definitions differ."""
    # A member of a set input (``imatinib in prior``) is a fact about the patient, like an input, not a
    # definition: renamed apart, the two versions' members were tied to nothing and the diff showed changes on
    # patients with a member in one version and not in the other (a set input gaining a value, or any change to
    # another derived value, was enough).
    defined = {n for n, d in new.derived.items() if d.how != "member"}
    if not defined or {n: d for n, d in old.derived.items() if d.how != "member"} == {
            n: d for n, d in new.derived.items() if n in defined}:
        return new
    names = {n: n + SUFFIX for n in defined}
    cond = _renamer(names)

    def num(e: NumExpr) -> NumExpr:
        match e:
            case NumRef(name):
                return NumRef(names.get(name, name))
            case NumConst():
                return e
            case NumOp(op, a, b):
                return NumOp(op, num(a), num(b))
            case NumFunc(f, args):
                return NumFunc(f, tuple(num(a) for a in args))
            case Indicator(c, w):
                return Indicator(cond(c), w)
        raise AssertionError(e)

    def derived(d: Derived) -> Derived:
        return dataclasses.replace(
            d, name=names[d.name], label=(d.label or d.name) + SUFFIX,
            expr=None if d.expr is None else num(d.expr),
            branches=tuple((cond(c), v) for c, v in d.branches))

    return dataclasses.replace(
        new,
        lets={k: Let(k, cond(v.expr), v.label, v.span) for k, v in new.lets.items()},
        assumptions=tuple(dataclasses.replace(a, expr=cond(a.expr)) for a in new.assumptions),
        sections=tuple(Section(s.name, cond(s.guard), s.label, s.span) for s in new.sections),
        rules=tuple(_rule(r, cond) for r in new.rules),
        covers=tuple(dataclasses.replace(c, condition=cond(c.condition)) for c in new.covers),
        together=tuple(dataclasses.replace(t, condition=cond(t.condition)) for t in new.together),
        derived={names.get(k, k): derived(d) if k in names else d for k, d in new.derived.items()})


def _rule(r: Rule, cond: Callable[[Expr], Expr]) -> Rule:
    return dataclasses.replace(r, condition=cond(r.condition), when=cond(r.when))


def _renamer(names: dict[str, str]) -> Callable[[Expr], Expr]:
    def cond(e: Expr) -> Expr:
        match e:
            case ValueTest() | NumTest() | KnownTest():
                return dataclasses.replace(e, input=names.get(e.input, e.input))
            case _:
                return map_children(e, cond)
    return cond


__all__ = ["Cover", "separate"]
