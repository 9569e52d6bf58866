"""Derived values for a case: computed from its facts before anything else reads them.

A case gives inputs; conditions also test derived inputs (:class:`engine.core.derived.Derived`: classifications,
scores, formulas, relations between inputs, members of set inputs). :func:`deriver` returns a function that adds
each derived value the facts decide to a copy of the facts, so that every evaluator, the fast paths included,
reads them as inputs. A value the facts do not decide is left out (unknown), exactly like a missing input.

Decided means: the same for every allowed value of the unknown inputs, judged by interval arithmetic on exact
rationals (``Fraction``; a fact is read from its decimal text, so ``0.1`` is one tenth): an unknown number input
ranges over its declared range, an undecided condition counts 0 or its points. This is exact for one relation
whose inputs each occur once (the usual case); where it is not, the value is left undecided and evaluation
follows every branch of it, keeping only the combinations the compiled definitions allow.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from fractions import Fraction

from engine.core.derived import Derived
from engine.core.model import Expr, Indicator, Input, Model, NumConst, NumExpr, NumFunc, NumOp, NumRef
from engine.core.semantics import Facts, Kleene, kleene

Bound = Fraction | float
"""A finite bound as a Fraction; ``-inf``/``inf`` as floats."""
Range = tuple[Bound, Bound]

_WHOLE: Range = (-math.inf, math.inf)


class Within(float):
    """A computed number the facts do not pin down, known to lie in ``low..high``, a range inside ONE cell of the
    number's partition (every threshold any condition puts on it gives the same answer over the whole range). It
    stands in the facts at ``low`` so that every evaluator decides those thresholds as they are decided; readers
    that show values print the range (:func:`engine.core.values.fact_text`)."""

    __slots__ = ("high", "low")
    low: float
    high: float


def within(lo: float, hi: float) -> Within:
    w = Within(lo)
    w.low, w.high = lo, hi
    return w


def exact(x: object) -> Fraction | None:
    """A fact as an exact rational, read from its decimal text (None for a bool or a non-number, and for a
    :class:`Within`, which is a range, not a value)."""
    if isinstance(x, bool) or not isinstance(x, int | float) or isinstance(x, Within):
        return None
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return Fraction(repr(x)) if isinstance(x, float) else Fraction(x)


def _mul(a: Bound, b: Bound) -> Bound:
    if a == 0 or b == 0:
        return Fraction(0)
    return a * b


def evaluate_range(e: NumExpr, ref: Callable[[str], Range], cond: Callable[[Expr], bool | None]) -> Range:
    """The least and greatest value ``e`` can take, given the range of each number it reads and the truth (or
    None) of each condition it counts."""
    match e:
        case NumConst(v):
            return v, v
        case NumRef(name):
            return ref(name)
        case Indicator(c, w):
            t = cond(c)
            if t is None:
                return min(w, Fraction(0)), max(w, Fraction(0))
            return (w, w) if t else (Fraction(0), Fraction(0))
        case NumOp(op, a, b):
            (al, ah), (bl, bh) = evaluate_range(a, ref, cond), evaluate_range(b, ref, cond)
            if op == "+":
                return al + bl, ah + bh
            if op == "-":
                return al - bh, ah - bl
            if op == "/":
                if bl <= 0 <= bh:
                    if bl == bh == 0:
                        raise ZeroDivisionError
                    return _WHOLE
                bl, bh = 1 / bh if bh not in (math.inf, -math.inf) else Fraction(0), \
                    1 / bl if bl not in (math.inf, -math.inf) else Fraction(0)
            products = [_mul(x, y) for x in (al, ah) for y in (bl, bh)]
            return min(products), max(products)
        case NumFunc("min", args):
            rs = [evaluate_range(a, ref, cond) for a in args]
            return min(r[0] for r in rs), min(r[1] for r in rs)
        case NumFunc("max", args):
            rs = [evaluate_range(a, ref, cond) for a in args]
            return max(r[0] for r in rs), max(r[1] for r in rs)
        case NumFunc(_, args):  # abs
            lo, hi = evaluate_range(args[0], ref, cond)
            if lo >= 0:
                return lo, hi
            if hi <= 0:
                return -hi, -lo
            return Fraction(0), max(-lo, hi)
    raise AssertionError(e)


def number_range(e: NumExpr, inputs: Mapping[str, Input | None]) -> tuple[float, float]:
    """The range of a formula over the declared ranges of what it reads (what a number let may be)."""
    def ref(name: str) -> Range:
        inp = inputs.get(name)
        return _WHOLE if inp is None else (_bound(inp.low), _bound(inp.high))
    try:
        lo, hi = evaluate_range(e, ref, lambda c: None)
    except ZeroDivisionError:
        return -math.inf, math.inf
    return float(lo), float(hi)


def _bound(x: float) -> Bound:
    return x if math.isinf(x) else Fraction(repr(x))


def _value(x: Fraction, integer: bool) -> int | float:
    return int(x) if integer or x.denominator == 1 else float(x)


class _Derive:
    def __init__(self, model: Model, cells: Mapping[str, tuple[object, ...]] | None = None) -> None:
        self.model = model
        self.cells = cells or {}
        self.order = tuple(model.derived.values())
        self.kleene: dict[int, Kleene] = {}
        self.ranges: dict[str, Range] = {}
        for d in self.order:
            inp = model.input_or_derived(d.name)
            if inp is not None and inp.numeric:
                self.ranges[d.name] = (_bound(inp.low), _bound(inp.high))
        for name, inp in model.inputs.items():
            if inp.numeric:
                self.ranges[name] = (_bound(inp.low), _bound(inp.high))

    def truth(self, c: Expr, facts: Facts) -> bool | None:
        k = self.kleene.get(id(c))
        if k is None:
            k = self.kleene[id(c)] = kleene(c, self.model.lets)
        return k(facts)

    def __call__(self, facts: Mapping[str, object]) -> dict[str, object]:
        out = dict(facts)
        for d in self.order:
            v = self.one(d, out)
            if v is not None:
                out[d.name] = v
        return out

    def one(self, d: Derived, facts: dict[str, object]) -> object:
        if d.how == "member":
            members = facts.get(d.reads[0])
            return None if members is None else d.values[0] in members  # type: ignore[operator]
        if d.how == "classification":
            return self.classify(d, facts)
        assert d.expr is not None

        def ref(name: str) -> Range:
            v = facts.get(name)
            if isinstance(v, Within):
                return _bound(v.low), _bound(v.high)
            x = exact(v)
            return (x, x) if x is not None else self.ranges.get(name, _WHOLE)

        try:
            lo, hi = evaluate_range(d.expr, ref, lambda c: self.truth(c, facts))
        except ZeroDivisionError:
            return None
        if d.how == "relation":
            assert d.interval is not None
            iv = d.interval
            if lo == hi and not math.isinf(lo):
                return iv.contains(float(lo)) if not isinstance(lo, Fraction) else _contains(iv, lo)
            inside = _within(iv, lo, hi)
            return inside
        if lo == hi and not math.isinf(lo):
            return _value(Fraction(lo), d.kind == "integer")
        for cell in self.cells.get(d.name, ()):  # undecided, but every threshold on it may be decided
            if _within(cell, lo, hi):
                return within(float(lo), float(hi))
        return None

    def classify(self, d: Derived, facts: dict[str, object]) -> object:
        # The first branch that holds, for exclusive classifications too: that is what the checks and the
        # definitions read (branches that overlap are E211), so a run never disagrees with them.
        for c, value in d.branches:
            t = self.truth(c, facts)
            if t is None:
                return None
            if t:
                return value
        return d.otherwise


def _contains(iv: object, x: Fraction) -> bool:
    from engine.core.values import Interval
    assert isinstance(iv, Interval)
    if iv.low is not None and (x < Fraction(repr(iv.low)) or (x == Fraction(repr(iv.low)) and not iv.low_closed)):
        return False
    return not (iv.high is not None and (x > Fraction(repr(iv.high))
                                         or (x == Fraction(repr(iv.high)) and not iv.high_closed)))


def _within(iv: object, lo: Bound, hi: Bound) -> bool | None:
    """True when all of ``lo..hi`` lies in ``iv``, False when none of it does, else None."""
    from engine.core.values import Interval
    assert isinstance(iv, Interval)
    low = -math.inf if iv.low is None else Fraction(repr(iv.low))
    high = math.inf if iv.high is None else Fraction(repr(iv.high))
    above_low = lo > low or (lo == low and iv.low_closed)
    below_high = hi < high or (hi == high and iv.high_closed)
    if above_low and below_high:
        return True
    if hi < low or (hi == low and not iv.low_closed) or lo > high or (lo == high and not iv.high_closed):
        return False
    return None


def deriver(model: Model, cells: Mapping[str, tuple[object, ...]] | None = None
            ) -> Callable[[Mapping[str, object]], Mapping[str, object]]:
    """The function that adds the derived values a case's facts decide (the identity when there are none).
    ``cells``: per derived number, the cells of its partition (the compiled variables'): an undecided number whose
    range lies in one cell is added as a :class:`Within`."""
    if not model.derived:
        return lambda facts: facts
    return _Derive(model, cells)
