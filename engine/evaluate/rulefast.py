"""The all-known path: the generated per-rule code (engine/evaluate/rulecode.py) wrapped with the result assembly.

Everything that depends only on which entries are active is prepared once per entry: the fields of its
Recommendation but ``because`` (:func:`engine.evaluate.fast.entry_fields`), its stand-in for the conflict
computation, the bit of its action. Per case only what differs between cases is built: one Recommendation per
active entry, all sharing one lazy ``because`` (``(functions, facts, lets)``, made in C; engine/evaluate/lazy.py),
and the ``Result``; an overridden entry's record is shared by the cases whose same overriders apply. Nothing is
keyed on the tuple of a case's leaves: on a guideline of a thousand rules nearly every case's combination is new.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import reduce
from itertools import repeat
from operator import or_
from typing import Any

from engine.compile.guideline import CompiledGuideline
from engine.compile.units import status_units
from engine.evaluate.assemble import BecauseFn, conflict_orders, conflicts
from engine.evaluate.codegen import rules_function
from engine.evaluate.fast import MEMO_LIMIT, FastPath, entry_fields
from engine.evaluate.result import (
    Conflict,
    Derived,
    Overridden,
    Result,
    new_case_because,
    new_entry,
    new_lazy_derived,
    new_recommendation,
    new_result,
)
from engine.evaluate.rulecode import generate_rules


def build_rule_fast(g: CompiledGuideline, because_of: list[BecauseFn],
                    derive: Callable[[Result, Mapping[str, Any]], Derived]) -> FastPath:
    """Generate and compile the per-rule code of ``g`` and wrap it: ``fast(facts, case_id)`` is the Result, or
    None when an input is missing (``because_of``: the per-rule functions of
    :func:`engine.evaluate.because.because_functions`; ``derive``: what derives a result's verdicts, attached
    lazily, :class:`~engine.evaluate.result.LazyDerived`)."""
    src, order = generate_rules(g)
    rules_ = rules_function(src, g.model.file)
    model = g.model
    units = status_units(model).units
    fields = [entry_fields(model.rules[e.rule], model.rules[e.rule].entries[e.entry]) for e in order]
    written = [model.rules[e.rule].entries[e.entry] for e in order]
    action_bit: dict[str, int] = {}
    for w in written:  # every action a bit (an undeclared one too), so the test in ``clashes`` is exact
        action_bit.setdefault(w.action, 1 << len(action_bit))
    pos_of = [action_bit[w.action] if w.strength.positive else 0 for w in written]
    neg_of = [0 if w.strength.positive else action_bit[w.action] for w in written]
    stand_in = [new_recommendation(w.action, w.strength, model.rules[e.rule].name, model.rules[e.rule].section, (),
                                   None, (), (), None, (), None, ()) for e, w in zip(order, written, strict=True)]
    overriders = [tuple(model.rules[o].name for o in units[e.unit].over) for e in order]
    orders = conflict_orders(model)
    recommended = {w.action for w in written if w.strength.positive}
    clashing = frozenset(k for k, w in enumerate(written) if not w.strength.positive and w.action in recommended)
    any_negative = bool(clashing)
    because_by_rule = {r.name: because_of[ri] for ri, r in enumerate(model.rules)}
    let_names = tuple(model.lets)
    no_lets: tuple[tuple[str, bool | None], ...] = ()
    let_memo: dict[tuple[bool | None, ...], tuple[tuple[str, bool | None], ...]] = {}
    over_memo: dict[tuple[int, tuple[bool, ...]], Overridden] = {}
    clash_memo: dict[tuple[int, ...], tuple[Conflict, ...]] = {}
    new_derived = new_lazy_derived

    def overridden(over: list[tuple[int, tuple[bool, ...]]]) -> tuple[Overridden, ...]:
        """The records of the overridden entries ``(k, flags)``: entry ``k`` set aside by those of its unit's
        overriders whose flag is set; looked up in C, each made once."""
        try:
            return tuple(map(over_memo.__getitem__, over))
        except KeyError:
            if len(over_memo) >= MEMO_LIMIT:
                over_memo.clear()
            for item in over:
                k, flags = item
                by = tuple(name for name, on in zip(overriders[k], flags, strict=True) if on)
                over_memo[item] = Overridden(written[k].action, written[k].strength, model.rules[order[k].rule].name,
                                             by)
            return tuple(map(over_memo.__getitem__, over))

    def clashes(ids: list[int]) -> tuple[Conflict, ...]:
        """Conflicts: none unless an action is recommended both for and against (the actions' bits, or-ed in C);
        else computed once per set of active entries (cases with a conflict tend to repeat it)."""
        if clashing.isdisjoint(ids):  # no active entry against an action some entry recommends: the usual case
            return ()
        neg = reduce(or_, map(neg_of.__getitem__, ids), 0)
        if not neg or not neg & reduce(or_, map(pos_of.__getitem__, ids), 0):
            return ()
        key = tuple(ids)
        found = clash_memo.get(key)
        if found is None:
            if len(clash_memo) >= MEMO_LIMIT:
                clash_memo.clear()
            found = clash_memo[key] = conflicts(model, list(map(stand_in.__getitem__, ids)), orders)
        return found

    def run(facts: Mapping[str, Any], case_id: str | None) -> Result | None:
        out = rules_(facts)
        if out is None:
            return None
        ids, over, let_vals = out
        if ids:  # one lazy because for the case, read by its rule (the copy: the caller may change its dict)
            lazy = new_case_because((because_by_rule, dict(facts), let_vals))
            recs = tuple(map(new_entry, map(fields.__getitem__, ids), repeat(lazy, len(ids))))
        else:
            recs = ()
        if not let_names:
            lets = no_lets
        else:
            lets = let_memo.get(let_vals)  # type: ignore[assignment]
            if lets is None:  # at most 3 ** len(lets) distinct tuples
                lets = let_memo[let_vals] = tuple(zip(let_names, let_vals, strict=True))
        return new_result(case_id, recs, overridden(over) if over else (), (),
                          clashes(ids) if any_negative else (), lets, new_derived((derive, facts)))

    return run


__all__ = ["build_rule_fast"]
