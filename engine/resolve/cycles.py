"""Cycles and dependency order among named things (lets that use lets, rules that override rules).

Both are a directed graph of names, so both use networkx: strongly connected components find every cycle
without enumerating the (possibly exponentially many) simple cycles, ``nx.find_cycle`` gives one readable path
per component, and a lexicographic topological sort keyed by declaration order gives a stable dependency order.

>>> import networkx as nx
>>> g = nx.DiGraph([("a", "b"), ("b", "a"), ("c", "c")])
>>> cycles(g, {"a": 0, "b": 1, "c": 2})
[['a', 'b', 'a'], ['c', 'c']]
"""

from __future__ import annotations

from collections.abc import Mapping

import networkx as nx


def cycles(graph: nx.DiGraph, order: Mapping[str, int]) -> list[list[str]]:
    """One cycle per strongly connected component that has one, as a closed path ``[a, b, ..., a]``.

    Each path starts at its earliest-declared name (``order``), and the list is sorted the same way, so the
    report does not depend on hashing or on the order edges were added.
    """
    found: list[list[str]] = []
    for component in nx.strongly_connected_components(graph):
        nodes = sorted(component, key=lambda n: order.get(n, len(order)))
        start = nodes[0]
        if len(nodes) == 1 and not graph.has_edge(start, start):
            continue
        edges = nx.find_cycle(graph.subgraph(component), source=start)
        path = [str(u) for u, _ in edges]
        first = min(range(len(path)), key=lambda i: order.get(path[i], len(order)))
        path = path[first:] + path[:first]
        found.append([*path, path[0]])
    return sorted(found, key=lambda p: order.get(p[0], len(order)))


def dependency_order(graph: nx.DiGraph, order: Mapping[str, int]) -> list[str]:
    """Names so that each comes after everything it depends on (edges point from dependency to dependent);
    ties keep declaration order. The graph must be acyclic."""
    return list(nx.lexicographical_topological_sort(graph, key=lambda n: order.get(n, len(order))))
