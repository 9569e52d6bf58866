"""Page-aware figures: text keeps its size, and a figure wider than the page's text width is split into pages.

A section's tree that is too wide is cut below its first question with two or more answers: that page keeps the
stem down to the question, and each answer that leads on to more than an end becomes a connector box ("see p. 3")
and a page of its own, titled with the answer ("Menopausal status: premenopausal"); pages still too wide are cut
again. The whole pathway becomes an overview page (the entry questions read from the sections' guards, leading to the
page each section starts on: ``visualize.overview``) followed by the sections' pages. Widths are measured by
laying the page out with ``dot`` (``measure``), not estimated. A page whose smallest text would print below the
minimum (``render --min-font``) and that cannot be cut is an error (:class:`FigureTooSmall`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from visualize.dot import choose_plan, draw
from visualize.order import reading_view
from visualize.overview import overview_plan
from visualize.plan import DrawableGuideline, DrawEdge, DrawNode, SectionPlan, section_names
from visualize.style import TINY_SIZE, Page

MAX_PAGES = 24
"""No section is cut into more pages than this (a last page may then be wider than the page)."""

MIN_FONT = 7.0
"""The default smallest text size (pt) of a printed page (``render --min-font``; journals want 6-7 pt). A page
wider than the text width is scaled down to fit it; it is kept whole when its smallest text (the footnotes'
``TINY_SIZE``) then stays at least this size (cutting it would cost a reader a page turn for nothing), else cut."""


class FigureTooSmall(ValueError):
    """A page whose smallest text, once fitted to the page's text width, is below the minimum and that cannot be
    cut further (a list of rules, a question with one answer, or the page limit reached): an error rather than a
    figure nobody can read."""


def smallest_text(width_pt: float, page: Page) -> float:
    """The smallest text (pt) of a page ``width_pt`` wide once fitted to ``page``'s text width (never enlarged).

    >>> round(smallest_text(600, Page("a4", 17.0, 24.7)), 2)
    6.43
    """
    return TINY_SIZE * min(1.0, page.width_pt / width_pt) if width_pt > 0 else float(TINY_SIZE)


def _check_min_font(min_font: float) -> None:
    if not 0 < min_font <= TINY_SIZE:
        raise ValueError(f"--min-font {min_font:g} is out of range: the figures' smallest text is set at "
                         f"{TINY_SIZE} pt, so the minimum must be above 0 and at most {TINY_SIZE}")


def _too_small(title: str, width_pt: float, page: Page, min_font: float, why: str) -> FigureTooSmall:
    return FigureTooSmall(
        f"figure '{title}' cannot be split further ({why}): it is {width_pt * 2.54 / 72:.1f} cm wide, so at the "
        f"page's {page.width_cm:g} cm text width its smallest text prints at {smallest_text(width_pt, page):.1f} pt, "
        f"below --min-font {min_font:g}; use a wider page (--page 25cm), a lower --min-font, or --page none")


def _reach(plan: SectionPlan, start: str) -> set[str]:
    out: dict[str, list[str]] = {}
    for e in plan.edges:
        out.setdefault(e.src, []).append(e.dst)
    seen, todo = {start}, [start]
    while todo:
        for nxt in out.get(todo.pop(), []):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _cut(plan: SectionPlan, first_page: int, boxes: bool = False) -> tuple[SectionPlan, list[tuple[SectionPlan, str]]]:
    """The page that keeps the stem and the first branching question, and the parts each of its answers leads
    to (with the answer as their title); connectors point at pages ``first_page``, ``first_page + 1``, ...
    An answer that ends in action boxes stays on the page, unless ``boxes`` (the boxes side by side are what
    makes the page too wide): then it gets a page of its own too."""
    kinds = {dn.id: dn for dn in plan.nodes}
    out: dict[str, list[DrawEdge]] = {}
    for e in plan.edges:
        if not e.chain:
            out.setdefault(e.src, []).append(e)
    if plan.form == "sequence":  # the stem and the row of stages stay; what each stage leads to may get a page
        stages = [dn for dn in plan.nodes if dn.kind == "stage"]
        below = set().union(*(_reach(plan, e.dst) for s in stages for e in out.get(s.id, [])))
        kept = {dn.id for dn in plan.nodes if dn.id not in below}
        head = SectionPlan(plan.name, plan.title, [dn for dn in plan.nodes if dn.id in kept],
                           [e for e in plan.edges if e.src in kept and e.dst in kept], "sequence")
        answers = [(e, s.tooltip) for s in stages for e in out.get(s.id, [])]
    else:
        stem = [plan.nodes[0].id]
        while len(out.get(stem[-1], [])) == 1:
            stem.append(out[stem[-1]][0].dst)
        head = SectionPlan(plan.name, plan.title, [kinds[n] for n in stem],
                           [e for e in plan.edges if e.src in stem[:-1]])
        question = kinds[stem[-1]].question.rstrip("?")
        answers = [(e, f"{question}: {e.label}") for e in out.get(stem[-1], [])]
    parts: list[tuple[SectionPlan, str]] = []
    for e, part_title in answers:
        if kinds[e.dst].kind in ("empty", "end") or (not out.get(e.dst) and not boxes):
            head.nodes.append(kinds[e.dst])
            head.edges.append(e)
            continue
        link = f"{e.src}>{e.dst}"
        at = first_page + len(parts)
        head.nodes.append(DrawNode(link, e.dst, "link", question=f"see p. {at}", on=e.on, page=at))
        head.edges.append(DrawEdge(e.src, link, e.label, e.on))
        keep = _reach(plan, e.dst)
        sub = SectionPlan(plan.name, plan.title, [dn for dn in plan.nodes if dn.id in keep],
                          [x for x in plan.edges if x.src in keep])
        sub.nodes.sort(key=lambda dn: dn.id != e.dst)  # the part's root first
        parts.append((sub, part_title))
    return head, parts


def section_pages(guideline: DrawableGuideline, name: str, case_facts: Mapping[str, Any] | None, page: Page,
                  measure: Callable[[str], float], theme: str = "colour", first: int = 1,
                  min_font: float = MIN_FONT, anchors: bool = False) -> list[str]:
    """Section ``name`` as DOT pages (numbered from ``first``) whose smallest text, fitted to ``page``'s width,
    is at least ``min_font``; :class:`FigureTooSmall` when a page is below it and cannot be cut. With
    ``anchors`` the connectors link to ``#pN`` (see :func:`visualize.dot.draw`)."""
    _check_min_font(min_font)
    guideline = reading_view(guideline, [name])
    plan = choose_plan(guideline, name, case_facts)
    model = guideline.model
    base = f"{model.title} \u2014 {plan.title}"
    queue: list[tuple[SectionPlan, str]] = [(plan, base)]
    done: list[str] = []
    while queue:
        part, title = queue.pop(0)
        kw: dict[str, Any] = {"single": True, "case": case_facts is not None, "theme": theme, "page": page,
                              "anchors": anchors}
        text = draw(guideline, [part], title=title, **kw)
        width = measure(text)
        if smallest_text(width, page) >= min_font:
            done.append(text)
            continue
        branching = any(sum(e.src == dn.id for e in part.edges) > 1 for dn in part.nodes)
        why = ("it is a list of rules" if part.form == "list" else "no question on it has two answers"
               if not branching else f"it would need over {MAX_PAGES} pages" if len(done) + len(queue) >= MAX_PAGES
               else "")
        if why:
            raise _too_small(title, width, page, min_font, why)
        head, parts = _cut(part, first + len(done) + 1 + len(queue))
        text = draw(guideline, [head], title=title, **kw)
        width = measure(text)
        if smallest_text(width, page) < min_font:  # the answers' boxes side by side: give them pages too
            head, parts = _cut(part, first + len(done) + 1 + len(queue), boxes=True)
            text = draw(guideline, [head], title=title, **kw)
            width = measure(text)
        if smallest_text(width, page) < min_font:  # the answers of one question side by side: nothing to cut
            raise _too_small(title, width, page, min_font, "the answers of its first question do not fit side "
                             "by side")
        done.append(text)
        queue.extend((sub, f"{base} (from p. {first + len(done) - 1}): {answer}") for sub, answer in parts)
    return done


def pathway_pages(guideline: DrawableGuideline, case_facts: Mapping[str, Any] | None, page: Page,
                  measure: Callable[[str], float], theme: str = "colour", min_font: float = MIN_FONT) -> list[str]:
    """The whole pathway: an overview page pointing at each section's first page, then the sections' pages
    (each at least ``min_font`` at ``page``'s width, as :func:`section_pages`)."""
    _check_min_font(min_font)
    guideline = reading_view(guideline)
    sections: list[list[str]] = []
    titles: dict[str, str] = {}
    starts: dict[str, int] = {}
    at = 2
    for name in section_names(guideline):
        pages = section_pages(guideline, name, case_facts, page, measure, theme, first=at, min_font=min_font)
        titles[name] = choose_plan(guideline, name, None).title
        starts[name] = at
        sections.append(pages)
        at += len(pages)
    overview = overview_plan(guideline.model, titles, starts)
    model = guideline.model
    title = model.title + (f" (version {model.version})" if model.version else "") + ": overview"
    first = draw(guideline, [overview], single=True, case=False, theme=theme, page=page, title=title)
    width = measure(first)
    if smallest_text(width, page) < min_font:
        raise _too_small(title, width, page, min_font, "it is the overview")
    return [first] + [p for pages in sections for p in pages]


def page_files(output: str, dots: list[str]) -> list[tuple[str, str | list[str]]]:
    """Where each page goes: a .dot or .pdf ``output`` holds every page (the PDF a page each); another format
    writes ``output`` then ``stem-p2.ext``, ... (one picture per file)."""
    import os

    stem, ext = os.path.splitext(output)
    if ext.lower() in (".dot", ".gv", ".pdf"):
        return [(output, dots)]
    return [(output if i == 0 else f"{stem}-p{i + 1}{ext}", d) for i, d in enumerate(dots)]
