"""Lazy "because": what a Recommendation's ``because`` slot may hold until it is first read.

A ``because`` list costs more to build than the rest of a recommendation, and many callers never read it (a cohort
run that only counts recommendations, an embedding that reads actions). The evaluator may therefore store one of
the two tuples below in the slot; :class:`BecauseSlot`, installed on ``Recommendation.because`` by
engine/evaluate/result.py, turns it into the tuple on first read and keeps it. Every reader (attributes, ``==``,
``repr``, ``to_dict``, ``dataclasses`` helpers, pickling) goes through the descriptor, so a Recommendation looks
the same whether its ``because`` was built early or late. Both are tuples built in C (``functools.partial`` of
``tuple.__new__``): the evaluator makes them per case, and a Python ``__init__`` would cost several times more.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any


class LazyBecause(tuple):  # type: ignore[type-arg]
    """``fn(*args)`` -> the because tuple, called at most once. ``args`` must not change afterwards (the evaluator
    passes its own copy of the facts). A tuple ``(fn, *args)`` underneath (:data:`new_lazy_because`)."""

    __slots__ = ()

    def __new__(cls, fn: Callable[..., tuple[Any, ...]], *args: Any) -> LazyBecause:
        return tuple.__new__(cls, (fn, *args))

    def compute(self) -> tuple[Any, ...]:
        result: tuple[Any, ...] = self[0](*self[1:])
        return result


new_lazy_because: Callable[[tuple[Any, ...]], LazyBecause] = functools.partial(tuple.__new__, LazyBecause)
"""``LazyBecause(fn, *args)`` from the tuple ``(fn, *args)``, built in C (no Python frame)."""


class CaseBecause(tuple):  # type: ignore[type-arg]
    """One case's ``(functions, facts, lets)``, shared by all the recommendations of that case: the ``because``
    of a recommendation of rule ``r`` is ``functions[r](facts, lets)``. The fast path stores the same object in
    every recommendation it builds for a case, so a recommendation costs no allocation beyond itself (a guideline
    of a thousand rules gives about sixty per case). ``facts`` must not change afterwards (the evaluator passes
    its own copy)."""

    __slots__ = ()

    def __new__(cls, functions: Mapping[str, Callable[..., tuple[Any, ...]]], facts: Mapping[str, Any],
                lets: tuple[bool | None, ...]) -> CaseBecause:
        return tuple.__new__(cls, (functions, facts, lets))

    def compute(self, rule: str) -> tuple[Any, ...]:
        result: tuple[Any, ...] = self[0][rule](self[1], self[2])
        return result


new_case_because: Callable[[tuple[Any, ...]], CaseBecause] = functools.partial(tuple.__new__, CaseBecause)
"""``CaseBecause(functions, facts, lets)`` from that tuple, built in C."""


class BecauseSlot:
    """The ``because`` member of Recommendation wrapped: a lazy value is computed on first read, then kept."""

    def __init__(self, member: Any) -> None:
        self.member = member

    def __get__(self, obj: Any, cls: Any = None) -> Any:
        if obj is None:
            return self
        value = self.member.__get__(obj, cls)
        kind = type(value)
        if kind is CaseBecause:
            value = value.compute(obj.rule)
            self.member.__set__(obj, value)
        elif kind is LazyBecause:
            value = value.compute()
            self.member.__set__(obj, value)
        return value

    def __set__(self, obj: Any, value: Any) -> None:
        self.member.__set__(obj, value)


__all__ = ["BecauseSlot", "CaseBecause", "LazyBecause", "new_case_because", "new_lazy_because"]
