"""The section diagrams' all-known path: their generated code (engine/evaluate/codegen.py) wrapped with the
result assembly. The evaluator answers complete facts with the per-rule path (engine/evaluate/rulefast.py), which
grows with the sum of the rules where this grows with each section's combinations; this one is its twin, which
the tests compare it with, and its stand-in should Python refuse the per-rule source.

Everything that depends only on the leaves reached is decoded once per leaf: the entries it makes active (each
the tuple of every field of its Recommendation but ``because``), the overridden entries, the actions it recommends
for and against. A tuple of leaves is put together by chaining those in C (its plan), memoised when the tuple
comes back. Per case only what differs between cases is built: one Recommendation per active entry, all sharing
one lazy ``because`` (``(functions, facts, lets)``, made in C; see engine/evaluate/lazy.py), and the ``Result``.
Why recommendations are not memoised per rule on the values they read: on a guideline of a thousand rules nearly
every tuple of leaves is new and most rules read a number, so a memo key costs more than the object it saves.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from functools import reduce
from itertools import repeat
from operator import or_
from typing import Any, NamedTuple

from engine.compile.guideline import CompiledGuideline, Leaf, RuleStatus
from engine.core.model import Entry, Rule
from engine.evaluate.assemble import BecauseFn, conflict_orders, conflicts
from engine.evaluate.codegen import all_known_function
from engine.evaluate.result import (
    ENTRY_FIELDS,
    Conflict,
    Derived,
    Overridden,
    Recommendation,
    Result,
    new_case_because,
    new_entry,
    new_lazy_derived,
    new_recommendation,
    new_result,
)

MEMO_LIMIT = 50_000


class LeafPart(NamedTuple):
    """What one leaf contributes to a result, decoded once."""

    picks: tuple[tuple[int, int], ...]          # active (rule, entry) pairs, in result order
    overridden: tuple[Overridden, ...]
    positive: int                               # actions it recommends for (one bit per action)
    negative: int                               # and against
    stand_ins: tuple[Recommendation, ...]       # for the conflict computation
    overridden_at: tuple[tuple[int, int], ...]  # (rule, entry) of each overridden entry


class LeafPlan(NamedTuple):
    """What a tuple of leaves (one per part) decides."""

    entries: tuple[tuple[Any, ...], ...]  # per recommendation, in order, its fields but because (``new_entry``)
    overridden: tuple[Overridden, ...]
    conflicts: tuple[Conflict, ...]


def entry_fields(rule: Rule, entry: Entry) -> tuple[Any, ...]:
    """The fields of the Recommendation of ``rule``'s ``entry`` but ``because``, in the order ``new_entry`` takes
    them (:data:`ENTRY_FIELDS`: a field added to Recommendation and not here fails here, at the first load)."""
    known = {"action": entry.action, "strength": entry.strength, "rule": rule.name, "section": rule.section,
             "params": entry.params, "evidence": rule.evidence_of(entry), "citations": rule.citations,
             "preference": rule.preference_of(entry), "footnotes": rule.footnotes, "source": rule.source,
             "one_of": entry.one_of}
    return tuple([known[name] for name in ENTRY_FIELDS])


FastPath = Callable[[Mapping[str, Any], str | None], Result | None]
"""``fast(facts, case_id)``: the result, or None when an input the diagrams read is missing."""


def build_fast(g: CompiledGuideline, because_of: list[BecauseFn],
               derive: Callable[[Result, Mapping[str, Any]], Derived]) -> FastPath:
    """Compile the generated source and wrap it with the memoised result assembly (``because_of``: the per-rule
    functions of :func:`engine.evaluate.because.because_functions`; ``derive``: what derives a result's verdicts
    from it and its facts, attached to each result lazily, :class:`~engine.evaluate.result.LazyDerived`)."""
    fast, keys = all_known_function(g)
    leaves: list[Leaf] = [g.leaves[k] for k in keys]
    model = g.model
    wide = len(g.parts) != len(g.section_nodes)
    let_names = tuple(model.lets)
    orders = conflict_orders(model)
    action_bit = {a: 1 << i for i, a in enumerate(model.actions)}

    def part(leaf: Leaf) -> LeafPart:
        """What one leaf contributes, decoded once: active (rule, entry) pairs in result order, overridden
        entries, the actions it recommends for and against (one bit per action), and stand-in recommendations
        for the conflict computation."""
        picks: list[tuple[int, int]] = []
        over: list[Overridden] = []
        dummy: list[Recommendation] = []
        for le in leaf.entries:
            r = model.rules[le.rule]
            e = r.entries[le.index]
            if le.status is RuleStatus.ACTIVE:
                picks.append((le.rule, le.index))
                dummy.append(new_recommendation(e.action, e.strength, r.name, r.section, (), None, (), (), None, (),
                                                None, ()))
            else:
                over.append(Overridden(e.action, e.strength, r.name, tuple(model.rules[o].name for o in le.by)))
        positive = sum({action_bit.get(d.action, 0) for d in dummy if d.strength.positive})
        negative = sum({action_bit.get(d.action, 0) for d in dummy if not d.strength.positive})
        return LeafPart(tuple(picks), tuple(over), positive, negative, tuple(dummy),
                        tuple((le.rule, le.index) for le in leaf.entries if le.status is not RuleStatus.ACTIVE))

    # per leaf number, its part's fields in lists, so that a plan is put together by C-level chaining
    parts = [part(leaf) for leaf in leaves]
    picks_of = [p.picks for p in parts]
    over_of = [p.overridden for p in parts]
    at_of = [p.overridden_at for p in parts]
    pos_of = [p.positive for p in parts]
    neg_of = [p.negative for p in parts]
    stand_of = [p.stand_ins for p in parts]
    chain = itertools.chain.from_iterable
    section_pos = {s.name: i for i, s in enumerate(model.sections)}

    def order(ri: int, ei: int) -> tuple[int, int, int, int]:
        """Result order: section, strength rank, rule, entry."""
        r = model.rules[ri]
        return section_pos[r.section], r.entries[ei].strength.rank, ri, ei

    # per leaf number, its active entries in result order, each the fields of its Recommendation but ``because``:
    # a case's recommendations are then built by one C-level map over the chained entries of its leaves
    fields = [tuple(entry_fields(r, e) for e in r.entries) for r in model.rules]
    entries_of = [tuple([fields[ri][ei] for ri, ei in p.picks]) for p in parts]
    because_by_rule = {r.name: because_of[ri] for ri, r in enumerate(model.rules)}
    any_over = any(over_of)
    any_negative = any(neg_of)

    def plan(key: tuple[int, ...]) -> LeafPlan:
        """What a tuple of leaves (one per part) decides: the entries in result order, the overridden entries and
        the conflicts. Parts come in section order and each leaf lists its entries in result order, so the
        leaves' entries are concatenated; a wide section has one part per rule, whose entries are then put in
        result order."""
        if wide:
            active = sorted(chain(map(picks_of.__getitem__, key)), key=lambda pick: order(*pick))
            entries = tuple([fields[ri][ei] for ri, ei in active])
            where = list(chain(map(at_of.__getitem__, key)))
            over_list = list(chain(map(over_of.__getitem__, key)))
            over = tuple([o for _, o in sorted(zip(where, over_list, strict=True), key=lambda w: order(*w[0]))])
        else:
            entries = tuple(chain(map(entries_of.__getitem__, key)))
            over = tuple(chain(map(over_of.__getitem__, key))) if any_over else ()
        return LeafPlan(entries, over, clashes(key))

    def clashes(key: tuple[int, ...]) -> tuple[Conflict, ...]:
        """The conflicts of a tuple of leaves: none unless an action is recommended both for and against (the
        bits of every leaf's actions, or-ed in C); a guideline without negative entries has none at all."""
        if not any_negative:
            return ()
        neg = reduce(or_, map(neg_of.__getitem__, key), 0)
        if not neg or not neg & reduce(or_, map(pos_of.__getitem__, key), 0):
            return ()
        return conflicts(model, list(chain(map(stand_of.__getitem__, key))), orders)

    no_lets: tuple[tuple[str, bool | None], ...] = ()
    let_memo: dict[tuple[bool | None, ...], tuple[tuple[str, bool | None], ...]] = {}
    memo: dict[tuple[int, ...], LeafPlan] = {}
    seen: set[tuple[int, ...]] = set()
    new_derived = new_lazy_derived

    def run(facts: Mapping[str, Any], case_id: str | None) -> Result | None:
        out = fast(facts)
        if out is None:
            return None
        key, let_vals = out
        p = memo.get(key)
        if p is None:
            if wide or key in seen:  # a plan is kept for tuples that come back: keep it the 2nd time
                p = plan(key)
                if len(memo) >= MEMO_LIMIT:
                    memo.clear()
                memo[key] = p
            else:  # the first time, the same plan is built and not kept (most tuples of a big guideline never return)
                if len(seen) >= MEMO_LIMIT:
                    seen.clear()
                seen.add(key)
                p = plan(key)
        entries = p.entries
        if entries:  # one lazy because for the case, read by its rule (the copy: the caller may change its dict)
            lazy = new_case_because((because_by_rule, dict(facts), let_vals))
            recs = tuple(map(new_entry, entries, repeat(lazy, len(entries))))
        else:
            recs = ()
        if not let_names:
            lets = no_lets
        else:
            lets = let_memo.get(let_vals)  # type: ignore[assignment]
            if lets is None:  # at most 2 ** len(lets) distinct tuples
                lets = let_memo[let_vals] = tuple(zip(let_names, let_vals, strict=True))
        return new_result(case_id, recs, p.overridden, (), p.conflicts, lets, new_derived((derive, facts)))

    return run


__all__ = ["FastPath", "LeafPart", "LeafPlan", "build_fast"]
