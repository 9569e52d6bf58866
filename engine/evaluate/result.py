"""What evaluating one patient case gives: the result objects and their JSON form (the CLI/JSON contract).

``to_dict`` produces exactly the shape ``run --format json`` prints, a contract for the tools that read it::

    {"case": id, "recommendations": [...], "overridden": [...], "pending": [...], "conflicts": [...],
     "actions": [...], "not_addressed": [...], "clashes": [...], "lets": {name: true | false | null}}

``recommendations`` is the audit trail (one entry per rule); ``actions`` (:class:`Verdict`, one per action),
``not_addressed`` (:class:`NotAddressed`) and ``clashes`` (:class:`Clash`) are what a reader wants first. The
evaluator attaches them lazily (:attr:`Result.derived`, see engine/evaluate/verdicts.py): a cohort run that never
reads them does not pay for them.

Lists are in a stable order (section order, then strength, then rule order) so the JSON is reproducible.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from engine.core.model import FactValue as FactValue  # re-exported: results carry fact values
from engine.core.model import ParamValue, Strength, choice_key
from engine.core.values import fact_text, json_value
from engine.evaluate.clashes import Clash as Clash  # re-exported: results carry clashes
from engine.evaluate.clashes import find_clashes
from engine.evaluate.lazy import BecauseSlot
from engine.evaluate.lazy import CaseBecause as CaseBecause  # re-exported: a Recommendation's slot may hold one
from engine.evaluate.lazy import LazyBecause as LazyBecause  # re-exported, as above
from engine.evaluate.lazy import new_case_because as new_case_because  # re-exported for the evaluator
from engine.evaluate.lazy import new_lazy_because as new_lazy_because  # re-exported for the evaluator

if TYPE_CHECKING:
    from engine.evaluate.adjust import Adjusted


def params_to_json(params: tuple[tuple[str, ParamValue], ...]) -> dict[str, Any]:
    return {name: value.to_json() for name, value in params}


@dataclass(frozen=True, slots=True)
class Because:
    """One condition that held for the patient, as written, with the case's values of the inputs it reads."""

    condition: str
    values: tuple[tuple[str, FactValue | None], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"condition": self.condition, "values": {k: json_value(v) for k, v in self.values}}

    def __str__(self) -> str:
        vals = ", ".join(f"{k} = {'unknown' if v is None else fact_text(v)}" for k, v in self.values)
        return f"{self.condition}" + (f" ({vals})" if vals else "")


@dataclass(frozen=True, slots=True)
class Recommendation:
    action: str
    strength: Strength
    rule: str
    section: str
    params: tuple[tuple[str, ParamValue], ...] = ()
    evidence: str | None = None
    citations: tuple[int, ...] = ()
    because: tuple[Because, ...] = ()
    preference: str | None = None
    footnotes: tuple[str, ...] = ()
    source: str | None = None
    """The sentence of the guideline the rule encodes (its ``source``), as the author quoted it."""
    one_of: tuple[str, ...] = ()
    """The actions of the choice set this entry is an alternative of (as written), or () (no JSON key); the key is
    ``any_of`` for an ``any_of(...)`` choice (:class:`~engine.core.model.AnyOf`)."""

    def to_dict(self) -> dict[str, Any]:
        return {"action": self.action, "strength": self.strength.value, "rule": self.rule,
                "section": self.section, "params": params_to_json(self.params), "evidence": self.evidence,
                "citations": list(self.citations), "because": [b.to_dict() for b in self.because],
                "notes": list(self.footnotes), "source": self.source} | ({choice_key(self.one_of): list(self.one_of)}
                                                                          if self.one_of else {})


@dataclass(frozen=True, slots=True)
class Overridden:
    """An entry whose rule applies but is set aside by ``by`` (the overriding rules that apply)."""

    action: str
    strength: Strength
    rule: str
    by: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"action": self.action, "strength": self.strength.value, "rule": self.rule, "by": list(self.by)}


@dataclass(frozen=True, slots=True)
class Pending:
    """An entry that may or may not hold: it depends on the unknown inputs in ``needs``."""

    action: str
    strength: Strength
    rule: str
    needs: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"action": self.action, "strength": self.strength.value, "rule": self.rule,
                "needs": list(self.needs)}


@dataclass(frozen=True, slots=True)
class Conflict:
    """An action that gets both a positive and a negative active entry, neither rule overriding the other."""

    action: str
    positive: tuple[str, ...]
    negative: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"action": self.action, "positive": list(self.positive), "negative": list(self.negative)}


@dataclass(frozen=True, slots=True)
class Backing:
    """One rule behind a verdict: its name, label, strength and section."""

    rule: str
    label: str | None
    strength: Strength
    section: str

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "label": self.label, "strength": self.strength.value, "section": self.section}


@dataclass(frozen=True, slots=True)
class Verdict:
    """One action for one patient: the final strength of its active entries (overridden rules are already set
    aside), or ``conflict`` when rules of both polarities are active (``strength`` is then None); the merged
    parameters (those the rules agree on; a parameter they disagree on is in ``clashes``); every rule, evidence
    grade, citation and note behind it; and ``because``: the conditions of the rules' ``when`` that hold, lets
    named as the author wrote them."""

    action: str
    label: str | None
    strength: Strength | None
    conflict: bool
    params: tuple[tuple[str, ParamValue], ...]
    rules: tuple[Backing, ...]
    evidence: tuple[str, ...]
    citations: tuple[int, ...]
    notes: tuple[str, ...]
    because: tuple[Because, ...]
    clashes: tuple[str, ...] = ()
    preference: str | None = None
    together: tuple[str, ...] | None = None
    """Actions given with this one against a ``never_together``; None (no JSON key) if the guideline has none."""
    one_of: tuple[str, ...] | None = None
    """The choice set this action is given as an alternative of (those of its alternatives given), or None."""
    adjusted: tuple[Adjusted, ...] | None = None
    """The adjustments of this action in force or pending (engine/evaluate/adjust.py); None (no JSON key) if the
    guideline has none."""

    def to_dict(self) -> dict[str, Any]:
        return {"action": self.action, "label": self.label,
                "strength": None if self.strength is None else self.strength.value, "conflict": self.conflict,
                "params": params_to_json(self.params), "rules": [b.to_dict() for b in self.rules],
                "evidence": list(self.evidence), "citations": list(self.citations), "notes": list(self.notes),
                "because": [b.to_dict() for b in self.because], "clashes": list(self.clashes),
                "preference": self.preference} | ({} if self.together is None else
                                                  {"never_together": list(self.together)}) | (
                    {} if self.one_of is None else {choice_key(self.one_of): list(self.one_of)}) | (
                    {} if self.adjusted is None else {"adjusted": [a.to_dict() for a in self.adjusted]})


@dataclass(frozen=True, slots=True)
class Together:
    """A ``never_together`` constraint broken for this patient: its ``actions`` given (positive), by ``rules``."""

    actions: tuple[str, ...]
    rules: tuple[str, ...]
    when: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"actions": list(self.actions), "rules": list(self.rules), "when": self.when}


@dataclass(frozen=True, slots=True)
class NotAddressed:
    """An action whose ``cover`` applies to the patient while no rule decides it: the guideline is silent there
    (not the same as "not indicated"). ``cover`` is the cover's note (what the source leaves open), or None."""

    action: str
    section: str
    cover: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"action": self.action, "section": self.section, "cover": self.cover}


@dataclass(frozen=True, slots=True)
class Derived:
    """What is derived from a result with the guideline at hand (engine/evaluate/verdicts.py)."""

    actions: tuple[Verdict, ...] = ()
    not_addressed: tuple[NotAddressed, ...] = ()
    maybe_not_addressed: tuple[tuple[NotAddressed, tuple[str, ...]], ...] = ()
    """Covers that are gaps on some branches of the unknown inputs only, with the inputs that decide it."""
    together: tuple[Together, ...] | None = None  # the never_together broken; None: the guideline has none


class LazyDerived(tuple):  # type: ignore[type-arg]
    """``fn(result, *args)`` -> :class:`Derived`, computed on first read of a result's derived members."""

    __slots__ = ()

    def __new__(cls, fn: Callable[..., Derived], *args: Any) -> LazyDerived:
        return tuple.__new__(cls, (fn, *args))


new_lazy_derived: Callable[[tuple[Any, ...]], LazyDerived] = functools.partial(tuple.__new__, LazyDerived)
"""``LazyDerived(fn, *args)`` from the tuple ``(fn, *args)``, built in C (no Python frame: one per case)."""


@dataclass(frozen=True, slots=True)
class Result:
    case: str | None
    recommendations: tuple[Recommendation, ...] = ()
    overridden: tuple[Overridden, ...] = ()
    pending: tuple[Pending, ...] = ()
    conflicts: tuple[Conflict, ...] = ()
    lets: tuple[tuple[str, bool | None], ...] = field(default=())
    derived: Derived | LazyDerived | None = field(default=None, compare=False, repr=False)
    """The verdicts and the actions not addressed (see :func:`engine.evaluate.verdicts.attach`): None for a
    result built without the guideline (then ``actions`` and ``not_addressed`` are empty)."""
    values: tuple[tuple[str, Any], ...] = field(default=(), compare=False, repr=False)
    """The named classifications, scores and formulas the case's facts decide (None: undecided), for results
    that say "Stroke risk: high" (set by the evaluator; empty for guidelines without them)."""

    def _derived(self) -> Derived:
        d = self.derived
        if d is None:
            return _NOTHING
        if type(d) is LazyDerived:
            d = d[0](self, *d[1:])
            object.__setattr__(self, "derived", d)
        assert isinstance(d, Derived)
        return d

    @property
    def actions(self) -> tuple[Verdict, ...]:
        """One verdict per action, in order of first recommendation."""
        return self._derived().actions

    @property
    def not_addressed(self) -> tuple[NotAddressed, ...]:
        """The covered actions no rule decides for this patient, whatever the unknown inputs are."""
        return self._derived().not_addressed

    @property
    def maybe_not_addressed(self) -> tuple[tuple[NotAddressed, tuple[str, ...]], ...]:
        """The covered actions that no rule decides for some values of the unknown inputs (named)."""
        return self._derived().maybe_not_addressed

    @property
    def clashes(self) -> tuple[Clash, ...]:
        return find_clashes(self.recommendations)

    @property
    def never_together(self) -> tuple[Together, ...]:
        """The ``never_together`` constraints this patient breaks (given two of their actions)."""
        return self._derived().together or ()

    def to_dict(self) -> dict[str, Any]:
        return {"case": self.case,
                "recommendations": [r.to_dict() for r in self.recommendations],
                "overridden": [o.to_dict() for o in self.overridden],
                "pending": [p.to_dict() for p in self.pending],
                "conflicts": [c.to_dict() for c in self.conflicts],
                "actions": [v.to_dict() for v in self.actions],
                "not_addressed": [n.to_dict() for n in self.not_addressed],
                "clashes": [c.to_dict() for c in self.clashes],
                "lets": dict(self.lets)} | self._together_dict() | (
                    {"values": {k: json_value(v) for k, v in self.values}} if self.values else {})  # only with them

    def _together_dict(self) -> dict[str, Any]:  # the key only with constraints: other guidelines' JSON unchanged
        found = self._derived().together
        return {} if found is None else {"never_together": [t.to_dict() for t in found]}


_NOTHING = Derived()


# ---------------------------------------------------------------------------------------------------------------
# Fast constructors for the evaluator
#
# A frozen dataclass's ``__init__`` sets every field through ``object.__setattr__`` (about 1 us for a
# Recommendation), and the evaluator builds dozens per case. Each twin has exactly the slots of its dataclass, sets
# them with plain stores, then becomes an instance of the real class (``__class__`` assignment between identical
# slot layouts): ordinary frozen instances of the public classes (same type, equality, hash, repr, ``to_dict``).


class _BecauseTwin:
    __slots__ = ("condition", "values")

    def __init__(self, condition: str, values: tuple[tuple[str, FactValue | None], ...]) -> None:
        self.condition = condition
        self.values = values
        self.__class__ = Because  # type: ignore[assignment]


class _RecommendationTwin:
    __slots__ = ("action", "strength", "rule", "section", "params", "evidence", "citations", "because",  # noqa: RUF023 (field order)
                 "preference", "footnotes", "source", "one_of")

    def __init__(self, action: str, strength: Strength, rule: str, section: str,
                 params: tuple[tuple[str, ParamValue], ...], evidence: str | None, citations: tuple[int, ...],
                 because: tuple[Because, ...], preference: str | None, footnotes: tuple[str, ...],
                 source: str | None, one_of: tuple[str, ...] = ()) -> None:
        self.action = action
        self.strength = strength
        self.rule = rule
        self.section = section
        self.params = params
        self.evidence = evidence
        self.citations = citations
        self.because = because
        self.preference = preference
        self.footnotes = footnotes
        self.source = source
        self.one_of = one_of
        self.__class__ = Recommendation  # type: ignore[assignment]


class _ResultTwin:
    __slots__ = ("case", "recommendations", "overridden", "pending", "conflicts", "lets", "derived",  # noqa: RUF023 (field order)
                 "values")

    def __init__(self, case: str | None, recommendations: tuple[Recommendation, ...],
                 overridden: tuple[Overridden, ...], pending: tuple[Pending, ...], conflicts: tuple[Conflict, ...],
                 lets: tuple[tuple[str, bool | None], ...], derived: LazyDerived | None = None) -> None:
        self.case = case
        self.recommendations = recommendations
        self.overridden = overridden
        self.pending = pending
        self.conflicts = conflicts
        self.lets = lets
        self.derived = derived
        self.values = ()
        self.__class__ = Result  # type: ignore[assignment]


class _EntryTwin:
    """``(fields, because)``: the other fields are one tuple per rule entry (the fast path's, shared by all cases)."""

    __slots__ = ("action", "strength", "rule", "section", "params", "evidence", "citations", "because",  # noqa: RUF023 (field order)
                 "preference", "footnotes", "source", "one_of")

    def __init__(self, fields: tuple[Any, ...], because: tuple[Because, ...]) -> None:
        (self.action, self.strength, self.rule, self.section, self.params, self.evidence, self.citations,
         self.preference, self.footnotes, self.source, self.one_of) = fields
        self.because = because
        self.__class__ = Recommendation  # type: ignore[assignment]


ENTRY_FIELDS = tuple(f for f in _RecommendationTwin.__slots__ if f != "because")  # the order new_entry takes

new_because: Callable[[str, tuple[tuple[str, FactValue | None], ...]], Because] = _BecauseTwin  # type: ignore[assignment]
"""``Because(condition, values)``, built faster (both arguments positional)."""

new_recommendation: Callable[..., Recommendation] = _RecommendationTwin  # type: ignore[assignment]
"""``Recommendation(...)`` with all twelve fields positional, built faster."""

new_result: Callable[..., Result] = _ResultTwin  # type: ignore[assignment]
"""``Result(...)`` with the six fields up to ``lets`` positional (and ``derived``, optionally), built faster."""

new_entry: Callable[[tuple[Any, ...], Any], Recommendation] = _EntryTwin  # type: ignore[assignment]
"""A Recommendation from the tuple of its fields but ``because`` (:data:`ENTRY_FIELDS`), and its ``because``: two
arguments make the call cheaper than twelve, and the tuple is unpacked in C."""

for _twin, _real in ((_BecauseTwin, Because), (_RecommendationTwin, Recommendation), (_ResultTwin, Result),
                     (_EntryTwin, Recommendation)):
    if set(_twin.__slots__) != set(_real.__slots__):  # a field was added to the dataclass but not to its twin
        raise TypeError(f"{_twin.__name__} must have the slots of {_real.__name__}: {_real.__slots__}")


# The lazy "because" (engine/evaluate/lazy.py): a lazy value in the slot is computed on its first read.
setattr(Recommendation, "because", BecauseSlot(Recommendation.__dict__["because"]))  # noqa: B010
