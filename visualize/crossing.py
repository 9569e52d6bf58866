"""Edge crossings of a plan, estimated the way ``dot`` lays it out, for choosing between reading orders.

Two question orders that draw as many boxes may still differ for a reader: in one, edges to a shared box cross
the others. Running ``dot`` for every order the sifting tries (hundreds per section) would cost seconds, so this
is the layered model ``dot`` itself minimises crossings in: each box on the rank of its longest path from the
root, an edge spanning several ranks replaced by a chain of virtual nodes, boxes first ordered as a depth-first walk
meets them (``dot``'s initial order), then barycentre sweeps down and up; the count is the fewest crossings between
adjacent ranks any sweep reached. It is an estimate (``dot`` also transposes neighbours and routes splines); what a
reader sees is measured on the SVG (scripts/figure_report.py).
"""

from __future__ import annotations

import itertools

from visualize.plan import SectionPlan

SWEEPS = 4
"""Down-and-up barycentre sweeps (``dot``'s mincross runs a few dozen with more tricks; a tie-break needs less)."""


def _layers(plan: SectionPlan) -> tuple[list[list[str]], list[tuple[str, str]]]:
    """The ranks (each in depth-first order) and the edges between adjacent ranks, long edges split by virtual
    nodes."""
    out: dict[str, list[str]] = {}
    parents: dict[str, list[str]] = {}
    for e in plan.edges:
        out.setdefault(e.src, []).append(e.dst)
        parents.setdefault(e.dst, []).append(e.src)
    rank: dict[str, int] = {}

    def rank_of(n: str) -> int:
        if n not in rank:
            rank[n] = 0  # guards against a cycle in a malformed plan
            rank[n] = 1 + max((rank_of(p) for p in parents.get(n, [])), default=-1)
        return rank[n]

    order: list[str] = []
    seen: set[str] = set()
    todo = [dn.id for dn in reversed(plan.nodes) if dn.id not in parents]
    while todo:
        n = todo.pop()
        if n in seen:
            continue
        seen.add(n)
        order.append(n)
        todo.extend(reversed(out.get(n, [])))
    layers: dict[int, list[str]] = {}
    for n in order:
        layers.setdefault(rank_of(n), []).append(n)
    edges: list[tuple[str, str]] = []
    for k, e in enumerate(plan.edges):
        if e.src not in seen or e.dst not in seen:
            continue
        prev = e.src
        for r in range(rank_of(e.src) + 1, rank_of(e.dst)):
            virtual = f"\0{k}:{r}"
            layers[r].append(virtual)
            edges.append((prev, virtual))
            prev = virtual
        edges.append((prev, e.dst))
    return [layers[r] for r in sorted(layers)], edges


def _count(layers: list[list[str]], edges: list[tuple[str, str]]) -> int:
    pos = {n: i for layer in layers for i, n in enumerate(layer)}
    rank = {n: r for r, layer in enumerate(layers) for n in layer}
    between: dict[int, list[tuple[int, int]]] = {}
    for u, v in edges:
        between.setdefault(rank[u], []).append((pos[u], pos[v]))
    return sum(1 for pairs in between.values() for (a, b), (c, d) in itertools.combinations(pairs, 2)
               if (a - c) * (b - d) < 0)


def crossings(plan: SectionPlan) -> int:
    """The fewest crossings between adjacent ranks the sweeps reach for ``plan`` drawn top-down (0 for a tree)."""
    layers, edges = _layers(plan)
    up: dict[str, list[str]] = {}
    down: dict[str, list[str]] = {}
    for u, v in edges:
        down.setdefault(u, []).append(v)
        up.setdefault(v, []).append(u)
    best = _count(layers, edges)
    for _ in range(SWEEPS):
        for rng, near in ((range(1, len(layers)), up), (range(len(layers) - 2, -1, -1), down)):
            for r in rng:
                pos = {n: i for layer in layers for i, n in enumerate(layer)}
                here = layers[r]
                bary = {n: (sum(pos[m] for m in near[n]) / len(near[n]) if near.get(n) else float(i))
                        for i, n in enumerate(here)}
                layers[r] = sorted(here, key=bary.__getitem__)
            best = min(best, _count(layers, edges))
            if best == 0:
                return 0
    return best
