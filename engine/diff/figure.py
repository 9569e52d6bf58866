"""The new version's figure with the leaves whose patients' recommendations changed marked (``diff --figure``).

A leaf of the new version's graph is marked when some patient who reaches it is in a changed region: the set of
patients reaching each graph node is built top-down over the diff's shared variables (each edge's answers as a
test of the shared variable, whose cells refine the new version's), intersected with the union of the changed
regions. Exact, like the regions: a leaf is marked if and only if one of its patients changes. The figure is the
ordinary figure of the new version, as ``render`` draws it: each section in its reading order (the marks are found
on the reordered diagrams, which are the same functions of the inputs), cut into pages whose text prints at 7 pt
or more on A4 (``visualize.pages``), each marked leaf carrying the note "changed since OLD".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

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


class Diagrams(Protocol):
    """Section diagrams to mark: the compiled guideline's, or a reading view's (``visualize.order``)."""

    @property
    def graph(self) -> Any: ...

    @property
    def roots(self) -> Mapping[str, str]: ...


def changed_leaves(d: Diff, new: Diagrams) -> set[str]:
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


@dataclass(frozen=True)
class _Compiled:
    """``new`` as the renderer's reading order takes it (a drawable guideline holding its compiled data)."""

    compiled: CompiledGuideline

    @property
    def model(self) -> Model:
        return self.compiled.model

    @property
    def graph(self) -> Any:
        return self.compiled.graph

    @property
    def roots(self) -> Mapping[str, str]:
        return self.compiled.roots

    def case_path(self, section: str, facts: Mapping[str, Any]) -> tuple[set[str], set[tuple[str, str]]]:
        return set(), set()


def marked_figure(d: Diff, new: CompiledGuideline, since: str) -> MarkedFigure:
    """``new``'s graph, its sections in their reading order, with ``changed: since`` on every changed leaf (the
    renderer shows it as a note)."""
    from visualize.order import reading_view

    view = reading_view(_Compiled(new))
    graph = view.graph.copy()
    for leaf in changed_leaves(d, view):
        graph.nodes[leaf]["changed"] = since
    return MarkedFigure(new.model, graph, dict(view.roots))


def figure_files(d: Diff, new: CompiledGuideline, since: str, out: str) -> list[tuple[str, str | list[str]]]:
    """The marked figure's pages as ``render`` writes them (:func:`visualize.pages.page_files`): an overview and
    each section's pages, every page's text at 7 pt or more on A4; a figure that no cut makes that legible is
    drawn on one page scaled to fit instead (a diff is read on screen first)."""
    from visualize.dot import to_dot
    from visualize.pages import FigureTooSmall, page_files, pathway_pages
    from visualize.run_dot import layout_width
    from visualize.style import PAGES

    figure = marked_figure(d, new, since)
    try:
        dots = pathway_pages(figure, None, PAGES["a4"], layout_width)
    except FigureTooSmall:
        dots = [to_dot(figure)]
    return page_files(out, dots)
