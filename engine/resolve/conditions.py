"""Conditions: from the syntax tree to the core language of :mod:`engine.core.model`, type-checked on the way.

Conversions (the contract the compiler and evaluator rely on):

- ``x == v`` / ``x != v`` / ``x in {..}`` on an enum or bool input -> :class:`~engine.core.model.ValueTest` whose
  ``values`` are the members that make it true (``!=`` is the complement within the declared domain);
- comparisons and ``x in A..B`` on a number -> :class:`~engine.core.model.NumTest` with an
  :class:`~engine.core.model.Interval` (``!=`` is an Or of the two open sides);
- a bare bool input ``b`` -> ``ValueTest(b, {True})``; a bare ``let`` name -> :class:`~engine.core.model.LetRef`;
- ``is known`` -> :class:`~engine.core.model.KnownTest` (``is unknown`` is its negation);
- ``a implies b`` -> ``Or(Not a, b)``; parentheses are dropped; nested and/or are flattened.

Every atom carries the canonical text of the atom as written and its span. A condition that cannot be typed
becomes ``FALSE`` and the context is marked broken, so no caller ever evaluates a half-understood rule.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Protocol

from dsl import ast
from dsl.diagnostics import did_you_mean
from engine.core import model
from engine.core.derived import Derived
from engine.core.values import number_text as number_as_written
from engine.core.walk import inputs_read
from engine.resolve.context import Context
from engine.resolve.declarations import check_unit, range_units
from engine.resolve.text import cond_text, number_text, value_text

_ORDER_OPS = ("<", "<=", ">", ">=")


def conjoin(items: Iterable[model.Expr]) -> model.Expr:
    """``And`` of ``items``, flattened, without ``TRUE``; ``TRUE`` when nothing is left."""
    flat: list[model.Expr] = []
    for e in items:
        if isinstance(e, model.And):
            flat.extend(e.items)
        elif e != model.TRUE:
            flat.append(e)
    return model.TRUE if not flat else flat[0] if len(flat) == 1 else model.And(tuple(flat))


def _disjoin(items: Iterable[model.Expr]) -> model.Expr:
    flat: list[model.Expr] = []
    for e in items:
        flat.extend(e.items if isinstance(e, model.Or) else (e,))
    return flat[0] if len(flat) == 1 else model.Or(tuple(flat))


def domain_text(inp: model.Input) -> str:
    """How an input was declared, for messages: ``number cm in 0..100``, ``{1, 2, 3}``, ``bool``."""
    if inp.kind in ("bool", "enum"):
        return "bool" if inp.kind == "bool" else "{" + ", ".join(str(v) for v in inp.values) + "}"
    unit = f" {inp.unit}" if inp.unit else ""
    declared = inp.low > float("-inf") or inp.high < float("inf")
    bounds = f" in {number_as_written(inp.low)}..{number_as_written(inp.high)}" if declared else ""
    return f"{inp.kind}{unit}{bounds}"


class Atoms(Protocol):
    """What converts the comparisons of numbers from numbers (``engine.resolve.derived.DerivedAtoms``)."""

    def convert(self, c: ast.Cond) -> model.Expr: ...

    def compare(self, c: ast.Compare) -> model.Expr: ...


_DERIVED_FORMS = (ast.Relation, ast.Between, ast.Member, ast.AtLeast, ast.Arith, ast.Neg, ast.Call, ast.Count,
                  ast.CountSet, ast.Points, ast.Number)


class Conditions:
    """Converts conditions against the declared inputs, the derived values and the names of the ``let``s.

    ``lets_used`` collects the lets a conversion referred to, so the caller can order lets by dependency and
    find cycles among them. ``derived`` grows as number lets, classifications and comparisons that need a derived
    input are converted; ``atoms`` converts the latter (set by ``engine.resolve.derived``).
    """

    def __init__(self, inputs: dict[str, model.Input], lets: Collection[str], ctx: Context) -> None:
        self.inputs = inputs
        self.lets = lets
        self.ctx = ctx
        self.lets_used: set[str] = set()
        self.derived: dict[str, Derived] = {}
        self.failed: set[str] = set()
        """Number lets whose definition was an error (reported there; their uses are not reported again)."""
        self.let_defs: dict[str, model.Let] = {}
        self.atoms: Atoms | None = None

    def lookup(self, name: str) -> model.Input | None:
        """The input ``name``, or the input a derived value stands for."""
        inp = self.inputs.get(name)
        if inp is None and name in self.derived:
            return self.derived[name].as_input()
        return inp

    def lets_table(self) -> Mapping[str, model.Let]:
        return self.let_defs

    def expand(self, names: Iterable[str]) -> tuple[str, ...]:
        """The inputs ``names`` stand for (a derived value by the inputs it reads), in declaration order."""
        out: set[str] = set()
        for n in names:
            out.update(self.derived[n].reads if n in self.derived else (n,))
        return tuple(n for n in self.inputs if n in out)

    def expand_expr(self, e: model.NumExpr) -> tuple[str, ...]:
        """The inputs a number from numbers reads, through its counted conditions too."""
        names: list[str] = []
        stack: list[model.NumExpr] = [e]
        while stack:
            x = stack.pop()
            if isinstance(x, model.NumRef):
                names.append(x.name)
            elif isinstance(x, model.NumOp):
                stack += [x.left, x.right]
            elif isinstance(x, model.NumFunc):
                stack += list(x.args)
            elif isinstance(x, model.Indicator):
                names += inputs_read(x.cond, self.let_defs)
        return self.expand(names)

    def convert(self, c: ast.Cond) -> model.Expr:
        if isinstance(c, _DERIVED_FORMS):
            if self.atoms is None:
                self.ctx.fatal("E180", f"'{cond_text(c)}' cannot be used here", c.span)
                return model.FALSE
            return self.atoms.convert(c)
        if isinstance(c, ast.Paren):
            return self.convert(c.item)
        if isinstance(c, ast.Bool):
            return model.Const(c.value)
        if isinstance(c, ast.Name):
            return self._bare(c)
        if isinstance(c, ast.Not):
            return model.Not(self.convert(c.item))
        if isinstance(c, ast.And):
            return conjoin_all(self.convert(i) for i in c.items)
        if isinstance(c, ast.Or):
            return _disjoin(self.convert(i) for i in c.items)
        if isinstance(c, ast.Implies):
            return _disjoin([model.Not(self.convert(c.left)), self.convert(c.right)])
        if isinstance(c, ast.IsKnown):
            inp = self._input(c.subject, "'is known'")
            if inp is None:
                return model.FALSE
            test = model.KnownTest(inp.name, f"{inp.name} is known", c.span)
            return test if c.known else model.Not(test)
        if isinstance(c, ast.Compare):
            return self._compare(c)
        if isinstance(c, ast.InSet):
            return self._in_set(c)
        return self._in_range(c)

    # -- names ---------------------------------------------------------------------------------------------

    def _bare(self, n: ast.Name) -> model.Expr:
        if n.name in self.failed:
            return model.FALSE
        if n.name in self.lets:
            self.lets_used.add(n.name)
            return model.LetRef(n.name, n.span)
        inp = self.lookup(n.name)
        if inp is not None:
            if inp.kind == "bool":
                return model.ValueTest(inp.name, frozenset({True}), n.name, n.span)
            self.ctx.fatal("E111", f"'{n.name}' is {_a(inp)} input, not a condition", n.span,
                           help=_compare_hint(inp))
            return model.FALSE
        owners = [i.name for i in self.inputs.values() if i.kind == "enum" and n.name in i.values]
        hint = (f"'{n.name}' is a value of '{owners[0]}': write {owners[0]} == {n.name}" if owners
                else did_you_mean(n.name, [*self.inputs, *self.lets]))
        self.ctx.fatal("E101", f"unknown name '{n.name}': not a declared input or let", n.span, help=hint)
        return model.FALSE

    def _input(self, subject: ast.Name, use: str) -> model.Input | None:
        inp = self.lookup(subject.name)
        if inp is not None:
            return inp
        if subject.name in self.failed:
            return None
        if subject.name in self.lets:
            self.ctx.fatal("E115", f"'{subject.name}' is a let, not an input: {use} needs an input", subject.span,
                           help=f"use the let on its own as a condition: when {subject.name}")
        else:
            self.ctx.fatal("E101", f"unknown input '{subject.name}'", subject.span,
                           help=did_you_mean(subject.name, self.inputs))
        return None

    # -- enum and bool tests ------------------------------------------------------------------------------

    def _member(self, inp: model.Input,
                v: ast.Name | ast.Number | ast.Bool) -> tuple[bool, model.EnumValue | bool | None]:
        """(typed, member): ``typed`` False after a type error (fatal); ``member`` None when outside the domain."""
        ctx = self.ctx
        if inp.kind == "bool":
            if isinstance(v, ast.Bool):
                return True, v.value
            ctx.fatal("E110", f"'{inp.name}' is a bool: compare it with true or false, not '{value_text(v)}'", v.span)
            return False, None
        names = bool(inp.values) and isinstance(inp.values[0], str)
        if isinstance(v, ast.Name) and names:
            if v.name in inp.values:
                return True, v.name
            ctx.error("E102", f"'{v.name}' is not a value of '{inp.name}'", v.span,
                      help=did_you_mean(v.name, [str(x) for x in inp.values])
                      or f"'{inp.name}' is one of {domain_text(inp)}")
            return True, None
        if isinstance(v, ast.Number) and not names:
            if v.unit:
                ctx.fatal("E122", f"'{inp.name}' is an enum of numbers and has no unit, but '{v.unit}' is written",
                          v.span, help=f"remove '{v.unit}'")
                return False, None
            if float(v.value).is_integer() and int(v.value) in inp.values:
                return True, int(v.value)
            ctx.error("E120", f"{number_text(v)} is not a value of '{inp.name}'", v.span,
                      help=f"'{inp.name}' is one of {domain_text(inp)}")
            return True, None
        ctx.fatal("E110", f"'{inp.name}' is one of {domain_text(inp)}; '{value_text(v)}' is not one of them",
                  v.span, help=_compare_hint(inp))
        return False, None

    def _value_test(self, c: ast.Compare | ast.InSet, inp: model.Input,
                    values: tuple[ast.Name | ast.Number | ast.Bool, ...], negate: bool) -> model.Expr:
        members: set[model.EnumValue | bool] = set()
        clean = True
        for v in values:
            typed, member = self._member(inp, v)
            if not typed:
                return model.FALSE
            if member is None:
                clean = False
            else:
                members.add(member)
        domain = set(inp.domain)
        chosen = frozenset(domain - members if negate else members)
        text = cond_text(c)
        if clean and inp.kind == "enum" and chosen == domain:
            self.ctx.warning("W121", f"'{text}' is always true when '{inp.name}' is known: it allows every value",
                             c.span, help=f"write '{inp.name} is known' if that is what you mean")
        elif clean and not chosen:
            self.ctx.warning("W121", f"'{text}' is never true: it allows no value of '{inp.name}'", c.span)
        return model.ValueTest(inp.name, chosen, text, c.span)

    def _in_set(self, c: ast.InSet) -> model.Expr:
        inp = self._input(c.subject, "'in'")
        if inp is None:
            return model.FALSE
        if inp.kind == "set":
            self.ctx.fatal("E185", f"'{inp.name}' is a set: test one member at a time", c.span,
                           help=f"write: {inp.values[0]} in {inp.name}, or count_of {inp.name} >= 1")
            return model.FALSE
        if inp.numeric:
            self.ctx.fatal("E112", f"'{inp.name}' is a number: 'in {{...}}' needs an enum or bool input", c.span,
                           help=f"use a range or a comparison: {inp.name} in 1..5, {inp.name} >= 1")
            return model.FALSE
        return self._value_test(c, inp, c.values, negate=False)

    # -- numbers ----------------------------------------------------------------------------------------------

    def _number(self, inp: model.Input, n: ast.Number, node: ast.Compare | ast.InRange) -> bool:
        """Unit, domain and integrality of one threshold; False when the unit is wrong (fatal)."""
        if n.unit and not check_unit(self.ctx, "E122", f"'{inp.name}'", inp.unit, n.unit, n):
            self.ctx.broken = True
            return False
        x = float(n.value)
        if not inp.low <= x <= inp.high:
            self.ctx.error("E120", f"{number_text(n, False)} is outside the declared range of '{inp.name}'", n.span,
                           help=f"'{inp.name}' is declared as {domain_text(inp)}")
        elif inp.kind == "integer" and not x.is_integer():
            self.ctx.warning("W124", f"'{inp.name}' is an integer but is compared with {number_text(n, False)}",
                             n.span, help="use a whole number so the threshold says what it means")
        return True

    def _always(self, inp: model.Input, iv: model.Interval, text: str, span: ast.Compare | ast.InRange) -> None:
        lo, hi = inp.low, inp.high
        covers_low = iv.low is None or iv.low < lo or (iv.low == lo and iv.low_closed)
        covers_high = iv.high is None or iv.high > hi or (iv.high == hi and iv.high_closed)
        below = iv.high is not None and (iv.high < lo or (iv.high == lo and not iv.high_closed))
        above = iv.low is not None and (iv.low > hi or (iv.low == hi and not iv.low_closed))
        where = f"'{inp.name}' is declared as {domain_text(inp)}"
        if covers_low and covers_high:
            self.ctx.warning("W121", f"'{text}' is always true when '{inp.name}' is known", span.span, help=where)
        elif below or above:
            self.ctx.warning("W121", f"'{text}' is never true", span.span, help=where)

    def _compare(self, c: ast.Compare) -> model.Expr:
        inp = self._input(c.subject, f"'{c.op}'")
        if inp is None:
            return model.FALSE
        if inp.kind == "set":
            self.ctx.fatal("E185", f"'{inp.name}' is a set: test one member at a time", c.span,
                           help=f"write: {inp.values[0]} in {inp.name}, or count_of {inp.name} >= 1")
            return model.FALSE
        if not inp.numeric:
            if c.op in _ORDER_OPS:
                self.ctx.fatal("E114", f"'{c.op}' compares numbers, but '{inp.name}' is {_a(inp)} input", c.span,
                               help=_compare_hint(inp))
                return model.FALSE
            return self._value_test(c, inp, (c.value,), negate=c.op == "!=")
        if isinstance(c.value, ast.Name) and self.atoms is not None:
            other = self.lookup(c.value.name)
            if other is not None and other.numeric:  # sbp > dbp: a relation between two numbers
                return self.atoms.compare(c)
        if not isinstance(c.value, ast.Number):
            self.ctx.fatal("E110", f"'{inp.name}' is a number; '{value_text(c.value)}' is not a number", c.value.span,
                           help=f"compare it with a number: {inp.name} > 5")
            return model.FALSE
        if not self._number(inp, c.value, c):
            return model.FALSE
        x, text = float(c.value.value), cond_text(c)
        if c.op == "!=":
            return model.Or((model.NumTest(inp.name, model.Interval(None, x, high_closed=False), text, c.span),
                             model.NumTest(inp.name, model.Interval(x, None, low_closed=False), text, c.span)))
        iv = {"==": model.Interval(x, x), "<": model.Interval(None, x, high_closed=False),
              "<=": model.Interval(None, x), ">": model.Interval(x, None, low_closed=False),
              ">=": model.Interval(x, None)}[c.op]
        if inp.low <= x <= inp.high:
            self._always(inp, iv, text, c)
        return model.NumTest(inp.name, iv, text, c.span)

    def _in_range(self, c: ast.InRange) -> model.Expr:
        inp = self._input(c.subject, "'in A..B'")
        if inp is None:
            return model.FALSE
        if not inp.numeric:
            self.ctx.fatal("E113", f"'{inp.name}' is {_a(inp)} input: 'in A..B' needs a number", c.span,
                           help=_compare_hint(inp))
            return model.FALSE
        r = c.range
        for unit, node in range_units(r):
            if not check_unit(self.ctx, "E122", f"'{inp.name}'", inp.unit, unit, node):
                self.ctx.broken = True
                return model.FALSE
        plain_low, plain_high = _strip_unit(r.low), _strip_unit(r.high)
        ok = self._number(inp, plain_low, c) and self._number(inp, plain_high, c)
        lo, hi = float(r.low.value), float(r.high.value)
        text = cond_text(c)
        if lo > hi:
            self.ctx.error("E123", f"the range {value_text(r)} is empty: {number_text(r.low, False)} is more than "
                           f"{number_text(r.high, False)}", r.span, help="write the smaller bound first")
        elif ok and inp.low <= lo and hi <= inp.high:
            self._always(inp, model.Interval(lo, hi), text, c)
        return model.NumTest(inp.name, model.Interval(lo, hi), text, c.span)


def conjoin_all(items: Iterable[model.Expr]) -> model.Expr:
    """Flatten an author's ``and`` without dropping anything (``true`` written by the author stays)."""
    flat: list[model.Expr] = []
    for e in items:
        flat.extend(e.items if isinstance(e, model.And) else (e,))
    return flat[0] if len(flat) == 1 else model.And(tuple(flat))


def _strip_unit(n: ast.Number) -> ast.Number:
    """The end of a range without its unit (units of ranges are checked once, for the whole range)."""
    return ast.Number(n.value, None, n.text, n.span)


def _a(inp: model.Input) -> str:
    return {"number": "a number", "integer": "an integer", "bool": "a bool", "enum": "an enum",
            "set": "a set"}[inp.kind]


def _compare_hint(inp: model.Input) -> str:
    if inp.kind == "enum" and inp.values:
        shown = ", ".join(str(v) for v in inp.values[:2])
        return f"compare it with its values: {inp.name} == {inp.values[0]}, {inp.name} in {{{shown}}}"
    if inp.kind == "bool":
        return f"use it on its own (when {inp.name}) or compare it: {inp.name} == false"
    if inp.kind == "set" and inp.values:
        return f"test its members: {inp.values[0]} in {inp.name}, count_of {inp.name} >= 1"
    return f"compare it with a number: {inp.name} > 5, {inp.name} in 1..10"
