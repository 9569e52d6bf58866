"""Section diagrams that never branch on a value nobody can know: the assumptions read with ``is known``.

An assumption such as ``assume n is known implies not a`` says that for a patient with ``a`` the input ``n`` has
no value at all (years since a treatment that has not ended). A diagram still has a level for ``n`` below
``known:n = false`` (the case leaves ``n`` out), and without this module the walk followed every branch of it:
a rule on ``n`` was listed as pending, needing ``n`` (a value that, once given, makes the case impossible), a
figure asked "n >= 2?" under "a: yes", and coverage counted leaves no possible patient reaches.

Where ``known:x`` is false and no value of ``x`` would satisfy the assumptions if it were given (``x`` is
*unknowable* there), what holds is what holds for every value of ``x``: the children of the ``x`` node are merged
into one leaf keeping the statuses, covers and gaps common to all of them (:func:`merge_leaves`). That is the
reading the checks already give an omitted input (``engine.checks.space.Space.decided``: something is decided
only when it holds for every value the assumptions allow), so figures, evaluation and coverage now agree with
``check``. Everywhere else (``x`` given, or ``x`` omitted but still knowable) the diagram is unchanged.

>>> from engine.compile.guideline import Applied, LeafKey, RuleStatus
>>> a = LeafKey(False, (Applied(0, RuleStatus.ACTIVE), Applied(1, RuleStatus.ACTIVE)), (), (), True)
>>> b = LeafKey(False, (Applied(0, RuleStatus.ACTIVE),), (), (), True)
>>> merge_leaves(a, b).statuses
(Applied(rule=0, status=<RuleStatus.ACTIVE: 'active'>, by=()),)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from engine.compile.guideline import LeafKey, Var
from engine.compile.mdd import MDD


def merge_leaves(a: LeafKey, b: LeafKey) -> LeafKey:
    """The leaf of patients known only to be in ``a`` or in ``b``: what both say. An impossible leaf says
    nothing (those patients do not exist); a gap stays a gap when some of the two has it and both have the
    cover (the action is then not answered for every value)."""
    if a.impossible:
        return b
    if b.impossible:
        return a
    both = set(b.statuses)
    covers = tuple(c for c in a.covers if c in b.covers)
    return LeafKey(False, tuple(s for s in a.statuses if s in both), covers,
                   tuple(c for c in covers if c in a.gaps or c in b.gaps), a.inside and b.inside)


def known_pairs(vs: Sequence[Var]) -> tuple[tuple[int, int], ...]:
    """(level of ``known:x``, level of ``x``) for every input tested with ``is known``."""
    idx = {v.name: i for i, v in enumerate(vs)}
    return tuple((i, idx[v.input]) for i, v in enumerate(vs) if v.kind == "known" and v.input in idx)


class Unknowable:
    """Per guideline: for each input ``x`` whose ``known:x`` the assumptions read, the boolean diagram of where
    ``x`` is omitted and could not be given (:meth:`flag`), and the rewrite of a section diagram
    (:meth:`__call__`). Built in the compiled manager before it is frozen (the compiler calls it)."""

    def __init__(self, m: MDD, vs: Sequence[Var], assume: int) -> None:
        self.m = m
        support = set(m.support(assume))
        self.flags: list[tuple[int, int]] = []  # (level of x, flag diagram)
        for kl, xl in known_pairs(vs):
            if kl not in support:
                continue  # the assumptions never ask whether x is given: a value of x is never ruled out for that
            knowable = m.exists(m.restrict(assume, kl, 1), xl)
            flag = m.and_(m.test(kl, {0}), m.not_(knowable))
            if flag != m.FALSE:
                self.flags.append((xl, flag))

    def __call__(self, node: int) -> int:
        """``node`` (a diagram with :class:`LeafKey` terminals) with every unknowable input's branches merged
        (inputs in level order; see the module docstring)."""
        m = self.m
        for xl, flag in self.flags:
            if xl not in m.support(node):
                continue
            kids = [m.restrict(node, xl, b) for b in range(m.sizes[xl])]
            merged = kids[0]
            for k in kids[1:]:
                merged = m.apply(merge_leaves, merged, k)
            node = m.apply_many(_pick, (node, merged, flag))
        return node


def _pick(values: tuple[Any, ...]) -> Any:
    """The merged leaf where the flag holds, else the leaf as it was."""
    leaf, merged, flag = values
    return merged if flag else leaf
