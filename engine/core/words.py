"""Conditions and cells in a reader's words, with the guideline's display vocabulary (``engine.core.vocabulary``):
one wording for the figures' "For:" lines and rule lists and the text report's "because" lists."""

from __future__ import annotations

from engine.core.model import Atom, KnownTest, Model, NumTest
from engine.core.values import Interval, IntervalStyle, is_member
from engine.core.vocabulary import authored


def interval_words(model: Model, name: str, iv: Interval, style: IntervalStyle, *, with_name: str = "") -> str:
    """A cell of input ``name`` in words, in one of :meth:`Interval.text`'s styles, with the unit's display form
    and the author's comparison. ``with_name`` is the name the ``rules`` style writes (the input's by default)."""
    inp = model.input_or_derived(name)
    vocabulary = model.vocabulary
    shown = authored(iv, vocabulary.written[name]) if name in vocabulary.written else iv
    domain = (inp.low, inp.high) if inp is not None else (float("-inf"), float("inf"))
    unit = inp.unit if inp is not None else None
    text = shown.text(style, name=with_name or name, domain=domain)
    if not unit:
        return text
    if style == "rules":  # the rules language: the unit's name, as a condition would be written
        return shown.text(style, unit=unit, name=with_name or name, domain=domain)
    return vocabulary.with_unit(text, unit) if text != "any" else text


# ---------------------------------------------------------------------------------------------------------------
# Conditions in words


def input_words(model: Model, name: str) -> str:
    """An input's label, else its name as words (``size_cm`` -> ``Size cm``)."""
    inp = model.input_or_derived(name)
    if inp is not None and inp.label:
        return inp.label
    words = name.replace("_", " ")
    return words[:1].upper() + words[1:]


def atom_words(model: Model, atom: Atom, negated: bool = False) -> str:
    """One test in a reader's words: ``Heart failure: HFrEF``, ``Pregnant`` / ``Not pregnant`` (a bool with
    labels), ``Already treated: no`` (without), ``Systolic BP < 80 mmHg``, ``Tumour size known``."""
    label = input_words(model, atom.input)
    if isinstance(atom, KnownTest):
        return f"{label} {'unknown' if negated else 'known'}"
    if isinstance(atom, NumTest):
        text = f"{label} {interval_words(model, atom.input, atom.interval, 'typographic')}"
        return f"not ({text})" if negated else text
    inp = model.input_or_derived(atom.input)
    domain = inp.domain if inp is not None else tuple(atom.values)
    chosen = [v for v in domain if is_member(v, atom.values) != negated]
    if inp is not None and inp.kind == "bool" and len(chosen) == 1:
        own = model.vocabulary.label(atom.input, chosen[0])
        if own is not None:
            return own
        return label if chosen[0] is True else f"{label}: no"
    return f"{label}: {' or '.join(model.vocabulary.value(atom.input, v) for v in chosen)}"
