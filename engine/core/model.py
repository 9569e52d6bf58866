"""The resolved guideline: what a rules file means once every name is known and every type checked.

``engine.resolve.resolver`` builds a :class:`Model` from the syntax tree; compile, evaluate, the checks and the renderer
read only this. Conditions here are a small core language of tests on one input each (:class:`ValueTest`,
:class:`NumTest`, :class:`KnownTest`) combined with and/or/not, plus references to ``let``s. Numbers are plain
floats in the input's declared unit; units were checked and dropped by the resolver.

Semantics (the contract every evaluator keeps; ``docs/language.md`` states it for authors, and
:mod:`engine.core.semantics` is the reference for conditions):

- A missing input is unknown. An unknown input stands for "some allowed value we do not know": a condition is
  decided when it has the same truth value for every allowed value of the unknown inputs, otherwise it is
  undecided and the rule is *pending* on those inputs. ``x is known`` is the only test that looks at whether a
  value was given, and is always decided.
- A rule *applies* when its ``condition`` (section guard and ``when``) is true. It is *set aside* when a rule
  that overrides it, directly or through a chain, applies. Its entries are *active* when it applies and is not
  set aside.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction
from typing import TYPE_CHECKING, Literal

from dsl.span import NO_SPAN, Span

if TYPE_CHECKING:
    from engine.core.derived import Derived
from engine.core.choices import AnyOf as AnyOf  # re-exported: entries hold choice sets
from engine.core.choices import choice_key as choice_key
from engine.core.choices import exclusive_with as exclusive_with
from engine.core.params import Adjustment as Adjustment  # re-exported: rules hold adjustments
from engine.core.params import Bound as Bound
from engine.core.params import ParamValue as ParamValue  # re-exported: entries hold parameter values
from engine.core.params import Quantity as Quantity
from engine.core.params import QuantityRange as QuantityRange
from engine.core.params import Symbol as Symbol
from engine.core.params import Text as Text
from engine.core.values import Interval as Interval  # re-exported: conditions hold intervals
from engine.core.vocabulary import Vocabulary

FactValue = bool | int | float | str
"""A known value of an input in a case (an unknown input is absent, or None where a row needs a slot)."""

EnumValue = str | int
"""An enum member: a name (``uterus``) or an integer (grade ``2``)."""


class Strength(StrEnum):
    """Recommendation strengths, as one scale from the strongest positive to the strongest negative."""

    MUST = "must"
    RECOMMEND = "recommend"
    CONSIDER = "consider"
    MAY_OMIT = "may_omit"
    NOT_RECOMMENDED = "not_recommended"
    NEVER = "never"

    @property
    def positive(self) -> bool:
        return self in (Strength.MUST, Strength.RECOMMEND, Strength.CONSIDER)

    @property
    def advises_against(self) -> bool:
        """The strong negatives: giving the action goes against the guideline. ``may_omit`` (the weak negative)
        leaves the action to judgement, so giving it is no discordance, as not giving a ``consider`` is none."""
        return self in (Strength.NOT_RECOMMENDED, Strength.NEVER)

    @property
    def rank(self) -> int:
        """Sort key: ``never`` and ``must`` first (0), then ``not_recommended``/``recommend``, then the weak ones,
        ``consider`` and ``may_omit`` (2)."""
        return {"must": 0, "never": 0, "recommend": 1, "not_recommended": 1, "consider": 2, "may_omit": 2}[self.value]


MODALITIES = ("diagnostic", "surgery", "radiotherapy", "systemic", "supportive", "surveillance", "referral", "other")
PREFERENCES = ("preferred", "other", "certain_circumstances")

# ---------------------------------------------------------------------------------------------------------------
# Inputs


@dataclass(frozen=True, slots=True)
class Input:
    """A declared input. ``kind`` decides which fields matter:

    - ``number``/``integer``: ``unit`` (or None), ``low``/``high`` (inclusive; ``-inf``/``inf`` when undeclared);
    - ``bool``: nothing else (its values are ``(False, True)``);
    - ``enum``: ``values`` in declared order (all names or all integers);
    - ``set``: ``values`` are the possible members (a case gives a list of them); conditions read it through
      its members, which are derived bool inputs named ``input[member]`` (see :class:`Derived`).
    """

    name: str
    kind: Literal["number", "integer", "bool", "enum", "set"]
    label: str | None = None
    unit: str | None = None
    low: float = -math.inf
    high: float = math.inf
    values: tuple[EnumValue, ...] = ()
    span: Span = field(default=NO_SPAN, compare=False)

    @property
    def numeric(self) -> bool:
        return self.kind in ("number", "integer")

    @property
    def domain(self) -> tuple[EnumValue | bool, ...]:
        """The finite values of a bool or enum input (empty for numbers)."""
        return (False, True) if self.kind == "bool" else self.values


# ---------------------------------------------------------------------------------------------------------------
# Conditions (the core language)


@dataclass(frozen=True, slots=True)
class Const:
    value: bool


@dataclass(frozen=True, slots=True)
class ValueTest:
    """A bool or enum input takes one of ``values`` (``site == uterus``, ``grade in {2, 3}``, ``x != a``)."""

    input: str
    values: frozenset[EnumValue | bool]
    text: str = field(default="", compare=False)  # the condition as the author wrote it, for "because" lists
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True, slots=True)
class NumTest:
    """A number input lies in ``interval`` (``size_cm > 5``, ``age in 18..65``). ``!=`` is an Or of two."""

    input: str
    interval: Interval
    text: str = field(default="", compare=False)
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True, slots=True)
class KnownTest:
    """``input is known``; ``input is unknown`` is ``Not(KnownTest(...))``."""

    input: str
    text: str = field(default="", compare=False)
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True, slots=True)
class LetRef:
    name: str
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True, slots=True)
class And:
    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Or:
    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Not:
    item: Expr


Expr = Const | ValueTest | NumTest | KnownTest | LetRef | And | Or | Not
Atom = ValueTest | NumTest | KnownTest

TRUE = Const(True)
FALSE = Const(False)

# ---------------------------------------------------------------------------------------------------------------
# Numbers from numbers (what derived values compute; conditions never hold them: a comparison on a number from
# numbers becomes a test of a derived input, see :class:`Derived`)


@dataclass(frozen=True, slots=True)
class NumRef:
    """The value of a number input or of a derived number (a score, a formula)."""

    name: str


@dataclass(frozen=True, slots=True)
class NumConst:
    value: Fraction


@dataclass(frozen=True, slots=True)
class NumOp:
    op: Literal["+", "-", "*", "/"]
    left: NumExpr
    right: NumExpr


@dataclass(frozen=True, slots=True)
class NumFunc:
    func: Literal["min", "max", "abs"]
    args: tuple[NumExpr, ...]


@dataclass(frozen=True, slots=True)
class Indicator:
    """``weight`` where ``cond`` holds, else 0 (the terms of ``points_of``, ``count_of`` and ``at_least``)."""

    cond: Expr
    weight: Fraction = Fraction(1)


NumExpr = NumRef | NumConst | NumOp | NumFunc | Indicator

# ---------------------------------------------------------------------------------------------------------------
# Declarations


@dataclass(frozen=True, slots=True)
class Let:
    name: str
    expr: Expr
    label: str | None = None
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True, slots=True)
class Assumption:
    expr: Expr
    text: str = ""
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True, slots=True)
class ParamType:
    """A declared action parameter: ``kind`` is ``number`` (with ``unit`` or None), ``integer``, ``text`` or
    ``enum`` (with ``values``)."""

    name: str
    kind: Literal["number", "integer", "text", "enum"]
    unit: str | None = None
    values: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Action:
    name: str
    label: str | None = None
    modality: str = "other"
    params: tuple[ParamType, ...] = ()
    span: Span = field(default=NO_SPAN, compare=False)




@dataclass(frozen=True, slots=True)
class Entry:
    """One ``STRENGTH action(params) [prevails]`` line of a rule. ``prevails`` (negative entries only): the entry
    sets aside every positive entry of another rule on the same action wherever its own rule applies, except the
    entries of rules that override its rule (directly or through a chain). ``evidence``/``preference``: the
    entry's own (``[evidence "...", preference p]``), None to use its rule's (see :meth:`Rule.evidence_of`)."""

    action: str
    strength: Strength
    params: tuple[tuple[str, ParamValue], ...] = ()
    span: Span = field(default=NO_SPAN, compare=False)
    prevails: bool = False
    evidence: str | None = None
    preference: str | None = None
    one_of: tuple[str, ...] = ()
    """The actions of the choice set (``one_of(...)`` or ``any_of(...)``: then an :class:`AnyOf`) this entry is an
    alternative of, in the order written; empty for an entry outside a choice."""


@dataclass(frozen=True, slots=True)
class Rule:
    """A resolved rule. ``condition`` is ``And(section guard, when)`` simplified; ``when`` alone is kept for
    display. ``overrides`` lists the rules this one sets aside directly (by name); ``sets_aside`` the single
    entries it sets aside directly, as (rule, action) pairs (``overrides rule.action``); ``adjusts`` its
    adjustments (a rule may have only adjustments, and then no entries)."""

    name: str
    section: str
    condition: Expr
    when: Expr
    entries: tuple[Entry, ...]
    label: str | None = None
    evidence: str | None = None
    citations: tuple[int, ...] = ()
    source: str | None = None
    footnotes: tuple[str, ...] = ()
    preference: str | None = None
    overrides: tuple[str, ...] = ()
    span: Span = field(default=NO_SPAN, compare=False)
    sets_aside: tuple[tuple[str, str], ...] = ()
    adjusts: tuple[Adjustment, ...] = ()

    def evidence_of(self, e: Entry) -> str | None:
        """The evidence shown with entry ``e`` of this rule: its own, else the rule's."""
        return e.evidence if e.evidence is not None else self.evidence

    def preference_of(self, e: Entry) -> str | None:
        """The preference shown with entry ``e`` of this rule: its own, else the rule's."""
        return e.preference if e.preference is not None else self.preference


@dataclass(frozen=True, slots=True)
class Cover:
    """Every patient in ``condition`` (section guard and ``when``) must get some active entry for ``action``."""

    action: str
    section: str
    condition: Expr
    span: Span = field(default=NO_SPAN, compare=False)
    note: str | None = None
    """What the source leaves open in this region, as the author put it."""


@dataclass(frozen=True, slots=True)
class Todo:
    text: str
    section: str
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True, slots=True)
class Section:
    """A section. ``order``: the inputs (or derived values) its figure asks about first, in this order
    (``question_order``); ``sequence``: the first one's answers are drawn as the stages of a sequence."""

    name: str
    guard: Expr
    label: str | None = None
    span: Span = field(default=NO_SPAN, compare=False)
    order: tuple[str, ...] = ()
    sequence: bool = False


@dataclass(frozen=True, slots=True)
class Together:
    """``never_together a, b [when COND]``: no patient for whom ``condition`` is decided true may get an active
    positive entry on two of ``actions`` (docs/language.md, "Never together"). ``when`` is COND as written (None
    when absent)."""

    actions: tuple[str, ...]
    condition: Expr
    when: str | None = None
    citations: tuple[int, ...] = ()
    source: str | None = None
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True, slots=True)
class Model:
    """A whole resolved guideline. Tuples keep source order; ``inputs``/``lets``/``actions`` are keyed by name
    (dicts keep declaration order; ``lets`` is additionally in dependency order: a let only refers to earlier
    ones)."""

    title: str
    version: str | None
    file: str
    references: dict[int, str]
    inputs: dict[str, Input]
    lets: dict[str, Let]
    assumptions: tuple[Assumption, ...]
    actions: dict[str, Action]
    sections: tuple[Section, ...]
    rules: tuple[Rule, ...]
    covers: tuple[Cover, ...]
    todos: tuple[Todo, ...]
    together: tuple[Together, ...] = ()
    """The ``never_together`` constraints, in source order."""
    derived: dict[str, Derived] = field(default_factory=dict)
    """The derived inputs (see :class:`Derived`), each after those it reads."""
    vocabulary: Vocabulary = field(default_factory=Vocabulary)
    """The words people read: labels of values, display forms of units (``engine.core.vocabulary``)."""

    @property
    def adjustments(self) -> tuple[tuple[int, Adjustment], ...]:
        """Every adjustment with its rule's index, in rule order: the order of the compiled ``adjust_nodes``."""
        return tuple((ri, a) for ri, r in enumerate(self.rules) for a in r.adjusts)

    def reads_of(self, names: list[str]) -> list[str]:
        """The declared inputs ``names`` stand for (a derived value by the inputs it is computed from)."""
        out: dict[str, None] = {}
        for n in names:
            out.update(dict.fromkeys(self.derived[n].reads if n in self.derived else (n,)))
        return list(out)

    def input_of(self, name: str) -> Input:
        """The input an atom tests: a declared input or a derived one (KeyError for neither)."""
        inp = self.input_or_derived(name)
        if inp is None:
            raise KeyError(name)
        return inp

    def input_or_derived(self, name: str) -> Input | None:
        """The declared input ``name``, or the input a derived value stands for."""
        inp = self.inputs.get(name)
        if inp is None and name in self.derived:
            return self.derived[name].as_input()
        return inp

    def rule(self, name: str) -> Rule:
        for r in self.rules:
            if r.name == name:
                return r
        raise KeyError(name)
