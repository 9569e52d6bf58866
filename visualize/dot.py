"""The DOT emitter: a compiled guideline's decision graph as a Graphviz flowchart, deterministic to the byte.

``to_dot`` draws either the whole pathway (each section a titled cluster, sections in the rules file's order,
stacked top-down by invisible edges) or one section. Decision nodes become question boxes, edges become answers
and leaves become action boxes (``visualize.boxes``); the legend and footnotes sit at the foot
(``visualize.legend``). Impossible leaves, and questions that only lead to them, are not drawn. Leaves with
nothing to say are small "no recommendation" ends, drawn once per incoming edge so that they do not pull
branches from across the figure together.

Determinism: node order is a depth-first walk from each section root with answers in a fixed order (declared
enum order, yes before no, intervals from low to high); DOT ids are the graph's ids; attributes are written
sorted; nothing depends on set or dict iteration of unordered data. The output is therefore the same bytes
for the same graph, whatever ``PYTHONHASHSEED`` is.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from engine.model import Model
from visualize import boxes
from visualize.case_path import case_path
from visualize.labels import Question, escape, footnote_mark, html_lines, question, quote_id, sentence
from visualize.legend import foot_label
from visualize.style import (
    FONT,
    FONT_SIZE,
    PAGE_SIZE,
    PATHWAY_WIDTH,
    SECTION_TITLE_SIZE,
    SMALL_SIZE,
    TITLE_SIZE,
    Theme,
)
from visualize.style import theme as get_theme


class DrawableGuideline(Protocol):
    """What the emitter needs of ``engine.guideline.Guideline`` (see docs of the graph contract)."""

    @property
    def model(self) -> Model: ...

    @property
    def graph(self) -> Any: ...

    @property
    def roots(self) -> Mapping[str, str]: ...


class Html(str):
    """An attribute value written as an HTML-like label ``<...>`` rather than a quoted string."""

    __slots__ = ()


Kind = Literal["question", "leaf", "empty"]


@dataclass(slots=True)
class DrawNode:
    id: str  # DOT id
    node: str  # graph node id
    kind: Kind
    parent: str | None = None  # for "empty" ends: the decision node they hang from
    question: Question | None = None


@dataclass(slots=True)
class DrawEdge:
    src: str
    dst: str
    label: str
    graph_edge: tuple[str, str]


@dataclass(slots=True)
class SectionPlan:
    name: str
    title: str
    nodes: list[DrawNode] = field(default_factory=list)
    edges: list[DrawEdge] = field(default_factory=list)


def section_names(guideline: DrawableGuideline) -> list[str]:
    """Sections with a diagram, in the rules file's order."""
    order = [s.name for s in guideline.model.sections if s.name in guideline.roots]
    return order + [name for name in guideline.roots if name not in order]


def _question_of(guideline: DrawableGuideline, node: str) -> Question:
    g = guideline.graph
    data = g.nodes[node]
    inp = guideline.model.inputs.get(str(data.get("input", "")))
    kind = inp.kind if inp is not None else ("number" if data.get("unit") else "enum")
    edges = [(child, d) for _, child, d in g.out_edges(node, data=True)]
    return question(data, edges, kind, inp.values if inp is not None else ())


def _plan(guideline: DrawableGuideline, name: str) -> SectionPlan:
    g = guideline.graph
    titles = {s.name: s.label for s in guideline.model.sections}
    plan = SectionPlan(name, titles.get(name) or sentence(name))
    drawable: dict[str, bool] = {}

    def can_draw(n: str) -> bool:
        if n not in drawable:
            data = g.nodes[n]
            if data.get("kind") == "decision":
                drawable[n] = False  # guards against cycles in malformed graphs
                drawable[n] = any(can_draw(c) for c in sorted(g.successors(n)))
            else:
                drawable[n] = not data.get("impossible", False)
        return drawable[n]

    root = guideline.roots[name]
    if not can_draw(root):
        return plan
    seen: set[str] = set()

    def is_empty(n: str) -> bool:
        data = g.nodes[n]
        return not any(e.get("status", "active") == "active" for e in data.get("entries") or []) and \
            not data.get("conflicts") and not data.get("gaps")

    def visit(n: str) -> None:
        seen.add(n)
        data = g.nodes[n]
        if data.get("kind") != "decision":
            plan.nodes.append(DrawNode(n, n, "empty" if is_empty(n) else "leaf"))
            return
        q = _question_of(guideline, n)
        plan.nodes.append(DrawNode(n, n, "question", question=q))
        for child, answer in q.answers:
            if not can_draw(child):
                continue
            if g.nodes[child].get("kind") != "decision" and is_empty(child):
                end = f"{child}@{n}"
                plan.nodes.append(DrawNode(end, child, "empty", parent=n))
                plan.edges.append(DrawEdge(n, end, answer, (n, child)))
                continue
            plan.edges.append(DrawEdge(n, child, answer, (n, child)))
            if child not in seen:
                visit(child)

    visit(root)
    return plan


def _attrs(attrs: Mapping[str, str]) -> str:
    parts = []
    for key in sorted(attrs):
        value = attrs[key]
        parts.append(f"{key}=<{value}>" if isinstance(value, Html) else f"{key}={quote_id(value)}")
    return "[" + " ".join(parts) + "]"


def _footnote_marks(guideline: DrawableGuideline, plans: list[SectionPlan]) -> dict[str, str]:
    rules = {r.name: r for r in guideline.model.rules}
    marks: dict[str, str] = {}
    for plan in plans:
        for dn in plan.nodes:
            if dn.kind != "leaf":
                continue
            for e in guideline.graph.nodes[dn.node].get("entries") or []:
                rule = rules.get(str(e.get("rule")))
                if e.get("status", "active") != "active" or rule is None:
                    continue
                for text in rule.footnotes:
                    marks.setdefault(text, footnote_mark(len(marks)))
    return marks


@dataclass(slots=True)
class _Emitter:
    guideline: DrawableGuideline
    theme: Theme
    marks: dict[str, str]
    path_nodes: set[str] | None
    path_edges: set[tuple[str, str]] | None
    modalities: set[str] = field(default_factory=set)
    strengths: set[str] = field(default_factory=set)
    citations: set[int] = field(default_factory=set)
    lines: list[str] = field(default_factory=list)

    def state(self, on: bool) -> boxes.State:
        if self.path_nodes is None:
            return "normal"
        return "on" if on else "off"

    def node(self, dn: DrawNode, indent: str) -> None:
        t = self.theme
        g = self.guideline.graph
        if dn.kind == "empty":
            on = dn.parent is None and self.path_nodes is not None and dn.node in self.path_nodes
            on = on or (dn.parent is not None and self.path_edges is not None
                        and (dn.parent, dn.node) in self.path_edges)
            st = self.state(on)
            attrs = {"shape": "box", "style": "rounded,dashed", "label": Html(boxes.empty_label(t, st)),
                     "color": t.path if st == "on" else (t.dim_border if st == "off" else t.muted),
                     "penwidth": "2" if st == "on" else "0.8", "height": "0.3", "margin": "0.08,0.03",
                     "id": dn.id, "tooltip": "no active entry"}
        elif dn.kind == "question":
            st = self.state(self.path_nodes is not None and dn.node in self.path_nodes)
            assert dn.question is not None
            data = g.nodes[dn.node]
            attrs = {"shape": "box", "style": "rounded,filled", "id": dn.id,
                     "label": Html(boxes.question_label(dn.question.text, t, st)),
                     "color": {"on": t.path, "off": t.dim_border}.get(st, t.question_border),
                     "fillcolor": {"on": t.path_fill, "off": t.dim_fill}.get(st, t.question_fill),
                     "penwidth": "2.5" if st == "on" else "1.2", "margin": "0.12,0.06",
                     "tooltip": str(data.get("var", ""))}
        else:
            st = self.state(self.path_nodes is not None and dn.node in self.path_nodes)
            data = g.nodes[dn.node]
            views = boxes.entry_views(data, self.guideline.model, self.marks)
            for v in views:
                self.modalities.add(v.modality)
                self.strengths.add(v.strength)
                self.citations.update(v.citations)
            label = boxes.leaf_label(views, boxes.leaf_notes(data, self.guideline.model), t, st)
            attrs = {"shape": "plain", "label": Html(label), "id": dn.id,
                     "tooltip": ", ".join(dict.fromkeys(v.rule for v in views)) or "no active entry"}
        self.lines.append(f"{indent}{quote_id(dn.id)} {_attrs(attrs)}")

    def edge(self, de: DrawEdge, indent: str) -> None:
        t = self.theme
        color, width, font = t.edge, "1", t.text
        if self.path_edges is not None:
            if de.graph_edge in self.path_edges:
                color, width, font = t.path, "3", t.text
            else:
                color, width, font = t.dim_border, "0.8", t.dim_text
        attrs = {"label": Html(f'<FONT COLOR="{font}">{html_lines(de.label, 20)}</FONT>'),
                 "color": color, "penwidth": width}
        self.lines.append(f"{indent}{quote_id(de.src)} -> {quote_id(de.dst)} {_attrs(attrs)}")

    def section(self, plan: SectionPlan, indent: str, cluster: bool) -> None:
        inner = indent + "  " if cluster else indent
        if cluster:
            self.lines.append(f"{indent}subgraph {quote_id('cluster_' + plan.name)} {{")
            title = f'<FONT POINT-SIZE="{SECTION_TITLE_SIZE}"><B>{escape(plan.title)}</B></FONT>'
            attrs = {"label": Html(title), "labeljust": "l", "style": "rounded", "margin": "12",
                     "color": self.theme.cluster_border, "bgcolor": self.theme.cluster_fill}
            self.lines.append(f"{inner}graph {_attrs(attrs)}")
        for dn in plan.nodes:
            self.node(dn, inner)
        for de in plan.edges:
            self.edge(de, inner)
        if cluster:
            self.lines.append(f"{indent}}}")


def _sinks(plan: SectionPlan) -> list[str]:
    sources = {e.src for e in plan.edges}
    return [dn.id for dn in plan.nodes if dn.id not in sources]


def to_dot(guideline: DrawableGuideline, *, section: str | None = None,
           case_facts: Mapping[str, Any] | None = None, theme: str = "colour") -> str:
    """The flowchart of ``guideline`` as DOT text: the whole pathway, or one ``section``; with ``case_facts``
    the patient's path is highlighted and the rest greyed. Raises ValueError for an unknown section or theme
    (the message lists the known ones)."""
    try:
        th = get_theme(theme)
    except KeyError as e:
        raise ValueError(str(e.args[0])) from None
    names = section_names(guideline)
    if section is not None and section not in names:
        raise ValueError(f"unknown section {section!r}; sections: {', '.join(names) or '(none)'}")
    chosen = [section] if section is not None else names
    plans = [_plan(guideline, name) for name in chosen]
    path_nodes: set[str] | None = None
    path_edges: set[tuple[str, str]] | None = None
    if case_facts is not None:
        path_nodes, path_edges = set(), set()
        for name in chosen:
            ns, es = case_path(guideline.graph, guideline.roots[name], case_facts)
            path_nodes |= ns
            path_edges |= es
    em = _Emitter(guideline, th, _footnote_marks(guideline, plans), path_nodes, path_edges)

    model = guideline.model
    body: list[str] = []
    em.lines = body
    if section is None:
        for plan in plans:
            em.section(plan, "    ", cluster=True)
        for before, after in itertools.pairwise(plans):
            if after.nodes:
                for sink in _sinks(before):
                    body.append(f"    {quote_id(sink)} -> {quote_id(after.nodes[0].id)} "
                                f"{_attrs({'style': 'invis', 'weight': '0'})}")
        title = model.title + (f" (version {model.version})" if model.version else "")
    else:
        em.section(plans[0], "    ", cluster=False)
        title = f"{model.title}: {plans[0].title}"

    refs = [(n, model.references.get(n, "(reference text not given)")) for n in sorted(em.citations)]
    foot = foot_label(th, modalities=em.modalities, strengths=em.strengths, references=refs,
                      footnotes=[(m, text) for text, m in em.marks.items()], case=case_facts is not None)
    graph_attrs = {
        "bgcolor": "white", "fontname": FONT, "label": Html(foot), "labeljust": "l", "labelloc": "b",
        "nodesep": "0.25", "ranksep": "0.4", "rankdir": "TB", "newrank": "true", "pad": "0.2",
        "size": PAGE_SIZE if section is not None else PATHWAY_WIDTH, "margin": "0", "outputorder": "edgesfirst",
    }
    figure_attrs = {"labelloc": "t", "labeljust": "l", "color": "white", "margin": "4"}
    title_html = f'<FONT POINT-SIZE="{TITLE_SIZE}"><B>{html_lines(title, 70)}</B></FONT>'
    figure_attrs["label"] = Html(title_html)
    out = [
        "digraph guidegraph {",
        f"  graph {_attrs(graph_attrs)}",
        f"  node {_attrs({'fontname': FONT, 'fontsize': str(FONT_SIZE), 'fontcolor': th.text})}",
        f"  edge {_attrs({'fontname': FONT, 'fontsize': str(SMALL_SIZE), 'arrowsize': '0.7'})}",
        f"  subgraph {quote_id('cluster_figure')} {{",
        f"    graph {_attrs(figure_attrs)}",
        *body,
        "  }",
        "}",
        "",
    ]
    return "\n".join(out)
