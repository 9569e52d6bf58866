"""A small ordered multi-valued decision diagram (MDD) library.

Why: the compiler, the evaluator and the checker all reason about *every* patient at once. An ordered, reduced,
hash-consed MDD represents a function from the cells of a few finite-domain variables to arbitrary (hashable)
values canonically: two equal functions are the same node id, so equality is ``==`` on ints, and every node tests
a variable the function really depends on.

Variables are *levels* ``0..n-1`` (level 0 is tested first); level ``i`` has ``sizes[i]`` branches, numbered
``0..sizes[i]-1``. Nodes are plain ints owned by one :class:`MDD` manager:

>>> m = MDD([2, 3])                      # a bool-like variable, then a 3-valued one
>>> a = m.test(0, {1})                   # "variable 0 takes branch 1"
>>> b = m.test(1, {0, 2})
>>> f = m.and_(a, b)
>>> m.evaluate(f, [1, 2]), m.evaluate(f, [1, 1])
(True, False)
>>> m.or_(f, m.not_(f)) == m.TRUE
True
>>> m.witness(f, True)                   # one assignment (level -> branch) that reaches True
{0: 1, 1: 0}

Terminals carry any hashable value (:meth:`terminal`); boolean diagrams use ``True``/``False`` terminals
(:attr:`TRUE`, :attr:`FALSE`). :meth:`apply` combines two diagrams pointwise with any binary function of terminal
values, :meth:`map` transforms terminal values (and re-reduces). When the manager holds more than ``max_nodes``
nodes it raises :class:`TooManyNodes`.
"""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, ParamSpec, TypeVar

_P = ParamSpec("_P")
_R = TypeVar("_R")


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the block (nested pauses are fine).

    Why: diagram work allocates millions of small tuples, dicts and ints that live as long as the diagrams. The
    cyclic collector keeps re-scanning that growing heap (at 10,000 rules it took more time than the work
    itself), and it finds little: reference counting frees almost everything. What it alone frees (the memo of a
    finished recursive walk, kept by its closure's reference to itself) waits until the block ends, or until
    :func:`collect_young` (the checks call it between groups of findings)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def without_gc(f: Callable[_P, _R]) -> Callable[_P, _R]:
    """``f`` run under :func:`gc_paused` (same name and docstring)."""
    @functools.wraps(f)
    def run(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with gc_paused():
            return f(*args, **kwargs)
    return run


def collect_young() -> None:
    """While the collector is paused, free the cycles left since the last call (the youngest generation only:
    the cost is that of the objects made since, not of the whole heap)."""
    if not gc.isenabled():
        gc.collect(0)


class TooManyNodes(Exception):
    """The manager grew past its node limit."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"decision diagram grew past {limit} nodes")
        self.limit = limit


class WalkTooLong(Exception):
    """:meth:`MDD.apply_many` went past its ``max_work``."""


class MDD:
    """The node store: unique table (hash-consing), terminals, and memoised operations."""

    def __init__(self, sizes: Sequence[int], max_nodes: int = 2_000_000) -> None:
        if any(s < 1 for s in sizes):
            raise ValueError("every variable needs at least one branch")
        self.sizes: tuple[int, ...] = tuple(sizes)
        self.nvars = len(self.sizes)
        self.max_nodes = max_nodes
        self._level: list[int] = []
        self._children: list[tuple[int, ...]] = []
        self._value: list[Any] = []
        self._unique: dict[tuple[int, tuple[int, ...]], int] = {}
        self._terminals: dict[tuple[type, Hashable], int] = {}
        self._and: dict[tuple[int, int], int] = {}
        self._or: dict[tuple[int, int], int] = {}
        self._not: dict[int, int] = {}
        self.FALSE = self.terminal(False)
        self.TRUE = self.terminal(True)

    # -- construction --------------------------------------------------------------------------------------------

    def _new(self, level: int, children: tuple[int, ...], value: Any) -> int:
        if len(self._level) >= self.max_nodes:
            raise TooManyNodes(self.max_nodes)
        self._level.append(level)
        self._children.append(children)
        self._value.append(value)
        return len(self._level) - 1

    def terminal(self, value: Hashable) -> int:
        """The terminal holding ``value`` (``1`` and ``True`` are distinct terminals)."""
        key = (type(value), value)
        node = self._terminals.get(key)
        if node is None:
            node = self._terminals[key] = self._new(self.nvars, (), value)
        return node

    def node(self, level: int, children: Sequence[int]) -> int:
        """The reduced node testing ``level`` with one child per branch (a node whose children are all equal is
        that child: no redundant tests)."""
        kids = tuple(children)
        if len(kids) != self.sizes[level]:
            raise ValueError(f"level {level} needs {self.sizes[level]} children, got {len(kids)}")
        first = kids[0]
        if all(k == first for k in kids):
            return first
        key = (level, kids)
        node = self._unique.get(key)
        if node is None:
            node = self._unique[key] = self._new(level, kids, None)
        return node

    def test(self, level: int, branches: Iterable[int]) -> int:
        """The boolean diagram "variable ``level`` takes one of ``branches``"."""
        chosen = set(branches)
        return self.node(level, [self.TRUE if i in chosen else self.FALSE for i in range(self.sizes[level])])

    def const(self, value: Hashable) -> int:
        return self.terminal(value)

    # -- inspection ----------------------------------------------------------------------------------------------

    def is_terminal(self, u: int) -> bool:
        return self._level[u] == self.nvars

    def level(self, u: int) -> int:
        """The variable tested by ``u`` (``nvars`` for terminals)."""
        return self._level[u]

    def children(self, u: int) -> tuple[int, ...]:
        return self._children[u]

    def value(self, u: int) -> Any:
        """A terminal's value."""
        return self._value[u]

    def __len__(self) -> int:
        return len(self._level)

    def reachable(self, u: int) -> Iterator[int]:
        """Nodes below ``u`` (itself included), depth first, children in branch order, each once."""
        seen: set[int] = set()
        stack = [u]
        while stack:
            n = stack.pop()
            if n in seen:
                continue
            seen.add(n)
            yield n
            stack.extend(reversed(self._children[n]))

    def terminals(self, u: int) -> list[Any]:
        """The distinct terminal values reachable from ``u``."""
        return [self._value[n] for n in self.reachable(u) if self.is_terminal(n)]

    def evaluate(self, u: int, branches: Sequence[int]) -> Any:
        """The terminal value for a full assignment (``branches[level]`` per variable)."""
        level, children = self._level, self._children
        while level[u] != self.nvars:
            u = children[u][branches[level[u]]]
        return self._value[u]

    def witness(self, u: int, target: Hashable | Callable[[Any], bool]) -> dict[int, int] | None:
        """A partial assignment ``{level: branch}`` (only the tested levels) leading from ``u`` to a terminal
        equal to ``target`` (or satisfying it, when ``target`` is callable); None when none does. The first one in
        branch order, so the result is deterministic."""
        pred = target if callable(target) else (lambda v: v == target)
        memo: dict[int, bool] = {}

        def has(n: int) -> bool:
            r = memo.get(n)
            if r is None:
                r = bool(pred(self._value[n])) if self.is_terminal(n) else any(has(c) for c in self._children[n])
                memo[n] = r
            return r

        if not has(u):
            return None
        path: dict[int, int] = {}
        while not self.is_terminal(u):
            for i, c in enumerate(self._children[u]):
                if has(c):
                    path[self._level[u]] = i
                    u = c
                    break
        return path

    # -- operations ----------------------------------------------------------------------------------------------

    def apply(self, op: Callable[[Any, Any], Hashable], u: int, v: int) -> int:
        """The diagram of ``op(u(x), v(x))`` for every assignment ``x`` (memoised for this call)."""
        memo: dict[tuple[int, int], int] = {}
        level, children, value, nv = self._level, self._children, self._value, self.nvars

        def rec(a: int, b: int) -> int:
            key = (a, b)
            r = memo.get(key)
            if r is not None:
                return r
            la, lb = level[a], level[b]
            if la == nv and lb == nv:
                r = self.terminal(op(value[a], value[b]))
            else:
                lv = la if la < lb else lb
                ca = children[a] if la == lv else (a,) * self.sizes[lv]
                cb = children[b] if lb == lv else (b,) * self.sizes[lv]
                r = self.node(lv, [rec(x, y) for x, y in zip(ca, cb, strict=True)])
            memo[key] = r
            return r

        return rec(u, v)

    def apply_many(self, op: Callable[[tuple[Any, ...]], Hashable], us: Sequence[int], care: int | None = None,
                   otherwise: Hashable = None, max_work: int | None = None) -> int:
        """The diagram of ``op((value_u0(x), value_u1(x), ...))`` for every assignment ``x``, in one walk of the
        product of ``us``; where the boolean diagram ``care`` is False the result is ``otherwise`` (and the walk
        stops there). The same function as folding the diagrams together with :meth:`apply`, but without
        building (and keeping) the intermediate diagrams: one pass whatever the number of operands.
        The walk's memo counts against ``max_nodes`` too; past ``max_work`` (memo entries times operands) it
        raises :class:`WalkTooLong`, so that a caller can fall back to folding with :meth:`apply`, whose
        intermediate diagrams are reduced (smaller when the product has many equal parts)."""
        level, children, value, nv, sizes = self._level, self._children, self._value, self.nvars, self.sizes
        off = self.terminal(otherwise)
        start = tuple(us) if care is None else (care, *us)
        skip = 0 if care is None else 1
        memo: dict[tuple[int, ...], int] = {}
        false, limit = self.FALSE, self.max_nodes
        entries = limit if max_work is None else max_work // max(1, len(start))

        def rec(t: tuple[int, ...]) -> int:
            r = memo.get(t)
            if r is not None:
                return r
            if skip and t[0] == false:
                return off
            lv = min([level[a] for a in t])
            if lv == nv:
                r = self.terminal(op(tuple([value[a] for a in t[skip:]])))
            else:
                n = sizes[lv]
                r = self.node(lv, [rec(c) for c in zip(*[children[a] if level[a] == lv else (a,) * n for a in t],
                                                       strict=True)])
            memo[t] = r
            if len(memo) > limit:
                raise TooManyNodes(limit)
            if len(memo) > entries:
                raise WalkTooLong()
            return r

        return rec(start)

    def _bool_op(self, memo: dict[tuple[int, int], int], u: int, v: int, absorb: int) -> int:
        """And (absorb FALSE) / Or (absorb TRUE) of boolean diagrams with terminal short cuts."""
        unit = self.TRUE if absorb == self.FALSE else self.FALSE
        if u == absorb or v == absorb:
            return absorb
        if u in (unit, v):
            return v
        if v == unit:
            return u
        key = (u, v) if u < v else (v, u)
        r = memo.get(key)
        if r is None:
            lu, lv = self._level[u], self._level[v]
            lvl = lu if lu < lv else lv
            cu = self._children[u] if lu == lvl else (u,) * self.sizes[lvl]
            cv = self._children[v] if lv == lvl else (v,) * self.sizes[lvl]
            r = self.node(lvl, [self._bool_op(memo, a, b, absorb) for a, b in zip(cu, cv, strict=True)])
            memo[key] = r
        return r

    def and_(self, *us: int) -> int:
        r = self.TRUE
        for u in us:
            r = self._bool_op(self._and, r, u, self.FALSE)
        return r

    def or_(self, *us: int) -> int:
        r = self.FALSE
        for u in us:
            r = self._bool_op(self._or, r, u, self.TRUE)
        return r

    def not_(self, u: int) -> int:
        """Boolean complement (terminals must be True/False)."""
        r = self._not.get(u)
        if r is None:
            if u == self.TRUE:
                r = self.FALSE
            elif u == self.FALSE:
                r = self.TRUE
            else:
                r = self.node(self._level[u], [self.not_(c) for c in self._children[u]])
            self._not[u] = r
        return r

    def clear_caches(self) -> None:
        """Forget the and/or/not memo tables (pure caches: results stay the same, memory is given back)."""
        self._and.clear()
        self._or.clear()
        self._not.clear()

    def restrict(self, u: int, level: int, branch: int) -> int:
        """``u`` with variable ``level`` fixed to ``branch`` (cofactor)."""
        memo: dict[int, int] = {}

        def rec(a: int) -> int:
            la = self._level[a]
            if la > level:  # terminals have the largest level
                return a
            r = memo.get(a)
            if r is None:
                r = self._children[a][branch] if la == level else self.node(la, [rec(c) for c in self._children[a]])
                memo[a] = r
            return r

        return rec(u)

    def exists(self, u: int, level: int) -> int:
        """Boolean ``u`` with variable ``level`` quantified away existentially (or of all cofactors)."""
        return self.or_(*[self.restrict(u, level, b) for b in range(self.sizes[level])])

    def forall(self, u: int, level: int) -> int:
        return self.and_(*[self.restrict(u, level, b) for b in range(self.sizes[level])])

    def support(self, u: int) -> list[int]:
        """The levels ``u`` tests, ascending."""
        return sorted({self._level[n] for n in self.reachable(u) if not self.is_terminal(n)})

    def count(self, u: int, target: Hashable | Callable[[Any], bool]) -> int:
        """How many full assignments lead to ``target`` (or to a value satisfying it)."""
        pred = target if callable(target) else (lambda v: v == target)
        memo: dict[int, int] = {}

        def rec(n: int) -> int:  # assignments of levels >= level(n)
            r = memo.get(n)
            if r is None:
                if self.is_terminal(n):
                    r = 1 if pred(self._value[n]) else 0
                else:
                    lv = self._level[n]
                    r = sum(rec(c) * self._gap(lv + 1, self._level[c]) for c in self._children[n])
                memo[n] = r
            return r

        return rec(u) * self._gap(0, self._level[u])

    def _gap(self, lo: int, hi: int) -> int:
        out = 1
        for i in range(lo, hi):
            out *= self.sizes[i]
        return out
