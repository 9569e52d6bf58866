"""Numbers from numbers: arithmetic, scores and relations, typed and unit-checked, turned into derived inputs.

A comparison whose sides are more than one input and a number (``sbp - dbp > 20 mmHg``, ``sbp > dbp``,
``count_of {a, b} >= 2``) is not an atom of the core language: it becomes a test of a *derived input*
(:class:`engine.core.derived.Derived`) so that every later pass reads it as it reads any input. This module

- converts an arithmetic expression to a :data:`engine.core.model.NumExpr` with its unit (unit algebra: a sum
  or a comparison needs one unit, ``mmHg - mmHg`` is mmHg, ``years + cm`` is error E181 with a caret; a product
  or a quotient multiplies units; a number written without a unit takes the unit of what it is added to or
  compared with, and is a plain factor in a product);
- simplifies a comparison: on one number (``2 * age >= 150 years``) it is an ordinary threshold on that number;
  on a sum of condition points (``count_of``, ``points_of``, ``at_least``) it is a threshold on a derived *score*;
  otherwise it is a derived *relation* (a bool) that the checks reason on with a solver.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from dsl import ast
from engine.core import model
from engine.core.derive import number_range
from engine.resolve.context import Context
from engine.resolve.text import cond_text

Unit = tuple[tuple[str, int], ...]
"""A unit as a product of named units with exponents, sorted (``()``: no unit)."""

FREE: Unit = (("?", 1),)
"""The unit of a number written without one: it takes the unit of what it is added to or compared with."""


def unit_of(name: str | None) -> Unit:
    return ((name, 1),) if name else ()


def unit_text(u: Unit) -> str | None:
    """``mmHg``, ``kg*years/mg_per_dL``; None for no unit."""
    if not u or u == FREE:
        return None
    up = [n if e == 1 else f"{n}^{e}" for n, e in u if e > 0]
    down = [n if e == -1 else f"{n}^{-e}" for n, e in u if e < 0]
    return ("*".join(up) or "1") + ("/" + "/".join(down) if down else "")


def _mul(a: Unit, b: Unit, sign: int) -> Unit:
    out: dict[str, int] = {}
    for u, s in ((a, 1), (b, sign)):
        for n, e in (() if u == FREE else u):
            out[n] = out.get(n, 0) + s * e
    return tuple(sorted((n, e) for n, e in out.items() if e))


@dataclass(frozen=True, slots=True)
class Typed:
    """A converted number: its expression, unit, and whether it is integer-valued and linear in its refs."""

    expr: model.NumExpr
    unit: Unit
    integer: bool
    linear: bool


def refs(e: model.NumExpr) -> set[str]:
    """The numbers (inputs, derived) an expression reads directly (conditions inside indicators excluded)."""
    match e:
        case model.NumRef(name):
            return {name}
        case model.NumConst() | model.Indicator():
            return set()
        case model.NumOp(_, a, b):
            return refs(a) | refs(b)
        case model.NumFunc(_, args):
            return set().union(*(refs(a) for a in args))
    raise AssertionError(e)


def has_indicator(e: model.NumExpr) -> bool:
    match e:
        case model.Indicator():
            return True
        case model.NumOp(_, a, b):
            return has_indicator(a) or has_indicator(b)
        case model.NumFunc(_, args):
            return any(has_indicator(a) for a in args)
        case _:
            return False


def affine(e: model.NumExpr) -> tuple[dict[str, Fraction], Fraction] | None:
    """``e`` as ``sum(coef * ref) + const`` when it is affine (min/max/abs, products of two refs and divisions by
    a ref are not); None otherwise."""
    match e:
        case model.NumConst(v):
            return {}, v
        case model.NumRef(name):
            return {name: Fraction(1)}, Fraction(0)
        case model.NumOp(op, a, b):
            fa, fb = affine(a), affine(b)
            if fa is None or fb is None:
                return None
            if op in "+-":
                s = 1 if op == "+" else -1
                coef = dict(fa[0])
                for k, v in fb[0].items():
                    coef[k] = coef.get(k, Fraction(0)) + s * v
                return {k: v for k, v in coef.items() if v}, fa[1] + s * fb[1]
            if op == "*":
                if not fa[0]:
                    return {k: fa[1] * v for k, v in fb[0].items()}, fa[1] * fb[1]
                if not fb[0]:
                    return {k: fb[1] * v for k, v in fa[0].items()}, fa[1] * fb[1]
                return None
            if fb[0] or fb[1] == 0:
                return None
            return {k: v / fb[1] for k, v in fa[0].items()}, fa[1] / fb[1]
        case _:
            return None


class Numbers:
    """Converts arithmetic against what is declared. ``number_of(name)`` gives the number input or derived number
    a name stands for (None when it is not a number); ``condition`` converts a condition (for indicators);
    ``score`` registers the derived score an inline ``count_of``/``points_of`` stands for."""

    def __init__(self, ctx: Context, number_of: Callable[[str], model.Input | None],
                 condition: Callable[[ast.Cond], model.Expr], describe: Callable[[ast.Name], str],
                 set_members: Callable[[ast.Name], tuple[model.Expr, ...] | None],
                 failed: set[str] | None = None) -> None:
        self.ctx = ctx
        self.failed = failed if failed is not None else set()
        self.number_of = number_of
        self.condition = condition
        self.describe = describe
        self.set_members = set_members

    def convert(self, e: ast.Cond) -> Typed | None:
        """The number ``e`` means, or None after a (fatal) error."""
        ctx = self.ctx
        if isinstance(e, ast.Paren):
            return self.convert(e.item)
        if isinstance(e, ast.Number):
            v = Fraction(e.text or str(e.value))
            return Typed(model.NumConst(v), unit_of(e.unit) if e.unit else FREE, v.denominator == 1, True)
        if isinstance(e, ast.Name):
            inp = self.number_of(e.name)
            if inp is None and e.name in self.failed:
                return None  # its definition's error is reported already
            if inp is None:
                ctx.fatal("E180", f"'{e.name}' is {self.describe(e)}, not a number", e.span,
                          help="arithmetic works on number inputs and number lets; count conditions with "
                               "count_of {...} or give them points with points_of {COND: N, ...}")
                return None
            return Typed(model.NumRef(inp.name), unit_of(inp.unit), inp.kind == "integer", True)
        if isinstance(e, ast.Neg):
            t = self.convert(e.item)
            if t is None:
                return None
            return Typed(model.NumOp("-", model.NumConst(Fraction(0)), t.expr), t.unit, t.integer, t.linear)
        if isinstance(e, ast.Arith):
            return self._arith(e)
        if isinstance(e, ast.Call):
            return self._call(e)
        if isinstance(e, ast.Count):
            items = tuple(model.Indicator(self.condition(i)) for i in e.items)
            return Typed(_sum(items), (), True, True)
        if isinstance(e, ast.CountSet):
            members = self.set_members(e.subject)
            if members is None:
                return None
            return Typed(_sum(tuple(model.Indicator(m) for m in members)), (), True, True)
        if isinstance(e, ast.Points):
            terms: list[model.NumExpr] = []
            for p in e.items:
                w = Fraction(p.points.text or str(p.points.value))
                if p.points.unit:
                    ctx.fatal("E183", "points are plain numbers, without a unit", p.points.span,
                              help=f"write {p.points.text}")
                    return None
                terms.append(model.Indicator(self.condition(p.cond), w))
            return Typed(_sum(tuple(terms)), (), all(_is_int(t) for t in terms), True)
        what = "true/false" if isinstance(e, ast.Bool) else "a condition"
        ctx.fatal("E180", f"'{cond_text(e)}' is {what}, where a number is expected", e.span,
                  help="give a condition points with points_of {COND: N, ...}, or count conditions with "
                       "count_of {...}")
        return None

    def _arith(self, e: ast.Arith) -> Typed | None:
        a, b = self.convert(e.left), self.convert(e.right)
        if a is None or b is None:
            return None
        op: Literal["+", "-", "*", "/"] = e.op  # type: ignore[assignment]
        expr = model.NumOp(op, a.expr, b.expr)
        if op in "+-":
            unit = self.same_unit(a.unit, b.unit, e, f"'{op}'")
            if unit is None:
                return None
            return Typed(expr, unit, a.integer and b.integer, a.linear and b.linear)
        if op == "/":
            lo, hi = number_range(b.expr, {n: self.number_of(n) for n in refs(b.expr)})
            if lo <= 0 <= hi:
                said = "is 0" if lo == hi == 0 else f"can be 0 (it ranges over {lo:g}..{hi:g})"
                self.ctx.fatal("E186", f"division by zero: the divisor {said}", e.right.span,
                               help="divide by a number whose declared range excludes 0 (declare the input's "
                                    "range, e.g. creatinine: number mg_per_dL in 0.1..20)")
                return None
        const_a, const_b = not refs(a.expr) and not has_indicator(a.expr), not refs(b.expr) and not has_indicator(
            b.expr)
        linear = a.linear and b.linear and (const_b or (op == "*" and const_a))
        unit = _mul(a.unit, b.unit, 1 if op == "*" else -1)
        if a.unit == FREE and b.unit == FREE:
            unit = FREE
        return Typed(expr, unit, a.integer and b.integer and op == "*", linear)

    def _call(self, e: ast.Call) -> Typed | None:
        name = e.func.name
        if name not in ("min", "max", "abs"):
            self.ctx.fatal("E182", f"unknown function '{name}'", e.func.span,
                           help="the functions are min(a, b, ...), max(a, b, ...) and abs(x)")
            return None
        if (name == "abs") != (len(e.args) == 1) or not e.args:
            want = "one argument" if name == "abs" else "at least two arguments"
            self.ctx.fatal("E182", f"'{name}' takes {want}", e.span)
            return None
        args = [self.convert(a) for a in e.args]
        if any(a is None for a in args):
            return None
        typed = [a for a in args if a is not None]
        unit = typed[0].unit
        for a, node in zip(typed[1:], e.args[1:], strict=True):
            u = self.same_unit(unit, a.unit, node, f"'{name}'")
            if u is None:
                return None
            unit = u
        func: Literal["min", "max", "abs"] = name  # type: ignore[assignment]
        return Typed(model.NumFunc(func, tuple(a.expr for a in typed)), unit, all(a.integer for a in typed),
                     all(a.linear for a in typed))

    def same_unit(self, a: Unit, b: Unit, node: ast.Cond, what: str) -> Unit | None:
        """The one unit of two sides of a sum or comparison (None after error E181)."""
        if a == FREE:
            return b
        if b == FREE or a == b:
            return a
        self.ctx.fatal("E181", f"{what} combines {unit_text(a) or 'a number without unit'} and "
                               f"{unit_text(b) or 'a number without unit'}", node.span,
                       help="both sides of +, -, min, max and of a comparison need the same unit "
                            "(a number written without a unit takes the other side's)")
        return None


def _sum(items: tuple[model.NumExpr, ...]) -> model.NumExpr:
    if not items:
        return model.NumConst(Fraction(0))
    acc = items[0]
    for i in items[1:]:
        acc = model.NumOp("+", acc, i)
    return acc


def _is_int(e: model.NumExpr) -> bool:
    return isinstance(e, model.Indicator) and e.weight.denominator == 1


def score_range(e: model.NumExpr) -> tuple[Fraction, Fraction] | None:
    """The least and greatest value of a sum of indicators and constants (None when ``e`` is not one)."""
    match e:
        case model.NumConst(v):
            return v, v
        case model.Indicator(_, w):
            return min(w, Fraction(0)), max(w, Fraction(0))
        case model.NumOp("+", a, b):
            ra, rb = score_range(a), score_range(b)
            return None if ra is None or rb is None else (ra[0] + rb[0], ra[1] + rb[1])
        case model.NumOp("-", a, b):
            ra, rb = score_range(a), score_range(b)
            return None if ra is None or rb is None else (ra[0] - rb[1], ra[1] - rb[0])
        case model.NumOp("*", model.NumConst(k), b) | model.NumOp("*", b, model.NumConst(k)):
            rb = score_range(b)
            return None if rb is None else (min(k * rb[0], k * rb[1]), max(k * rb[0], k * rb[1]))
        case _:
            return None


def interval_of(op: str, x: float) -> model.Interval:
    """``value OP x`` as an interval of the value (``!=`` is not one: the caller splits it)."""
    return {"==": model.Interval(x, x), "<": model.Interval(None, x, high_closed=False),
            "<=": model.Interval(None, x), ">": model.Interval(x, None, low_closed=False),
            ">=": model.Interval(x, None)}[op]


def finite(x: Fraction) -> float:
    v = float(x)
    return v if math.isfinite(v) else math.copysign(math.inf, v)
