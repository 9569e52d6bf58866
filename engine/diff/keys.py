"""What the diff compares per action and patient: the action's *verdict key*, and how two keys differ.

A patient's verdict on an action is read from the entries on that action that the evaluator lists as
recommendations (decided active: the rule applies and is not set aside, whatever the omitted inputs are):

- none: no verdict;
- both polarities: a conflict (with every parameter given);
- otherwise the strongest strength, and each parameter's values (one value; two or more is a clash); a positive
  verdict takes the values of the adjustments in force on the action (``adjust``), as in the evaluator.

The key also holds the strengths of the *pending* entries on the action: rules active for some values of the
omitted inputs but not for all (what ``evaluate`` lists as ``Pending``). Which rules give the verdict is not part of
the key: renaming, reordering or splitting rules changes no verdict. Keys are plain hashable tuples, the terminals of
the diff's decision diagrams; :func:`key_of_result` reads the same key from an evaluation result (cohorts, tests).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from engine.core.model import ParamValue, Strength
from engine.core.vocabulary import Vocabulary

if TYPE_CHECKING:
    from engine.evaluate.result import Result

Params = tuple[tuple[str, tuple[ParamValue, ...]], ...]
Summary = tuple[str, Params]  # (strength value, or "conflict"; parameters)
Key = tuple[Summary | None, tuple[str, ...]]  # (the verdict; the pending strengths, sorted)
EntryLike = tuple[Strength, tuple[tuple[str, ParamValue], ...]]

NOTHING: Key = (None, ())

CONFLICT = "conflict"


def key_of(active: Iterable[EntryLike], pending: Iterable[Strength] = (),
           adjusted: Iterable[tuple[tuple[str, ParamValue], ...]] = ()) -> Key:
    """The key of an action for a patient whose decided-active entries on it are ``active`` and whose pending
    entries on it have strengths ``pending``; ``adjusted`` are the parameters of the adjustments on the action in
    force for the patient (``adjust ACTION(...)``). As in the evaluator (engine/evaluate/adjust.py), they replace
    the parameters of a positive verdict (two different values of one parameter are a clash), and change nothing
    else: without them a changed dose adjustment would be "no change" although every patient it is in force for
    gets another dose. Pending adjustments are not part of the key."""
    entries = list(active)
    summary: Summary | None = None
    if entries:
        polarities = {s.positive for s, _ in entries}
        values: dict[str, set[ParamValue]] = {}
        for _, params in entries:
            for name, value in params:
                values.setdefault(name, set()).add(value)
        if len(polarities) == 2:
            summary = (CONFLICT, _merged(values))
        else:
            strongest = min((s for s, _ in entries), key=lambda s: s.rank)
            if strongest.positive:
                given: dict[str, set[ParamValue]] = {}
                for params in adjusted:
                    for name, value in params:
                        given.setdefault(name, set()).add(value)
                values.update(given)
            summary = (strongest.value, _merged(values))
    return summary, tuple(sorted({s.value for s in pending}))


def _merged(values: dict[str, set[ParamValue]]) -> Params:
    return tuple((name, tuple(sorted(vs, key=repr))) for name, vs in sorted(values.items()))


def key_of_result(result: Result, action: str) -> Key:
    """The key of ``action`` in an evaluation result (pending entries of every omitted input)."""
    return key_of([(r.strength, r.params) for r in result.recommendations if r.action == action],
                  [p.strength for p in result.pending if p.action == action],
                  [adj.params for v in result.actions if v.action == action
                   for adj in v.adjusted or () if not adj.needs])


def keys_of_result(result: Result) -> dict[str, Key]:
    """Every action's key that is not :data:`NOTHING`."""
    actions = dict.fromkeys([r.action for r in result.recommendations] + [p.action for p in result.pending])
    return {a: key_of_result(result, a) for a in actions}


# ---------------------------------------------------------------------------------------------------------------
# How two keys differ


KINDS = ("appeared", "disappeared", "stronger", "weaker", "polarity flipped", "conflict appeared",
         "conflict resolved", "parameters changed", "pending added", "pending removed", "pending changed")
"""Change kinds, in the order a report lists them."""


def _rank(strength: str) -> int:
    return Strength(strength).rank


def _positive(strength: str) -> bool:
    return Strength(strength).positive


def change_kind(old: Key, new: Key) -> str:
    """The kind of change from ``old`` to ``new`` (two different keys)."""
    (a, pa), (b, pb) = old, new
    if a != b:
        if a is None:
            return "appeared"
        if b is None:
            return "disappeared"
        if b[0] == CONFLICT and a[0] != CONFLICT:
            return "conflict appeared"
        if a[0] == CONFLICT and b[0] != CONFLICT:
            return "conflict resolved"
        if a[0] == b[0]:
            return "parameters changed"
        if _positive(a[0]) != _positive(b[0]):
            return "polarity flipped"
        return "stronger" if _rank(b[0]) < _rank(a[0]) else "weaker"
    if not pa:
        return "pending added"
    return "pending removed" if not pb else "pending changed"


def pattern_of(kind: str, action_in_old: bool, action_in_new: bool, replaces: bool) -> str:
    """The guideline-evolution pattern of a change (the taxonomy of "Characterizing the dimensions of clinical
    practice guideline evolution", applied to a region of patients instead of a rule pair): ``action_in_old`` /
    ``action_in_new``: some rule of that version speaks about the action; ``replaces``: on every patient of the
    region some other action changes the other way (one action plan replaced by another)."""
    if kind == "parameters changed":
        return "action plan refinement"
    if kind in ("stronger", "weaker", "polarity flipped", "conflict appeared", "conflict resolved"):
        return "recommendation refinement"
    if kind == "appeared" and not action_in_old:
        return "new practice"
    if kind == "disappeared" and not action_in_new:
        return "unmatched"
    if kind in ("appeared", "disappeared") and replaces:
        return "new action plan"
    return "condition refinement"


def params_text(params: Params, words: Vocabulary | None = None, action: str = "") -> str:
    """``dose 66 Gy``; with ``words``, values in the guideline's words (``dose 400 mg/day``)."""
    def shown(name: str, v: ParamValue) -> str:
        return words.param(action, name, v) if words is not None else str(v)
    return ", ".join(f"{name} {' / '.join(shown(name, v) for v in vs)}" + (" (clash)" if len(vs) > 1 else "")
                     for name, vs in params)


def key_text(key: Key, words: Vocabulary | None = None, action: str = "") -> str:
    """``recommend (dose 66 Gy)``, ``conflict``, ``no verdict``; ``, pending: consider`` when some entries wait on
    omitted inputs."""
    summary, pending = key
    if summary is None:
        text = "no verdict"
    else:
        text = summary[0].replace("_", " ")
        if summary[1]:
            text += f" ({params_text(summary[1], words, action)})"
    if pending:
        text += f", pending: {', '.join(p.replace('_', ' ') for p in pending)}"
    return text
