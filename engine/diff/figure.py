"""The new version's figure with the leaves whose patients' recommendations changed marked (``diff --figure``).

A leaf of the new version's graph is marked when some patient who reaches it is in a changed region: the set of
patients reaching each graph node is built top-down over the diff's shared variables (each edge's answers as a
test of the shared variable, whose cells refine the new version's), intersected with the union of the changed
regions. Exact, like the regions: a leaf is marked if and only if one of its patients changes. The figure is the
ordinary figure of the new version (visualize.dot), each marked leaf carrying the note "changed since OLD".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import networkx as nx

from engine.compile.guideline import CompiledGuideline
from engine.core.model import Model
from engine.core.values import Interval, is_member
from engine.diff.compare import Diff


@dataclass(frozen=True)
class MarkedFigure:
    """What the renderer draws (its ``DrawableGuideline`` protocol): the new version with marked leaves."""

    model: Model
    graph: Any
    roots: Mapping[str, str]

    def case_path(self, section: str, facts: Mapping[str, Any]) -> tuple[set[str], set[tuple[str, str]]]:
        return set(), set()  # a diff figure highlights no patient


def changed_leaves(d: Diff, new: CompiledGuideline) -> set[str]:
    """The leaves of ``new``'s graph (its section diagrams) that some patient of a changed region reaches."""
    m, joint = d.mdd, d.joint
    level = {v.name: i for i, v in enumerate(joint.vars)}
    changed = m.or_(*[r.node for r in d.regions]) if d.regions else m.FALSE
    graph = new.graph
    tests: dict[tuple[str, str], int] = {}

    def edge_test(u: str, v: str) -> int:
        found = tests.get((u, v))
        if found is None:
            found = tests[(u, v)] = _edge_test(m, joint, level, graph.nodes[u], graph.edges[u, v])
        return found

    marked: set[str] = set()
    for root in new.roots.values():
        below = nx.descendants(graph, root) | {root}
        reach: dict[str, int] = {root: d.care}
        for node in nx.topological_sort(graph.subgraph(below)):
            here = reach.get(node, m.FALSE)
            if graph.nodes[node]["kind"] == "leaf":
                if m.and_(here, changed) != m.FALSE:
                    marked.add(node)
                continue
            for child in graph.successors(node):
                reach[child] = m.or_(reach.get(child, m.FALSE), m.and_(here, edge_test(node, child)))
    return marked


def _edge_test(m: Any, joint: CompiledGuideline, level: dict[str, int], node: Mapping[str, Any],
               edge: Mapping[str, Any]) -> int:
    """The answers on one edge of the new version's graph as a diagram over the shared variables."""
    lv = level[node["var"]]
    var = joint.vars[lv]
    if "values" in edge:
        return int(m.test(lv, {i for i, b in enumerate(var.branches) if is_member(b, edge["values"])}))
    spans = [Interval.from_json(iv) for iv in edge.get("intervals") or [edge["interval"]]]
    integer = var.kind == "integer"
    return int(m.test(lv, {i for i, c in enumerate(var.branches) if isinstance(c, Interval)
                           and any(s.contains(c.point("representative", integer=integer)) for s in spans)}))


def marked_figure(d: Diff, new: CompiledGuideline, since: str) -> MarkedFigure:
    """``new``'s graph with ``changed: since`` on every changed leaf (the renderer shows it as a note)."""
    graph = new.graph.copy()
    for leaf in changed_leaves(d, new):
        graph.nodes[leaf]["changed"] = since
    return MarkedFigure(new.model, graph, dict(new.roots))
