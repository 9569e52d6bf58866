"""Evaluating a patient case on the compiled diagrams.

Semantics (engine/core/model.py): an unknown input stands for every allowed value, so the walk follows every branch of
an unknown variable; branches that only reach ``impossible`` leaves (patients the assumptions rule out) are
dropped. Per rule of a section, over the leaves reached:

- active in every leaf: its entries are recommendations;
- active in some leaves only: its entries are *pending*, and ``needs`` are the unknown inputs whose branches
  disagree: at a node testing unknown ``x``, the children's sets of outcomes (active or not) for the rule differ;
- applying but set aside in every leaf: *overridden*, ``by`` the overriders that apply in some reached leaf.

``known:x`` variables are always decided (by whether the fact is given). Results are ordered by section, then
strength (``Strength.rank``), then rule order, then entry order. A case with every input known takes the
generated fast path (engine/evaluate/codegen.py); this module is the general walk, and the shared result assembly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from engine.compile.guideline import CompiledGuideline, LeafKey, RuleStatus
from engine.compile.units import status_units
from engine.core.derive import Within
from engine.core.model import Model
from engine.core.walk import inputs_read
from engine.evaluate.assemble import ACTIVE, BecauseFn, Outcome, Plan, assemble, plan_of
from engine.evaluate.result import (
    FactValue,
    Recommendation,
    Result,
    new_lazy_because,
    new_recommendation,
    new_result,
)

# ---------------------------------------------------------------------------------------------------------------
# The walk


def branches(g: CompiledGuideline, facts: Mapping[str, FactValue]) -> list[int | None]:
    """Per variable, the branch the case takes (None for an unknown input; ``known:x`` is 1 or 0)."""
    out: list[int | None] = []
    for v in g.vars:
        if v.kind == "known":
            out.append(1 if v.input in facts else 0)
        elif v.input in facts:
            out.append(v.branch_of(facts[v.input]))
        else:
            out.append(None)
    return out


Summary = tuple[frozenset[LeafKey], dict[int, frozenset[int]]]


def walk_diagram(g: CompiledGuideline, root: int, branch: Sequence[int | None],
         act: Mapping[LeafKey, frozenset[int]]) -> Summary:
    """The possible leaves below ``root`` and, per rule, the unknown levels whose branches disagree on it
    (``act``: :func:`active_sets`)."""
    m = g.mdd
    memo: dict[int, Summary] = {}
    empty: Summary = (frozenset(), {})

    def active(keys: Iterable[LeafKey], ri: int) -> frozenset[bool]:
        return frozenset(ri in act[k] for k in keys)

    def rec(n: int) -> Summary:
        r = memo.get(n)
        if r is not None:
            return r
        if m.is_terminal(n):
            key: LeafKey = m.value(n)
            r = empty if key[0] else (frozenset((key,)), {})
        else:
            lv = m.level(n)
            b = branch[lv]
            if b is not None:
                r = rec(m.children(n)[b])
            else:
                kids = [s for s in (rec(c) for c in dict.fromkeys(m.children(n))) if s[0]]
                keys = frozenset().union(*(s[0] for s in kids))
                needs: dict[int, set[int]] = {}
                for s in kids:
                    for ri, lvs in s[1].items():
                        needs.setdefault(ri, set()).update(lvs)
                rules = frozenset().union(*(act[k] for k in keys))
                for ri in rules:
                    if len({active(s[0], ri) for s in kids}) > 1:
                        needs.setdefault(ri, set()).add(lv)
                r = (keys, {ri: frozenset(v) for ri, v in needs.items()})
        memo[n] = r
        return r

    return rec(root)


def active_sets(g: CompiledGuideline) -> dict[LeafKey, frozenset[int]]:
    """Per leaf key, the rules active there (the evaluator computes it once)."""
    return {k: frozenset(a.rule for a in k.statuses if a.status is RuleStatus.ACTIVE) for k in g.leaves}


def outcomes_from(model: Model, section_rules: Iterable[int], keys: frozenset[LeafKey],
                  needs: Callable[[int], tuple[str, ...]]) -> dict[int, Outcome]:
    """Per status unit of a section (``section_rules``: unit numbers, see ``engine.compile.units``; without
    action-level exceptions, the rule numbers), its outcome over the possible leaves ``keys`` (see the module
    docstring)."""
    out: dict[int, Outcome] = {}
    if not keys:
        return out
    tables = [{a.rule: a for a in k.statuses} for k in keys]
    for ri in section_rules:
        sts = [t.get(ri) for t in tables]
        n_active = sum(1 for s in sts if s is not None and s.status is RuleStatus.ACTIVE)
        if n_active == len(sts):
            out[ri] = ACTIVE
        elif n_active:
            out[ri] = Outcome(RuleStatus.PENDING, (), needs(ri))
        elif all(s is not None and s.status is RuleStatus.OVERRIDDEN for s in sts):
            by = sorted({o for s in sts if s is not None for o in s.by})
            out[ri] = Outcome(RuleStatus.OVERRIDDEN, tuple(by))
    return out


def reach_values(g: CompiledGuideline, root: int, branch: Sequence[int | None]) -> set[bool | None]:
    m = g.mdd
    seen: set[int] = set()
    vals: set[bool | None] = set()
    stack = [root]
    while stack:
        n = stack.pop()
        if n in seen:
            continue
        seen.add(n)
        if m.is_terminal(n):
            vals.add(m.value(n))
        else:
            b = branch[m.level(n)]
            stack.extend(m.children(n) if b is None else (m.children(n)[b],))
    return vals


MEMO_LIMIT = 50_000


class SlowMemo:
    """Per guideline: memoised walks. A part's outcomes (a section, or a rule of a wide section) depend only on
    the branches (unknown = None) of the variables its diagram reads, and a let's value only on those of its own
    diagram, so each is memoised on that tuple; the case-independent part of the result (:func:`plan_of`) is
    memoised on the tuple of all of them. Only the ``because`` lists are then built per case.

    The generated code it uses (``engine.evaluate.codegen``: the partial path, the branch finder; per rule the
    ``because`` function and the getter of its memo key) is given by the evaluator that owns this memo."""

    def __init__(self, g: CompiledGuideline, partial: Callable[[Mapping[str, Any]], Any], partial_keys: list[Any],
                 branches_of: Callable[[Mapping[str, Any]], list[int | None]],
                 getters: tuple[tuple[str, ...], list[Callable[[tuple[Any, ...]], Any] | None]],
                 because_of: Sequence[BecauseFn] | None, active: Mapping[LeafKey, frozenset[int]]) -> None:
        m = g.mdd
        self.g = g
        self.because_of = because_of
        self.active = active
        of_rule = status_units(g.model).of_rule
        self.sections = [(p.node, tuple(u for ri in p.rules for u in of_rule[ri]), tuple(m.support(p.node)))
                         for p in g.parts]
        self.lets = [(name, node, tuple(m.support(node))) for name, node in g.let_nodes.items()]
        self.let_names = tuple(name for name, _, _ in self.lets)
        # per tuple of section outcome ids: the plan, its rules with recommendations, and (rule position, entry)
        # per recommendation in result order
        self.plans: dict[tuple[int, ...], tuple[Plan, tuple[int, ...], tuple[tuple[int, int], ...]]] = {}
        self.let_tuples: dict[tuple[bool | None, ...], tuple[tuple[str, bool | None], ...]] = {}
        self.sections_memo: list[dict[tuple[int, tuple[int | None, ...]], tuple[int, dict[int, Outcome]]]] = [
            {} for _ in self.sections]
        self._ids: dict[tuple[tuple[int, Outcome], ...], int] = {}
        self._next = 0
        self.lets_memo: list[dict[tuple[int, tuple[int | None, ...]], bool | None]] = [{} for _ in self.lets]
        self.partial, self.partial_keys = partial, partial_keys
        self._branches_of = branches_of
        self.mdd = m
        self.supports: dict[int, tuple[int, ...]] = {}
        self.leaf_outcomes: list[dict[int, tuple[int, dict[int, Outcome]]]] = [{} for _ in self.sections]
        self.input_names, self.rule_getters = getters
        self.made: list[dict[Any, tuple[Recommendation, ...]]] = [{} for _ in g.model.rules]

    def support(self, node: int) -> tuple[int, ...]:
        """The levels below ``node`` (cached: at most one entry per node of the diagrams)."""
        found = self.supports.get(node)
        if found is None:
            found = self.supports[node] = tuple(self.mdd.support(node))
        return found

    def branches(self, facts: Mapping[str, FactValue]) -> list[int | None]:
        """:func:`branches` by generated code; a value no branch takes goes to :func:`branches` to be named."""
        try:
            return self._branches_of(facts)
        except (KeyError, TypeError):
            return branches(self.g, facts)

    def intern(self, outcomes: dict[int, Outcome]) -> int:
        """A number per distinct outcome table, so that plans are memoised on what was decided rather than on
        the branches that decided it (many branch tuples give the same outcomes)."""
        key = tuple(sorted(outcomes.items()))
        if len(self._ids) >= MEMO_LIMIT and key not in self._ids:
            self._ids.clear()
            self.plans.clear()
            for table in self.sections_memo:
                table.clear()
        n = self._ids.get(key)
        if n is None:
            n = self._ids[key] = self._next  # never reused, so keys made before a clearing cannot collide
            self._next += 1
        return n


def _store(d: dict[Any, Any], key: Any, value: Any) -> None:
    if len(d) >= MEMO_LIMIT:
        d.clear()
    d[key] = value


def evaluate_slow(memo: SlowMemo, facts: Mapping[str, FactValue], case_id: str | None = None) -> Result:
    """Evaluate by walking the diagrams (any mix of known and unknown inputs), memoised (see :class:`SlowMemo`).
    A diagram whose path never tests a missing input is decided by the generated partial path without a walk."""
    g = memo.g
    model = g.model
    decided_secs, decided_lets = memo.partial(facts)
    branch: list[int | None] | None = None
    sec_ids = []
    sec_outcomes = []
    leaf_outcomes = memo.leaf_outcomes
    supports = memo.supports
    for k, lid in enumerate(decided_secs):
        if lid >= 0:
            hit = leaf_outcomes[k].get(lid)
            if hit is None:
                leaf_key = memo.partial_keys[lid]
                o = outcomes_from(model, memo.sections[k][1], frozenset() if leaf_key[0] else frozenset((leaf_key,)),
                                  _no_needs)
                hit = leaf_outcomes[k][lid] = (memo.intern(o), o)
            sec_ids.append(hit[0])
            sec_outcomes.append(hit[1])
            continue
        # the walk from the root would follow the known branches down to ``stuck``: walk from there, memoised on
        # the branches of the variables below it
        stuck = -1 - lid
        if branch is None:
            branch = memo.branches(facts)
        below = supports.get(stuck)
        if below is None:
            below = memo.support(stuck)
        key: Any = (stuck, tuple([branch[lv] for lv in below]))
        if g.model.derived:  # which inputs behind a derived value are missing names what a pending rule needs
            key += (tuple([_missing(facts, n) for lv in below for n in needed_inputs(g, lv)]),)
        table = memo.sections_memo[k]
        hit = table.get(key)
        if hit is None:
            keys, needs = walk_diagram(g, stuck, branch, memo.active)

            def need_names(ri: int, needs: dict[int, frozenset[int]] = needs) -> tuple[str, ...]:
                return tuple(dict.fromkeys(n for lv in sorted(needs.get(ri, ())) for n in needed_inputs(g, lv)
                                           if _missing(facts, n)))

            o = outcomes_from(model, memo.sections[k][1], keys, need_names)
            hit = (memo.intern(o), o)
            _store(table, key, hit)
        sec_ids.append(hit[0])
        sec_outcomes.append(hit[1])
    let_vals: list[bool | None] = []
    for k, decided in enumerate(decided_lets):
        if decided is None or decided is True or decided is False:  # one path: its leaf's value
            let_vals.append(decided)
            continue
        stuck = -1 - decided
        if branch is None:
            branch = memo.branches(facts)
        below = supports.get(stuck)
        if below is None:
            below = memo.support(stuck)
        ltable = memo.lets_memo[k]
        key = (stuck, tuple([branch[lv] for lv in below]))
        if key in ltable:
            let_vals.append(ltable[key])
        else:
            vals = {v for v in reach_values(g, stuck, branch) if v is not None}
            v = vals.pop() if len(vals) == 1 else None
            _store(ltable, key, v)
            let_vals.append(v)
    planned = memo.plans.get(tuple(sec_ids))
    if planned is None:
        outcomes: dict[int, Outcome] = {}
        for o in sec_outcomes:
            outcomes.update(o)
        plan = plan_of(model, outcomes)
        rule_pos: dict[int, int] = {}
        picks = tuple((rule_pos.setdefault(ri, len(rule_pos)), ei) for ri, ei in plan.active)
        planned = (plan, tuple(rule_pos), picks)
        _store(memo.plans, tuple(sec_ids), planned)
    plan = planned[0]
    let_key = tuple(let_vals)
    lets = memo.let_tuples.get(let_key)
    if lets is None:
        lets = tuple(zip(memo.let_names, let_vals, strict=True))
        _store(memo.let_tuples, let_key, lets)
    if memo.because_of is None:
        return assemble(model, case_id, {}, facts, lets, None, plan)
    recs: tuple[Recommendation, ...] = ()
    if planned[1]:
        objs = _rule_recommendations(memo, planned[1], facts, let_key)
        recs = tuple([objs[pos][ei] for pos, ei in planned[2]])
    return new_result(case_id, recs, plan.overridden, plan.pending, plan.conflicts, lets)


def _missing(facts: Mapping[str, object], name: str) -> bool:
    """Whether the case leaves input ``name`` out. A :class:`~engine.core.derive.Within` is not a value the case
    gives: it is the cell the relations' solver pinned an omitted number to (engine.compile.theory.Decider: with
    ``assume sbp > dbp`` and ``dbp: 141``, ``sbp`` lies in ``140..260``), and a rule that still waits on that
    number needs it (a pending entry once named no input at all: "Enter  to decide")."""
    value = facts.get(name)
    return value is None or isinstance(value, Within)


def needed_inputs(g: CompiledGuideline, lv: int) -> tuple[str, ...]:
    """The inputs a variable stands for: itself, or the inputs a derived value is computed from; and with them the
    inputs an assumed relation ties to them (``assume i1 - i0 < i2``: entering ``i0`` can decide a rule on
    ``i2``, which the diagrams, seeing cells, cannot tell)."""
    name = g.vars[lv].input
    d = g.model.derived.get(name)
    own = (name,) if d is None else d.reads
    tied = _tied(g)
    return own if not tied else tuple(dict.fromkeys(n for x in own for n in (x, *tied.get(x, ()))))


_TIED: dict[int, tuple[CompiledGuideline, dict[str, tuple[str, ...]]]] = {}


def _tied(g: CompiledGuideline) -> dict[str, tuple[str, ...]]:
    """Per input, the inputs it shares an assumed relation (or formula) with (empty without such assumptions)."""
    found = _TIED.get(id(g))
    if found is not None and found[0] is g:
        return found[1]
    model = g.model
    out: dict[str, dict[str, None]] = {}
    for a in model.assumptions:
        numeric = [n for n in inputs_read(a.expr, model.lets)
                   if n in model.derived and model.derived[n].how in ("relation", "formula")]
        group = model.reads_of(numeric)
        for x in group:
            out.setdefault(x, {}).update(dict.fromkeys(n for n in group if n != x))
    tied = {x: tuple(ns) for x, ns in out.items() if ns}
    if len(_TIED) > 16:
        _TIED.clear()
    _TIED[id(g)] = (g, tied)
    return tied


def _no_needs(ri: int) -> tuple[str, ...]:
    return ()


def _rule_recommendations(memo: SlowMemo, rules: tuple[int, ...], facts: Mapping[str, FactValue],
                          let_vals: tuple[bool | None, ...]) -> list[tuple[Recommendation, ...]]:
    """Per rule, the recommendations of all its entries (as :func:`assemble` builds them), memoised per rule on
    the values its condition reads and the lets it names: its ``because`` depends on nothing else."""
    model = memo.g.model
    because_of = memo.because_of
    assert because_of is not None
    getters = memo.rule_getters
    made = memo.made
    row = (*map(facts.get, memo.input_names), *let_vals)
    out: list[tuple[Recommendation, ...]] = []
    own: dict[str, FactValue] | None = None  # one copy of the facts per case, read by the lazy because lists
    for ri in rules:
        get = getters[ri]
        k = get(row) if get is not None else None
        objs = made[ri].get(k) if k is not None else None
        if objs is None:
            rule = model.rules[ri]
            if own is None:
                own = dict(facts)
            b = new_lazy_because((because_of[ri], own, let_vals))
            objs = tuple([new_recommendation(e.action, e.strength, rule.name, rule.section, e.params,
                                             rule.evidence_of(e), rule.citations, b, rule.preference_of(e),
                                             rule.footnotes, rule.source, e.one_of) for e in rule.entries])
            if k is not None:
                _store(made[ri], k, objs)
        out.append(objs)
    return out
