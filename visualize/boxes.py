"""The boxes of a flowchart as HTML-like Graphviz labels: question boxes and action (leaf) boxes.

A leaf box stacks one cell per active entry. The cell's *fill* is the action's modality and its *border* the
strength (``visualize.style``); negative strengths get a double frame and a ``✕`` before the strength word. Each
cell prints the strength word, the action label, its parameters (doses, intervals), the evidence level and the
citation marks (``[6, 8]`` for numbered references, letters for rule footnotes, both explained at the foot of the
figure). Overridden entries are left out: a figure shows what a patient gets, and the override is visible as the
branch that leads to the overriding rule's box.

Boxes are drawn in one of three states: ``normal``; ``on`` (on the highlighted patient's path) and ``off`` (greyed
because the patient cannot get there).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from engine.core.model import Model, choice_key
from visualize.conditions import condition_text, lower_first
from visualize.labels import escape, html_lines, param_text, sentence
from visualize.style import SMALL_SIZE, STRENGTH_WORDS, TINY_SIZE, Theme

State = Literal["normal", "on", "off"]
LEAF_WRAP = 28
QUESTION_WRAP = 26
BR_LEFT = '<BR ALIGN="LEFT"/>'


@dataclass(frozen=True, slots=True)
class EntryView:
    """One box line of a leaf: the active entries with the same action and strength, merged (three rules that
    each recommend a wide excision with different details read as one box listing the details)."""

    rules: tuple[str, ...]
    strength: str
    action: str
    modality: str
    details: tuple[str, ...]  # the parameters of each entry that has some, one text per entry
    evidence: tuple[str, ...]
    preference: tuple[str, ...]
    citations: tuple[int, ...]
    marks: tuple[str, ...]


def action_label(model: Model, action: str) -> str:
    a = model.actions.get(action)
    return a.label if a is not None and a.label else sentence(action)


def _unique(items: list[Any]) -> tuple[Any, ...]:
    return tuple(dict.fromkeys(items))


POSITIVE = ("must", "recommend", "consider")


def _adjustments(model: Model, action: str, sections: set[str]) -> list[str]:
    """The adjustments of ``action`` in the sections of the box's rules, one line each: "dose: 800 mg if KIT exon:
    9" (an adjustment changes the parameters of the recommendation for the patients its rule applies to,
    without a branch of its own in the tree)."""
    out = []
    for ri, a in model.adjustments:
        rule = model.rules[ri]
        if a.action == action and rule.section in sections:
            values = "; ".join(param_text(k, v.to_json(), model.vocabulary, action) for k, v in a.params)
            out.append(f"{values} if {lower_first(condition_text(rule.when, model))}")
    return out


def entry_views(leaf: Mapping[str, Any], model: Model, marks: Mapping[str, str]) -> list[EntryView]:
    """The active entries of a leaf, merged per (action, strength) in graph order, with their rules' evidence,
    citations and footnote marks."""
    rules = {r.name: r for r in model.rules}
    groups: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    for e in leaf.get("entries") or []:
        if e.get("status", "active") == "active":
            groups.setdefault((str(e.get("action")), str(e.get("strength"))), []).append(e)
    out = []
    for (action, strength), entries in groups.items():
        found = [rules[str(e.get("rule"))] for e in entries if str(e.get("rule")) in rules]
        act = model.actions.get(action)
        details = []
        for e in entries:
            params = e.get("params") or {}
            if params:
                details.append("; ".join(param_text(k, params[k], model.vocabulary, action) for k in params))
        if strength in POSITIVE:
            details.extend(_adjustments(model, action, {r.section for r in found}))
        out.append(EntryView(
            rules=_unique([str(e.get("rule")) for e in entries]),
            strength=strength,
            action=action_label(model, action),
            modality=act.modality if act is not None else "other",
            details=_unique(details),
            evidence=_unique([ev for r in found for x in r.entries if x.action == action
                              for ev in [r.evidence_of(x)] if ev]),
            preference=_unique([p for r in found for x in r.entries if x.action == action
                                for p in [r.preference_of(x)] if p]),
            citations=tuple(sorted({c for r in found for c in r.citations})),
            marks=_unique([marks[f] for r in found for f in r.footnotes if f in marks]),
        ))
    return _choices(out, model)


def _choices(views: list[EntryView], model: Model) -> list[EntryView]:
    """The alternatives of one choice set drawn in the box as one cell, "Choose one: A | B | C" (``one_of``) or
    "Choose one or more: A | B | C" (``any_of``)
    (alternatives set aside for the patient are not drawn; a choice left with one alternative is that action)."""
    rules = {r.name: r for r in model.rules}

    def key(v: EntryView) -> tuple[str, tuple[str, ...]] | None:
        if len(v.rules) != 1 or v.rules[0] not in rules:
            return None
        alts = [e.one_of for e in rules[v.rules[0]].entries if action_label(model, e.action) == v.action]
        return (v.rules[0], alts[0]) if alts and alts[0] else None

    keys = [key(v) for v in views]
    out: list[EntryView] = []
    for i, (v, k) in enumerate(zip(views, keys, strict=True)):
        group = [w for w, kw in zip(views, keys, strict=True) if k is not None and kw == k]
        if len(group) < 2:
            out.append(v)
        elif k is not None and keys.index(k) == i:
            words = "Choose one or more: " if choice_key(k[1]) == "any_of" else "Choose one: "
            out.append(EntryView(
                v.rules, v.strength, words + " | ".join(w.action for w in group), v.modality,
                tuple(f"{w.action}: {d}" for w in group for d in w.details),
                _unique([e for w in group for e in w.evidence]), _unique([p for w in group for p in w.preference]),
                v.citations, v.marks))
    return out


def _cite_text(view: EntryView) -> str:
    parts = [", ".join(str(c) for c in view.citations)] if view.citations else []
    if view.marks:
        parts.append(", ".join(view.marks))
    return f"[{'; '.join(parts)}]" if parts else ""


def _font(text: str, size: int, color: str, bold: bool = False) -> str:
    body = f"<B>{text}</B>" if bold else text
    return f'<FONT POINT-SIZE="{size}" COLOR="{color}">{body}</FONT>'


def _entry_cell(view: EntryView, theme: Theme, state: State) -> str:
    border = theme.border(view.strength)
    off = state == "off"
    line_color = theme.dim_border if off else border.color
    fill = theme.dim_fill if off else theme.fill(view.modality)
    text = theme.dim_text if off else theme.text
    muted = theme.dim_text if off else theme.muted
    word = STRENGTH_WORDS.get(view.strength, view.strength.upper())
    head = f"{border.mark} {word}" if border.mark else word
    if view.preference:
        head += f" ({', '.join(p.replace('_', ' ') for p in view.preference)})"
    lines = [_font(escape(head), SMALL_SIZE, theme.dim_text if off else border.color, bold=True)]
    if theme.show_modality_tag:
        lines[0] += _font(escape(f"  \u00b7 {view.modality}"), SMALL_SIZE, muted)
    label = html_lines(view.action, LEAF_WRAP, "LEFT")
    cite = _cite_text(view)
    if cite:
        label += " " + f"<SUP>{_font(escape(cite), TINY_SIZE, muted)}</SUP>"
    lines.append(f'<FONT COLOR="{text}">{label}</FONT>')
    bullet = "\u2022 " if len(view.details) > 1 else ""
    for detail in view.details:
        lines.append(_font(html_lines(bullet + detail, LEAF_WRAP + 6, "LEFT"), SMALL_SIZE, muted))
    if view.evidence:
        evidence = f"Evidence: {'; '.join(view.evidence)}"
        lines.append(_font(html_lines(evidence, LEAF_WRAP + 6, "LEFT"), TINY_SIZE, muted))
    body = BR_LEFT.join(lines) + BR_LEFT
    style = "" if border.style == "solid" else f' STYLE="{border.style}"'
    cell = (f'<TD BORDER="{border.width}" COLOR="{line_color}" BGCOLOR="{fill}"{style} '
            f'CELLPADDING="5" ALIGN="LEFT" BALIGN="LEFT">{body}</TD>')
    if not border.double:
        return cell
    return (f'<TD BORDER="0" CELLPADDING="0"><TABLE BORDER="1" COLOR="{line_color}" CELLBORDER="0" '
            f'CELLSPACING="2" CELLPADDING="0"><TR>{cell}</TR></TABLE></TD>')


def _note_cell(text: str, theme: Theme, state: State) -> str:
    warning = text.startswith("\u26a0")
    color = theme.dim_text if state == "off" else (theme.borders["not_recommended"].color if warning else theme.muted)
    return (f'<TD BORDER="0" ALIGN="LEFT" BALIGN="LEFT">'
            f'{_font(html_lines(text, LEAF_WRAP + 6, "LEFT") + BR_LEFT, TINY_SIZE, color)}</TD>')


def leaf_notes(leaf: Mapping[str, Any], model: Model) -> list[str]:
    """Warnings a leaf carries: actions with conflicting positions and covered actions nobody speaks about."""
    notes = [f"\u26a0 conflicting positions: {action_label(model, str(a))}" for a in leaf.get("conflicts") or []]
    notes += [f"\u26a0 not addressed: {action_label(model, str(a))}" for a in leaf.get("gaps") or []]
    if leaf.get("changed"):  # a figure of `guidegraph diff --figure`: some patient here gets another answer
        notes.append(f"\u21bb changed since {leaf['changed']}")
    return notes


def leaf_label(views: Sequence[EntryView], notes: Sequence[str], theme: Theme, state: State) -> str:
    """The HTML label of a leaf with at least one entry or note."""
    rows = [f"<TR>{_entry_cell(v, theme, state)}</TR>" for v in views]
    rows += [f"<TR>{_note_cell(n, theme, state)}</TR>" for n in notes]
    frame = (f'BORDER="2" COLOR="{theme.path}" STYLE="rounded" CELLSPACING="4"' if state == "on"
             else 'BORDER="0" CELLSPACING="3"')
    return f'<TABLE {frame} CELLBORDER="0" CELLPADDING="0">{"".join(rows)}</TABLE>'


def empty_label(theme: Theme, state: State, kind: str = "empty") -> str:
    """The small end of a branch on which no rule of the section speaks (``empty``), or one whose entries are all
    drawn in a box above it (``end``)."""
    color = theme.dim_text if state == "off" else theme.muted
    return _font("<I>No recommendation</I>" if kind == "empty" else "<I>Nothing further</I>", SMALL_SIZE, color)


def question_label(text: str, theme: Theme, state: State) -> str:
    color = theme.dim_text if state == "off" else theme.text
    return f'<FONT COLOR="{color}">{html_lines(text, QUESTION_WRAP)}</FONT>'
