"""The DOT emitter: a compiled guideline's decision graph as a Graphviz flowchart, deterministic to the byte.

``to_dot`` draws either the whole pathway (each section a titled cluster, sections in the rules file's order,
stacked top-down by invisible edges) or one section. Decision nodes become question boxes, edges become answers
and leaves become action boxes (``visualize.boxes``); the legend and footnotes sit at the foot
(``visualize.legend``). What is drawn is decided by ``visualize.plan`` (the diagram
reduced to what a reader sees: impossible leaves dropped, equal boxes drawn once, questions whose answers all lead
to the same box skipped, "no recommendation" ends drawn once per incoming edge).

Determinism: node order is a depth-first walk from each section root with answers in a fixed order (declared
enum order, yes before no, intervals from low to high); DOT ids are the graph's ids; attributes are written
sorted; nothing depends on set or dict iteration of unordered data. The output is therefore the same bytes
for the same graph, whatever ``PYTHONHASHSEED`` is.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from visualize import boxes
from visualize.labels import escape, footnote_mark, html_lines, quote_id
from visualize.legend import foot_label
from visualize.order import reading_view
from visualize.plan import (
    DrawableGuideline,
    DrawEdge,
    DrawNode,
    SectionPlan,
    plan_section,
    section_names,
    section_title,
    without,
)
from visualize.rule_list import list_plan
from visualize.scope import section_scope
from visualize.sequence import as_sequence
from visualize.style import (
    FONT,
    FONT_SIZE,
    LANDSCAPE_SIZE,
    PAGE_SIZE,
    PATHWAY_WIDTH,
    SECTION_TITLE_SIZE,
    SMALL_SIZE,
    TINY_SIZE,
    TITLE_SIZE,
    Page,
    Theme,
)
from visualize.style import theme as get_theme


class Html(str):
    """An attribute value written as an HTML-like label ``<...>`` rather than a quoted string."""

    __slots__ = ()


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
            data = dn.data if dn.data is not None else guideline.graph.nodes[dn.node]
            for e in data.get("entries") or []:
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
    case: bool
    anchors: bool = False  # connectors link to their page ("#pN"): for an HTML page holding every page
    modalities: set[str] = field(default_factory=set)
    strengths: set[str] = field(default_factory=set)
    citations: set[int] = field(default_factory=set)
    lines: list[str] = field(default_factory=list)

    def state(self, on: bool) -> boxes.State:
        if not self.case:
            return "normal"
        return "on" if on else "off"

    def node(self, dn: DrawNode, indent: str) -> None:
        t = self.theme
        st = self.state(dn.on)
        attrs: dict[str, str]
        if dn.kind in ("empty", "end"):
            attrs = {"shape": "box", "style": "rounded,dashed", "label": Html(boxes.empty_label(t, st, dn.kind)),
                     "color": t.path if st == "on" else (t.dim_border if st == "off" else t.muted),
                     "penwidth": "2" if st == "on" else "0.8", "height": "0.3", "margin": "0.08,0.03",
                     "id": dn.id, "tooltip": "no active entry" if dn.kind == "empty" else "no entry beyond those above"}
        elif dn.kind == "link":  # a connector to the page(s) that continue this branch, one per line
            text = "<BR/>".join(html_lines(part, 28) for part in dn.question.split("\n"))
            attrs = {"shape": "box", "style": "rounded,dashed,bold", "id": dn.id,
                     "color": {"on": t.path, "off": t.dim_border}.get(st, t.question_border),
                     "label": Html(f'<FONT COLOR="{t.dim_text}"><I>{text}</I></FONT>' if st == "off" else
                                   f"<I>{text}</I>"), "margin": "0.1,0.05",
                     "tooltip": dn.question.replace("\n", "; ")}
            if self.anchors and dn.page:
                attrs["href"] = f"#p{dn.page}"
        elif dn.kind == "stage":  # a stage of a sequence (visualize.sequence)
            attrs = {"shape": "box", "style": "rounded,filled,bold", "id": dn.id,
                     "label": Html(boxes.question_label(dn.question, t, st)),
                     "color": {"on": t.path, "off": t.dim_border}.get(st, t.question_border),
                     "fillcolor": {"on": t.path_fill, "off": t.dim_fill}.get(st, t.question_fill),
                     "penwidth": "3" if st == "on" else "2", "margin": "0.14,0.08", "tooltip": dn.tooltip}
        elif dn.kind == "question":
            tooltip = dn.tooltip or str(self.guideline.graph.nodes[dn.node].get("var", ""))
            attrs = {"shape": "box", "style": "rounded,filled", "id": dn.id,
                     "label": Html(boxes.question_label(dn.question, t, st)),
                     "color": {"on": t.path, "off": t.dim_border}.get(st, t.question_border),
                     "fillcolor": {"on": t.path_fill, "off": t.dim_fill}.get(st, t.question_fill),
                     "penwidth": "2.5" if st == "on" else "1.2", "margin": "0.12,0.06",
                     "tooltip": tooltip}
        else:
            data = dn.data if dn.data is not None else without(self.guideline.graph.nodes[dn.node], dn.hidden)
            views = boxes.entry_views(data, self.guideline.model, self.marks)
            for v in views:
                self.modalities.add(v.modality)
                self.strengths.add(v.strength)
                self.citations.update(v.citations)
            notes = data["notes"] if dn.data is not None else boxes.leaf_notes(data, self.guideline.model)
            label = boxes.leaf_label(views, notes, t, st)
            attrs = {"shape": "plain", "label": Html(label), "id": dn.id,
                     "tooltip": ", ".join(dict.fromkeys(r for v in views for r in v.rules)) or "no active entry"}
        self.lines.append(f"{indent}{quote_id(dn.id)} {_attrs(attrs)}")

    def edge(self, de: DrawEdge, indent: str) -> None:
        t = self.theme
        color, width, font = t.edge, "1", t.text
        if self.case:
            if de.on:
                color, width, font = t.path, "3", t.text
            else:
                color, width, font = t.dim_border, "0.8", t.dim_text
        attrs = {"color": color, "penwidth": width}
        if de.chain:  # one stage to the next: a heavy arrow across the row
            attrs.update({"penwidth": "3" if de.on else "2.2", "arrowsize": "1.2"})
        if de.label:
            attrs["label"] = Html(f'<FONT COLOR="{font}">{html_lines(de.label, 20)}</FONT>')
        self.lines.append(f"{indent}{quote_id(de.src)} -> {quote_id(de.dst)} {_attrs(attrs)}")

    def section(self, plan: SectionPlan, indent: str, cluster: bool) -> None:
        inner = indent + "  " if cluster else indent
        if cluster:
            self.lines.append(f"{indent}subgraph {quote_id('cluster_' + plan.name)} {{")
            title = f'<FONT POINT-SIZE="{SECTION_TITLE_SIZE}"><B>{escape(plan.title)}</B></FONT>'
            scope = section_scope(self.guideline.model, plan.name)
            if scope:
                title += f'<BR ALIGN="LEFT"/><FONT POINT-SIZE="{SECTION_TITLE_SIZE - 2}">{escape(scope)}</FONT>'
            attrs = {"label": Html(title), "labeljust": "l", "style": "rounded", "margin": "12",
                     "color": self.theme.cluster_border, "bgcolor": self.theme.cluster_fill}
            self.lines.append(f"{inner}graph {_attrs(attrs)}")
        for dn in plan.nodes:
            self.node(dn, inner)
        for de in plan.edges:
            self.edge(de, inner)
        if plan.form == "sequence":  # the stages side by side, in order
            stages = " ".join(f"{quote_id(dn.id)};" for dn in plan.nodes if dn.kind == "stage")
            self.lines.append(f"{inner}{{rank=same; {stages}}}")
        if plan.form == "list":  # rows: condition and box side by side, rows stacked in rule order
            for de in plan.edges:
                self.lines.append(f"{inner}{{rank=same; {quote_id(de.src)}; {quote_id(de.dst)}}}")
            for upper, lower in itertools.pairwise(plan.edges):
                self.lines.append(f"{inner}{quote_id(upper.src)} -> {quote_id(lower.src)} "
                                  f"{_attrs({'style': 'invis'})}")
        if cluster:
            self.lines.append(f"{indent}}}")


def estimate(plan: SectionPlan) -> tuple[float, float]:
    """A rough layout: (width, height) in inches of the drawn plan before scaling.

    dot puts a node on the rank of its longest path from the root, so the width is that of the fullest rank
    (questions about 1.7 in with their gap, action boxes 2.3 in, "no recommendation" ends 1.3 in) and the height
    the sum of each rank's tallest box plus the rank gap with its answer labels. It only has to tell the clear
    cases apart (portrait or landscape; tree or list).
    """
    if not plan.nodes:
        return (1.0, 1.0)
    if plan.form == "list":
        rows = [dn for dn in plan.nodes if dn.kind == "leaf"]
        return (4.5, sum(0.16 * dn.lines + 0.45 for dn in rows))
    parents: dict[str, list[str]] = {}
    for e in plan.edges:
        if not e.chain:  # the stages of a sequence share a rank
            parents.setdefault(e.dst, []).append(e.src)
    rank: dict[str, int] = {}

    def rank_of(n: str) -> int:
        if n not in rank:
            rank[n] = 0
            rank[n] = 1 + max((rank_of(p) for p in parents.get(n, [])), default=-1)
        return rank[n]

    widths: dict[int, float] = {}
    heights: dict[int, float] = {}
    for dn in plan.nodes:
        r = rank_of(dn.id)
        w, h = {"question": (1.7, 0.5), "empty": (1.3, 0.3)}.get(dn.kind, (2.3, 0.16 * dn.lines + 0.2))
        widths[r] = widths.get(r, 0.0) + w
        heights[r] = max(heights.get(r, 0.0), h)
    return (max(widths.values()), sum(h + 0.7 for h in heights.values()))


LIST_WIDTH = 24.0
"""A tree estimated wider than this (inches; over twice a landscape page) is drawn as a list of rules."""


def page_size(plan: SectionPlan) -> str:
    """Portrait A4, or landscape when the figure will clearly be wider than tall: a tree with many outcomes
    side by side is set landscape so that its text is not shrunk to illegibility on a portrait page."""
    width, height = estimate(plan)
    return LANDSCAPE_SIZE if width > 1.3 * height else PAGE_SIZE


def choose_plan(guideline: DrawableGuideline, name: str, case_facts: Mapping[str, Any] | None) -> SectionPlan:
    """The tree of section ``name``, or its list form (``visualize.rule_list``) when the tree is far too wide
    for a page or the section is too wide to have a diagram at all (see docs/graph.md, "Wide sections")."""
    if name not in guideline.roots:
        return list_plan(guideline.model, name, section_title(guideline, name), case_facts)
    path = None if case_facts is None else guideline.case_path(name, case_facts)
    plan = as_sequence(guideline, plan_section(guideline, name, path))
    if estimate(plan)[0] <= LIST_WIDTH:
        return plan
    return list_plan(guideline.model, name, plan.title, case_facts)


def _sinks(plan: SectionPlan) -> list[str]:
    sources = {e.src for e in plan.edges}
    return [dn.id for dn in plan.nodes if dn.id not in sources]


def to_dot(guideline: DrawableGuideline, *, section: str | None = None,
           case_facts: Mapping[str, Any] | None = None, theme: str = "colour", page: Page | None = None) -> str:
    """The flowchart of ``guideline`` as DOT text: the whole pathway, or one ``section``; with ``case_facts``
    the patient's path is highlighted and the rest greyed. Without ``page`` the drawing is scaled to fit an A4
    page (text may shrink); with one, text keeps its size and the layout grows (``visualize.pages`` splits what
    is too wide). Raises ValueError for an unknown section or theme (the message lists the known ones)."""
    names = section_names(guideline)
    if section is not None and section not in names:
        raise ValueError(f"unknown section {section!r}; sections: {', '.join(names) or '(none)'}")
    chosen = [section] if section is not None else names
    guideline = reading_view(guideline, chosen)
    plans = [choose_plan(guideline, name, case_facts) for name in chosen]
    return draw(guideline, plans, single=section is not None, case=case_facts is not None, theme=theme, page=page)


def draw(guideline: DrawableGuideline, plans: list[SectionPlan], *, single: bool, case: bool,
         theme: str = "colour", page: Page | None = None, title: str | None = None, anchors: bool = False) -> str:
    """DOT text drawing ``plans``: one section (``single``; titled ``title`` or the section's title) or the
    pathway's sections as clusters. With ``anchors`` each "see p. N" connector links to ``#pN`` (an HTML page
    that holds every page gives each that id: ``guidegraph report``); a file of its own has no such targets."""
    try:
        th = get_theme(theme)
    except KeyError as e:
        raise ValueError(str(e.args[0])) from None
    em = _Emitter(guideline, th, _footnote_marks(guideline, plans), case, anchors)

    model = guideline.model
    body: list[str] = []
    em.lines = body
    scope: str | None = None
    if not single:
        for plan in plans:
            em.section(plan, "    ", cluster=True)
        for before, after in itertools.pairwise(plans):
            if after.nodes:
                for sink in _sinks(before):
                    body.append(f"    {quote_id(sink)} -> {quote_id(after.nodes[0].id)} "
                                f"{_attrs({'style': 'invis', 'weight': '0'})}")
        title = title or model.title + (f" (version {model.version})" if model.version else "")
    else:
        em.section(plans[0], "    ", cluster=False)
        title = title or f"{model.title} \u2014 {plans[0].title}"
        scope = section_scope(model, plans[0].name)

    refs = [(n, model.references.get(n, "(reference text not given)")) for n in sorted(em.citations)]
    foot = foot_label(th, modalities=em.modalities, strengths=em.strengths, references=refs,
                      footnotes=[(m, text) for text, m in em.marks.items()], case=case,
                      empty=any(dn.kind == "empty" for plan in plans for dn in plan.nodes),
                      questions=any(dn.kind == "question" for plan in plans for dn in plan.nodes),
                      wrap=None if page is None else int(page.width_pt / (TINY_SIZE * 0.62)))
    graph_attrs = {
        "bgcolor": "white", "fontname": FONT, "label": Html(foot), "labeljust": "l", "labelloc": "b",
        "nodesep": "0.25", "ranksep": "0.4", "rankdir": "TB", "newrank": "true", "pad": "0.2",
        "margin": "0", "outputorder": "edgesfirst",
    }
    if not foot:
        del graph_attrs["label"]
    if page is None:
        graph_attrs["size"] = page_size(plans[0]) if single else PATHWAY_WIDTH
    figure_attrs = {"labelloc": "t", "labeljust": "l", "color": "white", "margin": "4"}
    title_wrap, scope_wrap = (70, 90) if page is None else (int(page.width_pt / (TITLE_SIZE * 0.68)),
                                                            int(page.width_pt / (SECTION_TITLE_SIZE * 0.62)))
    title_html = f'<FONT POINT-SIZE="{TITLE_SIZE}"><B>{html_lines(title, title_wrap)}</B></FONT>'
    if single and scope:
        title_html += (f'<BR ALIGN="LEFT"/><FONT POINT-SIZE="{SECTION_TITLE_SIZE}">'
                       f"{html_lines(scope, scope_wrap)}</FONT>")
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
