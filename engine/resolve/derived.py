"""Derived values: number lets, classifications, relations, scores and set members, resolved in dependency order.

Lets, number lets and classifications share one namespace with the inputs and may use each other in any order
of declaration, so they are first ordered by the names they mention (a cycle is E150), then converted one by one:
a bool let becomes a :class:`~engine.core.model.Let`; a number let and a classification become a
:class:`~engine.core.Derived` that later conditions test like an input. Comparisons that need a derived
input of their own (``sbp > dbp``, ``count_of {a, b} >= 2``, ``imatinib in prior_therapy``) are converted by
:class:`DerivedAtoms`, which registers the derived input under the comparison's text.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Iterator
from fractions import Fraction
from typing import Any

import networkx as nx

from dsl import ast
from dsl.diagnostics import Note
from engine.core import model
from engine.core.derive import number_range
from engine.core.derived import Derived
from engine.core.walk import inputs_read
from engine.resolve.conditions import Conditions
from engine.resolve.context import Context
from engine.resolve.cycles import cycles, dependency_order
from engine.resolve.numbers import (
    FREE,
    Numbers,
    Typed,
    affine,
    has_indicator,
    interval_of,
    refs,
    score_range,
    unit_text,
)
from engine.resolve.text import cond_text

_NUMBER_FORMS = (ast.Arith, ast.Neg, ast.Call, ast.Count, ast.CountSet, ast.Points, ast.Number)


def _names_in(node: Any) -> Iterator[str]:
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, tuple):
            stack.extend(n)
        elif isinstance(n, ast.Name):
            yield n.name
        elif dataclasses.is_dataclass(n) and not isinstance(n, type):
            stack.extend(getattr(n, f.name) for f in dataclasses.fields(n) if f.name != "span")


def is_number_let(d: ast.Let) -> bool:
    c = d.cond
    while isinstance(c, ast.Paren):
        c = c.item
    return d.type is not None or isinstance(c, _NUMBER_FORMS)


class DerivedAtoms:
    """Converts the comparisons that need derived inputs, registering them in ``conds.derived``."""

    def __init__(self, conds: Conditions) -> None:
        self.conds = conds
        self.ctx: Context = conds.ctx
        self.numbers = Numbers(self.ctx, self._number_of, conds.convert, self._describe, self._members, conds.failed)

    # -- names ----------------------------------------------------------------------------------------------

    def _number_of(self, name: str) -> model.Input | None:
        inp = self.conds.lookup(name)
        return inp if inp is not None and inp.numeric else None

    def _describe(self, n: ast.Name) -> str:
        inp = self.conds.lookup(n.name)
        if inp is not None:
            return {"bool": "a bool", "enum": "an enum", "set": "a set"}.get(inp.kind, "a number")
        if n.name in self.conds.lets:
            return "a let (a condition)"
        return "not declared"

    def _members(self, subject: ast.Name) -> tuple[model.Expr, ...] | None:
        inp = self.conds.lookup(subject.name)
        if inp is None or inp.kind != "set":
            self.ctx.fatal("E185", f"'{subject.name}' is not a set input", subject.span,
                           help="declare it as: input NAME: set of {a, b, c}")
            return None
        return tuple(self.member(inp, v, None) for v in inp.values)

    def member(self, inp: model.Input, value: model.EnumValue, span: ast.Member | None) -> model.Expr:
        name = f"{inp.name}[{value}]"
        if name not in self.conds.derived:
            self.conds.derived[name] = Derived(
                name, "member", "bool", (inp.name,), f"{value} in {inp.label or inp.name}", values=(value,),
                text=f"{value} in {inp.name}", span=inp.span)
        text = f"{value} in {inp.name}"
        return model.ValueTest(name, frozenset({True}), text, span.span if span else inp.span)

    # -- atoms ----------------------------------------------------------------------------------------------

    def convert(self, c: ast.Cond) -> model.Expr:
        ctx = self.ctx
        if isinstance(c, ast.Member):
            inp = self.conds.lookup(c.subject.name)
            if inp is None or inp.kind != "set":
                ctx.fatal("E185", f"'{c.subject.name}' is not a set input: 'VALUE in NAME' needs one", c.subject.span,
                          help="declare it as: input NAME: set of {a, b, c}; an enum is tested with NAME == VALUE")
                return model.FALSE
            v = c.value
            member = v.name if isinstance(v, ast.Name) else v.value if isinstance(v, ast.Number) else None
            if not isinstance(member, str | int) or member not in inp.values:
                ctx.fatal("E185", f"'{cond_text(v)}' is not a possible member of '{inp.name}'", v.span,
                          help=f"'{inp.name}' is a set of {{{', '.join(map(str, inp.values))}}}")
                return model.FALSE
            return self.member(inp, member, c)
        if isinstance(c, ast.AtLeast):
            return self.compare(ast.Relation(ast.Count(c.items, c.span), ">=", c.n, c.span), text=cond_text(c))
        if isinstance(c, ast.Relation | ast.Compare):
            return self.compare(c)
        if isinstance(c, ast.Between):
            lo = self.compare(ast.Relation(c.subject, ">=", c.range.low, c.span), text=cond_text(c), at=c.range)
            hi = self.compare(ast.Relation(c.subject, "<=", c.range.high, c.span), text=cond_text(c), at=c.range)
            return model.And((lo, hi))
        ctx.fatal("E180", f"'{cond_text(c)}' is a number, where a condition is expected", c.span,
                  help="compare it: ... > 5, ... in 1..10")
        return model.FALSE

    def compare(self, c: ast.Relation | ast.Compare, text: str | None = None,
                at: ast.Range | None = None) -> model.Expr:
        """A comparison of numbers: a threshold on one number, on a score, or a derived relation."""
        left_node = c.left if isinstance(c, ast.Relation) else c.subject
        right_node = c.right if isinstance(c, ast.Relation) else c.value
        if at is not None and at.unit:  # a range's unit belongs to both of its ends
            right_node = dataclasses.replace(right_node, unit=at.unit)  # type: ignore[arg-type]
        text = text or cond_text(c)
        left, right = self.numbers.convert(left_node), self.numbers.convert(right_node)
        if left is None or right is None:
            return model.FALSE
        unit = self.numbers.same_unit(left.unit, right.unit, c, f"'{c.op}'")
        if unit is None:
            return model.FALSE
        if c.op == "!=":  # not (a == b): the test of the equality, worded as one
            eq = dataclasses.replace(c, op="==")
            return model.Not(self.compare(eq, text.replace(" != ", " == ", 1)))
        if has_indicator(left.expr) or has_indicator(right.expr):
            return self._score_test(c, left, right, text)
        diff = model.NumOp("-", left.expr, right.expr)
        iv0 = interval_of(c.op, 0.0)
        form = affine(diff)
        if form is not None and len(form[0]) <= 1:
            if not form[0]:
                holds = iv0.contains(float(form[1]))
                self.ctx.warning("W121", f"'{text}' is {'always' if holds else 'never'} true", c.span)
                return model.Const(holds)
            (name, coef), = form[0].items()
            return model.NumTest(name, _solve(iv0, coef, form[1]), text, c.span)
        name = text
        if name not in self.conds.derived:
            linear = left.linear and right.linear
            self.conds.derived[name] = Derived(
                name, "relation", "bool", self.conds.expand(refs(diff)), None, unit_text(unit), expr=diff,
                interval=iv0, exact=linear, text=text, span=c.span)
        return model.ValueTest(name, frozenset({True}), text, c.span)

    def _score_test(self, c: ast.Relation | ast.Compare, left: Typed, right: Typed, text: str) -> model.Expr:
        """``score OP constant`` (either side): a threshold on the derived score."""
        op = c.op
        score, const, node = left, right, (c.left if isinstance(c, ast.Relation) else c.subject)
        if has_indicator(right.expr):
            score, const = right, left
            node = c.right if isinstance(c, ast.Relation) else c.value
            op = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}.get(op, op)
        k = affine(const.expr)
        if has_indicator(const.expr) or refs(score.expr) or k is None or k[0]:
            self.ctx.fatal("E183", f"'{text}' mixes counted conditions with other numbers", c.span,
                           help="compare a count or points with a plain number (at_least 2 of {...}, "
                                "points_of {...} >= 3), or make the score a let of its own first")
            return model.FALSE
        name = self.score(node, score)
        if name is None:
            return model.FALSE
        return model.NumTest(name, interval_of(op, float(k[1])), text, c.span)

    def score(self, node: ast.Cond, t: Typed, name: str | None = None, label: str | None = None,
              span: Any = None) -> str | None:
        """Register the derived score ``t`` (a sum of points of conditions) under ``name`` (default: its text)."""
        rng = score_range(t.expr)
        if rng is None or not t.integer:
            self.ctx.fatal("E183", "a score adds whole points of conditions", node.span,
                           help="use whole numbers of points: points_of {a: 1, b: 2}")
            return None
        if name is None and isinstance(node, ast.Count):  # an inline count: asked as "How many of: a, b?"
            label = "How many of: " + ", ".join(cond_text(i) for i in node.items)
        name = name or cond_text(node)
        if name not in self.conds.derived:
            self.conds.derived[name] = Derived(
                name, "score", "integer", self.conds.expand_expr(t.expr), label, None, float(rng[0]),
                float(rng[1]), expr=t.expr, text=cond_text(node), span=span or node.span)
        return name


def _solve(iv0: model.Interval, coef: Fraction, const: Fraction) -> model.Interval:
    """The interval of ``x`` such that ``coef * x + const`` lies in ``iv0`` (a half-line or a point at 0)."""
    def at(b: float | None) -> float | None:
        return None if b is None else float((Fraction(b) - const) / coef)
    lo, hi = at(iv0.low), at(iv0.high)
    if coef > 0:
        return model.Interval(lo, hi, iv0.low_closed, iv0.high_closed)
    return model.Interval(hi, lo, iv0.high_closed, iv0.low_closed)


def resolve_definitions(decls: list[ast.Let | ast.Classify], conds: Conditions,
                        ctx: Context) -> dict[str, model.Let]:
    """Convert lets and classifications in dependency order (derived ones go to ``conds.derived``); returns the
    bool lets in that order. A cycle is fatal (E150)."""
    by_name = {d.name.name: d for d in decls}
    order = {name: i for i, name in enumerate(by_name)}
    graph = nx.DiGraph()
    graph.add_nodes_from(by_name)
    for name, d in by_name.items():
        body = (d.cond, d.type) if isinstance(d, ast.Let) else (d.branches,)
        graph.add_edges_from((used, name) for used in sorted(set(_names_in(body))) if used in by_name)
    found = cycles(graph.reverse(copy=True), order)
    for path in found:
        ctx.fatal("E150", f"the lets refer to each other in a cycle: {' -> '.join(path)}",
                  by_name[path[0]].name.span, help="a let may only use lets that do not use it back",
                  notes=[Note(f"'{a}' uses '{b}'", by_name[a].span) for a, b in itertools.pairwise(path)])
        conds.failed.update(path)  # reported: a use of a let in the cycle is not reported again ("not declared")
    names = list(by_name) if found else dependency_order(graph, order)
    atoms = conds.atoms
    assert isinstance(atoms, DerivedAtoms)
    lets: dict[str, model.Let] = {}
    depths: dict[str, int] = {}
    for name in names:
        d = by_name[name]
        label = d.label.value if d.label else None
        if isinstance(d, ast.Classify):
            conds.derived[name] = _classification(d, conds, label)
        elif is_number_let(d):
            _number_let(d, atoms, conds, label)
        else:
            lets[name] = conds.let_defs[name] = model.Let(name, conds.convert(d.cond), label, d.span)
            _check_let_depth(lets[name], depths, ctx=conds.ctx)
    return lets


MAX_LET_DEPTH = 120
"""How deep a bool let's condition may nest once the lets it uses are expanded (a reference counts as a level).
Every pass over conditions (the compiler, the evaluator, 'because', the figures, the SQL and FHIR writers)
recurses through let references, so a chain of 200 lets ``l1 = l0 and b``, ``l2 = l1 or a``, ... ran out of
Python's stack ("internal error: RecursionError") in every command, although each let alone is shallow. The
parser bounds one condition's nesting (E005); this bounds the nesting that lets add up to, with the same code."""


def _check_let_depth(let: model.Let, depths: dict[str, int], ctx: Context) -> None:
    """Record how deep ``let`` nests with the lets it uses expanded (``depths`` holds the lets converted before
    it, in dependency order); E005 past MAX_LET_DEPTH, once: on the first let of a chain that goes past it."""
    def depth(e: model.Expr) -> int:  # one let's own condition: bounded by the parser's nesting limit
        if isinstance(e, model.LetRef):
            return 1 + depths.get(e.name, 0)
        items = e.items if isinstance(e, model.And | model.Or) else (e.item,) if isinstance(e, model.Not) else ()
        return 1 + max((depth(i) for i in items), default=0)
    found = depths[let.name] = depth(let.expr)
    if found > MAX_LET_DEPTH and all(depths.get(n, 0) <= MAX_LET_DEPTH for n in _let_refs(let.expr)):
        ctx.fatal("E005", f"the let '{let.name}' nests too deeply: with the lets it uses written out, its "
                  f"condition is {found} levels deep (at most {MAX_LET_DEPTH})", let.span,
                  help="define it from inputs or from fewer lets in a chain (a let that uses a let that uses "
                       "a let ...)")


def _let_refs(e: model.Expr) -> Iterator[str]:
    """The lets ``e`` names directly."""
    stack = [e]
    while stack:
        x = stack.pop()
        if isinstance(x, model.LetRef):
            yield x.name
        elif isinstance(x, model.And | model.Or):
            stack.extend(x.items)
        elif isinstance(x, model.Not):
            stack.append(x.item)


def _number_let(d: ast.Let, atoms: DerivedAtoms, conds: Conditions, label: str | None) -> None:
    ctx, name = conds.ctx, d.name.name
    t = atoms.numbers.convert(d.cond)
    if t is None:
        conds.failed.add(name)  # reported once: its uses are not reported again as unknown names
        return
    if has_indicator(t.expr) and not refs(t.expr):
        if atoms.score(d.cond, t, name, label, d.span) is None:
            conds.failed.add(name)
        return
    declared = d.type
    unit = unit_text(t.unit)
    if declared is not None and declared.unit and t.unit != FREE and len(t.unit) == 1 and unit != declared.unit:
        ctx.fatal("E181", f"'{name}' is declared in {declared.unit}, but its formula gives {unit}", d.cond.span,
                  help=f"declare it in {unit}, or convert the formula")
        conds.failed.add(name)
        return
    if declared is not None:
        unit = declared.unit
    low, high = number_range(t.expr, {n: conds.lookup(n) for n in refs(t.expr)})
    if declared is not None and declared.range is not None:
        low, high = float(declared.range.low.value), float(declared.range.high.value)
    elif not t.linear:
        low, high = -math.inf, math.inf
    integer = declared.integer if declared is not None else t.integer
    if integer and not t.integer:
        ctx.fatal("E187", f"'{name}' is declared integer, but its formula can give fractions", d.cond.span,
                  help="declare it 'number', or make the formula whole (the language does not round)")
        conds.failed.add(name)
        return
    counted = has_indicator(t.expr)  # (1 - 0.15 * count_of {sex == female}): computed, not solved
    conds.derived[name] = Derived(
        name, "formula", "integer" if integer else "number", conds.expand_expr(t.expr), label, unit, low, high,
        expr=t.expr, exact=t.linear and not counted, text=cond_text(d.cond), span=d.span)


def _classification(d: ast.Classify, conds: Conditions, label: str | None) -> Derived:
    ctx = conds.ctx
    values: list[model.EnumValue] = []
    branches: list[tuple[model.Expr, model.EnumValue]] = []
    for b in d.branches:
        branches.append((conds.convert(b.cond), b.value.name))
        if b.value.name not in values:
            values.append(b.value.name)
    other = d.otherwise.name if d.otherwise is not None else None
    if other is not None and other not in values:
        values.append(other)
    if not branches:
        ctx.fatal("E184", f"classification '{d.name.name}' has no branch", d.span,
                  help="write its branches: when CONDITION then VALUE")
    reads: list[str] = []
    for cond, _ in branches:
        reads.extend(inputs_read(cond, conds.lets_table()))
    return Derived(d.name.name, "classification", "enum", conds.expand(reads), label, values=tuple(values),
                         branches=tuple(branches), first_match=d.first_match, otherwise=other,
                         text=d.name.name, span=d.span, branch_spans=tuple(b.span for b in d.branches))
