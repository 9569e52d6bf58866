"""The part of a section's diagram one patient walks through, for highlighting in a figure.

The walk follows the contract of evaluation: at a decision node the patient's value picks the matching out-edge;
an input the case leaves out (or gives as null) is unknown, and an unknown input follows *every* branch, so the
highlighted region shows all the places the patient may still end up. ``known:x`` variables are answered by
whether ``x`` is given. A value that matches no edge (bad data, which case loading rejects first) stops the walk.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from visualize.labels import edge_intervals


def _same(a: Any, b: Any) -> bool:
    """Equality that keeps ``True`` and ``1`` apart (a bool answer never matches an integer enum value)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    return bool(a == b)


def _contains(iv: tuple[float | None, float | None, bool, bool], x: float) -> bool:
    low, high, low_closed, high_closed = iv
    if low is not None and (x < low or (x == low and not low_closed)):
        return False
    return not (high is not None and (x > high or (x == high and not high_closed)))


def follows(node: Mapping[str, Any], edge: Mapping[str, Any], facts: Mapping[str, Any]) -> bool:
    """Whether a patient with ``facts`` may take ``edge`` out of the decision ``node``."""
    var = str(node.get("var", ""))
    name = str(node.get("input", var.removeprefix("known:")))
    if var.startswith("known:"):
        known = facts.get(name) is not None
        return any(_same(v, known) for v in edge.get("values") or [])
    value = facts.get(name)
    if value is None:
        return True
    intervals = edge_intervals(edge)
    if intervals:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        return any(_contains(iv, float(value)) for iv in intervals)
    return any(_same(v, value) for v in edge.get("values") or [])


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
