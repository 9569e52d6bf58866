"""Canonical source text of conditions and values, rebuilt from the syntax tree.

The resolver stores, on every atom of the core condition language, the text an author would recognise
(``size_cm > 5 cm``, ``site in {uterus, other}``) so that results can say *because* in the author's words.
The text is rebuilt from the tree rather than sliced from the file, so it is the same whatever the layout
(extra spaces, line breaks) and also works for trees built by code. It is exactly what the formatter writes:
the one-line writers of :mod:`dsl.format` are reused here.

>>> from dsl import ast
>>> cond_text(ast.Compare(ast.Name("size_cm"), ">", ast.Number(5, "cm", "5")))
'size_cm > 5 cm'
"""

from __future__ import annotations

from dsl import ast
from dsl.format import cond as cond_text
from dsl.format import value as value_text
from engine.core.values import number_text as number_as_written


def number_text(n: ast.Number, with_unit: bool = True) -> str:
    """``5``, ``1.8``, ``66 Gy``: the digits as written when the parser kept them."""
    digits = n.text or number_as_written(n.value, exact=True)
    return f"{digits} {n.unit}" if with_unit and n.unit else digits


__all__ = ["cond_text", "number_text", "value_text"]
