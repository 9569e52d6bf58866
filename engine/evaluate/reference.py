"""A reference evaluator that reads the rules directly, with no decision graph: the oracle of the differential test.

It evaluates every condition on concrete values. Unknown inputs are enumerated over candidate values of their own:
each threshold the rules use, points between and beyond the thresholds, and the ends of the declared range (for
integers, the integers next to each threshold). That set meets every cell of the compiler's partition, so the
answers must agree with the graph's, without sharing its partition code. It is exponential in the number of
unknown inputs: for tests only.

Derived values (classifications, scores, formulas, relations, set members) are added to each completion by
:func:`engine.core.derive.deriver` before the conditions read them. A relation or formula cuts the number cells
diagonally, so thresholds are not enough there: an integer input that a relation or formula reads is enumerated
over its whole declared range when that is small (at most :data:`WHOLE_RANGE` values; the random guidelines of the
tests keep it so), and a set input over every subset. A classification the completion leaves without a value is
read as the checks read it: the value of the first branch that holds (exclusive branches that overlap), and where
none holds and there is no ``otherwise``, every value (an unclassified patient).

Conditions mean what :mod:`engine.core.semantics` says (on a full assignment, where they are always decided).
Pending is that of engine/evaluate/walk.py, stated over assignments instead of paths: for an unknown input ``x``
(inputs in declaration order) a rule needs ``x`` when, for some possible assignment of the unknown inputs declared
before ``x``, the sets of outcomes (active or not) over the possible completions differ between values of ``x``.
A cover is *not addressed* when, in every possible completion, its condition holds and no active rule has an
entry for its action (engine/evaluate/verdicts.py reads the same from the compiled cover diagrams).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping

from engine.compile.compiler import overriders
from engine.compile.guideline import RuleStatus
from engine.compile.units import status_units
from engine.compile.variables import all_conditions
from engine.core.derive import deriver
from engine.core.model import EnumValue, Input, Model, NumTest
from engine.core.semantics import Kleene, kleene
from engine.core.walk import iter_atoms
from engine.evaluate.adjust import adjust_verdicts, states_of
from engine.evaluate.assemble import Outcome, assemble
from engine.evaluate.result import Derived, FactValue, NotAddressed, Result
from engine.evaluate.verdicts import never_together, verdicts


def _two_valued(check: Kleene) -> Callable[[Mapping[str, FactValue], Mapping[str, FactValue]], bool]:
    """The truth of a condition for a full assignment ``values`` (every input it reads has a value); ``given``,
    the case's own facts, decides ``is known``. The three-valued semantics is then always decided."""
    def holds(values: Mapping[str, FactValue], given: Mapping[str, FactValue]) -> bool:
        v = check(values, given)
        assert v is not None, "a full assignment decides every condition"
        return v
    return holds


WHOLE_RANGE = 64
"""An integer input read by a relation or a formula with at most this many values is enumerated over all of them."""


def candidates(inp: Input, thresholds: set[float], whole: bool = False) -> list[FactValue]:
    """Values of ``inp`` that meet every cell cut by ``thresholds`` (``whole``: every integer of a small declared
    range; a set input: every subset, as the tuple of its members in declared order)."""
    if inp.kind == "set":
        return [tuple(c) for k in range(len(inp.values) + 1)  # type: ignore[misc]
                for c in itertools.combinations(inp.values, k)]
    if not inp.numeric:
        return list(inp.domain)
    if whole and inp.kind == "integer" and not math.isinf(inp.low) and not math.isinf(inp.high) \
            and inp.high - inp.low < WHOLE_RANGE:
        return [float(x) for x in range(math.ceil(inp.low), math.floor(inp.high) + 1)]
    lo, hi = inp.low, inp.high
    pts = sorted({t for t in thresholds if lo <= t <= hi} | {p for p in (lo, hi) if not math.isinf(p)})
    if not pts:
        pts = [0.0]
    vals = set(pts)
    vals |= {(a + b) / 2 for a, b in itertools.pairwise(pts)}
    vals |= {pts[0] - 1.0, pts[-1] + 1.0}
    if inp.kind == "integer":
        vals = {float(f(v) + d) for v in vals for f in (math.floor, math.ceil) for d in (-1, 0, 1)}
    return sorted(v for v in vals if lo <= v <= hi)


def _thresholds(model: Model) -> dict[str, set[float]]:
    out: dict[str, set[float]] = {}
    for cond in all_conditions(model):
        for a in iter_atoms(cond, model):
            if isinstance(a, NumTest):
                out.setdefault(a.input, set()).update(b for b in (a.interval.low, a.interval.high) if b is not None)
    return out


def _completions(model: Model, derive: Callable[[Mapping[str, object]], Mapping[str, object]],
                 values: Mapping[str, FactValue]) -> list[dict[str, FactValue]]:
    """``values`` (every input read given) with their derived values: one completion, or one per value of each
    classification no branch decides (see the module's docstring)."""
    out: list[dict[str, FactValue]] = [dict(derive(values))]  # type: ignore[arg-type]
    for d in model.derived.values():
        if d.how != "classification" or any(n not in values for n in d.reads):
            continue
        done: list[dict[str, FactValue]] = []
        for w in out:
            if d.name in w:
                done.append(w)
                continue
            check = {c: kleene(c, model) for c, _ in d.branches}
            first = next((v for c, v in d.branches if check[c](w, values)), None)
            choices = [first] if first is not None else [d.otherwise] if d.otherwise is not None else list(d.values)
            for v in choices:  # later derived values may read this one: derive them again
                done.append(dict(derive({**w, d.name: v})))  # type: ignore[arg-type]
        out = done
    return out


def evaluate_direct(model: Model, facts: Mapping[str, FactValue], case_id: str | None = None) -> Result:
    read_atoms = {a.input for cond in all_conditions(model) for a in iter_atoms(cond, model)}
    read = set(model.reads_of(sorted(read_atoms)))
    unknown = [n for n in model.inputs if n in read and n not in facts]
    th = _thresholds(model)
    diagonal = {n for d in model.derived.values() if d.how in ("relation", "formula") for n in d.reads}
    domains: list[list[FactValue | EnumValue]] = [candidates(model.inputs[n], th.get(n, set()), n in diagonal)
                                                  for n in unknown]
    derive = deriver(model)
    over = overriders(model)
    rules = model.rules
    entries = [(ri, ei) for ri, r in enumerate(rules) for ei in range(len(r.entries))]
    entry_over = [_entry_overriders(model, over, ri, ei) for ri, ei in entries]
    assumptions = [_two_valued(kleene(a.expr, model)) for a in model.assumptions]
    conditions = [_two_valued(kleene(r.condition, model)) for r in rules]
    covers = [_two_valued(kleene(c.condition, model)) for c in model.covers]
    together = [_two_valued(kleene(t.condition, model)) for t in model.together]
    together_seen: list[set[bool]] = [set() for _ in model.together]
    adjust_seen: list[set[bool]] = [set() for _ in model.adjustments]
    gaps: list[set[bool]] = [set() for _ in model.covers]
    lets = {n: _two_valued(kleene(let.expr, model)) for n, let in model.lets.items()}
    worlds: list[tuple[tuple[FactValue | EnumValue, ...], dict[int, tuple[str, tuple[int, ...]]]]] = []
    let_seen: dict[str, set[bool]] = {n: set() for n in model.lets}
    for combo, values in ((c, v) for c in itertools.product(*domains) for v in _completions(
            model, derive, {**facts, **dict(zip(unknown, c, strict=True))})):
        if not all(holds(values, facts) for holds in assumptions):
            continue
        applies = [holds(values, facts) for holds in conditions]
        status: dict[int, tuple[str, tuple[int, ...]]] = {}
        for k, (ri, _) in enumerate(entries):
            if applies[ri]:
                by = tuple(o for o in entry_over[k] if applies[o])
                status[k] = ("overridden", by) if by else ("active", ())
        worlds.append((combo, status))
        answered = {rules[entries[k][0]].entries[entries[k][1]].action for k, (kind, _) in status.items()
                    if kind == "active"}
        for ci, holds in enumerate(covers):
            gaps[ci].add(holds(values, facts) and model.covers[ci].action not in answered)
        for n, holds in lets.items():
            let_seen[n].add(holds(values, facts))
        for ti, holds in enumerate(together):
            together_seen[ti].add(holds(values, facts))
        for k, (ri, _) in enumerate(model.adjustments):  # in force: its rule applies, no overrider of it does
            adjust_seen[k].add(applies[ri] and not any(applies[o] for o in over[ri]))
    for p, name in enumerate(unknown):
        worlds = _merge_unknowable(p, name, worlds, facts, domains[p], unknown, assumptions,
                                   lambda values: _completions(model, derive, values))
    per_entry: dict[int, Outcome] = {}
    if worlds:
        for k in range(len(entries)):
            sts = [w[1].get(k) for w in worlds]
            n_active = sum(1 for s in sts if s is not None and s[0] == "active")
            if n_active == len(sts):
                per_entry[k] = Outcome(RuleStatus.ACTIVE)
            elif n_active:
                per_entry[k] = Outcome(RuleStatus.PENDING, (), _needs(k, unknown, worlds))
            elif all(s is not None for s in sts):
                per_entry[k] = Outcome(RuleStatus.OVERRIDDEN, tuple(sorted({o for s in sts if s for o in s[1]})))
    # the result is assembled per status unit (entries set aside by the same rules); all entries of a unit have
    # the same outcome here, which the differential tests rely on
    of_entry = status_units(model).of_entry
    outcomes: dict[int, Outcome] = {}
    for k, o in per_entry.items():
        u = of_entry[entries[k]]
        assert outcomes.setdefault(u, o) == o, "entries of one status unit differ"
    let_values = [(n, next(iter(v)) if len(v) == 1 else None) for n, v in let_seen.items()]
    result = assemble(model, case_id, outcomes, derive(facts), let_values)  # type: ignore[arg-type]
    sure = tuple(NotAddressed(c.action, c.section, c.note) for c, seen in zip(model.covers, gaps, strict=True)
                 if seen == {True})
    maybe = tuple((NotAddressed(c.action, c.section, c.note), ()) for c, seen in zip(model.covers, gaps, strict=True)
                  if len(seen) == 2)
    actions = adjust_verdicts(model, verdicts(model, result), states_of(model, adjust_seen, facts))
    actions, broken = never_together(model, result, [seen == {True} for seen in together_seen], actions)
    object.__setattr__(result, "derived", Derived(actions, sure, maybe, broken))
    return result


World = tuple[tuple[FactValue | EnumValue, ...], dict[int, tuple[str, tuple[int, ...]]]]


def _merge_unknowable(p: int, name: str, worlds: list[World], facts: Mapping[str, FactValue],
                      domain: list[FactValue | EnumValue], unknown: list[str],
                      assumptions: list[Callable[[Mapping[str, FactValue], Mapping[str, FactValue]], bool]],
                      complete: Callable[[Mapping[str, FactValue]], list[dict[str, FactValue]]]) -> list[World]:
    """``worlds`` where the unknown input ``name`` (position ``p``) could not be given (no value of it satisfies
    the assumptions once it is given, the other values as they are) read as engine/compile/knowable.py reads them:
    an entry's status is the one it has for every value of ``name`` (every possible world that differs only
    there), or none."""
    def unknowable(combo: tuple[FactValue | EnumValue, ...]) -> bool:
        values: dict[str, FactValue] = dict(facts)
        values.update(zip(unknown, combo, strict=True))
        for v in domain:
            values[name] = v
            given = {**facts, name: values[name]}
            if any(all(holds(w, given) for holds in assumptions) for w in complete(values)):
                return False
        return True

    classes: dict[tuple[FactValue | EnumValue, ...], list[int]] = {}
    for i, (combo, _) in enumerate(worlds):
        classes.setdefault(combo[:p] + combo[p + 1:], []).append(i)
    out = list(worlds)
    for members in classes.values():
        if not unknowable(worlds[members[0]][0]):
            continue
        common = dict(worlds[members[0]][1])
        for i in members[1:]:
            common = {k: st for k, st in common.items() if worlds[i][1].get(k) == st}
        for i in members:
            out[i] = (worlds[i][0], dict(common))
    return out


def _entry_overriders(model: Model, over: Mapping[int, tuple[int, ...]], ri: int, ei: int) -> tuple[int, ...]:
    """The rules whose applying sets aside entry ``ei`` of rule ``ri``, read from docs/language.md ("Exceptions")
    rule by rule: the rule's overriders; a rule naming this entry (``overrides r.action``) and its overriders;
    for a positive entry, a rule with a prevailing prohibition on the action (unless this rule overrides it) and
    its overriders. Never the rule itself."""
    rule = model.rules[ri]
    entry = rule.entries[ei]
    out = set(over[ri])
    for oi, other in enumerate(model.rules):
        if oi == ri:
            continue
        names_it = (rule.name, entry.action) in other.sets_aside
        prevails = entry.strength.positive and ri not in over[oi] and any(
            e.prevails and e.action == entry.action and not e.strength.positive for e in other.entries)
        if names_it or prevails:
            out.add(oi)
            out.update(over[oi])
    out.discard(ri)
    return tuple(sorted(out))


def _needs(ri: int, unknown: list[str],
           worlds: list[tuple[tuple[FactValue | EnumValue, ...], dict[int, tuple[str, tuple[int, ...]]]]]
           ) -> tuple[str, ...]:
    out: list[str] = []
    for p, name in enumerate(unknown):
        groups: dict[tuple[object, ...], dict[object, set[bool]]] = {}
        for combo, status in worlds:
            st = status.get(ri)
            groups.setdefault(combo[:p], {}).setdefault(combo[p], set()).add(st is not None and st[0] == "active")
        if any(len({frozenset(s) for s in by_value.values()}) > 1 for by_value in groups.values()):
            out.append(name)
    return tuple(out)
