"""The case space the checks reason about, as boolean decision diagrams on the compiled guideline's MDD.

Every check asks "for which patients does X hold?" and answers with a boolean diagram over the compiled
variables (``guideline.vars``, same levels and branches), built with :class:`engine.compile.mdd.MDD` from the compiled
rule diagrams, so every finding is proven on diagrams, never guessed pairwise.

A point of the space gives every variable a branch. For an input ``x`` tested with ``is known`` the pseudo-variable
``known:x`` says whether the case gives ``x``; when it does not, the case's meaning is the evaluator's
(engine/evaluate/walk.py): the walk follows every branch of ``x`` that the assumptions allow, and something is decided
only when it holds on all of them. :meth:`Space.decided` turns a diagram over complete patients into that
reading (universal quantification of the omitted inputs over their allowed values), so that a finding at a point
with ``known:x`` false is exactly what ``CompiledGuideline.evaluate`` shows for a case that leaves ``x`` out.

:func:`space` gives a scratch space (its own MDD manager) per group of findings, so that the checks leave the
compiled guideline's manager untouched and their memory is freed group by group.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from typing import assert_never

from engine.compile.compiler import overriders
from engine.compile.guideline import CompiledGuideline
from engine.compile.mdd import MDD, collect_young
from engine.compile.units import status_units
from engine.core.model import And, Const, Expr, Interval, KnownTest, LetRef, Not, NumTest, Or, ValueTest
from engine.core.values import is_member


@dataclass(frozen=True)
class _Static:
    """What every scratch space of one guideline shares: computed once."""

    known_levels: tuple[tuple[int, int], ...]  # (level of known:x, level of x) per input tested with is known
    over: dict[int, tuple[int, ...]]  # rule -> rules overriding it directly or through a chain


@dataclass(eq=False)
class Space:
    """Diagrams of one group of findings (one action, one section), in a scratch MDD manager of their own.

    The scratch manager holds copies of the compiled diagrams the group needs and every intermediate result; it
    is dropped with the group, so the checks neither grow the compiled guideline's manager nor keep memory
    across groups. Rule and cover indices are positions in ``model.rules`` / ``model.covers``."""

    guideline: CompiledGuideline
    m: MDD
    known_levels: tuple[tuple[int, int], ...]
    over: dict[int, tuple[int, ...]]
    _copied: dict[int, int] = field(default_factory=dict)
    _set_aside: dict[int, int] = field(default_factory=dict)
    _active: dict[int, int] = field(default_factory=dict)
    _decided: dict[int, int] = field(default_factory=dict)
    _applies: dict[int, int] = field(default_factory=dict)
    assume: int = 0
    allowed: int = 0  # the patients (complete or with omitted inputs) the assumptions allow
    _assume_support: frozenset[int] = frozenset()
    _levels: dict[str, int] | None = None

    def __post_init__(self) -> None:
        self.assume = self.copy(self.guideline.assume_node)
        if self.guideline.classified is not None:  # unclassified patients are E210's, not other findings'
            self.assume = self.m.and_(self.assume, self.copy(self.guideline.classified))
        self._assume_support = frozenset(self.m.support(self.assume))
        a = self.assume
        m = self.m
        for kl, xl in self.known_levels:
            if xl in self._assume_support:
                a = m.or_(m.and_(m.test(kl, {1}), a), m.and_(m.test(kl, {0}), m.exists(a, xl)))
        self.allowed = a

    def copy(self, u: int) -> int:
        """The compiled manager's node ``u`` in this scratch manager."""
        src, dst, memo = self.guideline.mdd, self.m, self._copied

        def rec(n: int) -> int:
            r = memo.get(n)
            if r is None:
                if src.is_terminal(n):
                    r = dst.terminal(src.value(n))
                else:
                    r = dst.node(src.level(n), [rec(c) for c in src.children(n)])
                memo[n] = r
            return r

        return rec(u)

    # -- quantification over omitted inputs ----------------------------------------------------------------------

    def decided(self, f: int) -> int:
        """``f`` (a property of complete patients) read with omitted inputs: where ``known:x`` is false, ``f``
        must hold for every value of ``x`` the assumptions allow. Only allowed points are kept."""
        m = self.m
        if not self.known_levels:
            return m.and_(f, self.allowed)
        support = set(m.support(f))
        if not any(xl in support or xl in self._assume_support for _, xl in self.known_levels):
            return m.and_(f, self.allowed)  # no omitted input can change f: "for every x" is f itself
        g = m.or_(m.not_(self.assume), f)
        support = set(m.support(g))
        for kl, xl in self.known_levels:
            if xl in support:  # otherwise "for every x" changes nothing
                g = m.or_(m.and_(m.test(kl, {1}), g), m.and_(m.test(kl, {0}), m.forall(g, xl)))
        return m.and_(g, self.allowed)

    # -- rules ---------------------------------------------------------------------------------------------------

    def raw_applies(self, ri: int) -> int:
        """The rule's condition on complete patients (no assumptions)."""
        return self.copy(self.guideline.rule_nodes[self.guideline.model.rules[ri].name])

    def set_aside(self, ri: int) -> int:
        """Complete patients for whom some overrider of the rule (direct or chained) applies."""
        r = self._set_aside.get(ri)
        if r is None:
            r = self._set_aside[ri] = self.m.or_(*[self.raw_applies(o) for o in self.over[ri]])
        return r

    def applies(self, ri: int) -> int:
        """Allowed patients for whom the rule's condition is decided true."""
        r = self._applies.get(ri)
        if r is None:
            r = self._applies[ri] = self.decided(self.raw_applies(ri))
        return r

    def active_raw(self, ri: int) -> int:
        r = self._active.get(ri)
        if r is None:
            r = self._active[ri] = self.m.and_(self.raw_applies(ri), self.m.not_(self.set_aside(ri)))
        return r

    def active(self, ri: int) -> int:
        """Allowed patients for whom the rule's entries are decided active (it applies, it is not set aside):
        what ``evaluate`` lists as recommendations."""
        r = self._decided.get(ri)
        if r is None:
            r = self._decided[ri] = self.decided(self.active_raw(ri))
        return r

    def entry_active(self, ri: int, action: str) -> int:
        """Allowed patients for whom rule ``ri``'s entry on ``action`` is decided active: :meth:`active`, unless
        that entry is set aside on its own (``overrides rule.action``, a prevailing prohibition; see
        ``engine.compile.units``)."""
        u = self._unit(ri, action)
        if u == ri:
            return self.active(ri)
        key = -1 - u  # units of single entries are cached next to the rules, under negative keys
        r = self._decided.get(key)
        if r is None:
            r = self._decided[key] = self.decided(self.entry_active_raw(ri, action))
        return r

    def entry_active_raw(self, ri: int, action: str) -> int:
        """Complete patients for whom rule ``ri``'s entry on ``action`` is active: :meth:`active_raw` for one
        entry, which an ``overrides rule.action`` or a prevailing prohibition may set aside while the rest of the
        rule stays (the diff reads it to tell pending entries from decided ones)."""
        u = self._unit(ri, action)
        if u == ri:
            return self.active_raw(ri)
        key = -1 - u
        r = self._active.get(key)
        if r is None:
            m = self.m
            over = status_units(self.guideline.model).units[u].over
            r = self._active[key] = m.and_(self.raw_applies(ri), m.not_(m.or_(*[self.raw_applies(o) for o in over])))
        return r

    def _unit(self, ri: int, action: str) -> int:
        """The status unit of rule ``ri``'s entry on ``action`` (``ri`` itself when nothing sets it aside alone)."""
        units = status_units(self.guideline.model)
        ei = next(i for i, e in enumerate(self.guideline.model.rules[ri].entries) if e.action == action)
        return units.of_entry[ri, ei]

    def cover(self, ci: int) -> int:
        """Allowed patients decided to be inside cover ``ci``'s region."""
        return self.decided(self.condition(self.guideline.model.covers[ci].condition))

    def condition(self, e: Expr) -> int:
        """The boolean diagram of a core condition on complete patients (``known:x`` read as a variable). The
        same construction as the compiler's; tests check that both agree on every rule."""
        m, g = self.m, self.guideline
        match e:
            case Const(value):
                return m.TRUE if value else m.FALSE
            case LetRef(name):
                return self.condition(g.model.lets[name].expr)
            case And(items):
                return m.and_(*[self.condition(i) for i in items])
            case Or(items):
                return m.or_(*[self.condition(i) for i in items])
            case Not(item):
                return m.not_(self.condition(item))
            case KnownTest():
                return m.test(self.levels[f"known:{e.input}"], {1})
            case NumTest():
                lv = self.levels[e.input]
                var = g.vars[lv]
                integer = var.kind == "integer"
                return m.test(lv, {i for i, c in enumerate(var.branches) if isinstance(c, Interval)
                                   and e.interval.contains(c.point("next_whole", integer=integer))})
            case ValueTest():
                lv = self.levels[e.input]
                return m.test(lv, {i for i, v in enumerate(g.vars[lv].branches) if is_member(v, e.values)})
            case _:
                assert_never(e)

    @property
    def levels(self) -> dict[str, int]:
        """Variable name -> level."""
        found = self._levels
        if found is None:
            found = self._levels = {v.name: i for i, v in enumerate(self.guideline.vars)}
        return found


def _known_levels(g: CompiledGuideline) -> tuple[tuple[int, int], ...]:
    idx = {v.name: i for i, v in enumerate(g.vars)}
    return tuple((idx[v.name], idx[v.input]) for v in g.vars if v.kind == "known" and v.input in idx)


_CACHE: weakref.WeakKeyDictionary[CompiledGuideline, _Static] = weakref.WeakKeyDictionary()


def space(g: CompiledGuideline) -> Space:
    """A fresh scratch :class:`Space` of ``g`` (the guideline-wide parts are computed once). The scratch
    managers of earlier groups are freed here when the cyclic collector is paused (:func:`collect_young`)."""
    collect_young()
    st = _CACHE.get(g)
    if st is None:
        st = _CACHE[g] = _Static(_known_levels(g), overriders(g.model))
    return Space(g, MDD(g.mdd.sizes, g.mdd.max_nodes), st.known_levels, st.over)
