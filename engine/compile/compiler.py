"""Compile a resolved :class:`~engine.core.model.Model` into decision diagrams and the networkx decision graph.

Steps (docs/graph.md is the contract of the result):

1. **Variables.** Every input a condition reads becomes a variable; ``x is known`` adds ``known:x`` just before
   ``x``. Enum and bool inputs branch on their values. Numbers branch on the cells of an exact partition: the
   domain is cut at every threshold a test uses (open/closed ends respected), and neighbouring cells that no test
   tells apart are merged, so every cell is decided by every test. Integer cells get integer bounds.
2. **Conditions** become boolean diagrams (``let``s expanded, memoised).
3. **Sections.** Per section, one diagram whose terminal says, for each rule of the section that applies, whether
   it is active or set aside and by which applying overriders (Catala-style default logic: a rule is set aside
   wherever a rule that overrides it directly or transitively applies), which covers hold, and whether the
   assumptions hold. The diagram is reduced and hash-consed by construction (:mod:`engine.compile.mdd`).
4. **Graph.** Each section diagram is copied into one ``networkx.DiGraph`` with deterministic ids and attributes.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any, assert_never

import networkx as nx

from dsl.diagnostics import Diagnostic
from dsl.span import Span
from engine.compile.derived import classified, definitions
from engine.compile.graph import add_section_graph
from engine.compile.guideline import (
    IMPOSSIBLE,
    Applied,
    CompiledGuideline,
    Drawn,
    Leaf,
    LeafKey,
    Part,
    RuleStatus,
    Var,
)
from engine.compile.knowable import Unknowable
from engine.compile.leaves import leaf_decoder
from engine.compile.mdd import MDD, TooManyNodes, WalkTooLong, gc_paused
from engine.compile.project import projected
from engine.compile.theory import theory_for
from engine.compile.units import overriders as overriders
from engine.compile.units import status_units
from engine.compile.variables import representative, variables
from engine.core.model import (
    And,
    Const,
    Expr,
    Interval,
    KnownTest,
    LetRef,
    Model,
    Not,
    NumTest,
    Or,
    Section,
    ValueTest,
)
from engine.core.values import is_member
from engine.core.walk import inputs_read

MAX_NODES = 2_000_000


class GraphTooLarge(Exception):
    """A decision diagram grew past the node limit while ``what`` was being built (``"the condition of rule
    'x'"``, ``"section 'y'"``, ...); ``inputs`` are the inputs it combines, those with the most cells first (each
    threshold a test uses cuts a number input into more cells). Reported as diagnostic E501
    (:meth:`diagnostic`), which names the construction and its inputs: what really grows."""

    def __init__(self, inputs: list[str], limit: int = MAX_NODES, what: str = "the decision graph",
                 span: Span | None = None) -> None:
        self.inputs = inputs
        self.limit = limit
        self.what = what
        self.span = span
        super().__init__(f"the decision diagram of {what} grew past {limit} nodes; it combines the inputs "
                         + ", ".join(inputs))

    def diagnostic(self) -> Diagnostic:
        """The ``E501`` diagnostic (built here only)."""
        return Diagnostic("E501", "error", str(self), span=self.span, help=(
            "every combination of those inputs' values that the conditions tell apart is a path of the "
            "diagram: split that condition into simpler rules (each rule is compiled on its own, and a section of "
            "unrelated rules is kept as one diagram per rule), or use fewer thresholds on the first inputs named"))


# ---------------------------------------------------------------------------------------------------------------
# Conditions to diagrams


class _Builder:
    def __init__(self, model: Model, vars: tuple[Var, ...], mdd: MDD) -> None:
        self.model, self.vars, self.m = model, vars, mdd
        self.level = {v.name: i for i, v in enumerate(vars)}
        self.memo: dict[Expr, int] = {}
        self.lets: dict[str, int] = {}

    def cond(self, e: Expr) -> int:
        r = self.memo.get(e)
        if r is None:
            r = self.memo[e] = self._cond(e)
        return r

    def _cond(self, e: Expr) -> int:
        m = self.m
        match e:
            case Const(value):
                return m.TRUE if value else m.FALSE
            case KnownTest():
                return m.test(self.level[f"known:{e.input}"], {1})
            case ValueTest():
                lv = self.level[e.input]
                return m.test(lv, {i for i, v in enumerate(self.vars[lv].branches) if is_member(v, e.values)})
            case NumTest():
                lv = self.level[e.input]
                var = self.vars[lv]
                integer = var.kind == "integer"
                return m.test(lv, {i for i, c in enumerate(var.branches)
                                   if isinstance(c, Interval) and e.interval.contains(representative(c, integer))})
            case LetRef(name):
                if name not in self.lets:
                    self.lets[name] = self.cond(self.model.lets[name].expr)
                return self.lets[name]
            case And(items):
                return m.and_(*[self.cond(i) for i in items])
            case Or(items):
                return m.or_(*[self.cond(i) for i in items])
            case Not(item):
                return m.not_(self.cond(item))
            case _:
                assert_never(e)


def _section_node(b: _Builder, section: Section, rules: Sequence[int], covers: Sequence[int],
                  over: dict[int, tuple[int, ...]], rule_nodes: list[int], assume: int,
                  gap_nodes: dict[int, int], max_work: int | None = None) -> int:
    """The diagram of ``rules`` and ``covers`` of a section (terminals: :class:`LeafKey`), built in one walk of
    the product of every diagram it depends on (:meth:`MDD.apply_many`): the rules, their overriders, the
    covers, their gaps and the guard, under the assumptions. Past ``max_work`` the walk raises
    :class:`WalkTooLong` (``max_work=None``: fold the parts one by one instead, each reduced, so that the node limit
    (:class:`GraphTooLarge`) is met as soon as the diagram really is too large)."""
    m, model = b.m, b.model
    operands: list[int] = []
    position: dict[int, int] = {}

    def pos(node: int) -> int:
        p = position.get(node)
        if p is None:
            p = position[node] = len(operands)
            operands.append(node)
        return p

    units = status_units(model)
    rule_specs = [(u, pos(rule_nodes[ri]), tuple((o, pos(rule_nodes[o])) for o in units.units[u].over))
                  for ri in rules for u in units.of_rule[ri]]
    cover_specs = [(ci, pos(b.cond(model.covers[ci].condition))) for ci in covers]
    gap_specs = [(ci, pos(gap_nodes[ci])) for ci in covers]
    guard = pos(b.cond(section.guard))

    def leaf(vals: tuple[Any, ...]) -> LeafKey:
        statuses: list[Applied] = []
        for ri, p, overs in rule_specs:
            if vals[p]:
                by = tuple([o for o, q in overs if vals[q]])
                statuses.append(Applied(ri, RuleStatus.OVERRIDDEN, by) if by else Applied(ri, RuleStatus.ACTIVE))
        return LeafKey(False, tuple(statuses), tuple([ci for ci, q in cover_specs if vals[q]]),
                       tuple([ci for ci, q in gap_specs if vals[q]]), vals[guard])

    try:
        return m.apply_many(leaf, operands, care=assume, otherwise=IMPOSSIBLE,
                            max_work=PRODUCT_WORK if max_work is None else max_work)
    except WalkTooLong:
        if max_work is not None:
            raise
    acc = m.const(())
    for p in range(len(operands)):
        acc = m.apply(_append_value, acc, operands[p])
    return m.apply(_leaf_of(leaf), assume, acc)


def _parts(b: _Builder, section: Section, rules: list[int], covers: list[int], over: dict[int, tuple[int, ...]],
           rule_nodes: list[int], assume: int, gap_nodes: dict[int, int]) -> tuple[int | None, tuple[Part, ...]]:
    """The section's diagram and the parts evaluation walks. A section whose rules combine into a diagram of
    moderate size is one part: its diagram (what the figure draws, what one walk of a case reads). A section of
    many unrelated rules (a list of pitfalls, a table of drug choices) would multiply their statuses: every
    combination of which rules apply is a leaf, 2 ** n for n independent rules. Such a *wide* section gets no
    section diagram (its figure is the list of its rules); each of its rules becomes a part of its own, so the
    compiled form grows with the sum of the rules' diagrams, not with their product. A rule's status depends only
    on its own condition, its overriders' and the guard, so evaluation gives the same answers either way."""
    try:
        node = _section_node(b, section, rules, covers, over, rule_nodes, assume, gap_nodes,
                             max_work=SECTION_WORK)
        return node, (Part(section.name, tuple(rules), tuple(covers), node),)
    except WalkTooLong:
        pass
    parts = tuple(Part(section.name, (ri,), (), _section_node(b, section, [ri], [], over, rule_nodes, assume,
                                                                gap_nodes, max_work=None))
                  for ri in rules)
    return None, parts


SECTION_WORK = 400_000
"""Budget of one section's diagram (memo entries times operands of its one-walk construction): past it the
section is *wide* (see :func:`_parts`). Measured: the sections of rules/lms.rules need 38 to 712; one-line rules on
independent inputs need about 25,000 for 10 rules, 520,000 for 14 and 5,000,000 for 17 (each one doubles it)."""

PRODUCT_WORK = 4_000_000
"""Budget of the one-walk construction of a part (memo entries times operands) before the fold takes over."""


def _append_value(acc: tuple[Any, ...], value: Any) -> tuple[Any, ...]:
    return (*acc, value)


def _leaf_of(leaf: Callable[[tuple[Any, ...]], LeafKey]) -> Callable[[bool, tuple[Any, ...]], LeafKey]:
    def f(ok: bool, vals: tuple[Any, ...]) -> LeafKey:
        return leaf(vals) if ok else IMPOSSIBLE
    return f


def _busiest(model: Model, vs: tuple[Var, ...], exprs: list[Expr]) -> list[str]:
    """The inputs ``exprs`` read (lets expanded), those with the most cells first, at most five."""
    cells = {v.input: len(v.branches) for v in vs if v.kind != "known"}
    names = list(dict.fromkeys(n for e in exprs for n in inputs_read(e, model)))
    return sorted(names, key=lambda n: -cells.get(n, 0))[:5]  # stable: first use breaks ties


def _gap_nodes(b: _Builder, over: dict[int, tuple[int, ...]], rule_nodes: list[int]) -> dict[int, int]:
    """For every cover, where no active entry of ANY rule (whatever its section) speaks about its action: a
    cover in one section may be answered by a rule of another (a site-specific exception)."""
    m, model = b.m, b.model
    covered = {c.action for c in model.covers}
    speaks: dict[str, int] = {}
    for unit in status_units(model).units:  # only the rules of covered actions: the others answer no cover
        ri = unit.rule
        actions = {model.rules[ri].entries[ei].action for ei in unit.entries} & covered
        if not actions:
            continue
        active = m.and_(rule_nodes[ri], m.not_(m.or_(*[rule_nodes[o] for o in unit.over])))
        for action in actions:
            speaks[action] = m.or_(speaks.get(action, m.FALSE), active)
    return {ci: m.and_(b.cond(c.condition), m.not_(speaks.get(c.action, m.FALSE)))
            for ci, c in enumerate(model.covers)}


# Terminal combinators for MDD.apply (named so that they are typed and readable).


def _or_impossible(v: Any, ok: bool) -> Any:
    return v if ok else None


# ---------------------------------------------------------------------------------------------------------------
# The whole compile


def compile(model: Model, max_nodes: int = MAX_NODES) -> CompiledGuideline:
    """Compile ``model`` (see the module docstring). Raises :class:`GraphTooLarge` past ``max_nodes``."""
    with gc_paused():  # see engine.compile.mdd.gc_paused: the collector would re-scan the growing diagrams for nothing
        return _compile(model, max_nodes)


def _compile(model: Model, max_nodes: int) -> CompiledGuideline:
    vs = variables(model)
    theory = None
    # The diagram operations recurse once per level (two frames: the call and its comprehension), and a path may
    # test every variable; since Python 3.11 such pure-Python recursion does not grow the C stack, so the limit
    # can follow the number of variables (1,000 independent inputs need about 2,000 frames).
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 3 * len(vs) + 1000))
    m = MDD([len(v.branches) for v in vs], max_nodes)
    b = _Builder(model, vs, m)
    first_assumption = model.assumptions[0].span if model.assumptions else None
    building: tuple[str, list[Expr], Span | None] = (
        "the assumptions", [a.expr for a in model.assumptions], first_assumption)
    try:
        assume = m.and_(*[b.cond(a.expr) for a in model.assumptions])
        if model.derived:  # what ties each derived input to its inputs (engine.compile.derived)
            building = ("the derived values", [c for d in model.derived.values() for c, _ in d.branches], None)
            theory = theory_for(model, vs)
            assume = m.and_(assume, *definitions(model, vs, m, b.cond),
                            theory.diagram(m) if theory is not None else m.TRUE)
        rule_nodes = []
        for r in model.rules:
            building = (f"the condition of rule '{r.name}'", [r.condition], r.span)
            rule_nodes.append(b.cond(r.condition))
        over = overriders(model)
        building = ("the covers' gaps", [c.condition for c in model.covers] + [r.condition for r in model.rules],
                    model.covers[0].span if model.covers else None)
        gap_nodes = _gap_nodes(b, over, rule_nodes)
        cover_gaps = tuple(m.apply(_or_impossible, gap_nodes[ci], assume) for ci in range(len(model.covers)))
        building = ("the never_together conditions", [t.condition for t in model.together],
                    model.together[0].span if model.together else None)
        together = tuple(m.apply(_or_impossible, b.cond(t.condition), assume) for t in model.together)
        adjust_nodes = tuple(
            m.apply(_or_impossible, m.and_(rule_nodes[ri], m.not_(m.or_(*[rule_nodes[o] for o in over[ri]]))), assume)
            for ri, _ in model.adjustments)
        by_section: dict[str, tuple[list[int], list[int]]] = {sec.name: ([], []) for sec in model.sections}
        for ri, rule in enumerate(model.rules):
            by_section[rule.section][0].append(ri)
        for ci, cov in enumerate(model.covers):
            by_section[cov.section][1].append(ci)
        sections: dict[str, int] = {}
        parts: list[Part] = []
        unknowable = Unknowable(m, vs, assume)  # no branch on a value the assumptions say nobody can give
        for sec in model.sections:
            building = (f"section '{sec.name}'", [sec.guard, *(model.rules[ri].condition for ri in
                                                                by_section[sec.name][0])], sec.span)
            node, sec_parts = _parts(b, sec, *by_section[sec.name], over, rule_nodes, assume, gap_nodes)
            if node is not None:
                sections[sec.name] = unknowable(node)
            parts.extend(p._replace(node=unknowable(p.node)) for p in sec_parts)
        lets = {}
        for name in model.lets:
            building = (f"let '{name}'", [LetRef(name)], model.lets[name].span)
            lets[name] = m.apply(_or_impossible, b.cond(LetRef(name)), assume)
    except TooManyNodes as e:
        what, exprs, span = building
        raise GraphTooLarge(_busiest(model, vs, exprs), e.limit, what, span) from None
    sections = {name: projected(model, vs, m, name, node) for name, node in sections.items()}  # what is drawn
    m.clear_caches()  # the compile's and/or/not memos are not needed by the readers of the diagrams
    leaves: dict[LeafKey, Leaf] = {}
    decode = leaf_decoder(model)
    for node in {p.node for p in parts} | set(sections.values()):  # (a projected diagram has no other leaves)
        for key in m.terminals(node):
            if key not in leaves:
                leaves[key] = decode(key)
    graph = nx.DiGraph()
    roots: dict[str, str] = {}
    part_roots: dict[str, tuple[str, ...]] = {}
    drawn: dict[str, Drawn] = {}
    for s in model.sections:
        if s.name in sections:
            node = sections[s.name]
            ids = add_section_graph(graph, model, vs, m, s.name, node, leaves)
            roots[s.name] = ids[node]
            drawn[ids[node]] = Drawn(node, ids)
        else:
            own: list[str] = []
            for k, p in enumerate(q for q in parts if q.section == s.name):
                shown = projected(model, vs, m, s.name, p.node)
                ids = add_section_graph(graph, model, vs, m, s.name, shown, leaves, prefix=f"{s.name}/p{k}")
                own.append(ids[shown])
                drawn[ids[shown]] = Drawn(shown, ids)
            part_roots[s.name] = tuple(own)
    return CompiledGuideline(
        model=model, graph=graph, roots=roots, order=tuple(v.name for v in vs), mdd=m, vars=vs,
        section_nodes=sections, let_nodes=lets, assume_node=assume,
        rule_nodes={r.name: rule_nodes[i] for i, r in enumerate(model.rules)}, leaves=leaves,
        rule_index={r.name: i for i, r in enumerate(model.rules)}, parts=tuple(parts), part_roots=part_roots,
        section_rules={s.name: tuple(by_section[s.name][0]) for s in model.sections}, drawn=drawn,
        cover_gaps=cover_gaps, together=together, adjust_nodes=adjust_nodes,
        solve=theory.solve if theory is not None else None, classified=classified(model, b.cond, m))
