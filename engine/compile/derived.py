"""What ties derived inputs to the inputs they are computed from, as decision diagrams (the *definitions*).

The diagrams test a derived value (a classification, a score, a formula, a relation) as a variable of its own,
so that a rule on ``risk == high`` is one test and a figure asks one question. Left free, that variable would let
the checks invent patients whose category disagrees with their inputs; so the compiler conjoins, with the
assumptions, one diagram per derived value that allows exactly the combinations the inputs give:

- a **classification**: the value of the branch that holds (the first one, in order); where none holds, the
  ``otherwise`` value, or any value when there is none (those patients are unclassified, which ``check``
  reports);
- a **score**: the cell of the score's variable that holds the sum of the points of the conditions that hold
  (built exactly, as a diagram of partial sums);
- **relations and linear formulas** between numbers cut the number cells diagonally: which combinations of
  cells and truth values are possible is decided by an SMT solver on exact rationals (z3's linear real and
  integer arithmetic; ``engine.compile.theory``), path by path over the variables involved;
- a **non-linear formula** (a product of inputs, a division by an input) gets no definition: the checks treat it
  as any value of its declared range, and what they find there says so.

Every check then stays exact, and a witness patient is completed with values the solver finds.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Any

from engine.compile.guideline import Var
from engine.compile.mdd import MDD
from engine.core.derived import Derived
from engine.core.model import Expr, Indicator, Interval, Model, NumConst, NumExpr, NumOp


def definitions(model: Model, vars: tuple[Var, ...], m: MDD, cond: Callable[[Expr], int]) -> list[int]:
    """One boolean diagram per derived value that is a variable (classifications and scores; the solver's part
    is :func:`engine.compile.theory.theory_diagram`)."""
    level = {v.name: i for i, v in enumerate(vars)}
    out: list[int] = []
    for d in model.derived.values():
        lv = level.get(d.name)
        if lv is None:
            continue
        if d.how == "classification":
            out.append(_classification(d, vars[lv], lv, m, cond))
        elif d.how == "score":
            out.append(_score(d, vars[lv], lv, m, cond))
    return out


def classified(model: Model, cond: Callable[[Expr], int], m: MDD) -> int | None:
    """Where every classification without ``otherwise`` gives a value (None when there is none such). An
    unclassified patient's category is unknown at run time (every value stays open, its rules pending); the
    checks leave those patients to E210 rather than report findings that evaluation can only show as pending."""
    tables = [d for d in model.derived.values() if d.how == "classification" and d.otherwise is None]
    if not tables:
        return None
    return m.and_(*[m.or_(*[cond(c) for c, _ in d.branches]) for d in tables])


def _classification(d: Derived, var: Var, lv: int, m: MDD, cond: Callable[[Expr], int]) -> int:
    index = {v: i for i, v in enumerate(var.branches)}
    earlier = m.FALSE
    parts: list[int] = []
    for c, value in d.branches:
        holds = cond(c)
        chosen = m.and_(holds, m.not_(earlier))
        parts.append(m.and_(chosen, m.test(lv, {index[value]})))
        earlier = m.or_(earlier, holds)
    none = m.not_(earlier)
    parts.append(m.and_(none, m.test(lv, {index[d.otherwise]}) if d.otherwise is not None else m.TRUE))
    return m.or_(*parts)


def _terms(e: NumExpr, sign: Fraction = Fraction(1)) -> list[tuple[Expr | None, Fraction]]:
    """A score as (condition or None for a constant, signed points) terms."""
    match e:
        case NumConst(v):
            return [(None, sign * v)]
        case Indicator(c, w):
            return [(c, sign * w)]
        case NumOp("+", a, b):
            return _terms(a, sign) + _terms(b, sign)
        case NumOp("-", a, b):
            return _terms(a, sign) + _terms(b, -sign)
        case NumOp("*", NumConst(k), b) | NumOp("*", b, NumConst(k)):
            return _terms(b, sign * k)
    raise ValueError(f"not a score: {e!r}")


def _score(d: Derived, var: Var, lv: int, m: MDD, cond: Callable[[Expr], int]) -> int:
    assert d.expr is not None
    total = m.const(Fraction(0))
    for c, w in _terms(d.expr):
        total = m.apply(_plus(w), total, m.TRUE if c is None else cond(c))
    cells = var.branches
    ident = m.node(lv, [m.const(i) for i in range(len(cells))])
    return m.apply(_in_cell(cells), ident, total)


def _plus(w: Fraction) -> Callable[[Any, Any], Any]:
    def f(acc: Any, holds: Any) -> Any:
        return acc + w if holds else acc
    return f


def _in_cell(cells: tuple[Any, ...]) -> Callable[[Any, Any], bool]:
    def f(i: Any, total: Any) -> bool:
        cell = cells[i]
        assert isinstance(cell, Interval)
        return cell.contains(float(total))
    return f
