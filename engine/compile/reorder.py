"""A section's diagram rebuilt over another variable order, for a reader (``visualize.order`` picks the order).

Evaluation, the checks and the graph of docs/graph.md keep the compiled order; a figure may ask its questions in
another. The rebuilt diagram is the same function of the inputs (same leaves, same impossible regions), reduced
and hash-consed in a scratch store of its own, so the compiled data is never changed.
"""

from __future__ import annotations

from collections.abc import Sequence

import networkx as nx

from engine.compile.graph import add_section_graph
from engine.compile.guideline import CompiledGuideline, Var
from engine.compile.mdd import MDD


def section_support(compiled: CompiledGuideline, section: str) -> tuple[str, ...]:
    """The variables section ``section``'s diagram tests, in the compiled order (empty for a wide section)."""
    node = compiled.section_nodes.get(section)
    if node is None:
        return ()
    return tuple(compiled.vars[lv].name for lv in compiled.mdd.support(node))


class Reordered:
    """Section ``section``'s diagram over ``order`` (names of the variables it tests, each once, in any order):
    ``mdd``, ``root`` and ``vars`` (level ``i`` of ``mdd`` is ``vars[i]``)."""

    def __init__(self, compiled: CompiledGuideline, section: str, order: Sequence[str]) -> None:
        old = compiled.mdd
        level = {v.name: i for i, v in enumerate(compiled.vars)}
        levels = [level[name] for name in order]
        if sorted(levels) != old.support(compiled.section_nodes[section]):
            raise ValueError(f"the order of section {section!r} must name each variable it tests once")
        self.vars: tuple[Var, ...] = tuple(compiled.vars[lv] for lv in levels)
        scratch = MDD(old.sizes)  # restrictions build nodes: never in the compiled store
        copied: dict[int, int] = {}

        def copy(u: int) -> int:
            r = copied.get(u)
            if r is None:
                r = copied[u] = (scratch.terminal(old.value(u)) if old.is_terminal(u)
                                 else scratch.node(old.level(u), [copy(c) for c in old.children(u)]))
            return r

        self.mdd = MDD([old.sizes[lv] for lv in levels])
        memo: dict[tuple[int, int], int] = {}

        def build(i: int, u: int) -> int:
            if scratch.is_terminal(u):
                return self.mdd.terminal(scratch.value(u))
            r = memo.get((i, u))
            if r is None:
                lv = levels[i]
                r = memo[(i, u)] = self.mdd.node(i, [build(i + 1, scratch.restrict(u, lv, b))
                                                     for b in range(old.sizes[lv])])
            return r

        self.root = build(0, copy(compiled.section_nodes[section]))

    def size(self) -> int:
        """The number of decision nodes."""
        return sum(1 for n in self.mdd.reachable(self.root) if not self.mdd.is_terminal(n))

    def graph(self, compiled: CompiledGuideline, section: str) -> tuple[nx.DiGraph, str]:
        """The diagram copied as :func:`engine.compile.graph.add_section_graph` copies a compiled one (same ids
        scheme and attributes), in a graph of its own; and its root's id."""
        g = nx.DiGraph()
        ids = add_section_graph(g, compiled.model, self.vars, self.mdd, section, self.root, compiled.leaves)
        return g, ids[self.root]


def section_diagram(compiled: CompiledGuideline, section: str, order: Sequence[str]) -> tuple[nx.DiGraph, str]:
    """Section ``section``'s diagram over ``order`` as a graph of its own (see :class:`Reordered`), and its root."""
    return Reordered(compiled, section, order).graph(compiled, section)
