"""What a diagram's terminal means: :class:`LeafKey` decoded into a :class:`Leaf` (entries in result order,
covered actions, conflicts and gaps)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from engine.compile.guideline import Leaf, LeafEntry, LeafKey, RuleStatus
from engine.compile.units import status_units
from engine.core.model import Model


def action_order(model: Model) -> dict[str, int]:
    return {a: i for i, a in enumerate(model.actions)}


def leaf_decoder(model: Model, act_order: Mapping[str, int] | None = None) -> Callable[[LeafKey], Leaf]:
    """A function decoding terminals of ``model``'s section diagrams into :class:`Leaf` (``act_order``:
    :func:`action_order`). What every leaf needs per rule (strength ranks, actions, polarities) is read from the
    model once here, and equal :class:`LeafEntry` values are shared between leaves, so decoding stays linear in
    the number of entries."""
    order = action_order(model) if act_order is None else act_order
    rules = model.rules
    entry_info = [[(u.rule, ei, rules[u.rule].entries[ei].strength.rank, rules[u.rule].entries[ei].action,
                    rules[u.rule].entries[ei].strength.positive) for ei in u.entries]
                  for u in status_units(model).units]
    cover_action = [c.action for c in model.covers]
    act_key = {a: (order.get(a, len(order)), a) for a in {*cover_action, *(e[3] for es in entry_info for e in es)}}
    shared: dict[tuple[int, int, RuleStatus, tuple[int, ...]], LeafEntry] = {}

    def entry(ri: int, ei: int, status: RuleStatus, by: tuple[int, ...]) -> LeafEntry:
        k = (ri, ei, status, by)
        le = shared.get(k)
        if le is None:
            le = shared[k] = LeafEntry(ri, ei, status, by)
        return le

    def sort_actions(names: set[str]) -> tuple[str, ...]:
        return tuple(sorted(names, key=act_key.__getitem__))

    def decode(key: LeafKey) -> Leaf:
        impossible, statuses, covers, gaps, inside = key
        rows: list[tuple[int, int, int, RuleStatus, tuple[int, ...]]] = []
        pos: set[str] = set()
        neg: set[str] = set()
        for u, status, by in statuses:
            for ri, ei, rank, action, positive in entry_info[u]:
                rows.append((rank, ri, ei, status, by))
                if status is RuleStatus.ACTIVE:
                    (pos if positive else neg).add(action)
        rows.sort(key=lambda row: row[:3])
        return Leaf(impossible, tuple([entry(ri, ei, status, by) for _, ri, ei, status, by in rows]),
                    sort_actions({cover_action[ci] for ci in covers}), sort_actions(pos & neg),
                    sort_actions({cover_action[ci] for ci in gaps}), inside)

    return decode
