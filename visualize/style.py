"""Style tables for the flowcharts: strength -> border, modality -> fill, and the colours of everything else.

Styling is data, kept apart from the emitter (``visualize.dot``), so that a journal's house style is one table
edit away and the two themes can be compared line by line. The rules of the tables:

- **Strength** is carried by the *border* of an action box: positive strengths are solid (``must`` heavier,
  ``consider`` dashed); negative strengths are red-ish in colour and, in every theme, drawn with a *double* border
  and a ``✕`` marker before the strength word, so a prohibition never reads as a recommendation even in print.
- **Modality** is carried by the *fill*. In the grayscale theme fills are grays, which alone cannot separate eight
  modalities, so that theme also prints a small modality tag in each box (``show_modality_tag``).

Colours are ``#rrggbb`` strings (Graphviz understands them everywhere, including HTML-like labels).
"""

from __future__ import annotations

from dataclasses import dataclass

STRENGTHS = ("must", "recommend", "consider", "may_omit", "not_recommended", "never")
"""Strength names in legend order (positive first, strongest first)."""

STRENGTH_WORDS = {
    "must": "MUST",
    "recommend": "RECOMMEND",
    "consider": "CONSIDER",
    "may_omit": "MAY BE OMITTED",
    "not_recommended": "NOT RECOMMENDED",
    "never": "NEVER",
}

MODALITY_ORDER = ("diagnostic", "surgery", "radiotherapy", "systemic", "supportive", "surveillance", "referral",
                  "other")

NEGATIVE_MARK = "\u2715"  # ✕


@dataclass(frozen=True, slots=True)
class Border:
    """How one strength draws the border of its action box.

    ``style`` is a Graphviz HTML cell style (``solid`` or ``dashed``), ``width`` the border in points,
    ``double`` draws a second frame around the box and ``mark`` is a prefix of the strength word."""

    color: str
    style: str
    width: int
    double: bool = False
    mark: str = ""


@dataclass(frozen=True, slots=True)
class Theme:
    """Everything colour-dependent in one figure."""

    name: str
    borders: dict[str, Border]
    fills: dict[str, str]
    show_modality_tag: bool
    text: str  # body text
    muted: str  # secondary text (params, evidence, "no recommendation")
    question_fill: str
    question_border: str
    edge: str
    cluster_border: str
    cluster_fill: str
    # Case highlighting: the patient's path, and everything off it.
    path: str
    path_fill: str
    dim_text: str
    dim_border: str
    dim_fill: str

    def border(self, strength: str) -> Border:
        return self.borders.get(strength, self.borders["recommend"])

    def fill(self, modality: str) -> str:
        return self.fills.get(modality, self.fills["other"])


COLOUR = Theme(
    name="colour",
    borders={
        "must": Border("#1b5e20", "solid", 3),
        "recommend": Border("#2e7d32", "solid", 2),
        "consider": Border("#2e7d32", "dashed", 2),
        "may_omit": Border("#c62828", "dashed", 2, double=True, mark=NEGATIVE_MARK),
        "not_recommended": Border("#c62828", "solid", 2, double=True, mark=NEGATIVE_MARK),
        "never": Border("#8e0000", "solid", 3, double=True, mark=NEGATIVE_MARK),
    },
    fills={
        "diagnostic": "#dbe9f6",
        "surgery": "#fde0c5",
        "radiotherapy": "#fff3b0",
        "systemic": "#e8dcf4",
        "supportive": "#dcefd6",
        "surveillance": "#d3efee",
        "referral": "#f9d9e6",
        "other": "#eeeeee",
    },
    show_modality_tag=False,
    text="#1a1a1a",
    muted="#555555",
    question_fill="#f4f6f8",
    question_border="#37474f",
    edge="#37474f",
    cluster_border="#90a4ae",
    cluster_fill="#ffffff",
    path="#d35400",
    path_fill="#fff1e0",
    dim_text="#b0b0b0",
    dim_border="#d0d0d0",
    dim_fill="#f7f7f7",
)

GRAYSCALE = Theme(
    name="grayscale",
    borders={
        "must": Border("#000000", "solid", 3),
        "recommend": Border("#000000", "solid", 1),
        "consider": Border("#000000", "dashed", 1),
        "may_omit": Border("#000000", "dashed", 1, double=True, mark=NEGATIVE_MARK),
        "not_recommended": Border("#000000", "solid", 1, double=True, mark=NEGATIVE_MARK),
        "never": Border("#000000", "solid", 3, double=True, mark=NEGATIVE_MARK),
    },
    fills={
        "diagnostic": "#f2f2f2",
        "surgery": "#d9d9d9",
        "radiotherapy": "#e6e6e6",
        "systemic": "#cccccc",
        "supportive": "#ffffff",
        "surveillance": "#ededed",
        "referral": "#dedede",
        "other": "#ffffff",
    },
    show_modality_tag=True,
    text="#000000",
    muted="#404040",
    question_fill="#ffffff",
    question_border="#000000",
    edge="#000000",
    cluster_border="#7f7f7f",
    cluster_fill="#ffffff",
    path="#000000",
    path_fill="#e0e0e0",
    dim_text="#a6a6a6",
    dim_border="#c8c8c8",
    dim_fill="#ffffff",
)

THEMES = {"colour": COLOUR, "grayscale": GRAYSCALE}

FONT = "Helvetica"
FONT_SIZE = 11
SMALL_SIZE = 9
TINY_SIZE = 8
TITLE_SIZE = 16
SECTION_TITLE_SIZE = 13
WRAP = 34
"""Characters per line of wrapped label text: about a third of an A4 column at 11 pt."""
PAGE_SIZE = "7.5,10.3"
"""Inches of drawing on an A4 page with margins (8.27 x 11.69 in); section figures are scaled to fit it."""
LANDSCAPE_SIZE = "10.3,7.5"
"""The same page turned, for section figures much wider than tall (many outcomes side by side)."""
PATHWAY_WIDTH = "7.5,1000"
"""The whole pathway is scaled to A4 width only: it may run over several pages in height."""


def theme(name: str) -> Theme:
    """The theme called ``name``; raises KeyError naming the known themes otherwise."""
    try:
        return THEMES[name]
    except KeyError:
        raise KeyError(f"unknown theme {name!r}; known themes: {', '.join(THEMES)}") from None


@dataclass(frozen=True, slots=True)
class Page:
    """The text area of a printed page: a figure is laid out at its own fixed font sizes and must fit its width."""

    name: str
    width_cm: float
    height_cm: float

    @property
    def width_pt(self) -> float:
        return self.width_cm * 72 / 2.54


PAGES = {"a4": Page("a4", 17.0, 24.7), "letter": Page("letter", 16.5, 22.9)}
"""Text widths and heights: A4 (21 x 29.7 cm) and US letter (21.6 x 27.9 cm) with journal margins."""


def page(spec: str) -> Page:
    """``a4``, ``letter`` or a text width such as ``12cm`` / ``6.5in`` (with A4's text height); ValueError
    otherwise."""
    key = spec.strip().lower()
    if key in PAGES:
        return PAGES[key]
    for unit, factor in (("cm", 1.0), ("mm", 0.1), ("in", 2.54)):
        if key.endswith(unit):
            try:
                width = float(key[: -len(unit)]) * factor
            except ValueError:
                break
            if 5.0 <= width <= 100.0:
                return Page(key, width, PAGES["a4"].height_cm)
            raise ValueError(f"page width {spec!r} is out of range: use 5-100 cm")
    raise ValueError(f"unknown page {spec!r}: use a4, letter or a width such as 17cm")
