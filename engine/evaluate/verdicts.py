"""What a reader wants first from a result: one verdict per action, the actions the guideline leaves open for the
patient, and the pending decisions that could still change something.

- :func:`verdicts`: the active entries grouped by action (:class:`~engine.evaluate.result.Verdict`): the final
  strength (overridden rules are already set aside), or a conflict when both polarities are active; the merged
  parameters; the rules, evidence, citations and notes behind it; ``because`` as the author wrote the rules'
  ``when`` (a let is named with the patient's values of the inputs it reads, not expanded).
- :func:`not_addressed`: the covers that are gaps for the patient, read from the compiled cover diagrams
  (``CompiledGuideline.cover_gaps``): exact, unknown inputs included (a gap on every branch is *not addressed*; on
  some branches only, it *depends* on the inputs named).
- :func:`pending_groups`: the pending entries whose outcome the missing inputs could still change, grouped by the
  inputs that decide them.

:class:`Deriver` keeps what these need per guideline; the evaluator attaches ``Deriver.derive`` to each result
lazily (``Result.derived``), so a cohort run that never reads verdicts does not compute them.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from engine.core.model import (
    And,
    AnyOf,
    Expr,
    KnownTest,
    LetRef,
    Model,
    Not,
    NumTest,
    Or,
    ParamValue,
    ValueTest,
    exclusive_with,
)
from engine.evaluate.adjust import adjust_states, adjust_verdicts, reach
from engine.evaluate.because import atom_text
from engine.evaluate.result import (
    Backing,
    Because,
    Derived,
    FactValue,
    LazyDerived,
    NotAddressed,
    Pending,
    Recommendation,
    Result,
    Together,
    Verdict,
)

if TYPE_CHECKING:
    from engine.compile.guideline import CompiledGuideline


def written_terms(model: Model) -> dict[str, frozenset[str]]:
    """Per rule, the ``because`` texts of its ``when`` as written: its literals and the lets it names, not what
    the lets expand to (nor the section's guard, which the section's title already says)."""
    out: dict[str, frozenset[str]] = {}
    for r in model.rules:
        found: set[str] = set()
        _written(r.when, True, found)
        out[r.name] = frozenset(found)
    return out


def _written(e: Expr, positive: bool, found: set[str]) -> None:
    match e:
        case ValueTest() | NumTest() | KnownTest():
            found.add(atom_text(e, not positive))
        case LetRef(name):
            found.add(name if positive else f"not {name}")
        case Not(item):
            _written(item, not positive, found)
        case And(items) | Or(items):
            for item in items:
                _written(item, positive, found)
        case _:
            pass


def verdicts(model: Model, result: Result, terms: Mapping[str, frozenset[str]] | None = None,
             labels: Mapping[str, str | None] | None = None) -> tuple[Verdict, ...]:
    """One verdict per action of ``result``'s recommendations, in order of first recommendation (``terms``:
    :func:`written_terms`, ``labels``: rule name -> label, when the caller keeps them)."""
    if terms is None:
        terms = written_terms(model)
    if labels is None:
        labels = {r.name: r.label for r in model.rules}
    by_action: dict[str, list[Recommendation]] = {}
    for rec in result.recommendations:
        by_action.setdefault(rec.action, []).append(rec)
    out: list[Verdict] = []
    for action, recs in by_action.items():
        polarities = {r.strength.positive for r in recs}
        conflict = len(polarities) == 2
        strongest = min(recs, key=lambda r: r.strength.rank).strength
        values: dict[str, list[tuple[bool, ParamValue]]] = {}
        for rec in recs:
            for name, value in rec.params:
                values.setdefault(name, []).append((rec.strength.positive, value))
        params: list[tuple[str, ParamValue]] = []
        clashing: list[str] = []
        for name, given in values.items():
            same = [v for pos, v in given if pos == given[0][0]]
            if any(v != same[0] for v in same[1:]):
                clashing.append(name)
            else:
                params.append((name, given[0][1]))
        backing: dict[str, Backing] = {}
        evidence: dict[str, None] = {}
        citations: dict[int, None] = {}
        notes: dict[str, None] = {}
        because: dict[str, Because] = {}
        preference = None
        for rec in sorted(recs, key=lambda r: (not r.strength.positive, r.strength.rank)):
            if rec.rule not in backing:
                backing[rec.rule] = Backing(rec.rule, labels.get(rec.rule), rec.strength, rec.section)
            if rec.evidence:
                evidence.setdefault(rec.evidence)
            citations.update(dict.fromkeys(rec.citations))
            notes.update(dict.fromkeys(rec.footnotes))
            preference = preference or rec.preference
            written = terms.get(rec.rule)
            if written:  # (reading ``because`` builds it: only for rules with a ``when``)
                for b in rec.because:
                    if b.condition in written:
                        because.setdefault(b.condition, b)
        decl = model.actions.get(action)
        out.append(Verdict(action, decl.label if decl else None, None if conflict else strongest, conflict,
                           tuple(params), tuple(backing.values()), tuple(evidence), tuple(citations),
                           tuple(notes), tuple(because.values()), tuple(clashing), preference))
    return _choices(out, by_action) if any(r.one_of for r in result.recommendations) else tuple(out)


def _choices(out: list[Verdict], by_action: Mapping[str, list[Recommendation]]) -> tuple[Verdict, ...]:
    """Set ``one_of`` on the verdicts given only as alternatives of one choice set: the alternatives of that choice
    given for this patient (only as alternatives of it, not in conflict), when at least two are left (an
    :class:`~engine.core.model.AnyOf` for an ``any_of`` choice)."""
    given = {v.action for v in out if v.strength is not None and v.strength.positive}

    def choice_of(action: str) -> tuple[str, tuple[str, ...]] | None:
        recs = by_action[action]
        return (recs[0].rule, recs[0].one_of) if len(recs) == 1 and recs[0].one_of else None

    res: list[Verdict] = []
    for v in out:
        c = choice_of(v.action) if v.action in given else None
        if c is not None:
            alts = tuple(a for a in c[1] if a in given and choice_of(a) == c)
            if len(alts) >= 2:
                v = dataclasses.replace(v, one_of=AnyOf(alts) if isinstance(c[1], AnyOf) else alts)
        res.append(v)
    return tuple(res)


def never_together(model: Model, result: Result, holds: Sequence[bool], actions: tuple[Verdict, ...]) -> tuple[
        tuple[Verdict, ...], tuple[Together, ...] | None]:
    """The verdicts with their ``together`` set, and the ``never_together`` constraints the patient breaks: those
    whose condition is decided true (``holds``, per constraint) and two or more of whose actions have an active
    positive recommendation. (None and the verdicts unchanged when the guideline has no constraint.)"""
    if not model.together:
        return actions, None
    given: dict[str, list[Recommendation]] = {}
    for rec in result.recommendations:
        if rec.strength.positive:
            given.setdefault(rec.action, []).append(rec)
    broken: list[Together] = []
    withs: dict[str, dict[str, None]] = {}
    for t, ok in zip(model.together, holds, strict=True):
        pairs = [(a, b) for a, b in itertools.combinations([a for a in t.actions if a in given], 2)
                 if any(x.rule != y.rule or not exclusive_with(x.one_of, b)  # not one one_of choice
                        for x in given[a] for y in given[b])]
        hit = tuple(a for a in t.actions if any(a in p for p in pairs))
        if not ok or len(hit) < 2:
            continue
        broken.append(Together(hit, tuple(dict.fromkeys(r.rule for a in hit for r in given[a])), t.when))
        for a, b in pairs:
            withs.setdefault(a, {})[b] = None
            withs.setdefault(b, {})[a] = None
    return (tuple(dataclasses.replace(v, together=tuple(withs.get(v.action, ()))) for v in actions),
            tuple(broken))


def together_holds(g: CompiledGuideline, facts: Mapping[str, FactValue]) -> list[bool]:
    """Per ``never_together`` constraint, whether its condition is decided true for the patient (true on every
    allowed branch of the unknown inputs)."""
    from engine.evaluate.walk import branches

    if not g.together:
        return []
    branch = branches(g, {k: v for k, v in facts.items() if v is not None})
    memo: dict[int, frozenset[bool]] = {}
    return [reach(g.mdd, branch, root, memo, set()) == {True} for root in g.together]


def not_addressed(g: CompiledGuideline, facts: Mapping[str, FactValue]) -> tuple[
        tuple[NotAddressed, ...], tuple[tuple[NotAddressed, tuple[str, ...]], ...]]:
    """The covers that are gaps for this patient on every branch of the unknown inputs, and those that are gaps
    on some branches only, with the unknown inputs whose branches disagree (in variable order)."""
    from engine.evaluate.walk import branches

    if not g.cover_gaps:
        return (), ()
    m = g.mdd
    branch = branches(g, {k: v for k, v in facts.items() if v is not None})
    sure: list[NotAddressed] = []
    maybe: list[tuple[NotAddressed, tuple[str, ...]]] = []
    for ci, root in enumerate(g.cover_gaps):
        needs: set[int] = set()
        seen = reach(m, branch, root, {}, needs)
        if True not in seen:
            continue
        cover = g.model.covers[ci]
        item = NotAddressed(cover.action, cover.section, cover.note)
        if seen == {True}:
            sure.append(item)
        else:
            inputs = tuple(dict.fromkeys(g.vars[lv].input for lv in sorted(needs)))
            maybe.append((item, inputs))
    return tuple(sure), tuple(maybe)


def _overridden_by(model: Model, rule: str) -> set[str]:
    """The rules ``rule`` sets aside, directly or through a chain."""
    rules = {r.name: r for r in model.rules}
    out: set[str] = set()
    stack = list(rules[rule].overrides) if rule in rules else []
    while stack:
        name = stack.pop()
        if name not in out:
            out.add(name)
            stack.extend(rules[name].overrides if name in rules else ())
    return out


def matters(model: Model, result: Result, p: Pending, actions: Sequence[Verdict]) -> bool:
    """Whether the pending entry ``p`` could change the patient's verdicts once its inputs are known: it would
    not when its action already has a verdict of the same polarity at least as strong with the parameters it
    would add, and its rule sets aside no rule that is active now."""
    verdict = next((v for v in actions if v.action == p.action), None)
    if verdict is None or verdict.conflict or verdict.strength is None:
        return True
    if verdict.strength.positive != p.strength.positive or verdict.strength.rank > p.strength.rank:
        return True
    rule = next((r for r in model.rules if r.name == p.rule), None)
    if rule is None:
        return True
    given = dict(verdict.params)
    for e in rule.entries:
        if e.action == p.action and any(given.get(name) != value for name, value in e.params):
            return True
    if rule.sets_aside or any(e.prevails for e in rule.entries):
        return True  # it may set aside single entries of rules active now
    active = {rec.rule for rec in result.recommendations}
    return bool(_overridden_by(model, p.rule) & active)


def pending_groups(model: Model, result: Result,
                   actions: Sequence[Verdict] | None = None) -> list[tuple[tuple[str, ...], list[Pending]]]:
    """The pending entries that matter (:func:`matters`), grouped by the inputs that decide them (groups in order
    of first appearance; an action listed once per group, strongest entry first)."""
    if not result.pending:
        return []
    if actions is None:
        actions = result.actions or verdicts(model, result)
    groups: dict[tuple[str, ...], dict[str, Pending]] = {}
    for p in result.pending:
        if not matters(model, result, p, actions):
            continue
        items = groups.setdefault(p.needs, {})
        seen = items.get(p.action)
        if seen is None or (p.strength.rank, not p.strength.positive) < (seen.strength.rank,
                                                                         not seen.strength.positive):
            items[p.action] = p
    return [(needs, list(items.values())) for needs, items in groups.items()]


class Deriver:
    """Per guideline, what deriving a result's verdicts needs (see the module docstring)."""

    def __init__(self, compiled: CompiledGuideline) -> None:
        self.compiled = compiled
        self.terms = written_terms(compiled.model)
        self.labels = {r.name: r.label for r in compiled.model.rules}

    def derive(self, result: Result, facts: Mapping[str, FactValue]) -> Derived:
        sure, maybe = not_addressed(self.compiled, facts)
        actions = verdicts(self.compiled.model, result, self.terms, self.labels)
        if self.compiled.adjust_nodes:
            actions = adjust_verdicts(self.compiled.model, actions, adjust_states(self.compiled, facts))
        actions, broken = never_together(self.compiled.model, result, together_holds(self.compiled, facts), actions)
        return Derived(actions, sure, maybe, broken)

    def attach(self, result: Result, facts: Mapping[str, FactValue]) -> Result:
        """``result`` with its derived members to be computed on first read (``facts`` must not change)."""
        object.__setattr__(result, "derived", LazyDerived(self.derive, facts))
        return result


__all__ = ["Deriver", "matters", "never_together", "not_addressed", "pending_groups", "together_holds", "verdicts",
           "written_terms"]
