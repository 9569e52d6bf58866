"""Relations between numbers, decided exactly: which combinations of number cells and relation truths exist.

Why a solver: a test ``sbp - dbp > 20 mmHg`` cuts the plane of (sbp, dbp) diagonally, so the cells of each number
alone cannot say whether "sbp in 140..159, dbp in 90..99, the relation true" is a real patient. The diagrams
keep the relation as a bool variable, and this module builds the diagram of the *possible* combinations over the
variables involved (the cells of the numbers the relations and linear formulas read, the relations' truths and
the formulas' cells), by a depth-first walk in the diagram order that asks z3 (linear arithmetic over exact
rationals and integers; min, max and abs as if-then-else) whether each partial combination is satisfiable, and
prunes the walk where it is not. z3 also completes witness patients: :meth:`Theory.solve` gives values for a
path that satisfy its cells and relations. A non-linear formula is a free variable of its declared range here.

Cost: one satisfiability check per node of the walk (measured by ``python -m bench.bench_derived``); the walk is limited
to the variables the relations connect.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

import z3

from engine.compile.guideline import Var
from engine.compile.mdd import MDD
from engine.compile.variables import representative
from engine.core.derive import Within
from engine.core.derived import Derived
from engine.core.model import (
    And,
    Interval,
    Model,
    Not,
    NumConst,
    NumExpr,
    NumFunc,
    NumOp,
    NumRef,
    NumTest,
    ValueTest,
)

MAX_CHECKS = 200_000
"""Satisfiability checks one walk may make before it gives up (the diagram is then left unconstrained: sound for
evaluation, and the checks say that their findings may be spurious)."""


class TooManyChecks(Exception):
    pass


def _q(x: float | Fraction) -> z3.ArithRef:
    f = Fraction(repr(x)) if isinstance(x, float) else x
    return z3.RealVal(f"{f.numerator}/{f.denominator}")


class Theory:
    """The solver's view of the derived relations and formulas of a compiled guideline."""

    def __init__(self, model: Model, vars: tuple[Var, ...]) -> None:
        self.vars = vars
        self.level = {v.name: i for i, v in enumerate(vars)}
        self.derived = [d for d in model.derived.values()
                        if d.how in ("relation", "formula") and d.name in self.level and d.exact]
        self.free = [d for d in model.derived.values()
                     if d.how == "formula" and d.name in self.level and not d.exact]
        names: list[str] = []
        for d in self.derived + self.free:
            if d.how == "formula":
                names.append(d.name)
            assert d.expr is not None
            names.extend(_refs(d.expr))
        self.numbers = [n for n in dict.fromkeys(names) if n in self.level]
        self.z: dict[str, z3.ArithRef] = {}
        base: list[Any] = []
        for n in self.numbers:
            v = vars[self.level[n]]
            inp = model.input_or_derived(n)
            x = z3.Int(n) if v.kind == "integer" else z3.Real(n)
            self.z[n] = x
            if inp is not None and not math.isinf(inp.low):
                base.append(x >= _q(inp.low))
            if inp is not None and not math.isinf(inp.high):
                base.append(x <= _q(inp.high))
        for d in self.derived:
            if d.how == "formula":
                assert d.expr is not None
                base.append(self.z[d.name] == self._enc(d.expr))
        self.base = base
        self.free_base = []
        for d in self.free:
            with contextlib.suppress(ValueError):  # a formula counting conditions: left free
                self.free_base.append(self.z[d.name] == self._enc(d.expr))  # type: ignore[arg-type]
        exact_names: set[str] = set()
        for d in self.derived:
            assert d.expr is not None
            exact_names.update([d.name, *_refs(d.expr)])
        self.levels = sorted({self.level[d.name] for d in self.derived}
                             | {self.level[n] for n in self.numbers if n in exact_names})
        """The variables the diagram of possible combinations walks (the exact relations and formulas)."""
        self.all_levels = sorted({self.level[n] for n in self.numbers} | set(self.levels))
        self.checks = 0

    @property
    def empty(self) -> bool:
        return not any(d.how == "relation" for d in self.derived) and not any(
            d.how == "formula" for d in self.derived)

    def _enc(self, e: NumExpr) -> z3.ArithRef:
        match e:
            case NumConst(v):
                return _q(v)
            case NumRef(name):
                return self.z[name] if name in self.z else z3.Real(name)
            case NumOp(op, a, b):
                x, y = self._enc(a), self._enc(b)
                return {"+": x + y, "-": x - y, "*": x * y, "/": x / y}[op]
            case NumFunc("min", args):
                return _fold(z3.If, [self._enc(a) for a in args], lambda p, q: p <= q)
            case NumFunc("max", args):
                return _fold(z3.If, [self._enc(a) for a in args], lambda p, q: p >= q)
            case NumFunc(_, args):
                x = self._enc(args[0])
                return z3.If(x >= 0, x, -x)
            case _:
                pass
        raise ValueError(f"no solver form for {e!r}")

    def constraint(self, lv: int, branch: int) -> Any:
        """What "variable ``lv`` takes ``branch``" says to the solver."""
        v = self.vars[lv]
        cell = v.branches[branch]
        if v.name in self.z and isinstance(cell, Interval):
            return _in(self.z[v.name], cell)
        d = next(d for d in self.derived if d.name == v.name)
        assert d.expr is not None and d.interval is not None
        inside = _in(self._enc(d.expr), d.interval)
        return inside if cell is True else z3.Not(inside)

    def diagram(self, m: MDD) -> int:
        """The boolean diagram of the possible combinations over :attr:`levels` (TRUE when nothing is
        involved)."""
        if not self.derived:
            return m.TRUE
        solver = z3.Solver()
        solver.add(*self.base)
        levels = self.levels

        def rec(k: int) -> int:
            if k == len(levels):
                return m.TRUE
            lv = levels[k]
            kids = []
            for b in range(len(self.vars[lv].branches)):
                solver.push()
                solver.add(self.constraint(lv, b))
                self.checks += 1
                if self.checks > MAX_CHECKS:
                    raise TooManyChecks
                kids.append(rec(k + 1) if solver.check() == z3.sat else m.FALSE)
                solver.pop()
            return m.node(lv, kids)

        try:
            return rec(0)
        except TooManyChecks:
            return m.TRUE

    def solve(self, path: Mapping[int, int], tied: bool = False) -> dict[str, float | int] | None:
        """Values of the numbers involved that satisfy the path's cells and relations (None: no such values).
        Non-linear formulas are tied to their inputs too when the solver can do it (a witness then really has
        the formula's value the finding needs), else left free, as the checks treat them."""
        attempts = ([self.free_base] if tied else [self.free_base, []]) if self.free_base else [[]]
        for ties in attempts:
            solver = z3.Solver()
            solver.set("timeout", 2000)
            solver.add(*self.base, *ties)
            for lv in self.all_levels:
                if lv in path:
                    solver.add(self.constraint(lv, path[lv]))
            if solver.check() == z3.sat:
                break
        else:
            return None
        found = solver.model()
        out: dict[str, float | int] = {}
        for n, x in self.z.items():
            val = found.evaluate(x, model_completion=True)
            if z3.is_int_value(val):
                out[n] = val.as_long()
            else:
                f = Fraction(val.numerator_as_long(), val.denominator_as_long())
                out[n] = int(f) if f.denominator == 1 else float(f)
        return out


class Decider:
    """Relations the known facts decide once the other relations and the assumptions are taken into account.

    Interval arithmetic (engine.core.derive) decides a relation from the ranges of its unknown inputs alone; with
    ``assume i0 < i1`` and the rule ``i1 < i0 + i2``, facts ``{i2: 0}`` leave each relation open alone, but not
    together. For a case whose relations stay open, this asks the solver, with the known numbers fixed, the
    relations already decided and the assumptions that are relations (or their negations) imposed, whether each
    open relation can be true and can be false; one that cannot be both is decided. Memoised on what it reads."""

    def __init__(self, theory: Theory, model: Model, cells: Mapping[str, tuple[Interval, ...]] | None = None) -> None:
        self.theory = theory
        self.cells = {n: c for n, c in (cells or {}).items() if n in theory.z and n in model.inputs}
        """Unknown inputs the relations read, with the cells of their partition: the solver may pin one to a cell
        (``assume i2 < i1`` with ``i1: 1`` leaves ``i2`` in ``[0, 1)``), as the diagrams, which see cells, cannot."""
        self.relations = [d for d in theory.derived if d.how == "relation"]
        self.assumed: list[tuple[str, bool]] = []
        self.bounds: list[tuple[str, Interval, bool]] = []  # assumptions that bound one number: i1 > 0
        for a in model.assumptions:
            for e in (a.expr.items if isinstance(a.expr, And) else (a.expr,)):
                positive = not isinstance(e, Not)
                atom = e.item if isinstance(e, Not) else e
                if isinstance(atom, ValueTest) and atom.values == frozenset({True}) \
                        and any(d.name == atom.input for d in self.relations):
                    self.assumed.append((atom.input, positive))
                elif isinstance(atom, NumTest) and atom.input in theory.z:
                    self.bounds.append((atom.input, atom.interval, positive))
        self.memo: dict[tuple[object, ...], dict[str, object]] = {}

    def __call__(self, facts: dict[str, object]) -> dict[str, object]:
        open_ = [d for d in self.relations if d.name not in facts]
        if not open_ and all(n in facts for n in self.cells):
            return facts
        th = self.theory
        key = tuple(facts.get(n) for n in th.z) + tuple(facts.get(d.name) for d in self.relations)
        found = self.memo.get(key)
        if found is None:
            found = self.memo[key] = self._decide(facts, open_)
        return {**facts, **found} if found else facts

    def _decide(self, facts: dict[str, object], open_: list[Derived]) -> dict[str, object]:
        th = self.theory
        solver = z3.Solver()
        solver.set("timeout", 1000)
        solver.add(*th.base)
        for n, x in th.z.items():
            v = facts.get(n)
            if isinstance(v, bool) or not isinstance(v, int | float):
                continue
            if hasattr(v, "high"):  # a computed range
                solver.add(x >= _q(float(v)), x <= _q(v.high))
            else:
                solver.add(x == _q(Fraction(repr(v)) if isinstance(v, float) else Fraction(v)))
        for d in self.relations:
            assert d.expr is not None and d.interval is not None
            inside = _in(th._enc(d.expr), d.interval)
            if d.name in facts:
                solver.add(inside if facts[d.name] is True else z3.Not(inside))
        for name, iv, positive in self.bounds:
            inside = _in(th.z[name], iv)
            solver.add(inside if positive else z3.Not(inside))
        for name, positive in self.assumed:
            d = next(d for d in self.relations if d.name == name)
            assert d.expr is not None and d.interval is not None
            inside = _in(th._enc(d.expr), d.interval)
            solver.add(inside if positive else z3.Not(inside))
        out: dict[str, object] = {}
        for d in open_:
            assert d.expr is not None and d.interval is not None
            inside = _in(th._enc(d.expr), d.interval)
            can = [solver.check(c) == z3.sat for c in (inside, z3.Not(inside))]
            if can == [True, False]:
                out[d.name] = True
            elif can == [False, True]:
                out[d.name] = False
        for n, cells in self.cells.items():
            if n in facts or len(cells) < 2:
                continue
            feasible = [c for c in cells if solver.check(_in(th.z[n], c)) == z3.sat]
            if len(feasible) == 1:  # the number is in one cell: it decides every condition on it as that cell
                out[n] = _inside(feasible[0], isinstance(th.z[n], z3.ArithRef) and th.z[n].is_int())
        return out


def _inside(cell: Interval, integer: bool) -> Within:
    """The fact standing for "somewhere in ``cell``": a :class:`Within` at a point of the cell that shows as its
    range."""
    point = representative(cell, integer)
    w = Within(point)
    w.low = cell.low if cell.low is not None else -math.inf
    w.high = cell.high if cell.high is not None else math.inf
    return w


def _fold(ite: Any, xs: list[z3.ArithRef], better: Any) -> z3.ArithRef:
    acc = xs[0]
    for x in xs[1:]:
        acc = ite(better(acc, x), acc, x)
    return acc


def _in(x: z3.ArithRef, iv: Interval) -> Any:
    parts = []
    if iv.low is not None:
        parts.append(x >= _q(iv.low) if iv.low_closed else x > _q(iv.low))
    if iv.high is not None:
        parts.append(x <= _q(iv.high) if iv.high_closed else x < _q(iv.high))
    return z3.And(*parts) if parts else z3.BoolVal(True)


def _refs(e: NumExpr) -> list[str]:
    match e:
        case NumRef(name):
            return [name]
        case NumOp(_, a, b):
            return _refs(a) + _refs(b)
        case NumFunc(_, args):
            return [n for a in args for n in _refs(a)]
        case _:
            return []


def theory_for(model: Model, vars: tuple[Var, ...]) -> Theory | None:
    """The guideline's theory, or None when no relation or formula is a variable."""
    th = Theory(model, vars)
    return None if not th.derived and not th.free else th


def derived_of(model: Model, name: str) -> Derived | None:
    return model.derived.get(name)
