"""The fast path: Python source generated from the diagrams, for cases where every input read is known.

Why: walking a networkx graph node by node costs microseconds per step. When every input is known each section
diagram is just a nested ``if``/``else`` on the facts, so we write that out as Python source once per guideline,
``compile()`` it (our own generated text: no author text is ever evaluated; names and values appear only as
``repr`` literals) and call it. Shared subdiagrams too large to inline become helper functions.

Everything that depends only on the leaves reached (recommendation templates, overridden entries, conflicts) is
computed once per distinct tuple of leaves and memoised; per case only the ``because`` lists and the ``Result``
itself are built.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from functools import reduce
from operator import or_
from typing import Any, NamedTuple

from engine.compile.guideline import CompiledGuideline, Leaf, RuleStatus, Var
from engine.core.model import Interval
from engine.evaluate.assemble import BecauseFn, conflict_orders, conflicts
from engine.evaluate.because import rule_keys
from engine.evaluate.result import (
    Conflict,
    Overridden,
    Recommendation,
    Result,
    new_lazy_because,
    new_recommendation,
    new_result,
)

INLINE_LIMIT = 4000  # generated lines per section before shared nodes become functions
MEMO_LIMIT = 50_000


def _test(var: Var, x: str, branches: list[int]) -> str:
    """A Python test that the (known) value ``x`` of ``var`` takes one of ``branches``."""
    if var.numeric:
        parts = []
        last = len(var.branches) - 1
        for lo, hi in _spans(branches):
            a, b = var.branches[lo], var.branches[hi]
            assert isinstance(a, Interval) and isinstance(b, Interval)
            conds = []  # the first cell's low end and the last cell's high end are the domain's: facts are in it
            if a.low is not None and lo > 0:
                conds.append(f"{x} {'>=' if a.low_closed else '>'} {a.low!r}")
            if b.high is not None and hi < last:
                conds.append(f"{x} {'<=' if b.high_closed else '<'} {b.high!r}")
            parts.append(" and ".join(conds) or "True")
        return " or ".join(f"({p})" for p in parts)
    vals = [var.branches[i] for i in branches]
    if var.kind == "bool":
        return x if vals == [True] else f"not {x}"
    return f"{x} == {vals[0]!r}" if len(vals) == 1 else f"{x} in {tuple(vals)!r}"


def _spans(branches: list[int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for i in branches:
        if out and out[-1][1] == i - 1:
            out[-1] = (out[-1][0], i)
        else:
            out.append((i, i))
    return out


class _Emitter:
    """Writes diagrams out as nested ``if``s. ``partial``: inputs may be missing (read as ``M_``); a test of a
    missing input's variable gives ``-1 - node`` ("undecided from this node on") instead of choosing a branch, and
    ``known:x``
    variables test whether ``x`` is given."""

    def __init__(self, g: CompiledGuideline, names: dict[int, str], partial: bool = False) -> None:
        self.g, self.m, self.names, self.partial = g, g.mdd, names, partial
        self.leaf_ids: dict[Any, int] = {}
        self.funcs: dict[int, str] = {}
        self.func_src: list[str] = []
        self._size: dict[int, int] = {}

    def tree_size(self, n: int) -> int:
        """Lines the node takes when fully inlined (saturating)."""
        r = self._size.get(n)
        if r is None:
            r = 1 if self.m.is_terminal(n) else min(10**9, 1 + sum(
                self.tree_size(c) for c in dict.fromkeys(self._kids(n))))
            self._size[n] = r
        return r

    def _kids(self, n: int) -> tuple[int, ...]:
        var = self.g.vars[self.m.level(n)]
        ch = self.m.children(n)
        return (ch[1],) if var.kind == "known" and not self.partial else ch  # every input known on the fast path

    def terminal(self, value: Any) -> str:
        return repr(value) if not isinstance(value, tuple) else str(self.leaf_ids.setdefault(value, len(self.leaf_ids)))

    def emit(self, n: int, target: str, indent: int, out: list[str], top: bool = False) -> None:
        pad = "    " * indent
        m = self.m
        while not self.partial and not m.is_terminal(n) and self.g.vars[m.level(n)].kind == "known":
            n = m.children(n)[1]
        if m.is_terminal(n):
            out.append(f"{pad}{target} = {self.terminal(m.value(n))}")
            return
        if not top and n in self.funcs:
            out.append(f"{pad}{target} = {self.funcs[n]}(facts_)")
            return
        var = self.g.vars[m.level(n)]
        x = self.names[m.level(n)]
        if var.kind == "known":  # partial mode only
            out.append(f"{pad}if {x} is not M_:")
            self.emit(m.children(n)[1], target, indent + 1, out)
            out.append(f"{pad}else:")
            self.emit(m.children(n)[0], target, indent + 1, out)
            return
        first = "if"
        if self.partial:
            out.append(f"{pad}if {x} is M_:")
            out.append(f"{pad}    {target} = {-1 - n}")
            first = "elif"
        groups: dict[int, list[int]] = {}
        for i, c in enumerate(m.children(n)):
            groups.setdefault(c, []).append(i)
        items = list(groups.items())
        for k, (child, branches) in enumerate(items):
            if k == len(items) - 1:
                out.append(f"{pad}else:" if k or self.partial else f"{pad}if True:")
            else:
                out.append(f"{pad}{first if k == 0 else 'elif'} {_test(var, x, branches)}:")
            self.emit(child, target, indent + 1, out)

    def read(self, name: str) -> str:
        return f"facts_.get({name!r}, M_)" if self.partial else f"facts_[{name!r}]"

    def plan_functions(self, roots: list[int]) -> None:
        """Shared nodes with big subtrees become functions (only when inlining a root would be too long)."""
        if all(self.tree_size(r) <= INLINE_LIMIT for r in roots):
            return
        indeg: dict[int, int] = {}
        for r in roots:
            for n in self.m.reachable(r):
                if not self.m.is_terminal(n):
                    for c in set(self._kids(n)):
                        indeg[c] = indeg.get(c, 0) + 1
        for n, d in sorted(indeg.items()):
            if d > 1 and not self.m.is_terminal(n) and self.tree_size(n) > 16:
                self.funcs[n] = f"_{'p' if self.partial else 'n'}{n}"
        for n in sorted(self.funcs):
            body: list[str] = [f"def {self.funcs[n]}(facts_):"]
            body += [f"    {self.names[i]} = {self.read(v.input)}" for i, v in enumerate(self.g.vars)
                     if i in self.names and i in self.m.support(n)]
            self.emit(n, "r_", 1, body, top=True)
            body.append("    return r_")
            self.func_src.append("\n".join(body))


def generate(g: CompiledGuideline) -> tuple[str, list[Any]]:
    """The source of ``fast_(facts_)`` -> (leaf numbers per section, let values), or None when an input is
    missing; and the leaf keys by leaf number."""
    names = {i: f"x{i}" for i, v in enumerate(g.vars) if v.kind != "known"}
    em = _Emitter(g, names)
    roots = [p.node for p in g.parts] + list(g.let_nodes.values())
    em.plan_functions(roots)
    lines = ["def fast_(facts_):"]
    reads = [f"        {names[i]} = facts_[{v.input!r}]" for i, v in enumerate(g.vars) if v.kind != "known"]
    if reads:
        lines += ["    try:", *reads, "    except KeyError:", "        return None"]
    for k, p in enumerate(g.parts):
        em.emit(p.node, f"s{k}", 1, lines, top=True)
    for k, node in enumerate(g.let_nodes.values()):
        em.emit(node, f"t{k}", 1, lines, top=True)
    secs = "".join(f"s{k}, " for k in range(len(g.parts)))
    lets = "".join(f"t{k}, " for k in range(len(g.let_nodes)))
    lines.append(f"    return ({secs}), ({lets})")
    keys = sorted(em.leaf_ids, key=em.leaf_ids.__getitem__)
    return "\n\n".join([*em.func_src, "\n".join(lines)]) + "\n", keys


def generate_partial(g: CompiledGuideline) -> tuple[str, list[Any]]:
    """The source of ``partial_(facts_)`` -> (per section a leaf number, per let its value; or ``-1 - node`` for
    a diagram whose path reaches ``node``, a test of a missing input) for facts that may miss inputs: a diagram is
    decided when the path the known values take never tests a missing input; and the leaf keys by leaf
    number."""
    names = {i: f"x{i}" for i in range(len(g.vars))}
    em = _Emitter(g, names, partial=True)
    roots = [p.node for p in g.parts] + list(g.let_nodes.values())
    em.plan_functions(roots)
    lines = ["def partial_(facts_):"]
    lines += [f"    {names[i]} = {em.read(v.input)}" for i, v in enumerate(g.vars)]
    for k, p in enumerate(g.parts):
        em.emit(p.node, f"s{k}", 1, lines, top=True)
    for k, node in enumerate(g.let_nodes.values()):
        em.emit(node, f"t{k}", 1, lines, top=True)
    secs = "".join(f"s{k}, " for k in range(len(g.parts)))
    lets = "".join(f"t{k}, " for k in range(len(g.let_nodes)))
    lines.append(f"    return ({secs}), ({lets})")
    keys = sorted(em.leaf_ids, key=em.leaf_ids.__getitem__)
    return "\n\n".join([*em.func_src, "\n".join(lines)]) + "\n", keys


def generate_branches(g: CompiledGuideline) -> str:
    """The source of ``branches_(facts_)``: per variable, the branch the case takes (None for an unknown input;
    ``known:x`` is 1 or 0), as ``Var.branch_of`` gives it for valid facts, without a loop over the branches."""
    lines = ["def branches_(facts_):"]
    out = []
    for i, v in enumerate(g.vars):
        x = f"x{i}"
        if v.kind == "known":
            out.append(f"1 if {v.input!r} in facts_ else 0")
            continue
        lines.append(f"    {x} = facts_.get({v.input!r})")
        if v.numeric:
            parts = [f"{k} if {_test(v, x, [k])} else " for k in range(len(v.branches) - 1)]
            out.append(f"None if {x} is None else ({''.join(parts)}{len(v.branches) - 1})")
        else:
            table = {b: k for k, b in enumerate(v.branches)}
            lines.append(f"    b{i} = None if {x} is None else {table!r}[{x}]")
            out.append(f"b{i}")
    lines.append(f"    return [{', '.join(out)}]")
    return "\n".join(lines) + "\n"


def branches_function(g: CompiledGuideline) -> Callable[[Mapping[str, Any]], list[int | None]]:
    """The compiled :func:`generate_branches` function."""
    namespace: dict[str, Any] = {}
    exec(compile(generate_branches(g), f"<guidegraph branches: {g.model.file}>", "exec"), namespace)
    return namespace["branches_"]  # type: ignore[no-any-return]


def partial_evaluator(g: CompiledGuideline) -> tuple[Callable[[Mapping[str, Any]], Any], list[Any]]:
    """The compiled :func:`generate_partial` function and its leaf keys."""
    src, keys = generate_partial(g)
    namespace: dict[str, Any] = {"M_": _MISSING}
    exec(compile(src, f"<guidegraph partial path: {g.model.file}>", "exec"), namespace)
    return namespace["partial_"], keys


_MISSING: Any = object()


class LeafPart(NamedTuple):
    """What one leaf contributes to a result, decoded once."""

    picks: tuple[tuple[int, int], ...]          # active (rule, entry) pairs, in result order
    overridden: tuple[Overridden, ...]
    positive: int                               # actions it recommends for (one bit per action)
    negative: int                               # and against
    stand_ins: tuple[Recommendation, ...]       # for the conflict computation
    overridden_at: tuple[tuple[int, int], ...]  # (rule, entry) of each overridden entry


class LeafPlan(NamedTuple):
    """What a tuple of leaves (one per part) decides."""

    rules: tuple[int, ...]                      # the rules whose recommendations appear
    picks: tuple[tuple[int, int], ...]          # (position in ``rules``, entry) per recommendation, in order
    overridden: tuple[Overridden, ...]
    conflicts: tuple[Conflict, ...]


FastPath = Callable[[Mapping[str, Any], str | None], Result | None]
"""``fast(facts, case_id)``: the result, or None when an input the diagrams read is missing."""


def build_fast(g: CompiledGuideline, because_of: list[BecauseFn]) -> FastPath:
    """Compile the generated source and wrap it with the memoised result assembly (``because_of``: the per-rule
    functions of :func:`engine.evaluate.because.because_functions`)."""
    src, keys = generate(g)
    namespace: dict[str, Any] = {}
    exec(compile(src, f"<guidegraph fast path: {g.model.file}>", "exec"), namespace)
    fast: Callable[[Mapping[str, Any]], Any] = namespace["fast_"]
    leaves: list[Leaf] = [g.leaves[k] for k in keys]
    model = g.model
    wide = len(g.parts) != len(g.section_nodes)
    let_names = tuple(model.lets)
    memo: dict[tuple[int, ...], LeafPlan] = {}
    orders = conflict_orders(model)
    action_bit = {a: 1 << i for i, a in enumerate(model.actions)}

    def part(leaf: Leaf) -> LeafPart:
        """What one leaf contributes, decoded once: active (rule, entry) pairs in result order, overridden
        entries, the actions it recommends for and against (one bit per action), and stand-in recommendations
        for the conflict computation."""
        picks: list[tuple[int, int]] = []
        over: list[Overridden] = []
        dummy: list[Recommendation] = []
        for le in leaf.entries:
            r = model.rules[le.rule]
            e = r.entries[le.index]
            if le.status is RuleStatus.ACTIVE:
                picks.append((le.rule, le.index))
                dummy.append(new_recommendation(e.action, e.strength, r.name, r.section, (), None, (), (), None, (),
                                                None))
            else:
                over.append(Overridden(e.action, e.strength, r.name, tuple(model.rules[o].name for o in le.by)))
        positive = sum({action_bit.get(d.action, 0) for d in dummy if d.strength.positive})
        negative = sum({action_bit.get(d.action, 0) for d in dummy if not d.strength.positive})
        return LeafPart(tuple(picks), tuple(over), positive, negative, tuple(dummy),
                        tuple((le.rule, le.index) for le in leaf.entries if le.status is not RuleStatus.ACTIVE))

    # per leaf number, its part's fields in lists, so that a plan is put together by C-level chaining
    parts = [part(leaf) for leaf in leaves]
    picks_of = [p.picks for p in parts]
    over_of = [p.overridden for p in parts]
    at_of = [p.overridden_at for p in parts]
    pos_of = [p.positive for p in parts]
    neg_of = [p.negative for p in parts]
    stand_of = [p.stand_ins for p in parts]
    chain = itertools.chain.from_iterable
    section_pos = {s.name: i for i, s in enumerate(model.sections)}

    def order(ri: int, ei: int) -> tuple[int, int, int, int]:
        """Result order: section, strength rank, rule, entry."""
        r = model.rules[ri]
        return section_pos[r.section], r.entries[ei].strength.rank, ri, ei

    def plan(key: tuple[int, ...]) -> LeafPlan:
        """What a tuple of leaves (one per part) decides: the rules whose recommendations appear, which entry
        of which rule goes where, the overridden entries and the conflicts. Parts come in section order and
        each leaf lists its entries in result order, so the leaves' parts are concatenated; a wide section has
        one part per rule, whose entries are then put in result order."""
        active = list(chain(map(picks_of.__getitem__, key)))
        over_list = list(chain(map(over_of.__getitem__, key)))
        if wide:
            active.sort(key=lambda pick: order(*pick))
            where = list(chain(map(at_of.__getitem__, key)))
            over_list = [o for _, o in sorted(zip(where, over_list, strict=True), key=lambda w: order(*w[0]))]
        rules = tuple(dict.fromkeys([ri for ri, _ in active]))
        index = {ri: k for k, ri in enumerate(rules)}
        picks = tuple([(index[ri], ei) for ri, ei in active])
        clash = reduce(or_, map(pos_of.__getitem__, key), 0) & reduce(or_, map(neg_of.__getitem__, key), 0)
        conf = conflicts(model, list(chain(map(stand_of.__getitem__, key))), orders) if clash else ()
        return LeafPlan(rules, picks, tuple(over_list), conf)

    keys_of = rule_keys(model, numbers=False)
    made: dict[Any, tuple[Recommendation, ...]] = {}

    # per rule, the fields of each entry's recommendation but its ``because``, read from the model once
    fields = [tuple((e.action, e.strength, r.name, r.section, e.params, r.evidence, r.citations, r.preference,
                     r.footnotes, r.source) for e in r.entries) for r in model.rules]

    def build(ri: int, facts: Mapping[str, Any], lets: tuple[bool | None, ...]) -> tuple[Recommendation, ...]:
        b = new_lazy_because((because_of[ri], facts, lets))  # read later (``facts`` is run's own copy)
        return tuple([new_recommendation(a, s, n, sec, params, ev, cites, b, pref, notes, src)
                      for a, s, n, sec, params, ev, cites, pref, notes, src in fields[ri]])

    no_lets: tuple[tuple[str, bool | None], ...] = ()
    let_memo: dict[tuple[bool | None, ...], tuple[tuple[str, bool | None], ...]] = {}

    def objs_for(ri: int, facts: Mapping[str, Any], let_vals: tuple[bool | None, ...]) -> tuple[Recommendation, ...]:
        """A rule's recommendations for this case. They depend only on the values its condition reads (its
        ``because``), so they are memoised on those values, for rules that read no number (:func:`rule_keys`)."""
        key_of = keys_of[ri]
        if key_of is None:
            entries = fields[ri]
            if len(entries) == 1:  # build() written out for the one-entry rule
                a, s, n, sec, params, ev, cites, pref, notes, src = entries[0]
                return (new_recommendation(a, s, n, sec, params, ev, cites,
                                           new_lazy_because((because_of[ri], facts, let_vals)), pref, notes, src),)
            return build(ri, facts, let_vals)
        k = key_of(facts, let_vals)
        o = made.get(k)
        if o is None:
            o = build(ri, facts, let_vals)
            if len(made) >= MEMO_LIMIT:
                made.clear()
            made[k] = o
        return o

    def finish(case_id: str | None, recs: tuple[Recommendation, ...], over: tuple[Overridden, ...],
               conf: tuple[Conflict, ...], let_vals: tuple[bool | None, ...]) -> Result:
        if not let_names:
            return new_result(case_id, recs, over, (), conf, no_lets)
        lets = let_memo.get(let_vals)
        if lets is None:  # at most 2 ** len(lets) distinct tuples
            lets = let_memo[let_vals] = tuple(zip(let_names, let_vals, strict=True))
        return new_result(case_id, recs, over, (), conf, lets)

    def direct(key: tuple[int, ...], facts: Mapping[str, Any], let_vals: tuple[bool | None, ...],
               case_id: str | None) -> Result:
        """The result of a tuple of leaves seen for the first time, without building its plan: when the parts
        are whole sections (no wide section) their rules are disjoint and each leaf lists its entries in result
        order, so the recommendations are the leaves' picks in part order."""
        recs: list[Recommendation] = []
        append = recs.append
        here: dict[int, tuple[Recommendation, ...]] = {}
        own: dict[str, Any] | None = None
        for lid in key:
            for ri, ei in picks_of[lid]:
                o = here.get(ri)
                if o is None:
                    if own is None:
                        own = dict(facts)  # the lazy because lists read this copy
                    o = here[ri] = objs_for(ri, own, let_vals)
                append(o[ei])
        clash = reduce(or_, map(pos_of.__getitem__, key), 0) & reduce(or_, map(neg_of.__getitem__, key), 0)
        conf = conflicts(model, list(chain(map(stand_of.__getitem__, key))), orders) if clash else ()
        return finish(case_id, tuple(recs), tuple(chain(map(over_of.__getitem__, key))), conf, let_vals)

    seen: set[tuple[int, ...]] = set()

    def run(facts: Mapping[str, Any], case_id: str | None) -> Result | None:
        out = fast(facts)
        if out is None:
            return None
        key, let_vals = out
        p = memo.get(key)
        if p is None:
            if not wide and key not in seen:  # a plan pays off for tuples that come back: build it the 2nd time
                if len(seen) >= MEMO_LIMIT:
                    seen.clear()
                seen.add(key)
                return direct(key, facts, let_vals, case_id)
            p = plan(key)
            if len(memo) >= MEMO_LIMIT:
                memo.clear()
            memo[key] = p
        rules, picks = p.rules, p.picks
        if not rules:
            recs: tuple[Recommendation, ...] = ()
        else:
            own = dict(facts)  # the lazy because lists read this copy, whatever the caller does with its dict
            objs = [objs_for(ri, own, let_vals) for ri in rules]
            recs = tuple([objs[pos][ei] for pos, ei in picks])
        return finish(case_id, recs, p.overridden, p.conflicts, let_vals)

    return run


__all__ = ["FastPath", "branches_function", "build_fast", "generate", "generate_partial", "partial_evaluator"]
