"""The foot of a figure: the legend (modality fills, strength borders, the patient's path) and the footnotes
(numbered references cited in the figure with their texts, then lettered rule footnotes).

Only what the figure uses is listed, so a section figure's legend explains that figure and nothing else; the order
is the style tables' order, so two figures list shared items the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from visualize.labels import escape, html_lines
from visualize.style import (
    MODALITY_ORDER,
    SMALL_SIZE,
    STRENGTH_WORDS,
    STRENGTHS,
    TINY_SIZE,
    Theme,
)

FOOT_WRAP = 110


def _small(text: str, color: str, size: int = SMALL_SIZE) -> str:
    return f'<FONT POINT-SIZE="{size}" COLOR="{color}">{text}</FONT>'


def _grid(rows: Sequence[tuple[str, Sequence[str]]], theme: Theme) -> str:
    """Legend rows as one grid (Graphviz stretches nested tables, so rows share the columns of one table); a
    row with fewer items ends in an empty cell spanning the rest."""
    width = max(len(cells) for _, cells in rows)
    out = []
    for title, cells in rows:
        head = f'<TD ALIGN="LEFT" BORDER="0">{_small(f"<B>{escape(title)}</B>" if title else " ", theme.text)}</TD>'
        fill = f'<TD BORDER="0" COLSPAN="{width - len(cells)}"></TD>' if len(cells) < width else ""
        out.append(f"<TR>{head}{''.join(cells)}{fill}</TR>")
    body = "".join(out)
    return (f'<TR><TD ALIGN="LEFT" BORDER="0"><TABLE BORDER="0" CELLSPACING="4" CELLPADDING="3">{body}'
            f"</TABLE></TD></TR>")


def _modality_cells(modalities: Iterable[str], theme: Theme) -> list[str]:
    used = set(modalities)
    return [f'<TD BORDER="1" COLOR="{theme.muted}" BGCOLOR="{theme.fill(m)}">{_small(escape(m), theme.text)}</TD>'
            for m in MODALITY_ORDER if m in used]


def _strength_cells(strengths: Iterable[str], theme: Theme) -> list[str]:
    used = set(strengths)
    cells = []
    for s in STRENGTHS:
        if s not in used:
            continue
        b = theme.border(s)
        word = f"{b.mark} {STRENGTH_WORDS[s]}" if b.mark else STRENGTH_WORDS[s]
        style = "" if b.style == "solid" else f' STYLE="{b.style}"'
        pad = ' CELLPADDING="4"' if b.double and b.style != "solid" else ""  # a dashed inner border on the text
        cell = (f'<TD BORDER="{b.width}" COLOR="{b.color}"{style}{pad} BGCOLOR="#ffffff">'
                f'{_small(f"<B>{escape(word)}</B>", b.color)}</TD>')
        if b.double:
            cell = (f'<TD BORDER="0" CELLPADDING="0"><TABLE BORDER="1" COLOR="{b.color}" CELLBORDER="0" '
                    f'CELLSPACING="2" CELLPADDING="0"><TR>{cell}</TR></TABLE></TD>')
        cells.append(cell)
    return cells


def _notes_row(title: str, items: Sequence[tuple[str, str]], theme: Theme, wrap: int = FOOT_WRAP) -> str:
    lines = []
    for mark, text in items:
        lines.append(html_lines(f"{mark}. {text}", wrap, "LEFT"))
    body = f"<B>{escape(title)}</B>" + '<BR ALIGN="LEFT"/>' + '<BR ALIGN="LEFT"/>'.join(lines) + '<BR ALIGN="LEFT"/>'
    return f'<TR><TD ALIGN="LEFT" BALIGN="LEFT" BORDER="0">{_small(body, theme.text, TINY_SIZE)}</TD></TR>'


def foot_label(theme: Theme, *, modalities: Iterable[str], strengths: Iterable[str],
               references: Sequence[tuple[int, str]], footnotes: Sequence[tuple[str, str]],
               case: bool, empty: bool = True, questions: bool = True, wrap: int | None = None) -> str:
    """The HTML label placed at the foot of the figure (the root graph's label); ``wrap``: characters per line
    of the notes (a page's width), and legend rows of at most three items. Empty when there is nothing to say."""
    grid: list[tuple[str, Sequence[str]]] = []
    mod_cells = _modality_cells(modalities, theme)
    if mod_cells:
        grid.append(("Modality", mod_cells))
    str_cells = _strength_cells(strengths, theme)
    if str_cells:
        grid.append(("Strength", str_cells))
    q_cell = (f'<TD BORDER="1" STYLE="rounded" COLOR="{theme.question_border}" BGCOLOR="{theme.question_fill}">'
              f'{_small("question", theme.text)}</TD>')
    e_cell = (f'<TD BORDER="1" STYLE="dashed" COLOR="{theme.muted}">'
              f'{_small("<I>no recommendation</I>", theme.muted)}</TD>')
    other = [cell for cell, used in ((q_cell, questions), (e_cell, empty)) if used]
    if case:
        other.append(f'<TD BORDER="3" COLOR="{theme.path}" BGCOLOR="{theme.path_fill}">'
                     f'{_small("patient&#39;s path", theme.text)}</TD>')
    if other:
        grid.append(("Boxes", other))
    if wrap is not None:  # a page: long rows go on as further rows
        grid = [(title if i == 0 else "", cells[i:i + 3]) for title, cells in grid for i in range(0, len(cells), 3)]
    rows = [_grid(grid, theme)] if grid else []
    if references:
        rows.append(_notes_row("References", [(str(n), t) for n, t in references], theme, wrap or FOOT_WRAP))
    if footnotes:
        rows.append(_notes_row("Notes", footnotes, theme, wrap or FOOT_WRAP))
    if not rows:  # nothing to explain (an overview of connectors only): Graphviz refuses a table with no row
        return ""
    return f'<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="2">{"".join(rows)}</TABLE>'
