"""The semantic diff of two versions of a guideline: per action, the exact regions of patients whose verdict
changed, each described in rule syntax with an example patient.

Both models are compiled into ONE decision-diagram manager over one variable order
(:func:`engine.compile.shared.shared_variables`: the union of their inputs and of every threshold), so their
diagrams are comparable point for point. The patients compared are those both versions allow (assumptions, declared
ranges and values). Every input is given, except that an input tested with ``is known`` (in either version) may be
left out; such a patient is read as the evaluator reads it: an entry is a recommendation when it is active for every
allowed value of the omitted inputs, *pending* when for some only (:mod:`engine.checks.space` gives that reading).
Other inputs are not considered omitted: a cohort run (:mod:`engine.diff.cohort`) compares partial patients with the
evaluator itself.

Per action, one walk of the product of both versions' entry diagrams gives a diagram whose terminals are the pair of
keys (:mod:`engine.diff.keys`); each pair of different keys is one changed region.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from engine.checks.regions import region_text
from engine.checks.space import Space
from engine.checks.witness import witness
from engine.compile.compiler import MAX_NODES, overriders
from engine.compile.guideline import CompiledGuideline, Var
from engine.compile.mdd import MDD, gc_paused
from engine.compile.shared import SideDiagrams, joint_theory, shared_inputs, shared_variables, side_diagrams
from engine.compile.theory import theory_for
from engine.core.model import Model, Strength
from engine.diff.keys import KINDS, Key, change_kind, key_of, pattern_of
from engine.diff.rename import separate


@dataclass(frozen=True)
class Region:
    """One changed region of one action: every allowed patient there goes from ``old`` to ``new``."""

    action: str
    kind: str
    pattern: str
    old: Key
    new: Key
    condition: str                 # the region in rule syntax
    within: tuple[str, ...]        # lets (of either version) that hold, or fail ("not x"), on the whole region
    example: dict[str, Any] | None  # a patient case {"id", "description", "facts"}
    old_rules: tuple[str, ...]     # rules of the old version on this action that apply somewhere in the region
    new_rules: tuple[str, ...]
    points: int                    # combinations of input cells in the region (its size on the shared variables)
    node: int = field(default=0, compare=False)  # the region's diagram in ``Diff.mdd``


@dataclass(frozen=True)
class Diff:
    """The diff of two models: the changed regions (action declaration order, then kind order), and what the
    regions are diagrams of."""

    old: Model
    new: Model
    regions: tuple[Region, ...]
    actions: tuple[str, ...]       # every action of either version
    joint: CompiledGuideline = field(compare=False)  # the shared variables and the merged inputs (for regions)
    care: int = field(default=0, compare=False)      # the patients both versions allow

    @property
    def changed_actions(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r.action for r in self.regions))

    @property
    def mdd(self) -> MDD:
        return self.joint.mdd


def _shell(model: Model, vs: tuple[Var, ...], m: MDD, assume: int, rules: dict[str, int]) -> CompiledGuideline:
    """A compiled guideline holding only what the space of :mod:`engine.checks` and the region describers read."""
    theory = theory_for(model, vs) if model.derived else None  # examples whose numbers satisfy the relations
    return CompiledGuideline(model=model, graph=nx.DiGraph(), roots={}, order=tuple(v.name for v in vs), mdd=m,
                             vars=vs, section_nodes={}, let_nodes={}, assume_node=assume, rule_nodes=rules,
                             leaves={}, rule_index={r.name: i for i, r in enumerate(model.rules)},
                             solve=theory.solve if theory is not None else None)


class _Side:
    """One version over the shared variables: per rule, where its entries are decided active and pending."""

    def __init__(self, model: Model, vs: tuple[Var, ...], m: MDD, known: tuple[tuple[int, int], ...],
                 theory: int) -> None:
        self.model, self.m = model, m
        self.d: SideDiagrams = side_diagrams(model, vs, m, theory)
        shell = _shell(model, vs, m, self.d.assume, {r.name: self.d.rules[i] for i, r in enumerate(model.rules)})
        self.space = Space(shell, m, known, overriders(model))
        self.by_action: dict[str, list[int]] = {}
        for ri, r in enumerate(model.rules):
            for e in r.entries:
                rules = self.by_action.setdefault(e.action, [])
                if not rules or rules[-1] != ri:
                    rules.append(ri)
        self._pending: dict[tuple[int, str], int] = {}
        # Where x is omitted and no value of x, once given, satisfies the assumptions (x is *unknowable* there,
        # issue 17), the evaluator reads what holds for every value of x (engine/compile/knowable.py): an entry
        # that needs x is not pending there, it simply does not apply. (level of x, where x is unknowable).
        self.unknowable: list[tuple[int, int]] = []
        sp = self.space
        for kl, xl in sp.known_levels:
            if kl in m.support(sp.assume):
                flag = m.and_(m.test(kl, {0}), m.not_(m.exists(m.restrict(sp.assume, kl, 1), xl)))
                if flag != m.FALSE:
                    self.unknowable.append((xl, flag))

    @property
    def allowed(self) -> int:
        return self.space.allowed

    def active(self, ri: int, action: str) -> int:
        """Allowed patients for whom rule ``ri``'s entry on ``action`` is decided active. Per entry, not per rule:
        an ``overrides rule.action`` or a prevailing prohibition sets one entry aside while its rule stays active,
        and the evaluator then lists it as set aside, not as a recommendation."""
        return self.space.entry_active(ri, action)

    def pending(self, ri: int, action: str) -> int:
        """Allowed patients for whom rule ``ri``'s entry on ``action`` is active for some values of the omitted
        inputs, not all."""
        r = self._pending.get((ri, action))
        if r is None:
            sp, m = self.space, self.m
            if not sp.known_levels:
                r = m.FALSE
            else:
                h = sp.entry_active_raw(ri, action)
                for xl, flag in self.unknowable:
                    if xl in m.support(h):
                        every = m.forall(m.or_(m.not_(sp.assume), h), xl)
                        h = m.or_(m.and_(flag, every), m.and_(m.not_(flag), h))
                h = m.and_(h, sp.assume)
                support = set(m.support(h))
                for kl, xl in sp.known_levels:
                    if xl in support:
                        h = m.or_(m.and_(m.test(kl, {1}), h), m.and_(m.test(kl, {0}), m.exists(h, xl)))
                r = m.and_(h, sp.allowed, m.not_(self.active(ri, action)))
            self._pending[ri, action] = r
        return r

    def adjustments(self, action: str) -> list[tuple[int, Any]]:
        """Per adjustment of ``action``: (decided in force, its parameters). In force where its rule is decided
        active, as ``check`` (W214) and the evaluator read it."""
        return [(self.space.active(ri), a.params) for ri, a in self.model.adjustments if a.action == action]

    def operands(self, action: str) -> list[tuple[int, int, tuple[tuple[Strength, Any], ...]]]:
        """Per rule on ``action``: (decided active, pending, its entries on the action as (strength, params))."""
        return [(self.active(ri, action), self.pending(ri, action),
                 tuple((e.strength, e.params) for e in self.model.rules[ri].entries if e.action == action))
                for ri in self.by_action.get(action, [])]


def _pair_leaf(old: list[tuple[int, int, Any]], new: list[tuple[int, int, Any]],
               old_adj: list[tuple[int, Any]], new_adj: list[tuple[int, Any]]) -> Any:
    """The leaf function over the operands ``[active, pending per entry operand (old, then new)..., in force per
    adjustment (old, then new)...]``."""
    def side_key(vals: tuple[Any, ...], ops: list[tuple[int, int, Any]], base: int, adj: list[tuple[int, Any]],
                 adj_base: int) -> Key:
        active = [e for k, (_, _, entries) in enumerate(ops) if vals[base + 2 * k] for e in entries]
        pending = [s for k, (_, _, entries) in enumerate(ops) if vals[base + 2 * k + 1] for s, _ in entries]
        return key_of(active, pending, [params for k, (_, params) in enumerate(adj) if vals[adj_base + k]])

    n_ops = 2 * (len(old) + len(new))

    def leaf(vals: tuple[Any, ...]) -> tuple[Key, Key] | None:
        a = side_key(vals, old, 0, old_adj, n_ops)
        b = side_key(vals, new, 2 * len(old), new_adj, n_ops + len(old_adj))
        return None if a == b else (a, b)

    return leaf


def _is(old_key: Key, new_key: Key) -> Callable[[tuple[Any, ...]], bool]:
    def f(vals: tuple[Any, ...]) -> bool:
        return bool(vals[0] == (old_key, new_key))
    return f


def _signature(ops: list[Any]) -> list[Any]:
    return sorted(ops, key=repr)


def diff(old: Model, new: Model, max_nodes: int = MAX_NODES, describe: bool = True) -> Diff:
    """The diff of ``old`` and ``new`` (see the module docstring). Raises ``IncompatibleInputs`` when an input
    changed kind and ``TooManyNodes`` past ``max_nodes``. ``describe=False`` skips the descriptions, examples and
    rules of the regions (their kinds and diagrams only)."""
    with gc_paused():
        return _diff(old, new, max_nodes, describe)


def _diff(old: Model, new: Model, max_nodes: int, describe: bool) -> Diff:
    new = separate(old, new)  # derived values are definitions, not facts: each version keeps its own
    vs = shared_variables([old, new])
    m = MDD([len(v.branches) for v in vs], max_nodes)
    idx = {v.name: i for i, v in enumerate(vs)}
    known = tuple((idx[v.name], idx[v.input]) for v in vs if v.kind == "known" and v.input in idx)
    theory = joint_theory([old, new], vs, m)
    a, b = _Side(old, vs, m, known, theory), _Side(new, vs, m, known, theory)
    care = m.and_(a.allowed, b.allowed)
    merged = dataclasses.replace(new, inputs={k: v for k, v in shared_inputs([new, old]).items()
                                              if k in new.inputs or k in old.inputs},
                                 derived={**old.derived, **new.derived})
    joint = _shell(merged, vs, m, care, {})
    actions = tuple(dict.fromkeys([*old.actions, *new.actions, *a.by_action, *b.by_action]))
    found: list[tuple[str, Key, Key, int]] = []
    for action in actions:
        ops_a, ops_b = a.operands(action), b.operands(action)
        adj_a, adj_b = a.adjustments(action), b.adjustments(action)
        if a.allowed == b.allowed and _signature(ops_a) == _signature(ops_b) and _signature(adj_a) == _signature(adj_b):
            continue  # the same diagrams with the same entries: the same verdict everywhere
        operands = [n for ops in (ops_a, ops_b) for act, pend, _ in ops for n in (act, pend)]
        operands += [n for adj in (adj_a, adj_b) for n, _ in adj]
        d = m.apply_many(_pair_leaf(ops_a, ops_b, adj_a, adj_b), operands, care=care, otherwise=None)
        pairs = [t for t in m.terminals(d) if t is not None]
        for old_key, new_key in pairs:
            region = m.apply_many(_is(old_key, new_key), [d])
            found.append((action, old_key, new_key, region))
    regions = _regions(found, a, b, joint, care, describe)
    order = {k: i for i, k in enumerate(actions)}
    regions.sort(key=lambda r: (order[r.action], KINDS.index(r.kind), r.condition))
    return Diff(old, new, tuple(regions), actions, joint, care)


def _regions(found: list[tuple[str, Key, Key, int]], a: _Side, b: _Side, joint: CompiledGuideline, care: int,
             describe: bool) -> list[Region]:
    m = joint.mdd
    kinds = [change_kind(o, n) for _, o, n, _ in found]
    gained = {i for i, k in enumerate(kinds) if k == "appeared"}
    lost = {i for i, k in enumerate(kinds) if k == "disappeared"}
    lets = [(name, node) for side in (a, b) for name, node in side.d.lets.items()]
    out: list[Region] = []
    for i, (action, old_key, new_key, node) in enumerate(found):
        kind = kinds[i]
        others = lost if kind == "appeared" else gained if kind == "disappeared" else set()
        elsewhere = m.or_(*[found[j][3] for j in others if found[j][0] != action])
        replaces = elsewhere != m.FALSE and m.and_(node, m.not_(elsewhere)) == m.FALSE
        pattern = pattern_of(kind, action in a.by_action, action in b.by_action, replaces)
        text, example = "", None
        within: tuple[str, ...] = ()
        rules_a: tuple[str, ...] = ()
        rules_b: tuple[str, ...] = ()
        if describe:
            text, found_cubes = region_text(joint, m, node, care)
            example = witness(joint, m, node, f"{action}-{kind.replace(' ', '-')}-{i + 1}",
                              f"{action}: {kind}", found_cubes[0] if found_cubes else None)
            within = tuple(dict.fromkeys(_within(m, node, lets)))
            rules_a, rules_b = _rules_in(a, action, node), _rules_in(b, action, node)
        out.append(Region(action, kind, pattern, old_key, new_key, text, within, example, rules_a, rules_b,
                          m.count(node, True), node))
    return out


def _within(m: MDD, node: int, lets: list[tuple[str, int]]) -> list[str]:
    """The lets that hold (or fail) on the whole region."""
    out = []
    for name, let in lets:
        if m.and_(node, m.not_(let)) == m.FALSE:
            out.append(name)
        elif m.and_(node, let) == m.FALSE:
            out.append(f"not {name}")
    return out


def _rules_in(side: _Side, action: str, node: int) -> tuple[str, ...]:
    m = side.m
    names = [side.model.rules[ri].name for ri in side.by_action.get(action, [])
             if m.and_(node, m.or_(side.active(ri, action), side.pending(ri, action))) != m.FALSE]
    names += [side.model.rules[ri].name for ri, a in side.model.adjustments  # adjusting rules in force there
              if a.action == action and m.and_(node, side.space.active(ri)) != m.FALSE]
    return tuple(dict.fromkeys(names))
