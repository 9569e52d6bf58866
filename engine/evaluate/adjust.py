"""Adjustments at run time: ``adjust ACTION(PARAM: VALUE, ...)`` changes the parameters of a positive verdict
without changing its strength (docs/language.md, "Adjustments").

Which adjustments are in force for a patient is read from the compiled ``adjust_nodes`` (one boolean diagram per
adjustment: its rule applies and no rule that overrides it applies) the way covers' gaps are
(:func:`reach`): *in force* when true on every branch of the unknown inputs that the
assumptions allow, *pending* when the branches disagree (with the inputs whose branches do), else not. So an
adjustment is decided exactly as a rule's entries are, overrides and assumptions included.

:func:`adjust_verdicts` then applies them to the verdicts: a positive verdict (not a conflict) takes the values of
the adjustments in force on its action, parameter by parameter; two adjustments in force that give one parameter
different values leave it out and list it in the verdict's ``clashes`` (``check`` reports them as W214). A
negative verdict, a conflict, or an action no rule gives is not adjusted (there is nothing to adjust). Every
verdict of a guideline with adjustments carries ``adjusted`` (in force and pending), so the reader sees which
values come from an exception and which ones the missing data could still change.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from engine.core.model import Adjustment, Model, ParamValue
from engine.core.walk import inputs_read
from engine.evaluate.result import params_to_json

if TYPE_CHECKING:
    from engine.compile.guideline import CompiledGuideline
    from engine.compile.mdd import MDD
    from engine.core.model import FactValue
    from engine.evaluate.result import Verdict


@dataclass(frozen=True, slots=True)
class Adjusted:
    """An adjustment of a verdict's action for this patient: ``rule``'s values of ``params``; ``needs`` is empty
    when it is in force, else the inputs that decide whether it is (it is pending)."""

    rule: str
    params: tuple[tuple[str, ParamValue], ...]
    needs: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "params": params_to_json(self.params), "in_force": not self.needs,
                "needs": list(self.needs)}


def reach(m: MDD, branch: Sequence[int | None], n: int, memo: dict[int, frozenset[bool]],
           needs: set[int]) -> frozenset[bool]:
    """The values (True, False) a case may reach below ``n`` in a boolean diagram (a cover's gap, an adjustment in
    force; None terminals, which the assumptions rule out, are dropped), adding to ``needs`` the unknown levels
    whose branches disagree."""
    found = memo.get(n)
    if found is not None:
        return found
    if m.is_terminal(n):
        v = m.value(n)
        found = frozenset() if v is None else frozenset((bool(v),))
    else:
        level = m.level(n)
        b = branch[level]
        if b is None:
            kids = [reach(m, branch, c, memo, needs) for c in m.children(n)]
            found = frozenset().union(*kids)
            if len(found) == 2 and any(k and k != found for k in kids):
                needs.add(level)
        else:
            found = reach(m, branch, m.children(n)[b], memo, needs)
    memo[n] = found
    return found


def adjust_states(g: CompiledGuideline, facts: Mapping[str, FactValue]) -> list[tuple[int, Adjusted, str]]:
    """The adjustments in force or pending for ``facts``: (index in ``model.adjustments``, what it gives, its
    action), in the model's order."""
    from engine.evaluate.walk import branches

    branch = branches(g, {k: v for k, v in facts.items() if v is not None})
    memo: dict[int, frozenset[bool]] = {}
    seen = [reach(g.mdd, branch, root, memo, set()) for root in g.adjust_nodes]
    return states_of(g.model, seen, facts)


def states_of(model: Model, seen: Sequence[frozenset[bool] | set[bool]],
              facts: Mapping[str, FactValue]) -> list[tuple[int, Adjusted, str]]:
    """What :func:`adjust_states` returns, from the truth values each adjustment's "its rule is active" takes
    over the patients the case may be (``seen``, per ``model.adjustments``): in force when only true, pending when
    both. A pending adjustment needs the inputs missing from ``facts`` that its rule's condition, or the
    condition of a rule that overrides it, reads (the same list for every engine: the graph walk and the
    graph-free reference decide the states independently, and agree on what to ask for)."""
    from engine.compile.units import overriders

    over: dict[int, tuple[int, ...]] | None = None
    out: list[tuple[int, Adjusted, str]] = []
    for k, ((ri, a), values) in enumerate(zip(model.adjustments, seen, strict=True)):
        if True not in values:
            continue
        needs: tuple[str, ...] = ()
        if False in values:
            over = overriders(model) if over is None else over
            read: dict[str, None] = {}
            for r in (ri, *over[ri]):
                read.update(dict.fromkeys(inputs_read(model.rules[r].condition, model.lets)))
            missing = set(model.reads_of(list(read))) - {n for n, v in facts.items() if v is not None}
            needs = tuple(n for n in model.inputs if n in missing)
        out.append((k, Adjusted(model.rules[ri].name, a.params, needs), a.action))
    return out


def adjust_verdicts(model: Model, actions: tuple[Verdict, ...],
                    states: Sequence[tuple[int, Adjusted, str]]) -> tuple[Verdict, ...]:
    """``actions`` with the adjustments of ``states`` applied (see the module docstring); unchanged (and without
    an ``adjusted`` key) for a guideline with no adjustment."""
    if not model.adjustments:
        return actions
    by_action: dict[str, list[Adjusted]] = {}
    for _, adj, action in states:
        by_action.setdefault(action, []).append(adj)
    out: list[Verdict] = []
    for v in actions:
        mine = by_action.get(v.action, []) if v.strength is not None and v.strength.positive else []
        if not mine:
            out.append(dataclasses.replace(v, adjusted=()))
            continue
        values: dict[str, dict[ParamValue, None]] = {}
        for adj in mine:
            if not adj.needs:
                for name, value in adj.params:
                    values.setdefault(name, {})[value] = None
        params = dict(v.params)
        clashes = list(v.clashes)
        for name, given in values.items():
            if len(given) == 1:
                params[name] = next(iter(given))
                if name in clashes:
                    clashes.remove(name)
            else:
                params.pop(name, None)
                if name not in clashes:
                    clashes.append(name)
        out.append(dataclasses.replace(v, params=tuple(params.items()), clashes=tuple(clashes), adjusted=tuple(mine)))
    return tuple(out)


__all__ = ["Adjusted", "Adjustment", "adjust_states", "adjust_verdicts", "reach", "states_of"]
