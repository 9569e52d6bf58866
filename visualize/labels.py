"""The words of a flowchart: questions, answers, action lines, and the escaping that keeps user text as text.

Every piece of text that comes from a rules file (labels, parameter values, evidence, reference texts) passes
through :func:`escape` before it enters an HTML-like Graphviz label. Graphviz would otherwise read ``<Stage IV>``
as markup and, even inside HTML-like labels, collapses ``\\\\`` to ``\\``; so ``&<>"'`` become entities and every
backslash is doubled.

Questions are built from the decision node's input and the tests on its out-edges, the way a guideline figure asks
them: a number split once at ``5`` reads "Tumour size > 5 cm?" with the answers "yes"/"no"; a number split more
often, or an enum, asks "Primary site?" and labels each answer; a bool asks "<label>?"; ``known:x`` asks
"<label> known?".
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from engine.core.values import GE, Interval, number_text
from engine.core.vocabulary import Vocabulary, authored
from visualize.style import WRAP

IntervalData = tuple[float | None, float | None, bool, bool]



def escape(text: str) -> str:
    """``text`` as literal text inside a Graphviz HTML-like label.

    >>> escape('<Stage IV> & "a\\\\b"')
    '&lt;Stage IV&gt; &amp; &quot;a\\\\\\\\b&quot;'
    """
    out = (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
           .replace('"', "&quot;").replace("'", "&#39;"))
    return out.replace("\\", "\\\\")


def quote_id(text: str) -> str:
    """A DOT quoted identifier (node ids, cluster names, tooltips): only ``"`` and ``\\`` need escaping."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def wrap(text: str, width: int = WRAP) -> list[str]:
    """``text`` broken into lines of about ``width`` characters; words longer than a line are kept whole."""
    lines = textwrap.wrap(" ".join(text.split()), width=width, break_long_words=False, break_on_hyphens=True)
    return lines or [""]


def html_lines(text: str, width: int = WRAP, align: str = "") -> str:
    """``text`` wrapped and escaped, lines joined with ``<BR/>`` (``align`` LEFT/RIGHT for flush lines)."""
    br = f'<BR ALIGN="{align}"/>' if align else "<BR/>"
    return br.join(escape(line) for line in wrap(text, width))


def humanize(name: str) -> str:
    """An identifier as words: ``trunk_wall`` -> ``trunk wall``."""
    return name.replace("_", " ")


def sentence(name: str) -> str:
    """An identifier as a label when the author gave none: ``size_cm`` -> ``Size cm``."""
    words = humanize(name)
    return words[:1].upper() + words[1:]


def number(x: float) -> str:
    """A number as an author writes it: ``5`` not ``5.0``, ``1.8`` not ``1.8000000000000003``, ``∞``."""
    return number_text(x, typographic=True)


def value_text(value: Any) -> str:
    """An enum or bool answer: ``True`` -> ``yes``, ``trunk_wall`` -> ``trunk wall``, ``2`` -> ``2``."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return number(value)
    return humanize(str(value))


NO_WORDS = Vocabulary()
"""No labels, no display forms: names print as before (``humanize``d in figures)."""


def _with_unit(text: str, unit: str | None, words: Vocabulary = NO_WORDS) -> str:
    return words.with_unit(text, unit)


def answer_text(words: Vocabulary, owner: str, value: Any) -> str:
    """An answer to a question about ``owner``: the value's label when the author gave one, else
    :func:`value_text`."""
    label = words.label(owner, value)
    return label if label is not None else value_text(value)


def interval_text(iv: IntervalData, unit: str | None, words: Vocabulary = NO_WORDS, owner: str = "") -> str:
    """``(5, None, False, True)`` -> ``> 5 cm``; ``(3, 5, True, True)`` -> ``3–5 cm`` (the typographic style of
    :meth:`engine.core.values.Interval.text`), the unit in its display form, an integer cell in the comparison
    its author wrote (``< 80``, not ``≤ 79``)."""
    cell = Interval(*iv)
    if owner in words.written:
        cell = authored(cell, words.written[owner])
    text = cell.text("typographic")
    return text if text == "any" else words.with_unit(text, unit)


def edge_intervals(data: Mapping[str, Any]) -> list[IntervalData]:
    """The intervals on a number edge: ``intervals`` (preferred: two disjoint intervals leading to the same child
    share one edge of a DiGraph) or ``interval``, each ``[low, high, low_closed, high_closed]``."""
    raw = data.get("intervals")
    if raw is None:
        raw = data.get("interval")
    if not isinstance(raw, list | tuple) or not raw:
        return []
    items = raw if isinstance(raw[0], list | tuple) else [raw]
    out: list[IntervalData] = []
    for it in items:
        low, high, lc, hc = it
        out.append((None if low is None else float(low), None if high is None else float(high), bool(lc), bool(hc)))
    return sorted(out, key=lambda i: (-math.inf if i[0] is None else i[0], not i[2]))


@dataclass(frozen=True, slots=True)
class Question:
    """A decision node as words: the question and, per out-edge (in drawing order), the child and its answer."""

    text: str
    answers: tuple[tuple[str, str], ...]


def _ask(label: str) -> str:
    label = label.strip()
    return label if label.endswith("?") else f"{label}?"


def _bool_key(data: Mapping[str, Any]) -> tuple[int, str]:
    values = data.get("values") or []
    return (0 if True in values and False not in values else 1, str(data.get("label", "")))


def question(node: Mapping[str, Any], edges: Sequence[tuple[str, Mapping[str, Any]]],
             kind: str, enum_order: Sequence[Any] = (), domain: tuple[float, float] = (-math.inf, math.inf),
             words: Vocabulary = NO_WORDS) -> Question:
    """The question a decision node asks, and its answers.

    ``node`` holds the decision attributes (``var``, ``question``, ``unit``), ``edges`` the ``(child, data)`` of
    its out-edges, ``kind`` the input's kind (``number``/``integer``/``bool``/``enum``; ``known:`` variables are
    recognised from ``var``), ``enum_order`` the declared values, which order the answers, and ``domain`` a
    number input's declared range: a bound at the edge of the range is not worth saying ("> 5 cm", not
    "> 5 and <= 100 cm"). ``words`` gives the values' labels and the units' display forms.
    """
    name = str(node.get("input", "?"))
    label = str(node.get("question") or name)
    if label == name:  # the input has no label: its name, as words
        label = sentence(name)
    var = str(node.get("var", ""))
    if var.startswith("known:"):
        ordered = sorted(edges, key=lambda e: _bool_key(e[1]))
        asked = label if label.rstrip("?").rstrip().endswith(" known") else f"{label} known"
        return Question(_ask(asked), tuple((c, _yes_no(d)) for c, d in ordered))
    if kind == "bool":
        ordered = sorted(edges, key=lambda e: _bool_key(e[1]))
        return Question(_ask(label), tuple((c, _yes_no(d, words, name)) for c, d in ordered))
    if kind in ("number", "integer"):
        return _number_question(label, node.get("unit"), edges, domain, words, name)
    rank = {v: i for i, v in enumerate(enum_order)}

    def enum_key(e: tuple[str, Mapping[str, Any]]) -> tuple[int, str]:
        values = e[1].get("values") or []
        return (min((rank.get(v, len(rank)) for v in values), default=len(rank)), str(e[1].get("label", "")))

    ordered = sorted(edges, key=enum_key)
    answers = []
    for child, data in ordered:
        values = sorted(data.get("values") or [], key=lambda v: rank.get(v, len(rank)))
        text = ", ".join(answer_text(words, name, v) for v in values) if values else str(data.get("label", ""))
        answers.append((child, text))
    return Question(_ask(label), tuple(answers))


def _yes_no(data: Mapping[str, Any], words: Vocabulary = NO_WORDS, owner: str = "") -> str:
    values = data.get("values") or []
    if values and all(isinstance(v, bool) for v in values):
        if len(values) == 1:
            return answer_text(words, owner, values[0])
        return "yes, no"
    return str(data.get("label", ""))


def _authored(iv: IntervalData, written: frozenset[float]) -> IntervalData:
    """``iv`` in the comparison its author wrote (an integer cell ``≤ 79`` is ``< 80`` when the rules say so)."""
    if not written:
        return iv
    cell = authored(Interval(*iv), written)
    return (cell.low, cell.high, cell.low_closed, cell.high_closed)


def _open_ended(iv: IntervalData, domain: tuple[float, float]) -> IntervalData:
    """``iv`` with a bound that is the input's own range limit dropped (shown as unbounded)."""
    low, high, lc, hc = iv
    if low is not None and lc and low <= domain[0]:
        low = None
    if high is not None and hc and high >= domain[1]:
        high = None
    return (low, high, lc, hc)


def _number_question(label: str, unit: Any, edges: Sequence[tuple[str, Mapping[str, Any]]],
                     domain: tuple[float, float], words: Vocabulary = NO_WORDS, owner: str = "") -> Question:
    unit_s = str(unit) if unit else None
    written = words.written.get(owner, frozenset())
    spans = [(child, data, [_open_ended(_authored(iv, written), domain) for iv in edge_intervals(data)])
             for child, data in edges]
    # ascending by lower bound; at an equal bound a closed one ("3 years") comes before an open one ("> 3")
    spans.sort(key=lambda s: (math.inf if not s[2] else (-math.inf if s[2][0][0] is None else s[2][0][0]),
                              0 if s[2] and s[2][0][2] else 1, s[0]))
    if len(spans) == 2 and all(len(s[2]) == 1 for s in spans):
        (lo_child, _, [lo]), (hi_child, _, [hi]) = spans
        if lo[0] is None and hi[1] is None and lo[1] is not None and lo[1] == hi[0]:
            op = GE if hi[2] else ">"
            text = _ask(_with_unit(f"{label} {op} {number(lo[1])}", unit_s, words))
            return Question(text, ((hi_child, "yes"), (lo_child, "no")))
    answers = []
    for child, data, ivs in spans:
        text = " or ".join(interval_text(iv, unit_s, words) for iv in ivs) if ivs else str(data.get("label", ""))
        answers.append((child, text))
    return Question(_ask(label), tuple(answers))


def param_text(name: str, value: Any, words: Vocabulary = NO_WORDS, action: str = "") -> str:
    """One action parameter as printed: ``dose: 50–60 Gy``, ``timing: postoperative``, ``dose: 400 mg/day``,
    ``systolic: < 130 mmHg`` (with ``words``: labels and display forms)."""
    shown = words.param_json(action, name, value)
    return f"{humanize(name)}: {humanize(shown) if shown == str(value) else shown}"


def footnote_mark(index: int) -> str:
    """Letters for rule footnotes (``a``, ``b``, ... ``z``, ``aa``), kept apart from numbered references."""
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(ord("a") + rem) + out
    return out
