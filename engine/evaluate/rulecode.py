"""The all-known path written per rule, the way a programmer writes ``if``s, from the rules' own diagrams.

Why not the section diagrams: a section's diagram holds the combination of its rules' statuses, so its code tests
every variable on a path and, on a guideline of a thousand rules, runs to megabytes of which any one case runs a
different, mostly cold, part. With every input known no rule is pending, and a rule's status follows from which
rules *apply* (engine/compile/units.py: an entry is set aside exactly when one of its unit's overriders applies),
so the result needs only each rule's truth. Each rule's diagram (``CompiledGuideline.rule_nodes``, small: one
rule's condition) is written out as nested ``if``s, the same tests the section diagrams make
(:func:`~engine.evaluate.codegen.branch_test`), and the code grows with the sum of the rules, not their product.

A section's rules are written inside one test that each of them implies, read off their diagrams
(:func:`projection`: the values a variable may take where the rule holds), so a case outside a section's guard
pays for one comparison, not one per rule; inside it those values are known, and the rules' diagrams skip the
tests they decide. Covers, gaps and "inside" are not part of a result (verdicts are derived from the result and
the facts, lazily), and no leaf is built.

``rules_(facts_)`` returns ``(entries, overridden, clash, lets)``: the active entries in result order (section,
strength rank, rule, entry: :func:`entry_order`), each the constant ``F<number>`` its caller binds to the fields of
its Recommendation; the overridden ones as ``(number, flags)`` (per overrider of the entry's unit, whether it
applies); whether an entry that may conflict is active; and the let values; or None when an input is missing. Facts
the assumptions rule out (unchecked facts) have no entries, and their lets are None, as every diagram says for them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple

from engine.compile.guideline import CompiledGuideline, Var
from engine.compile.mdd import MDD
from engine.compile.units import status_units
from engine.core.model import Model
from engine.evaluate.codegen import Emitter, branch_test


class EntryRef(NamedTuple):
    """One entry of a rule, numbered in result order (:func:`entry_order`), and its status unit."""

    rule: int
    entry: int
    """The entry's position in its rule."""
    unit: int


def entry_order(model: Model) -> tuple[EntryRef, ...]:
    """Every entry of every rule in the order results list them: section, strength rank, rule, entry (the order
    of :func:`engine.evaluate.assemble.plan_of`), so a case's entries come out sorted by being written in it."""
    section_pos = {s.name: i for i, s in enumerate(model.sections)}
    of_entry = status_units(model).of_entry
    keyed = sorted((section_pos.get(r.section, 0), e.strength.rank, ri, ei)
                   for ri, r in enumerate(model.rules) for ei, e in enumerate(r.entries))
    return tuple(EntryRef(ri, ei, of_entry[ri, ei]) for _, _, ri, ei in keyed)


def projection(g: CompiledGuideline, node: int) -> dict[int, frozenset[int]]:
    """Per variable level, the branches it may take where the boolean diagram ``node`` is true with every input
    known (``known:x`` on its branch 1); levels left out may take any branch. Sound, not exact: a satisfying
    assignment follows a path to a true terminal, and at each level the path either tests the variable (through
    a child from which true is reachable: that branch is listed) or skips it (the level is then unrestricted).
    Every level is one or the other on each path, so only the levels some live node tests can be restricted."""
    m, vs = g.mdd, g.vars
    live: dict[int, bool] = {}

    def is_live(n: int) -> bool:  # iterative post-order: a diagram may be as deep as there are variables
        stack = [n]
        while stack:
            u = stack[-1]
            if u in live:
                stack.pop()
                continue
            kids = _kids(m, vs, u)
            todo = [c for c in kids if c not in live]
            if todo:
                stack.extend(todo)
                continue
            stack.pop()
            live[u] = m.value(u) is True if m.is_terminal(u) else any(live[c] for c in kids)
        return live[n]

    if not is_live(node):
        return {lv: frozenset() for lv, v in enumerate(vs) if v.kind != "known"}
    allowed: dict[int, set[int]] = {}
    skips: set[tuple[int, int]] = {(-1, m.level(node))}  # (a, b): a live path goes from level a to b, skipping between
    for n in m.reachable(node):
        if m.is_terminal(n) or not is_live(n):
            continue
        lv = m.level(n)
        kids = m.children(n)
        for b in ((1,) if vs[lv].kind == "known" else range(len(kids))):
            c = kids[b]
            if is_live(c):
                allowed.setdefault(lv, set()).add(b)
                skips.add((lv, m.level(c)))
    return {lv: frozenset(bs) for lv, bs in allowed.items()
            if vs[lv].kind != "known" and not any(a < lv < b for a, b in skips)}


def _kids(m: MDD, vs: Sequence[Var], u: int) -> tuple[int, ...]:
    """The children a path with every input known may take (``known:x`` is always on its branch 1)."""
    if m.is_terminal(u):
        return ()
    kids = m.children(u)
    return (kids[1],) if vs[m.level(u)].kind == "known" else kids


def _union(projections: Iterable[dict[int, frozenset[int]]]) -> dict[int, frozenset[int]]:
    """Where any of several diagrams may be true: per level the union of the branches (unrestricted if any is)."""
    out: dict[int, frozenset[int]] | None = None
    for p in projections:
        out = dict(p) if out is None else {lv: out[lv] | p[lv] for lv in out.keys() & p.keys()}
    return out or {}


class _Writer:
    """Writes boolean diagrams as nested ``if``s that run ``on_true``/``on_false`` lines, given a context: per
    level, the branches the enclosing tests leave possible (a test they decide is not written)."""

    def __init__(self, g: CompiledGuideline, em: Emitter) -> None:
        self.g, self.m, self.em = g, g.mdd, em

    def constant(self, n: int, ctx: dict[int, frozenset[int]]) -> bool | None:
        """The value of the boolean diagram ``n`` when the context decides it (every path the context leaves
        possible ends at the same terminal), else None."""
        m, vs = self.m, self.g.vars
        seen: set[int] = set()
        found: set[object] = set()
        stack = [n]
        while stack and len(found) < 2:
            u = stack.pop()
            if u in seen:
                continue
            seen.add(u)
            if m.is_terminal(u):
                found.add(m.value(u))
                continue
            lv = m.level(u)
            kids = m.children(u)
            stack.extend([kids[1]] if vs[lv].kind == "known" else [kids[b] for b in ctx.get(lv, range(len(kids)))])
        value = found.pop() if len(found) == 1 else None
        return value if isinstance(value, bool) else None

    def write(self, n: int, ctx: dict[int, frozenset[int]], on_true: list[str], on_false: list[str], indent: int,
              out: list[str]) -> None:
        m, vs, em = self.m, self.g.vars, self.em
        pad = "    " * indent
        while not m.is_terminal(n) and vs[m.level(n)].kind == "known":
            n = m.children(n)[1]
        if m.is_terminal(n):
            value = m.value(n)
            assert value is True or value is False, value  # a rule's condition or the assumptions: boolean
            out.extend(pad + line for line in (on_true if value else on_false) or ["pass"])
            return
        if n in em.funcs:
            out.append(f"{pad}if {em.funcs[n]}({em.args[n]}):")
            out.extend(f"{pad}    {line}" for line in on_true or ["pass"])
            if on_false:
                out.append(f"{pad}else:")
                out.extend(f"{pad}    {line}" for line in on_false)
            return
        lv = m.level(n)
        var, x = vs[lv], em.names[lv]
        everything = frozenset(range(len(var.branches)))
        possible = ctx.get(lv, everything)
        groups: dict[int, list[int]] = {}
        for b in sorted(possible):
            groups.setdefault(m.children(n)[b], []).append(b)
        items = list(groups.items())
        if len(items) == 1:
            self.write(items[0][0], ctx, on_true, on_false, indent, out)
            return
        dropped = False
        if not on_false:  # a branch that leads to "false" with nothing to do is tested last, i.e. not at all
            items.sort(key=lambda item: m.is_terminal(item[0]) and m.value(item[0]) is False)
            last = items[-1][0]
            if m.is_terminal(last) and m.value(last) is False:
                items.pop()
                dropped = True
        excluded = everything - possible  # cells the context rules out: bounds against them are implied
        for k, (child, branches) in enumerate(items):
            if k == len(items) - 1 and not dropped:
                out.append(f"{pad}else:")
            else:
                out.append(f"{pad}{'elif' if k else 'if'} {branch_test(var, x, branches, excluded)}:")
                excluded |= frozenset(branches)
            self.write(child, ctx, on_true, on_false, indent + 1, out)


def generate_rules(g: CompiledGuideline) -> tuple[str, tuple[EntryRef, ...]]:
    """The source of ``rules_(facts_)`` (see the module docstring) and the entries by number."""
    model, m, vs = g.model, g.mdd, g.vars
    units = status_units(model).units
    order = entry_order(model)
    names = {i: f"x{i}" for i, v in enumerate(vs) if v.kind != "known"}
    em = Emitter(g, names)
    rule_node = [g.rule_nodes[r.name] for r in model.rules]
    em.plan_functions([*rule_node, *g.let_nodes.values(), g.assume_node])  # only diagrams too big to inline
    w = _Writer(g, em)
    section_of = [r.section for r in model.rules]
    # rules whose truth an entry of another section needs (its unit's overriders) are computed first, everywhere
    prelude = sorted({o for e in order for o in units[e.unit].over if section_of[o] != section_of[e.rule]})
    clashing = clashing_entries(model, order)
    body: list[str] = []
    for ri in prelude:
        w.write(rule_node[ri], {}, [f"a{ri} = True"], [f"a{ri} = False"], 0, body)
    by_section: dict[str, list[int]] = {sec.name: [] for sec in model.sections}
    for k, e in enumerate(order):
        by_section[section_of[e.rule]].append(k)
    for sec in model.sections:
        body += _section(w, g, by_section[sec.name], order, set(prelude), rule_node, clashing)
    any_over = any(units[e.unit].over for e in order)
    lines = ["def rules_(facts_):"]
    reads = [f"        {names[i]} = facts_[{v.input!r}]" for i, v in enumerate(vs) if v.kind != "known"]
    if reads:
        lines += ["    try:", *reads, "    except KeyError:", "        return None"]
    lines += ["    ids_ = []", "    e_ = ids_.append", "    c_ = False"]
    lines += ["    ov_ = []", "    o_ = ov_.append"] if any_over else ["    ov_ = ()"]
    if m.is_terminal(g.assume_node) and m.value(g.assume_node) is True:
        lines += ["    " + line for line in body]
    else:
        w.write(g.assume_node, {}, ["ok_ = True"], ["ok_ = False"], 1, lines)
        lines += ["    if ok_:", *("        " + line for line in body or ["pass"])]
    for k, node in enumerate(g.let_nodes.values()):  # their diagrams give None where the assumptions fail
        em.emit(node, f"t{k}", 1, lines, top=True)
    lets = "".join(f"t{k}, " for k in range(len(g.let_nodes)))
    lines.append(f"    return ids_, ov_, c_, ({lets})")
    return "\n\n".join([*em.func_src, "\n".join(lines)]) + "\n", order


def clashing_entries(model: Model, order: Sequence[EntryRef]) -> frozenset[int]:
    """The entries (numbers) against an action that some entry recommends: only when one of them is active can a
    case have a conflict, and the generated code says whether one was (``c_``)."""
    written = [model.rules[e.rule].entries[e.entry] for e in order]
    recommended = {w.action for w in written if w.strength.positive}
    return frozenset(k for k, w in enumerate(written) if not w.strength.positive and w.action in recommended)


def _append(k: int, clashing: frozenset[int]) -> list[str]:
    """The lines that append entry ``k`` (the fields of its Recommendation, the constant ``F<k>``)."""
    return [f"e_(F{k})", "c_ = True"] if k in clashing else [f"e_(F{k})"]


def _section(w: _Writer, g: CompiledGuideline, ks: list[int], order: Sequence[EntryRef], prelude: set[int],
             rule_node: Sequence[int], clashing: frozenset[int]) -> list[str]:
    """The lines (at indent 0) that append a section's entries ``ks`` (numbers, in result order), inside the
    test all of its rules imply. A rule whose entries follow each other in result order, that nothing overrides
    and that overrides nothing here appends them where its diagram holds (as a programmer's ``if`` would); the
    truth of the others is computed first (a rule the context decides is a constant) and their entries are then
    appended one by one, in order, each active or set aside by its unit's overriders."""
    if not ks:
        return []
    model, vs = g.model, g.vars
    units = status_units(model).units
    with_entries = list(dict.fromkeys(order[k].rule for k in ks))
    ctx = _union(projection(g, rule_node[ri]) for ri in with_entries)
    if any(not branches for branches in ctx.values()):
        return []  # no rule with entries here can apply
    ctx = {lv: b for lv, b in ctx.items() if len(b) < len(vs[lv].branches)}
    out: list[str] = []
    indent = 0
    if ctx:
        tests = [f"({branch_test(vs[lv], w.em.names[lv], sorted(b))})" for lv, b in sorted(ctx.items())]
        out.append(f"if {' and '.join(tests)}:")
        indent = 1
    section = model.rules[order[ks[0]].rule].section
    needed = {o for k in ks for o in units[order[k].unit].over}
    mine: dict[int, list[int]] = {}  # per rule, the positions of its entries in ``ks``
    for i, k in enumerate(ks):
        mine.setdefault(order[k].rule, []).append(i)
    direct = {ri for ri, at in mine.items() if ri not in needed and ri not in prelude
              and at == list(range(at[0], at[-1] + 1)) and not any(units[order[ks[i]].unit].over for i in at)}
    truth: dict[int, str] = {ri: f"a{ri}" for ri in prelude}
    for ri in sorted((set(with_entries) - direct | {o for o in needed if model.rules[o].section == section})
                     - prelude):
        fixed = w.constant(rule_node[ri], ctx)
        if fixed is None:
            w.write(rule_node[ri], ctx, [f"a{ri} = True"], [f"a{ri} = False"], indent, out)
        truth[ri] = f"a{ri}" if fixed is None else repr(fixed)
    pad = "    " * indent
    i = 0
    while i < len(ks):
        e = order[ks[i]]
        if e.rule in direct:
            w.write(rule_node[e.rule], ctx, [line for j in mine[e.rule] for line in _append(ks[j], clashing)], [],
                    indent, out)
            i += len(mine[e.rule])
            continue
        i += 1
        over = [o for o in units[e.unit].over if truth[o] != "False"]
        applies = truth[e.rule]
        if applies == "False":
            continue
        inner = pad
        if applies != "True":
            out.append(f"{pad}if {applies}:")
            inner = pad + "    "
        if not over:
            out.extend(inner + line for line in _append(ks[i - 1], clashing))
            continue
        flags = "".join(f"{truth[o]}, " for o in units[e.unit].over)
        if any(truth[o] == "True" for o in over):
            out.append(f"{inner}o_(({ks[i - 1]}, ({flags})))")
            continue
        out.append(f"{inner}if {' or '.join(truth[o] for o in over)}:")
        out.append(f"{inner}    o_(({ks[i - 1]}, ({flags})))")
        out.append(f"{inner}else:")
        out.extend(f"{inner}    {line}" for line in _append(ks[i - 1], clashing))
    return out


__all__ = ["EntryRef", "clashing_entries", "entry_order", "generate_rules", "projection"]
