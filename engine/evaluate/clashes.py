"""Clashes: one action given by two rules with different values of one parameter (moved out of result.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from engine.core.model import ParamValue

if TYPE_CHECKING:
    from engine.evaluate.result import Recommendation


@dataclass(frozen=True, slots=True)
class Clash:
    """One parameter of an action given different values by rules of the same polarity that both apply to the
    patient (what ``check`` reports as W206, for this patient): ``given`` is ``((rule, value), ...)``."""

    action: str
    param: str
    given: tuple[tuple[str, ParamValue], ...]

    def to_dict(self) -> dict[str, Any]:
        return {"action": self.action, "param": self.param, "values": [v.to_json() for _, v in self.given],
                "rules": [r for r, _ in self.given]}


def find_clashes(recs: tuple[Recommendation, ...]) -> tuple[Clash, ...]:
    """The clashes among ``recs`` (in order of first appearance)."""
    if len(recs) < 2:
        return ()
    with_params: set[str] = set()
    for rec in recs:  # most patients have no action with parameters from two rules: find out cheaply
        if rec.params:
            if rec.action in with_params:
                break
            with_params.add(rec.action)
    else:
        return ()
    by_param: dict[tuple[str, bool, str], list[tuple[str, ParamValue]]] = {}
    for rec in recs:
        for name, value in rec.params:
            by_param.setdefault((rec.action, rec.strength.positive, name), []).append((rec.rule, value))
    return tuple(Clash(action, name, tuple(given)) for (action, _, name), given in by_param.items()
                 if len(given) > 1 and any(v != given[0][1] for _, v in given[1:]))
