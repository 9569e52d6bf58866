"""Result assembly, shared by the walk, the fast path and the reference evaluator: per-rule outcomes in, a
:class:`~engine.evaluate.result.Result` out (recommendations in result order, overridden and pending entries,
conflicts)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import NamedTuple

from engine.compile.guideline import RuleStatus
from engine.compile.units import status_units
from engine.core.model import Model
from engine.evaluate.because import because
from engine.evaluate.result import (
    Because,
    Conflict,
    FactValue,
    Overridden,
    Pending,
    Recommendation,
    Result,
    new_recommendation,
    new_result,
)


class Outcome(NamedTuple):
    """What a rule is for one case: active, pending on the unknown inputs ``needs``, or overridden ``by`` the
    overriders (rule indices) that apply."""

    kind: RuleStatus
    by: tuple[int, ...] = ()
    needs: tuple[str, ...] = ()


ACTIVE = Outcome(RuleStatus.ACTIVE)

BecauseFn = Callable[[Mapping[str, FactValue], tuple[bool | None, ...]], tuple[Because, ...]]


class Plan(NamedTuple):
    """What per-rule outcomes decide, independently of the case's values."""

    active: tuple[tuple[int, int], ...]
    """The active (rule, entry) pairs, in result order."""
    overridden: tuple[Overridden, ...]
    pending: tuple[Pending, ...]
    conflicts: tuple[Conflict, ...]


def plan_of(model: Model, outcomes: Mapping[int, Outcome]) -> Plan:
    """The case-independent part of :func:`assemble` (memoised by the walk: equal outcomes, equal plan).
    ``outcomes`` are per status unit (``engine.compile.units``: per rule when no entry is set aside alone)."""
    section_pos = {s.name: i for i, s in enumerate(model.sections)}
    units = status_units(model).units
    items = sorted((section_pos.get(model.rules[units[u].rule].section, 0),
                     model.rules[units[u].rule].entries[ei].strength.rank, units[u].rule, ei, u)
                    for u in outcomes for ei in units[u].entries)
    active: list[tuple[int, int]] = []
    dummy: list[Recommendation] = []
    over: list[Overridden] = []
    pend: list[Pending] = []
    for _, _, ri, ei, u in items:
        kind, by, needs = outcomes[u]
        rule = model.rules[ri]
        e = rule.entries[ei]
        if kind is RuleStatus.ACTIVE:
            active.append((ri, ei))
            dummy.append(Recommendation(e.action, e.strength, rule.name, rule.section))
        elif kind is RuleStatus.OVERRIDDEN:
            over.append(Overridden(e.action, e.strength, rule.name, tuple(model.rules[o].name for o in by)))
        else:
            pend.append(Pending(e.action, e.strength, rule.name, needs))
    return Plan(tuple(active), tuple(over), tuple(pend), conflicts(model, dummy))


def assemble(model: Model, case_id: str | None, outcomes: Mapping[int, Outcome],
             facts: Mapping[str, FactValue], lets: Sequence[tuple[str, bool | None]],
             because_of: Sequence[BecauseFn] | None = None, plan: Plan | None = None) -> Result:
    """Build the Result from per-unit outcomes ``unit -> (kind, by, needs)`` (see :func:`plan_of`). ``because_of``
    are the generated per-rule equivalents of :func:`because` (engine/evaluate/codegen.py); without them the tree
    is walked. ``plan`` is ``plan_of(model, outcomes)`` when the caller has it memoised."""
    if plan is None:
        plan = plan_of(model, outcomes)
    let_map = dict(lets)
    let_vals = tuple(v for _, v in lets)
    recs: list[Recommendation] = []
    because_memo: dict[int, tuple[Because, ...]] = {}
    for ri, ei in plan.active:
        rule = model.rules[ri]
        e = rule.entries[ei]
        b = because_memo.get(ri)
        if b is None:
            b = because_memo[ri] = (because(model, rule.condition, facts, let_map) if because_of is None
                                    else because_of[ri](facts, let_vals))
        recs.append(new_recommendation(e.action, e.strength, rule.name, rule.section, e.params, rule.evidence_of(e),
                                       rule.citations, b, rule.preference_of(e), rule.footnotes, rule.source,
                                       e.one_of))
    return new_result(case_id, tuple(recs), plan.overridden, plan.pending, plan.conflicts, tuple(lets))


def conflict_orders(model: Model) -> tuple[dict[str, int], dict[str, int]]:
    """The rule and action positions :func:`conflicts` sorts by (callers that compute conflicts often keep them)."""
    return {r.name: i for i, r in enumerate(model.rules)}, {a: i for i, a in enumerate(model.actions)}


def conflicts(model: Model, recs: Iterable[Recommendation],
              orders: tuple[dict[str, int], dict[str, int]] | None = None) -> tuple[Conflict, ...]:
    """Actions with both a positive and a negative active entry (rule names in rule order). ``orders`` is
    ``conflict_orders(model)`` when the caller has it."""
    index, order = orders if orders is not None else conflict_orders(model)
    pos: dict[str, set[str]] = {}
    neg: dict[str, set[str]] = {}
    for r in recs:
        (pos if r.strength.positive else neg).setdefault(r.action, set()).add(r.rule)
    both = sorted(set(pos) & set(neg), key=lambda a: (order.get(a, len(order)), a))
    return tuple(Conflict(a, tuple(sorted(pos[a], key=index.__getitem__)),
                          tuple(sorted(neg[a], key=index.__getitem__))) for a in both)
