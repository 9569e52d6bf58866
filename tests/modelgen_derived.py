"""Hypothesis strategy for random small guidelines (as rules text) that use the derived-value constructs.

Integer inputs on small declared ranges (so that enumerating every value is exhaustive, relations included), bools,
an enum and a set input; number lets (typed and not), relations between numbers (``i0 > i1``, ``i0 - i1 >= 2``,
``min(i0, i1 + 1) <= 2``, ``abs(i0 - i1) <= 1``, ``(i0 + i1) / 2 > 1``), ``count_of {..}``, ``count_of SET``,
``points_of {..}``, ``at_least N of {..}``, classifications (``first_match`` or exclusive, with or without
``otherwise``), members of the set, assumptions on relations; rules with random overrides (to earlier rules) and
covers. ``unclassified=True`` lets classifications go without ``otherwise``; ``nonlinear=True`` adds
products of inputs (which the checks treat as any value in the declared range).
"""

from __future__ import annotations

import itertools
from typing import Any

from hypothesis import strategies as st

from engine.core.model import FactValue, Model

ACTIONS = ("alpha", "beta", "gamma")
STRENGTHS = ("must", "recommend", "consider", "not_recommended", "never")


class _Gen:
    def __init__(self, draw: Any, nonlinear: bool, unclassified: bool, exclusive: bool) -> None:
        self.draw = draw
        self.exclusive = exclusive
        self.unclassified = unclassified
        self.nonlinear = nonlinear
        self.ints = [f"i{k}" for k in range(draw(st.integers(2, 3)))]
        self.bools = [f"b{k}" for k in range(draw(st.integers(1, 3)))]
        self.enum = draw(st.booleans())
        self.set = draw(st.booleans())
        self.conds: list[str] = []  # names of bool lets
        self.numbers: list[tuple[str, int, int]] = []  # number lets usable in thresholds: name, low, high
        self.classes: dict[str, list[str]] = {}
        self.ranges: dict[str, tuple[int, int]] = {}
        for i, name in enumerate(self.ints):
            lo = draw(st.integers(-2, 0)) if i == 2 else 0
            self.ranges[name] = (lo, lo + draw(st.integers(2, 4)))

    def pick(self, xs: list[str] | tuple[str, ...]) -> str:
        return str(self.draw(st.sampled_from(list(xs))))

    def lin(self) -> str:
        """A linear number expression over the integer inputs."""
        a, b = self.pick(self.ints), self.pick(self.ints)
        k = self.draw(st.integers(1, 2))
        forms = [a, f"{a} + {b}", f"{a} - {b}", f"{k} * {a}", f"{a} + {k}", f"min({a}, {b} + 1)", f"max({a}, {b})",
                 f"abs({a} - {b})", f"({a} + {b}) / 2", f"-{a} + 2 * {b}"]
        return self.pick(forms)

    def relation(self) -> str:
        op = self.pick(["<", "<=", ">", ">=", "==", "!="])
        if self.draw(st.booleans()):
            form = self.lin()
            lo, hi = self.ranges.get(form, (-1, 5))  # a bare input: a threshold inside its range (else E120)
            return f"{form} {op} {self.draw(st.integers(lo, hi))}"
        if self.nonlinear and self.draw(st.integers(0, 3)) == 0:
            return f"{self.pick(self.ints[:2])} * {self.pick(self.ints[:2])} {op} {self.draw(st.integers(0, 8))}"
        return f"{self.lin()} {op} {self.lin()}"

    def plain(self) -> str:
        """An atom on one input."""
        k = self.draw(st.integers(0, 4 if self.enum else 2))
        if k == 0:
            return self.pick(self.bools)
        if k in (1, 2):
            name = self.pick(self.ints)
            lo, hi = self.ranges[name]
            return f"{name} {self.pick(['<', '<=', '>', '>=', '=='])} {self.draw(st.integers(lo, hi))}"
        return self.pick(["e0 == p", "e0 in {p, q}", "e0 != r"])

    def atom(self, depth: int) -> str:
        k = self.draw(st.integers(0, 11))
        if k <= 2:
            return self.plain()
        if k == 3:
            return self.relation()
        if k == 4 and self.set:
            return f"{self.pick(['m1', 'm2', 'm3'])} in s0"
        if k == 5 and self.conds:
            return self.pick(self.conds)
        if k == 6 and self.numbers:
            name, lo, hi = self.draw(st.sampled_from(self.numbers))
            return f"{name} {self.pick(['<', '<=', '>', '>=', '=='])} {self.draw(st.integers(lo, hi))}"
        if k == 7 and self.classes:
            name = self.pick(sorted(self.classes))
            values = self.classes[name]
            if self.draw(st.booleans()):
                return f"{name} == {self.pick(values)}"
            chosen = sorted(set(self.draw(st.lists(st.sampled_from(values), min_size=1, max_size=2))))
            return f"{name} in {{{', '.join(chosen)}}}"
        if k == 8 and depth > 0:
            items = [self.condition(depth - 1) for _ in range(self.draw(st.integers(2, 3)))]
            return f"at_least {self.draw(st.integers(1, 2))} of {{{', '.join(items)}}}"
        if k == 9 and depth > 0:
            items = [self.condition(depth - 1) for _ in range(self.draw(st.integers(1, 3)))]
            n = self.draw(st.integers(0, len(items)))
            return f"count_of {{{', '.join(items)}}} {self.pick(['>=', '==', '<'])} {n}"
        if k == 10 and self.set:
            return f"count_of s0 {self.pick(['>=', '==', '<='])} {self.draw(st.integers(0, 3))}"
        return self.plain()

    def condition(self, depth: int = 2) -> str:
        k = self.draw(st.integers(0, 6 if depth > 0 else 0))
        if k <= 3:
            return self.atom(depth)
        if k == 4:
            return f"not ({self.condition(depth - 1)})"
        items = [self.condition(depth - 1) for _ in range(2)]
        return f"({items[0]} {'and' if k == 5 else 'or'} {items[1]})"

    def text(self) -> str:
        draw = self.draw
        lines = ['guideline "Random derived"']
        for name in self.ints:
            lo, hi = self.ranges[name]
            lines.append(f"input {name}: integer in {lo}..{hi}")
        lines += [f"input {b}: bool" for b in self.bools]
        if self.enum:
            lines.append("input e0: {p, q, r}")
        if self.set:
            lines.append("input s0: set of {m1, m2, m3}")
        for _ in range(draw(st.integers(0, 1))):
            lines.append(f"assume {self.relation()}")
        decls: list[str] = []
        for k in range(draw(st.integers(0, 2))):  # number lets
            kind = draw(st.integers(0, 2))
            name = f"n{k}"
            if kind == 0:  # a typed formula (an untyped one gets the range of its formula: thresholds may miss it)
                form = self.lin()  # 'integer' only for a whole-valued formula: see test_an_integer_let_of_a_fraction
                kind = self.pick(["integer", "number"]) if "/" not in form else "number"
                decls.append(f"let {name}: {kind} in -12..12 = {form}")
                self.numbers.append((name, -2, 6))
            elif kind == 1:
                weights = [draw(st.integers(-1, 3)) for _ in range(draw(st.integers(1, 3)))]
                pts = ", ".join(f"{self.condition(0)}: {w}" for w in weights)
                decls.append(f"let {name} = points_of {{{pts}}}")
                self.numbers.append((name, sum(w for w in weights if w < 0), sum(w for w in weights if w > 0)))
            else:
                n = draw(st.integers(1, 3))
                items = ", ".join(self.condition(0) for _ in range(n))
                decls.append(f"let {name} = count_of {{{items}}}")
                self.numbers.append((name, 0, n))
        if self.nonlinear and draw(st.booleans()):
            decls.append(f"let prod: integer in 0..16 = {self.pick(self.ints[:2])} * {self.pick(self.ints[:2])}")
            self.numbers.append(("prod", 0, 9))
        for k in range(draw(st.integers(0, 2))):  # classifications
            name = f"k{k}"
            first = draw(st.booleans()) if self.exclusive else True
            values = [f"v{j}" for j in range(draw(st.integers(2, 3)))]
            body = [f"classify {name}{' first_match' if first else ''}:"]
            for j in range(draw(st.integers(1, 3))):
                body.append(f"  when {self.condition(1)} then {values[j % len(values)]}")
            used = sorted({ln.rsplit(' ', 1)[1] for ln in body[1:]})
            if not self.unclassified or draw(st.booleans()) or len(used) < 2:
                other = values[-1]
                body.append(f"  otherwise {other}")
                used = sorted({*used, other})
            decls.append("\n".join(body))
            self.classes[name] = used
        for k in range(draw(st.integers(0, 2))):  # bool lets
            decls.append(f"let c{k} = {self.condition(1)}")
            self.conds.append(f"c{k}")
        lines += decls
        lines += [f"action {a}" for a in ACTIONS]
        lines.append("section s:")
        names: list[str] = []
        for r in range(draw(st.integers(3, 8))):
            lines.append(f"  rule r{r}:")
            if draw(st.integers(0, 5)):
                lines.append(f"    when {self.condition()}")
            acts = sorted(set(draw(st.lists(st.sampled_from(ACTIONS), min_size=1, max_size=2))))
            lines += [f"    {self.pick(STRENGTHS)} {a}" for a in acts]
            if names and draw(st.integers(0, 3)) == 0:
                lines.append(f"    overrides {self.pick(names)}")
            names.append(f"r{r}")
        for a in ACTIONS:
            if draw(st.integers(0, 2)) == 0:
                lines.append(f"  cover {a}" + (f" when {self.condition(1)}" if draw(st.booleans()) else ""))
        return "\n".join(lines) + "\n"


@st.composite
def derived_rules(draw: Any, nonlinear: bool = False, unclassified: bool = False, exclusive: bool = True) -> str:
    """The text of a random guideline that uses derived values (``unclassified``: classifications may lack an
    ``otherwise``, so some patients are unclassified; ``exclusive=False``: every classification is
    ``first_match``)."""
    return _Gen(draw, nonlinear, unclassified, exclusive).text()


def domain(model: Model, name: str) -> list[FactValue]:
    """Every value of a declared input (integers over their whole declared range; a set: every subset, as the
    tuple of its members in declared order, as case loading gives it)."""
    inp = model.inputs[name]
    if inp.kind == "integer":
        return list(range(int(inp.low), int(inp.high) + 1))
    if inp.kind == "set":
        return [tuple(c) for k in range(len(inp.values) + 1)  # type: ignore[misc]
                for c in itertools.combinations(inp.values, k)]
    assert inp.kind in ("bool", "enum"), inp
    return list(inp.domain)
