"""The one traversal of conditions (:data:`engine.core.model.Expr`), written once.

Every pass over a condition either uses a function here or is a ``match`` over the node types ending in
``case _: assert_never(e)``, so that mypy reports each pass a new condition form has not been taught::

    match e:
        case Const(value): ...
        case ValueTest() | NumTest() | KnownTest(): ...     # the atoms: one input each
        case LetRef(name): ...                              # lets[name].expr, when the pass expands lets
        case And(items) | Or(items): ...
        case Not(item): ...
        case _:
            assert_never(e)

Functions (``lets`` is ``model.lets`` or the model itself):

- :func:`children`: the direct sub-conditions (a ``LetRef`` has none: a let is not inside the condition);
- :func:`map_children`: the node rebuilt with a function applied to each direct sub-condition (Catala's ``map``);
- :func:`fold`: bottom-up, one callback per form (Catala's ``shallow_fold``): a new form is a new required
  keyword, so mypy flags every ``fold`` call that does not handle it;
- :func:`walk`: every node, pre-order, optionally entering lets (each let once; sqlglot's ``walk``);
- :func:`iter_atoms`: the atomic tests, lets expanded, each let once, in order of appearance;
- :func:`inputs_read`: the inputs a condition reads through lets, each once, in first-use order;
- :func:`lets_named`: the lets a condition names, directly or through other lets, in first-use order.

Adding a condition form (say ``AtLeast(k, items)``): add the dataclass to ``model.py`` and to the ``Expr`` union;
teach this module (``children``, ``map_children``, ``fold`` and the pre-order of ``walk`` — mypy flags each);
make ``engine.resolve`` produce it; add one case to the compiler's condition builder (and the checker's
``Space.condition``) and one to the semantics (``engine.core.semantics``). mypy then flags every remaining
``match`` that forgot it (the export, the figures' wording, ...); the differential tests hold the compiled
diagram to the semantics.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TypeVar, assert_never

from engine.core.model import (
    And,
    Atom,
    Const,
    Expr,
    KnownTest,
    Let,
    LetRef,
    Model,
    Not,
    NumTest,
    Or,
    ValueTest,
)

T = TypeVar("T")

Lets = Mapping[str, Let] | Model
"""Where ``LetRef`` names are looked up: ``model.lets`` or the model itself."""


def let_table(lets: Lets) -> Mapping[str, Let]:
    """``lets`` as a name -> :class:`Let` mapping."""
    return lets.lets if isinstance(lets, Model) else lets


def children(e: Expr) -> tuple[Expr, ...]:
    """The direct sub-conditions of ``e``: the items of and/or, the operand of not, none for the rest."""
    match e:
        case Const() | ValueTest() | NumTest() | KnownTest() | LetRef():
            return ()
        case And(items) | Or(items):
            return items
        case Not(item):
            return (item,)
        case _:
            assert_never(e)


def map_children(e: Expr, f: Callable[[Expr], Expr]) -> Expr:
    """``e`` with ``f`` applied to each direct sub-condition (``e`` itself when it has none)."""
    match e:
        case Const() | ValueTest() | NumTest() | KnownTest() | LetRef():
            return e
        case And(items):
            return And(tuple(f(i) for i in items))
        case Or(items):
            return Or(tuple(f(i) for i in items))
        case Not(item):
            return Not(f(item))
        case _:
            assert_never(e)


def fold(e: Expr, *, const: Callable[[bool], T], atom: Callable[[Atom], T], let: Callable[[LetRef], T],
         and_: Callable[[Sequence[T]], T], or_: Callable[[Sequence[T]], T], not_: Callable[[T], T]) -> T:
    """``e`` folded bottom-up: ``and_``/``or_`` get their items' results in order, ``not_`` its operand's.
    ``let`` decides what a reference is worth (expand it with ``fold(lets[name].expr, ...)`` or not)."""
    def go(x: Expr) -> T:
        match x:
            case Const(value):
                return const(value)
            case ValueTest() | NumTest() | KnownTest():
                return atom(x)
            case LetRef():
                return let(x)
            case And(items):
                return and_([go(i) for i in items])
            case Or(items):
                return or_([go(i) for i in items])
            case Not(item):
                return not_(go(item))
            case _:
                assert_never(x)
    return go(e)


def walk(e: Expr, lets: Lets | None = None, seen: set[str] | None = None) -> Iterator[Expr]:
    """Every node of ``e``, pre-order. With ``lets``, a ``LetRef`` is followed by the nodes of its let's
    condition the first time the let is met (``seen`` holds the lets already entered; pass one set to share it
    between several conditions)."""
    table = None if lets is None else let_table(lets)
    entered = set() if seen is None else seen
    stack: list[Expr] = [e]
    while stack:
        x = stack.pop()
        yield x
        if isinstance(x, LetRef):
            if table is not None and x.name not in entered:
                entered.add(x.name)
                stack.append(table[x.name].expr)
        else:
            stack.extend(reversed(children(x)))


def iter_atoms(e: Expr, lets: Lets, seen: set[str] | None = None) -> Iterator[Atom]:
    """The atomic tests of ``e`` in order of appearance, lets expanded where first referenced (each let once;
    ``seen`` as in :func:`walk`). An atom written twice is yielded twice."""
    for x in walk(e, lets, seen):
        if isinstance(x, ValueTest | NumTest | KnownTest):
            yield x


def inputs_read(e: Expr, lets: Lets) -> list[str]:
    """The inputs ``e`` reads, lets expanded, each once, in first-use order."""
    out: dict[str, None] = {}
    for a in iter_atoms(e, lets):
        out.setdefault(a.input)
    return list(out)


def lets_named(e: Expr, lets: Lets) -> list[str]:
    """The lets ``e`` names, directly or through other lets, each once, in first-use order (a let comes before
    the lets its own condition names)."""
    return list(dict.fromkeys(x.name for x in walk(e, lets) if isinstance(x, LetRef)))
