"""Values of the condition language, written once: strict equality, numbers as the author wrote them, intervals
(containment, a readable point inside, and their wording in every style the tools print).

- :func:`same_member` / :func:`is_member` / :func:`member_test`: ``True`` is not ``1``. A bool answer never
  matches an integer enum value (Python's ``True == 1`` and ``True in {1}`` hold; here they do not).
- :func:`number_text` / :func:`json_number`: ``5`` not ``5.0``; ``1.8`` not ``1.8000000000000003``.
- :class:`Interval`: a real interval with ``contains``, ``point`` (named styles, one per tool that needs a
  readable number inside a cell), ``text`` (named styles, one per output vocabulary) and its JSON form.

Interval wording styles (each keeps the exact wording of the output that uses it)::

    style          used by                                 > 5        <= 5 cm      3..5 (closed)   = 5     whole
    "rules"        check (region texts, rules language)    x > 5      x <= 5 cm    x in 3..5       x == 5  true
    "ascii"        export / the networkx edge labels        > 5        <= 5 cm      3..5            = 5     any
    "typographic"  figures                                  > 5        ≤ 5 cm       3–5             5       any
    "math"         ``str(interval)``, debugging             (5, inf)   [-inf, 5]    [3, 5]          [5, 5]

A half-open pair reads ``> 3 and <= 5 cm`` (ascii), ``≥ 3 and ≤ 5 cm`` (typographic, unit once at the end), and
``x > 3 cm and x <= 5 cm`` (rules, unit on each side). With ``domain`` (the input's declared range), an end at or
beyond the declared end that includes it counts as open: ``age >= 0`` on ``0..120`` reads ``any``/``true``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any, Literal, assert_never

IntervalStyle = Literal["rules", "ascii", "typographic", "math"]
PointStyle = Literal["representative", "closed_end", "next_whole", "closed_or_whole"]

LE, GE, EN_DASH, INFINITY = "\u2264", "\u2265", "\u2013", "\u221e"
NO_DOMAIN: tuple[float, float] = (-math.inf, math.inf)

# ---------------------------------------------------------------------------------------------------------------
# Strict equality


def same_member(a: object, b: object) -> bool:
    """``a == b`` with bools kept apart from numbers: ``same_member(True, 1)`` is False, ``same_member(2, 2.0)``
    is True, ``same_member(True, True)`` is True."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a is b
    return bool(a == b)


def is_member(x: object, values: Collection[object]) -> bool:
    """``x`` is one of ``values`` under :func:`same_member` (``True`` is not in ``{1}``)."""
    return any(same_member(x, v) for v in values)


def member_test(values: Collection[object]) -> Callable[[object], bool]:
    """A fast predicate equal to ``lambda x: is_member(x, values)`` (for hashable ``x``), specialised on what
    ``values`` holds: names (a str equals no bool and no number), bools, or integers."""
    frozen = frozenset(values)
    if all(isinstance(v, str) for v in frozen):
        return frozen.__contains__
    if all(isinstance(v, bool) for v in frozen):
        return lambda x: x.__class__ is bool and x in frozen
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in frozen):
        return lambda x: x.__class__ is not bool and x in frozen
    return lambda x: is_member(x, frozen)


def is_number(x: object) -> bool:
    """A number fact: an int or float that is not a bool."""
    return isinstance(x, int | float) and not isinstance(x, bool)


# ---------------------------------------------------------------------------------------------------------------
# Numbers as written


def number_text(x: float, *, exact: bool = False, typographic: bool = False) -> str:
    """A number as an author writes it: ``5`` not ``5.0``. Other numbers print with ``%g`` (``1.8``, not the
    float noise ``1.8000000000000003``; 6 significant digits), or with ``exact`` in full (``repr``: for case
    values quoted back in messages). Infinity prints ``inf``/``-inf``, or ``∞``/``-∞`` when ``typographic``."""
    if math.isinf(x):
        return (INFINITY if x > 0 else f"-{INFINITY}") if typographic else ("inf" if x > 0 else "-inf")
    if float(x).is_integer():
        return str(int(x))
    return repr(float(x)) if exact else f"{x:g}"


def fact_text(v: object, *, yes_no: bool = False) -> str:
    """A case's value as the author writes it: ``true``/``false`` (``yes``/``no`` in prose with ``yes_no``),
    ``8`` not ``8.0``, other numbers in full, enum members as named."""
    if isinstance(v, bool):
        return ("yes" if v else "no") if yes_no else ("true" if v else "false")
    if isinstance(v, float) and hasattr(v, "high"):  # engine.core.derive.Within: a range, not a value
        return f"{float(f'{v:.4g}'):g}..{float(f'{v.high:.4g}'):g}"
    if isinstance(v, int | float):
        return number_text(v, exact=True)
    if isinstance(v, tuple | list):  # a set input: its members
        return "{" + ", ".join(map(str, v)) + "}" if v else "none"
    return str(v)


def json_value(v: object) -> object:
    """A fact for JSON: a computed range (``engine.core.derive.Within``) as ``{"min", "max"}``, else itself."""
    if isinstance(v, float) and hasattr(v, "high"):
        return {"min": json_number(v), "max": json_number(v.high)}
    return v


def json_number(x: float) -> int | float:
    """A number for JSON as the author wrote it: ``66`` not ``66.0`` (non-whole numbers and infinities as given)."""
    return int(x) if float(x).is_integer() else x


# ---------------------------------------------------------------------------------------------------------------
# Intervals


@dataclass(frozen=True, slots=True)
class Interval:
    """A real interval; ``None`` bounds are unbounded. ``Interval(5, None, low_closed=False)`` is ``> 5``."""

    low: float | None = None
    high: float | None = None
    low_closed: bool = True
    high_closed: bool = True

    def contains(self, x: float) -> bool:
        if self.low is not None and (x < self.low or (x == self.low and not self.low_closed)):
            return False
        return not (self.high is not None and (x > self.high or (x == self.high and not self.high_closed)))

    # -- JSON form: [low, high, low_closed, high_closed], None for an unbounded or infinite end -----------------

    def to_json(self) -> list[Any]:
        """``[low, high, low_closed, high_closed]``; None for unbounded ends, whole numbers as ints."""
        def end(x: float | None) -> int | float | None:
            return None if x is None or math.isinf(x) else json_number(x)
        return [end(self.low), end(self.high), self.low_closed, self.high_closed]

    @classmethod
    def from_json(cls, data: Sequence[Any]) -> Interval:
        """The inverse of :meth:`to_json` (numbers become floats)."""
        low, high, low_closed, high_closed = data
        return cls(None if low is None else float(low), None if high is None else float(high),
                   bool(low_closed), bool(high_closed))

    # -- words -----------------------------------------------------------------------------------------------

    def text(self, style: IntervalStyle, *, unit: str | None = None, name: str = "",
             domain: tuple[float, float] = NO_DOMAIN) -> str:
        """The interval in words, in one of the styles of the module docstring. ``name`` (the input) is needed by
        the ``rules`` style only; ``unit`` is appended; ``domain`` is the input's declared range (``math``
        ignores both)."""
        if style == "math":
            lo = "-inf" if self.low is None else f"{self.low:g}"
            hi = "inf" if self.high is None else f"{self.high:g}"
            return (f"{'[' if self.low_closed and self.low is not None else '('}{lo}, {hi}"
                    f"{']' if self.high_closed and self.high is not None else ')'}")
        dlo, dhi = domain
        low = None if self.low is None or (self.low <= dlo and self.low_closed) else self.low
        high = None if self.high is None or (self.high >= dhi and self.high_closed) else self.high
        u = f" {unit}" if unit else ""
        typo = style == "typographic"

        def num(x: float) -> str:
            return number_text(x, typographic=typo)

        def ge(closed: bool) -> str:
            return (GE if typo else ">=") if closed else ">"

        def le(closed: bool) -> str:
            return (LE if typo else "<=") if closed else "<"

        if style == "rules":
            if low is None and high is None:
                return "true"
            if low is None:
                assert high is not None
                return f"{name} {le(self.high_closed)} {num(high)}{u}"
            if high is None:
                return f"{name} {ge(self.low_closed)} {num(low)}{u}"
            if low == high:
                return f"{name} == {num(low)}{u}"
            if self.low_closed and self.high_closed:
                return f"{name} in {num(low)}..{num(high)}{u}"
            return f"{name} {ge(self.low_closed)} {num(low)}{u} and {name} {le(self.high_closed)} {num(high)}{u}"
        if style == "ascii" or style == "typographic":
            if low is None and high is None:
                return "any"
            if low is None:
                assert high is not None
                return f"{le(self.high_closed)} {num(high)}{u}"
            if high is None:
                return f"{ge(self.low_closed)} {num(low)}{u}"
            if low == high:
                return f"{num(low)}{u}" if typo else f"= {num(low)}{u}"
            if self.low_closed and self.high_closed:
                return f"{num(low)}{EN_DASH if typo else '..'}{num(high)}{u}"
            return f"{ge(self.low_closed)} {num(low)} and {le(self.high_closed)} {num(high)}{u}"
        assert_never(style)

    def __str__(self) -> str:
        return self.text("math")

    # -- a readable point inside -----------------------------------------------------------------------------

    def point(self, style: PointStyle, *, integer: bool = False, domain: tuple[float, float] = NO_DOMAIN) -> float:
        """A number inside the interval (for a non-empty cell of a partition), chosen in one of four ways; each
        is what one tool has always printed or used, so witnesses in golden files keep their values:

        - ``representative``: any point standing for the whole cell (the compiler's cell signatures): the low
          end for integers or a single point, else one inside an unbounded end, else the midpoint;
        - ``closed_end``: a closed end, else the next whole number above the low end when it is inside, else
          the midpoint (``Guideline.facts_of``'s sample facts);
        - ``next_whole``: the interval clipped to ``domain``; a single point itself, else the smallest whole
          number strictly above the low end when inside (``size_cm > 5`` gives 6), else a closed end or the
          midpoint (the checks' witness patients);
        - ``closed_or_whole``: the interval clipped to ``domain``; a closed low end, else a whole number inside
          (an integer input only takes whole numbers), else the midpoint (``test --coverage`` witnesses).

        The result is a float: callers that print or export it apply :func:`json_number`.
        """
        lo, hi = self.low, self.high
        if style == "representative":
            if integer or lo == hi:
                return lo if lo is not None else (hi if hi is not None else 0.0)
            if lo is None:
                return hi - 1.0 if hi is not None else 0.0
            if hi is None:
                return lo + 1.0
            return (lo + hi) / 2.0
        if style == "closed_end":
            if lo is not None and self.low_closed:
                return lo
            if hi is not None and self.high_closed and lo is None:
                return hi
            if lo is None:
                return 0.0 if hi is None else hi - 1.0
            if hi is None or math.floor(lo) + 1 < hi or (math.floor(lo) + 1 == hi and self.high_closed):
                return math.floor(lo) + 1.0
            return (lo + hi) / 2
        dlo, dhi = domain
        if style == "next_whole":
            lo = lo if lo is not None else (dlo if not math.isinf(dlo) else None)
            hi = hi if hi is not None else (dhi if not math.isinf(dhi) else None)
            lo_closed = self.low_closed or self.low is None
            hi_closed = self.high_closed or self.high is None
            if lo is not None and hi is not None and lo == hi:
                return lo
            if lo is None:
                return (math.ceil(hi) - 1.0) if hi is not None else 0.0
            if hi is None:
                return math.floor(lo) + 1.0
            inner = math.floor(lo) + 1.0
            if inner < hi or (inner == hi and hi_closed):
                return inner
            if integer or lo_closed:
                return lo if lo_closed else hi
            return (lo + hi) / 2.0
        if style == "closed_or_whole":
            flo = max(dlo, -math.inf if lo is None else lo)
            fhi = min(dhi, math.inf if hi is None else hi)
            lo_c = self.low_closed if lo is not None and lo >= dlo else True
            hi_c = self.high_closed if hi is not None and hi <= dhi else True
            clipped = Interval(flo, fhi, lo_c, hi_c)
            if math.isinf(flo) and math.isinf(fhi):
                candidates: list[float] = [0.0]
            elif math.isinf(flo):
                candidates = [fhi if hi_c else math.ceil(fhi) - 1]
            elif math.isinf(fhi):
                candidates = [flo if lo_c else math.floor(flo) + 1]
            else:
                candidates = [math.ceil(flo) + k for k in (0, 1)] + [(flo + fhi) / 2]
                if lo_c:
                    candidates.insert(0, flo)
            for c in candidates:
                if clipped.contains(c) and (not integer or float(c).is_integer()):
                    return float(c)
            return (flo + fhi) / 2
        assert_never(style)
