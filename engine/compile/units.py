"""Which rules set aside which entries: the static half of the override semantics (docs/language.md, "Exceptions").

Whether an entry is set aside for a patient depends only on which rules *apply* to the patient (Catala-style default
logic), so it is a fixed disjunction per entry: :func:`overriders` per rule, :func:`status_units` per entry.
"""

from __future__ import annotations

from typing import NamedTuple

from engine.compile.guideline import Unit
from engine.core.model import Model


def overriders(model: Model) -> dict[int, tuple[int, ...]]:
    """Rule index -> indices of the rules that override it directly or transitively (rule order)."""
    index = {r.name: i for i, r in enumerate(model.rules)}
    direct: dict[int, set[int]] = {i: set() for i in range(len(model.rules))}
    for i, r in enumerate(model.rules):
        for target in r.overrides:
            if target in index:
                direct[index[target]].add(i)
    out: dict[int, tuple[int, ...]] = {}
    for i in direct:
        seen: set[int] = set()
        stack = list(direct[i])
        while stack:
            o = stack.pop()
            if o not in seen and o != i:
                seen.add(o)
                stack.extend(direct[o])
        out[i] = tuple(sorted(seen))
    return out


class Units(NamedTuple):
    """The status units of a model (:func:`status_units`)."""

    units: tuple[Unit, ...]
    of_rule: tuple[tuple[int, ...], ...]
    """Per rule, its units that have entries (its own first)."""
    of_entry: dict[tuple[int, int], int]
    """(rule, entry) -> its unit."""


_UNITS: list[tuple[Model, Units]] = []


def status_units(model: Model) -> Units:
    """Group each rule's entries by the set of rules whose applying sets them aside (docs/language.md,
    "Exceptions"): the rule's own overriders (direct or chained), plus for one entry the rules that override it by
    name (``overrides rule.action``) and the rules with a prevailing prohibition on its action (for a positive
    entry of a rule that does not override them), each with their own overriders. Unit ``i`` is rule ``i`` with
    its entries that have no such extra overrider; each other group is a unit numbered after the rules. A model
    with no action-level exception has exactly one unit per rule, so everything is per rule as before."""
    for seen, found in _UNITS:
        if seen is model:
            return found
    over = overriders(model)
    index = {r.name: i for i, r in enumerate(model.rules)}
    named: dict[tuple[int, str], set[int]] = {}
    prevailing: dict[str, list[int]] = {}
    for i, r in enumerate(model.rules):
        for target, action in r.sets_aside:
            if target in index:
                named.setdefault((index[target], action), set()).add(i)
        for e in r.entries:
            if e.prevails and not e.strength.positive:
                prevailing.setdefault(e.action, []).append(i)
    units = [Unit(ri, (), over[ri]) for ri in range(len(model.rules))]
    own: list[list[int]] = [[] for _ in model.rules]
    extra: dict[tuple[int, tuple[int, ...]], list[int]] = {}
    for ri, r in enumerate(model.rules):
        for ei, e in enumerate(r.entries):
            by = set(over[ri])
            for o in named.get((ri, e.action), ()):
                by.add(o)
                by.update(over[o])
            if e.strength.positive:
                for n in prevailing.get(e.action, ()):
                    if n != ri and ri not in over[n]:
                        by.add(n)
                        by.update(over[n])
            by.discard(ri)
            key = tuple(sorted(by))
            if key == over[ri]:
                own[ri].append(ei)
            else:
                extra.setdefault((ri, key), []).append(ei)
    of_entry: dict[tuple[int, int], int] = {}
    of_rule: list[list[int]] = [[] for _ in model.rules]
    for ri in range(len(model.rules)):
        units[ri] = Unit(ri, tuple(own[ri]), over[ri])
        if own[ri]:
            of_rule[ri].append(ri)
        of_entry.update({(ri, ei): ri for ei in own[ri]})
    for (ri, key), eis in extra.items():
        u = len(units)
        units.append(Unit(ri, tuple(eis), key))
        of_rule[ri].append(u)
        of_entry.update({(ri, ei): u for ei in eis})
    out = Units(tuple(units), tuple(tuple(x) for x in of_rule), of_entry)
    _UNITS.append((model, out))
    del _UNITS[:-8]
    return out
