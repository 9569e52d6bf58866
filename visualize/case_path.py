"""The part of a section's diagram one patient walks through, for highlighting in a figure.

The walk follows the contract of evaluation: at a decision node the patient's value picks the matching out-edge;
an input the case leaves out (or gives as null) is unknown, and an unknown input follows *every* branch, so the
highlighted region shows all the places the patient may still end up. ``known:x`` variables are answered by
whether ``x`` is given. A value that matches no edge (bad data, which case loading rejects first) stops the walk.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.core.values import Interval, same_member
from visualize.labels import edge_intervals


def follows(node: Mapping[str, Any], edge: Mapping[str, Any], facts: Mapping[str, Any]) -> bool:
    """Whether a patient with ``facts`` may take ``edge`` out of the decision ``node``."""
    var = str(node.get("var", ""))
    name = str(node.get("input", var.removeprefix("known:")))
    if var.startswith("known:"):
        known = facts.get(name) is not None
        return any(same_member(v, known) for v in edge.get("values") or [])
    value = facts.get(name)
    if value is None:
        return True
    intervals = edge_intervals(edge)
    if intervals:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        return any(Interval(*iv).contains(float(value)) for iv in intervals)
    return any(same_member(v, value) for v in edge.get("values") or [])


def case_path(graph: Any, root: str, facts: Mapping[str, Any]) -> tuple[set[str], set[tuple[str, str]]]:
    """The nodes and edges of ``graph`` (a networkx DiGraph) reachable from ``root`` for ``facts``."""
    nodes: set[str] = set()
    edges: set[tuple[str, str]] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if node in nodes:
            continue
        nodes.add(node)
        data = graph.nodes[node]
        if data.get("kind") != "decision":
            continue
        for _, child, edge in graph.out_edges(node, data=True):
            if follows(data, edge, facts):
                edges.add((node, child))
                stack.append(child)
    return nodes, edges
