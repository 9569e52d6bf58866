"""The fast path: the generated all-known code (engine/evaluate/codegen.py) wrapped with the result assembly.

Everything that depends only on the leaves reached (recommendation templates, overridden entries, conflicts) is
decoded once per leaf; a tuple of leaves that comes back gets its plan memoised; per case only the recommendations
(memoised per rule on the values their ``because`` reads, where that pays) and the ``Result`` are built.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from functools import reduce
from operator import or_
from typing import Any, NamedTuple

from engine.compile.guideline import CompiledGuideline, Leaf, RuleStatus
from engine.evaluate.assemble import BecauseFn, conflict_orders, conflicts
from engine.evaluate.because import rule_keys
from engine.evaluate.codegen import all_known_function
from engine.evaluate.result import (
    Conflict,
    Overridden,
    Recommendation,
    Result,
    new_lazy_because,
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

    rules: tuple[int, ...]                      # the rules whose recommendations appear
    picks: tuple[tuple[int, int], ...]          # (position in ``rules``, entry) per recommendation, in order
    overridden: tuple[Overridden, ...]
    conflicts: tuple[Conflict, ...]


FastPath = Callable[[Mapping[str, Any], str | None], Result | None]
"""``fast(facts, case_id)``: the result, or None when an input the diagrams read is missing."""


def build_fast(g: CompiledGuideline, because_of: list[BecauseFn]) -> FastPath:
    """Compile the generated source and wrap it with the memoised result assembly (``because_of``: the per-rule
    functions of :func:`engine.evaluate.because.because_functions`)."""
    fast, keys = all_known_function(g)
    leaves: list[Leaf] = [g.leaves[k] for k in keys]
    model = g.model
    wide = len(g.parts) != len(g.section_nodes)
    let_names = tuple(model.lets)
    memo: dict[tuple[int, ...], LeafPlan] = {}
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

    def plan(key: tuple[int, ...]) -> LeafPlan:
        """What a tuple of leaves (one per part) decides: the rules whose recommendations appear, which entry
        of which rule goes where, the overridden entries and the conflicts. Parts come in section order and
        each leaf lists its entries in result order, so the leaves' parts are concatenated; a wide section has
        one part per rule, whose entries are then put in result order."""
        active = list(chain(map(picks_of.__getitem__, key)))
        over_list = list(chain(map(over_of.__getitem__, key)))
        if wide:
            active.sort(key=lambda pick: order(*pick))
            where = list(chain(map(at_of.__getitem__, key)))
            over_list = [o for _, o in sorted(zip(where, over_list, strict=True), key=lambda w: order(*w[0]))]
        rules = tuple(dict.fromkeys([ri for ri, _ in active]))
        index = {ri: k for k, ri in enumerate(rules)}
        picks = tuple([(index[ri], ei) for ri, ei in active])
        clash = reduce(or_, map(pos_of.__getitem__, key), 0) & reduce(or_, map(neg_of.__getitem__, key), 0)
        conf = conflicts(model, list(chain(map(stand_of.__getitem__, key))), orders) if clash else ()
        return LeafPlan(rules, picks, tuple(over_list), conf)

    keys_of = rule_keys(model, numbers=False)
    made: dict[Any, tuple[Recommendation, ...]] = {}

    # per rule, the fields of each entry's recommendation but its ``because``, read from the model once
    fields = [tuple((e.action, e.strength, r.name, r.section, e.params, r.evidence_of(e), r.citations,
                     r.preference_of(e), r.footnotes, r.source, e.one_of) for e in r.entries) for r in model.rules]

    def build(ri: int, facts: Mapping[str, Any], lets: tuple[bool | None, ...]) -> tuple[Recommendation, ...]:
        b = new_lazy_because((because_of[ri], facts, lets))  # read later (``facts`` is run's own copy)
        return tuple([new_recommendation(a, s, n, sec, params, ev, cites, b, pref, notes, src, alts)
                      for a, s, n, sec, params, ev, cites, pref, notes, src, alts in fields[ri]])

    no_lets: tuple[tuple[str, bool | None], ...] = ()
    let_memo: dict[tuple[bool | None, ...], tuple[tuple[str, bool | None], ...]] = {}

    def objs_for(ri: int, facts: Mapping[str, Any], let_vals: tuple[bool | None, ...]) -> tuple[Recommendation, ...]:
        """A rule's recommendations for this case. They depend only on the values its condition reads (its
        ``because``), so they are memoised on those values, for rules that read no number (:func:`rule_keys`)."""
        key_of = keys_of[ri]
        if key_of is None:
            entries = fields[ri]
            if len(entries) == 1:  # build() written out for the one-entry rule
                a, s, n, sec, params, ev, cites, pref, notes, src, alts = entries[0]
                return (new_recommendation(a, s, n, sec, params, ev, cites,
                                           new_lazy_because((because_of[ri], facts, let_vals)), pref, notes, src,
                                           alts),)
            return build(ri, facts, let_vals)
        k = key_of(facts, let_vals)
        o = made.get(k)
        if o is None:
            o = build(ri, facts, let_vals)
            if len(made) >= MEMO_LIMIT:
                made.clear()
            made[k] = o
        return o

    def finish(case_id: str | None, recs: tuple[Recommendation, ...], over: tuple[Overridden, ...],
               conf: tuple[Conflict, ...], let_vals: tuple[bool | None, ...]) -> Result:
        if not let_names:
            return new_result(case_id, recs, over, (), conf, no_lets)
        lets = let_memo.get(let_vals)
        if lets is None:  # at most 2 ** len(lets) distinct tuples
            lets = let_memo[let_vals] = tuple(zip(let_names, let_vals, strict=True))
        return new_result(case_id, recs, over, (), conf, lets)

    def direct(key: tuple[int, ...], facts: Mapping[str, Any], let_vals: tuple[bool | None, ...],
               case_id: str | None) -> Result:
        """The result of a tuple of leaves seen for the first time, without building its plan: when the parts
        are whole sections (no wide section) their rules are disjoint and each leaf lists its entries in result
        order, so the recommendations are the leaves' picks in part order."""
        recs: list[Recommendation] = []
        append = recs.append
        here: dict[int, tuple[Recommendation, ...]] = {}
        own: dict[str, Any] | None = None
        for lid in key:
            for ri, ei in picks_of[lid]:
                o = here.get(ri)
                if o is None:
                    if own is None:
                        own = dict(facts)  # the lazy because lists read this copy
                    o = here[ri] = objs_for(ri, own, let_vals)
                append(o[ei])
        clash = reduce(or_, map(pos_of.__getitem__, key), 0) & reduce(or_, map(neg_of.__getitem__, key), 0)
        conf = conflicts(model, list(chain(map(stand_of.__getitem__, key))), orders) if clash else ()
        return finish(case_id, tuple(recs), tuple(chain(map(over_of.__getitem__, key))), conf, let_vals)

    seen: set[tuple[int, ...]] = set()

    def run(facts: Mapping[str, Any], case_id: str | None) -> Result | None:
        out = fast(facts)
        if out is None:
            return None
        key, let_vals = out
        p = memo.get(key)
        if p is None:
            if not wide and key not in seen:  # a plan pays off for tuples that come back: build it the 2nd time
                if len(seen) >= MEMO_LIMIT:
                    seen.clear()
                seen.add(key)
                return direct(key, facts, let_vals, case_id)
            p = plan(key)
            if len(memo) >= MEMO_LIMIT:
                memo.clear()
            memo[key] = p
        rules, picks = p.rules, p.picks
        if not rules:
            recs: tuple[Recommendation, ...] = ()
        else:
            own = dict(facts)  # the lazy because lists read this copy, whatever the caller does with its dict
            objs = [objs_for(ri, own, let_vals) for ri in rules]
            recs = tuple([objs[pos][ei] for pos, ei in picks])
        return finish(case_id, recs, p.overridden, p.conflicts, let_vals)

    return run


__all__ = ["FastPath", "LeafPart", "LeafPlan", "build_fast"]
