"""Reading order: each section's figure asks its questions in the order that draws the fewest boxes.

The compiled order is the declared input order of the whole file; a figure drawn in it may split first on a
question that matters little and duplicate the whole tree under it. Here each section's diagram is rebuilt
(``engine.compile.reorder``) over orders found by sifting (Rudell): each question in turn is tried at every
position, the others kept in their order, and the best position is kept: the fewest rows of boxes too wide for a
page (see ``LEAF_ROW``), then the fewest drawn boxes (the plan's nodes), then the fewest edge crossings (estimated
in ``dot``'s layered model: ``visualize.crossing``), then the fewest diagram nodes, then the earlier order; rounds
repeat while the figure improves. ``known:x`` and ``x`` move together, ``known:x`` first. A section's
``question_order`` pins the questions it names at the top, in its order; sifting places the others below them.
Only the drawing changes: evaluation and the checks keep the compiled order.

A figure with a highlighted case is drawn in the reading order too: the case's path is evaluation's walk
(``Evaluator.reach``: the case's branch of a known input, every branch of an unknown one) repeated on the
rebuilt diagram, which is the same function of the inputs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import networkx as nx

from engine.compile.graph import add_section_graph
from engine.compile.guideline import CompiledGuideline
from engine.compile.reorder import Reordered, section_support
from engine.core.model import Model
from engine.evaluate.walk import branches
from visualize.crossing import crossings
from visualize.plan import DrawableGuideline, SectionPlan, plan_section
from visualize.style import PAGES

MAX_TRIES = 400
"""Orders tried per section at most (each is a rebuilt diagram and a plan)."""

LEAF_ROW = int(PAGES["a4"].width_pt / 72 / 2.3)
"""Action boxes (about 2.3 in wide) that fit side by side on an A4 text width: a question with more answers, all
ending in boxes, is a row no page cut can narrow, so an order drawing one counts as worse whatever its size."""


def _wide_rows(plan: SectionPlan) -> int:
    """Questions of ``plan`` with more than ``LEAF_ROW`` answers that all end in boxes."""
    out: dict[str, list[str]] = {}
    for e in plan.edges:
        out.setdefault(e.src, []).append(e.dst)
    return sum(1 for kids in out.values() if len(kids) > LEAF_ROW and not any(k in out for k in kids))


class ReadingView:
    """``guideline`` with each section's diagram replaced in ``graph`` by its reading-order rebuild (same id
    scheme); ``rebuilt`` holds, per rebuilt section, the diagram and the graph id of each of its nodes."""

    def __init__(self, guideline: DrawableGuideline, compiled: CompiledGuideline, graph: nx.DiGraph,
                 roots: Mapping[str, str], rebuilt: Mapping[str, tuple[Reordered, dict[int, str]]]) -> None:
        self.base, self.compiled, self._graph, self._roots = guideline, compiled, graph, dict(roots)
        self.rebuilt = dict(rebuilt)

    @property
    def model(self) -> Model:
        return self.base.model

    @property
    def graph(self) -> Any:
        return self._graph

    @property
    def roots(self) -> Mapping[str, str]:
        return self._roots

    def case_path(self, section: str, facts: Mapping[str, Any]) -> tuple[set[str], set[tuple[str, str]]]:
        """The nodes and edges of the drawn diagram a case with ``facts`` may pass: ``Evaluator.reach``'s walk
        (the case's branch of a known input, every branch of an unknown one) on the rebuilt diagram."""
        if section not in self.rebuilt:
            return self.base.case_path(section, facts)
        r, ids = self.rebuilt[section]
        compiled = self.compiled
        evaluator = getattr(self.base, "evaluator", None)
        if evaluator is not None:  # derived values (scores, classifications) as evaluation computes them
            facts = evaluator.with_derived(facts)
        known = branches(compiled, {k: v for k, v in facts.items() if v is not None})
        level = {v.name: i for i, v in enumerate(compiled.vars)}
        branch = [known[level[v.name]] for v in r.vars]
        nodes: set[str] = set()
        edges: set[tuple[str, str]] = set()
        stack = [r.root]
        while stack:
            n = stack.pop()
            if ids[n] in nodes:
                continue
            nodes.add(ids[n])
            if r.mdd.is_terminal(n):
                continue
            b = branch[r.mdd.level(n)]
            for c in r.mdd.children(n) if b is None else (r.mdd.children(n)[b],):
                edges.add((ids[n], ids[c]))
                stack.append(c)
        return nodes, edges


def _blocks(names: tuple[str, ...]) -> list[tuple[str, ...]]:
    """The variables as units that move together (``known:x`` with ``x``)."""
    out: list[tuple[str, ...]] = []
    for n in names:
        if out and out[-1][0] == f"known:{n}":
            out[-1] = (*out[-1], n)
        else:
            out.append((n,))
    return out


class _One:
    """A view drawing one section from a graph of its own (to measure a candidate order)."""

    def __init__(self, base: DrawableGuideline, graph: nx.DiGraph, section: str, root: str) -> None:
        self.model, self.graph, self.roots = base.model, graph, {section: root}

    def case_path(self, section: str, facts: Mapping[str, Any]) -> tuple[set[str], set[tuple[str, str]]]:
        return set(), set()


def pinned(model: Model, section: str, support: Sequence[str]) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    """The blocks of ``support`` the section's ``question_order`` names, in its order, and the others in theirs (a
    name the section does not test is ignored: ``check`` warns about it, W153)."""
    order = next((s.order for s in model.sections if s.name == section), ())
    blocks = _blocks(tuple(support))
    of_input = {b[-1]: b for b in blocks}
    first = [of_input[n] for n in order if n in of_input]
    return first, [b for b in blocks if b not in first]


def reading_order(guideline: DrawableGuideline, compiled: CompiledGuideline, section: str) -> tuple[str, ...]:
    """The sifted order of the variables section ``section`` tests (see the module docstring), after the ones
    its ``question_order`` pins, which keep their places."""
    fixed, start = pinned(compiled.model, section, section_support(compiled, section))
    costs: dict[tuple[tuple[str, ...], ...], tuple[int, int, int, int]] = {}

    def cost(blocks: list[tuple[str, ...]]) -> tuple[int, int, int, int]:
        key = tuple(blocks)
        c = costs.get(key)
        if c is None:
            r = Reordered(compiled, section, [n for b in (*fixed, *blocks) for n in b])
            g, root = r.graph(compiled, section)
            plan = plan_section(_One(guideline, g, section, root), section)
            c = costs[key] = (_wide_rows(plan), len(plan.nodes), crossings(plan), r.size())
        return c

    best = start
    improved = len(start) > 1
    while improved and len(costs) < MAX_TRIES:
        improved = False
        for block in list(best):
            rest = [b for b in best if b != block]
            for i in range(len(rest) + 1):
                cand = [*rest[:i], block, *rest[i:]]
                if cost(cand) < cost(best):
                    best, improved = cand, True
    return tuple(n for b in (*fixed, *best) for n in b)


def reading_view(guideline: DrawableGuideline, sections: Sequence[str] | None = None) -> DrawableGuideline:
    """``guideline`` with ``sections`` (default: all) drawn in their reading order; itself when there is nothing to
    reorder (no compiled diagrams, e.g. a diff figure) or already a reading view."""
    compiled = getattr(guideline, "compiled", None)
    if isinstance(guideline, ReadingView) or not isinstance(compiled, CompiledGuideline):
        return guideline
    graph = nx.DiGraph(guideline.graph)
    roots = dict(guideline.roots)
    rebuilt: dict[str, tuple[Reordered, dict[int, str]]] = {}
    for section, root in guideline.roots.items():
        if sections is not None and section not in sections:
            continue
        order = reading_order(guideline, compiled, section)
        if order == section_support(compiled, section):
            continue
        graph.remove_nodes_from([*nx.descendants(guideline.graph, root), root])
        r = Reordered(compiled, section, order)
        ids = add_section_graph(graph, compiled.model, r.vars, r.mdd, section, r.root, compiled.leaves)
        roots[section] = ids[r.root]
        rebuilt[section] = (r, ids)
    return ReadingView(guideline, compiled, graph, roots, rebuilt)
