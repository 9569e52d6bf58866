"""The all-known path: the generated per-rule code (engine/evaluate/rulecode.py) wrapped with the result assembly.

Everything that depends only on which entries are active is prepared once per entry: the fields of its
Recommendation but ``because`` (:func:`engine.evaluate.fast.entry_fields`), which the generated code appends as
constants, and whether it may conflict (the code says when such an entry is active). Per case only what differs
between cases is built: one Recommendation per active entry, all sharing one lazy ``because`` (``(functions, facts,
lets)``, made in C; engine/evaluate/lazy.py), and the ``Result``; an overridden entry's record is shared by the
cases whose same overriders apply. Nothing is keyed on the tuple of a case's leaves: on a guideline of a thousand
rules nearly every case's combination is new.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from itertools import repeat
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
    Recommendation,
    Result,
    new_case_because,
    new_entry,
    new_lazy_derived,
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
    model = g.model
    fields = [entry_fields(model.rules[e.rule], model.rules[e.rule].entries[e.entry]) for e in order]
    rules_ = rules_function(src, g.model.file, {f"F{k}": f for k, f in enumerate(fields)})
    units = status_units(model).units
    written = [model.rules[e.rule].entries[e.entry] for e in order]
    overriders = [tuple(model.rules[o].name for o in units[e.unit].over) for e in order]
    orders = conflict_orders(model)
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

    def clashes(entries: list[tuple[Any, ...]], recs: tuple[Recommendation, ...]) -> tuple[Conflict, ...]:
        """The conflicts of a case in which an entry against a recommended action is active, computed once per set
        of active entries (their field tuples are the generated code's constants: their ids name them). The
        conflict computation reads a recommendation's action, strength and rule only, never its ``because``."""
        key = tuple(map(id, entries))
        found = clash_memo.get(key)
        if found is None:
            if len(clash_memo) >= MEMO_LIMIT:
                clash_memo.clear()
            found = clash_memo[key] = conflicts(model, recs, orders)
        return found

    def run(facts: Mapping[str, Any], case_id: str | None) -> Result | None:
        out = rules_(facts)
        if out is None:
            return None
        entries, over, clash, let_vals = out
        if entries:  # one lazy because for the case, read by its rule (the copy: the caller may change its dict)
            lazy = new_case_because((because_by_rule, dict(facts), let_vals))
            recs = tuple(map(new_entry, entries, repeat(lazy)))
        else:
            recs = ()
        if not let_names:
            lets = no_lets
        else:
            lets = let_memo.get(let_vals)  # type: ignore[assignment]
            if lets is None:  # at most 3 ** len(lets) distinct tuples
                lets = let_memo[let_vals] = tuple(zip(let_names, let_vals, strict=True))
        return new_result(case_id, recs, overridden(over) if over else (), (), clashes(entries, recs) if clash else (),
                          lets, new_derived((derive, facts)))

    return run


__all__ = ["build_rule_fast"]
