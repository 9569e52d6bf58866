"""Python source generated from the diagrams: the all-known path, the partial path and the branch finder.

Why: walking the diagrams node by node costs microseconds per step. When every input is known each diagram is just
a nested ``if``/``else`` on the facts, so we write that out as Python source once per guideline, ``compile()`` it
(our own generated text: no author text is ever evaluated; names and values appear only as ``repr`` literals) and
call it. Shared subdiagrams too large to inline become helper functions. What turns the leaves reached into a
result is engine/evaluate/fast.py.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from engine.compile.guideline import CompiledGuideline, Var
from engine.core.model import Interval

INLINE_LIMIT = 4000  # generated lines per section before shared nodes become functions
MEMO_LIMIT = 50_000


def _number(v: float) -> str:
    """A threshold as a literal: a whole float as an int (``x <= 41`` is ``x <= 41.0`` for every int and float,
    Python compares them exactly, and an int with an int is the interpreter's specialised, faster comparison)."""
    return repr(int(v)) if isinstance(v, float) and v.is_integer() and abs(v) < 2**53 else repr(v)


def branch_test(var: Var, x: str, branches: list[int], excluded: frozenset[int] = frozenset()) -> str:
    """A Python test that the (known) value ``x`` of ``var`` takes one of ``branches``, given that it is in none
    of the cells ``excluded`` (the branches an ``if``/``elif`` chain tested before): a bound between a span and
    cells already excluded up to the domain's end is implied, and left out."""
    if var.numeric:
        parts = []
        last = len(var.branches) - 1
        for lo, hi in _spans(branches):
            a, b = var.branches[lo], var.branches[hi]
            assert isinstance(a, Interval) and isinstance(b, Interval)
            conds = []  # the first cell's low end and the last cell's high end are the domain's: facts are in it
            if a.low is not None and lo > 0 and not excluded.issuperset(range(lo)):
                conds.append(f"{x} {'>=' if a.low_closed else '>'} {_number(a.low)}")
            if b.high is not None and hi < last and not excluded.issuperset(range(hi + 1, last + 1)):
                conds.append(f"{x} {'<=' if b.high_closed else '<'} {_number(b.high)}")
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


class Emitter:
    """Writes diagrams out as nested ``if``s. ``partial``: inputs may be missing (read as ``M_``); a test of a
    missing input's variable gives ``-1 - node`` ("undecided from this node on") instead of choosing a branch, and
    ``known:x``
    variables test whether ``x`` is given."""

    def __init__(self, g: CompiledGuideline, names: dict[int, str], partial: bool = False) -> None:
        self.g, self.m, self.names, self.partial = g, g.mdd, names, partial
        self.leaf_ids: dict[Any, int] = {}
        self.funcs: dict[int, str] = {}
        self.args: dict[int, str] = {}
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
            out.append(f"{pad}{target} = {self.funcs[n]}({self.args[n]})")
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
        excluded: frozenset[int] = frozenset()  # the branches of the tests above in this chain (they failed)
        for k, (child, branches) in enumerate(items):
            if k == len(items) - 1:
                out.append(f"{pad}else:" if k or self.partial else f"{pad}if True:")
            else:
                out.append(f"{pad}{first if k == 0 else 'elif'} {branch_test(var, x, branches, excluded)}:")
                excluded |= frozenset(branches)
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
        for n in sorted(self.funcs):  # the values a helper tests are its arguments: the caller has read them (a
            # helper's variables are among its caller's), and passing them costs less than reading the facts again
            self.args[n] = ", ".join(self.names[i] for i in self.m.support(n) if i in self.names)
        for n in sorted(self.funcs):
            body: list[str] = [f"def {self.funcs[n]}({self.args[n]}):"]
            self.emit(n, "r_", 1, body, top=True)
            body.append("    return r_")
            self.func_src.append("\n".join(body))


def _finish(g: CompiledGuideline, em: Emitter, lines: list[str]) -> tuple[str, list[Any]]:
    """The body shared by the all-known and the partial function: every part's diagram into ``s<k>``, every
    let's into ``t<k>``, both returned as tuples; and the leaf keys by leaf number."""
    for k, p in enumerate(g.parts):
        em.emit(p.node, f"s{k}", 1, lines, top=True)
    for k, node in enumerate(g.let_nodes.values()):
        em.emit(node, f"t{k}", 1, lines, top=True)
    secs = "".join(f"s{k}, " for k in range(len(g.parts)))
    lets = "".join(f"t{k}, " for k in range(len(g.let_nodes)))
    lines.append(f"    return ({secs}), ({lets})")
    keys = sorted(em.leaf_ids, key=em.leaf_ids.__getitem__)
    return "\n\n".join([*em.func_src, "\n".join(lines)]) + "\n", keys


def generate(g: CompiledGuideline) -> tuple[str, list[Any]]:
    """The source of ``fast_(facts_)`` -> (leaf numbers per section, let values), or None when an input is
    missing; and the leaf keys by leaf number."""
    names = {i: f"x{i}" for i, v in enumerate(g.vars) if v.kind != "known"}
    em = Emitter(g, names)
    roots = [p.node for p in g.parts] + list(g.let_nodes.values())
    em.plan_functions(roots)
    lines = ["def fast_(facts_):"]
    reads = [f"        {names[i]} = facts_[{v.input!r}]" for i, v in enumerate(g.vars) if v.kind != "known"]
    if reads:
        lines += ["    try:", *reads, "    except KeyError:", "        return None"]
    return _finish(g, em, lines)


def generate_partial(g: CompiledGuideline) -> tuple[str, list[Any]]:
    """The source of ``partial_(facts_)`` -> (per section a leaf number, per let its value; or ``-1 - node`` for
    a diagram whose path reaches ``node``, a test of a missing input) for facts that may miss inputs: a diagram is
    decided when the path the known values take never tests a missing input; and the leaf keys by leaf
    number."""
    names = {i: f"x{i}" for i in range(len(g.vars))}
    em = Emitter(g, names, partial=True)
    roots = [p.node for p in g.parts] + list(g.let_nodes.values())
    em.plan_functions(roots)
    lines = ["def partial_(facts_):"]
    lines += [f"    {names[i]} = {em.read(v.input)}" for i, v in enumerate(g.vars)]
    return _finish(g, em, lines)


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
            parts = [f"{k} if {branch_test(v, x, [k])} else " for k in range(len(v.branches) - 1)]
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


def all_known_function(g: CompiledGuideline) -> tuple[Callable[[Mapping[str, Any]], Any], list[Any]]:
    """The compiled :func:`generate` function and its leaf keys."""
    src, keys = generate(g)
    namespace: dict[str, Any] = {}
    exec(compile(src, f"<guidegraph fast path: {g.model.file}>", "exec"), namespace)
    return namespace["fast_"], keys


def rules_function(src: str, label: str, constants: Mapping[str, Any]) -> Callable[[Mapping[str, Any]], Any]:
    """The ``rules_`` function of ``src``, the source :func:`engine.evaluate.rulecode.generate_rules` wrote from
    the diagrams (like every source compiled here: no author text, names and values only as ``repr`` literals),
    with the global names ``constants`` (the values it appends). Compiled here so that this module stays the one
    place where the evaluator runs generated code."""
    namespace: dict[str, Any] = dict(constants)
    exec(compile(src, f"<guidegraph rule path: {label}>", "exec"), namespace)
    return namespace["rules_"]  # type: ignore[no-any-return]


__all__ = ["Emitter", "all_known_function", "branch_test", "branches_function", "generate", "generate_partial",
           "partial_evaluator", "rules_function"]
