"""What a condition means for a case: the reference three-valued (Kleene) semantics, the single spec.

A case gives facts (input name -> value); a missing input (or a None value) is unknown. An atom on an unknown input
is unknown (None); ``x is known`` is always decided. ``and``/``or``/``not`` are Kleene's: ``False and unknown`` is
False, ``True or unknown`` is True, ``not unknown`` is unknown. A ``let`` means its condition. Values compare
strictly (:func:`engine.core.values.same_member`): the bool ``True`` is not the enum value ``1``, and a bool is no
number.

Three-valued truth is what assumptions are checked with (a case is rejected only when one is definitely False) and
what the list figures grey rows by. "Unknown" here is Kleene's and is coarser than evaluation's "pending" (which asks
whether *some allowed value* of the unknown inputs changes the outcome: ``x or not x`` is pending-free but Kleene
unknown); ``engine.evaluate.reference`` builds pending on top of the two-valued case of this module, by enumerating
the unknown inputs.

- :func:`atom_truth`: one atom, interpreted (the definition);
- :func:`kleene`: a condition compiled once into a fast function of the facts (same answers as the definition);
- :func:`truth`: a condition interpreted for one case (``kleene`` without keeping the compiled function).

``known`` (optional, a container of input names) decides ``is known`` instead of the facts: the reference evaluator
passes the case's facts there while it tries values for the unknown inputs.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Mapping
from typing import Protocol, assert_never

from engine.core.model import And, Atom, Const, Expr, KnownTest, LetRef, Not, NumTest, Or, ValueTest
from engine.core.values import is_member, is_number, member_test
from engine.core.walk import Lets, let_table

Facts = Mapping[str, object]
Truth = bool | None
Known = Container[str] | None


class Kleene(Protocol):
    """A compiled condition: ``check(facts)`` or ``check(values, known)``; True, False or None (unknown)."""

    def __call__(self, facts: Facts, known: Known = None, /) -> Truth: ...


_Compiled = Callable[[Facts, Known], Truth]


def atom_truth(a: Atom, facts: Facts, known: Known = None) -> Truth:
    """The truth of one atom for a case: None when it reads an unknown input (``is known`` is always decided)."""
    match a:
        case KnownTest(input=name):
            return facts.get(name) is not None if known is None else name in known
        case ValueTest(input=name, values=values):
            x = facts.get(name)
            return None if x is None else is_member(x, values)
        case NumTest(input=name, interval=iv):
            x = facts.get(name)
            return None if x is None else (is_number(x) and iv.contains(float(x)))  # type: ignore[arg-type]
        case _:
            assert_never(a)


def kleene(expr: Expr, lets: Lets) -> Kleene:
    """``expr`` compiled into a function of the facts giving True, False or None (unknown); each let is compiled
    once and shared. Equal to :func:`truth` on every case."""
    table = let_table(lets)
    built: dict[str, _Compiled] = {}

    def build(e: Expr) -> _Compiled:
        match e:
            case Const(value):
                return lambda f, k: value
            case KnownTest(input=name):
                return lambda f, k: f.get(name) is not None if k is None else name in k
            case ValueTest(input=name, values=values):
                test = member_test(values)
                return lambda f, k: None if (x := f.get(name)) is None else test(x)
            case NumTest(input=name, interval=iv):
                contains = iv.contains
                return lambda f, k: (None if (x := f.get(name)) is None
                                     else is_number(x) and contains(float(x)))  # type: ignore[arg-type]
            case LetRef(name=name):
                if name not in built:
                    built[name] = build(table[name].expr)
                return built[name]
            case Not(item):
                inner = build(item)
                return lambda f, k: None if (v := inner(f, k)) is None else not v
            case And(items):
                parts = [build(i) for i in items]
                return lambda f, k: _and(parts, f, k)
            case Or(items):
                parts = [build(i) for i in items]
                return lambda f, k: _or(parts, f, k)
            case _:
                assert_never(e)

    compiled = build(expr)

    def check(facts: Facts, known: Known = None, /) -> Truth:
        return compiled(facts, known)

    return check


def _and(parts: list[_Compiled], facts: Facts, known: Known) -> Truth:
    result: Truth = True
    for p in parts:
        v = p(facts, known)
        if v is False:
            return False
        if v is None:
            result = None
    return result


def _or(parts: list[_Compiled], facts: Facts, known: Known) -> Truth:
    result: Truth = False
    for p in parts:
        v = p(facts, known)
        if v is True:
            return True
        if v is None:
            result = None
    return result


def truth(expr: Expr, lets: Lets, facts: Facts, known: Known = None) -> Truth:
    """The three-valued truth of ``expr`` for one case (the definition, interpreted)."""
    table = let_table(lets)

    def go(e: Expr) -> Truth:
        match e:
            case Const(value):
                return value
            case ValueTest() | NumTest() | KnownTest():
                return atom_truth(e, facts, known)
            case LetRef(name=name):
                return go(table[name].expr)
            case Not(item):
                v = go(item)
                return None if v is None else not v
            case And(items):
                vs = [go(i) for i in items]
                return False if False in vs else (None if None in vs else True)
            case Or(items):
                vs = [go(i) for i in items]
                return True if True in vs else (None if None in vs else False)
            case _:
                assert_never(e)

    return go(expr)
