"""A classification drawn as a figure of its own: the table that says which category a patient is in.

Section figures ask a classification as one question ("Risk category?"); this figure is where the reader finds
how the category is decided. It is the decision diagram of the classification's value over the inputs its
branches read (the first branch that holds gives the value; then ``otherwise``), restricted to the patients the
assumptions allow (branches nobody can take are not drawn), with each question once per path and each answer
ending in a box naming the category. Unclassified patients (no branch, no ``otherwise``) end in a dashed box
"not classified", the region ``check`` reports as E210.
"""

from __future__ import annotations

from typing import Any

from engine.checks.space import space
from engine.compile.graph import interval_label
from engine.compile.guideline import CompiledGuideline
from engine.compile.mdd import MDD
from engine.compile.project import merged, read_levels
from engine.core.model import Interval
from engine.core.values import number_text
from engine.core.vocabulary import Vocabulary
from engine.core.words import interval_words
from visualize.boxes import question_label
from visualize.labels import escape, html_lines, quote_id
from visualize.style import FONT, FONT_SIZE, SMALL_SIZE, TITLE_SIZE, theme

_NONE = "\x00unclassified"
_OFF = "\x00impossible"


def classification_names(g: CompiledGuideline) -> list[str]:
    return [d.name for d in g.model.derived.values() if d.how == "classification"]


def classification_dot(g: CompiledGuideline, name: str, theme_name: str = "colour") -> str:
    """The DOT text of classification ``name``'s table figure."""
    d = g.model.derived[name]
    sp = space(g)
    m = sp.m
    node = m.const(d.otherwise if d.otherwise is not None else _NONE)
    for cond, value in reversed(d.branches):
        node = m.apply(_pick(value), sp.condition(cond), node)
    node = m.apply(_allowed, sp.copy(g.assume_node), node)  # the unclassified patients too
    reads = read_levels(g.model, g.vars, [c for c, _ in d.branches])
    node = _project(m, node, {lv for lv in m.support(node) if lv not in reads})
    th = theme(theme_name)
    title = f"{g.model.title} \u2014 {d.label or name}"
    lines = ["digraph classification {",
             f'  graph [fontname="{FONT}", labelloc=t, label=<<B>{html_lines(title, 48)}</B>>, fontsize={TITLE_SIZE}, '
             'nodesep=0.25, ranksep=0.4, rankdir=LR];',
             f'  node [fontname="{FONT}", fontsize={FONT_SIZE}, shape=box, style="rounded,filled", '
             f'fillcolor="{th.question_fill}", color="{th.question_border}"];',
             f'  edge [fontname="{FONT}", fontsize={SMALL_SIZE}, color="{th.edge}"];']
    ids: dict[int, str] = {}
    leaf_ids: dict[Any, str] = {}

    def visit(n: int) -> str | None:
        if m.is_terminal(n):
            v = m.value(n)
            if v == _OFF:
                return None
            nid = leaf_ids.get(v)
            if nid is None:
                nid = leaf_ids[v] = f"v{len(leaf_ids)}"
                if v == _NONE:
                    lines.append(f'  {quote_id(nid)} [label=<<I>not classified</I>>, style="rounded,dashed", '
                                 f'fillcolor="white"];')
                else:
                    shown = g.model.vocabulary.label(name, v) or str(v)
                    text = f"{escape(d.label or name)}: <B>{escape(shown)}</B>"
                    lines.append(f'  {quote_id(nid)} [label=<{text}>, fillcolor="{th.cluster_fill}", '
                                 f'color="{th.text}", penwidth=1.5];')
            return nid
        if n in ids:
            return ids[n]
        nid = ids[n] = f"q{len(ids)}"
        var = g.vars[m.level(n)]
        lines.append(f"  {quote_id(nid)} [label=<{question_label(_question(var.question), th, 'on')}>];")
        groups: dict[int, list[int]] = {}
        for i, c in enumerate(m.children(n)):
            groups.setdefault(c, []).append(i)
        for child, branches in groups.items():
            cid = visit(child)
            if cid is None:
                continue
            label = html_lines(_answer(g, m.level(n), branches), 22)
            lines.append(f"  {quote_id(nid)} -> {quote_id(cid)} [label=<{label}>];")
        return nid

    visit(node)
    lines.append("}")
    return "\n".join(lines) + "\n"


def _project(m: MDD, node: int, drop: set[int]) -> int:
    """``node`` without the levels ``drop`` (the category's own variable and other derived values that the
    assumptions tie in): their branches merged, keeping what some allowed branch gives."""
    return merged(m, node, drop, lambda a, b: b if a == _OFF else a)


def _pick(value: Any) -> Any:
    def f(holds: Any, otherwise: Any) -> Any:
        return value if holds else otherwise
    return f


def _allowed(ok: Any, value: Any) -> Any:
    return value if ok else _OFF


def _number(cell: Interval, unit: str | None, words: Vocabulary) -> str:
    """A one-value cell (a score of exactly 2) as the value itself."""
    assert cell.low is not None
    return words.with_unit(number_text(cell.low), unit)


def _question(text: str) -> str:
    return text if text.endswith("?") else f"{text}?"


def _answer(g: CompiledGuideline, lv: int, branches: list[int]) -> str:
    var = g.vars[lv]
    if var.numeric:
        cells = [var.branches[i] for i in branches]
        runs: list[Interval] = []
        for c in cells:
            assert isinstance(c, Interval)
            if runs and runs[-1].high == c.low and (runs[-1].high_closed != c.low_closed):
                runs[-1] = Interval(runs[-1].low, c.high, runs[-1].low_closed, c.high_closed)
            else:
                runs.append(c)
        words = g.model.vocabulary
        return " or ".join(_number(r, var.unit, words) if r.low is not None and r.low == r.high else
                           interval_words(g.model, var.input, r, "typographic") for r in runs)
    vals = [var.branches[i] for i in branches]
    return ", ".join(g.model.vocabulary.value(var.input, v) for v in vals)


__all__ = ["classification_dot", "classification_names", "interval_label"]
