"""Canonical source text of conditions and values, rebuilt from the syntax tree.

The resolver stores, on every atom of the core condition language, the text an author would recognise
(``size_cm > 5 cm``, ``site in {uterus, other}``) so that results can say *because* in the author's words.
The text is rebuilt from the tree rather than sliced from the file, so it is the same whatever the layout
(extra spaces, line breaks) and also works for trees built by code.

>>> from dsl import ast
>>> cond_text(ast.Compare(ast.Name("size_cm"), ">", ast.Number(5, "cm", "5")))
'size_cm > 5 cm'
"""

from __future__ import annotations

from dsl import ast

# Binding strength of each operator (higher binds tighter); used to add parentheses only where needed when a
# tree was built by code without Paren nodes.
_IMPLIES, _OR, _AND, _NOT, _ATOM = 1, 2, 3, 4, 5


def number_text(n: ast.Number, with_unit: bool = True) -> str:
    """``5``, ``1.8``, ``66 Gy``: the digits as written when the parser kept them."""
    digits = n.text or _format_number(n.value)
    return f"{digits} {n.unit}" if with_unit and n.unit else digits


def _format_number(x: int | float) -> str:
    if isinstance(x, float) and x.is_integer():
        return str(int(x))
    return repr(x) if isinstance(x, float) else str(x)


def range_text(r: ast.Range) -> str:
    """``50..60 Gy``; a unit written on the ends rather than after the range is kept where it was."""
    unit = f" {r.unit}" if r.unit else ""
    return f"{number_text(r.low)}..{number_text(r.high)}{unit}"


def value_text(v: ast.Value) -> str:
    if isinstance(v, ast.Name):
        return v.name
    if isinstance(v, ast.Number):
        return number_text(v)
    if isinstance(v, ast.Range):
        return range_text(v)
    if isinstance(v, ast.Bool):
        return "true" if v.value else "false"
    return '"' + v.value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _level(c: ast.Cond) -> int:
    if isinstance(c, ast.Implies):
        return _IMPLIES
    if isinstance(c, ast.Or):
        return _OR
    if isinstance(c, ast.And):
        return _AND
    if isinstance(c, ast.Not):
        return _NOT
    return _ATOM


def _wrapped(c: ast.Cond, above: int) -> str:
    text = cond_text(c)
    return f"({text})" if _level(c) <= above else text


def cond_text(c: ast.Cond) -> str:
    """The canonical text of a condition (single spaces, operators as in the language)."""
    if isinstance(c, ast.Compare):
        return f"{c.subject.name} {c.op} {value_text(c.value)}"
    if isinstance(c, ast.InSet):
        return f"{c.subject.name} in {{{', '.join(value_text(v) for v in c.values)}}}"
    if isinstance(c, ast.InRange):
        return f"{c.subject.name} in {range_text(c.range)}"
    if isinstance(c, ast.IsKnown):
        return f"{c.subject.name} is {'known' if c.known else 'unknown'}"
    if isinstance(c, ast.Name):
        return c.name
    if isinstance(c, ast.Bool):
        return "true" if c.value else "false"
    if isinstance(c, ast.Paren):
        return f"({cond_text(c.item)})"
    if isinstance(c, ast.Not):
        return f"not {_wrapped(c.item, _NOT - 1)}"
    if isinstance(c, ast.And):
        return " and ".join(_wrapped(i, _AND - 1) for i in c.items)
    if isinstance(c, ast.Or):
        return " or ".join(_wrapped(i, _OR - 1) for i in c.items)
    # Implies is right-associative in the grammar: parenthesise a left operand that is itself an implication.
    return f"{_wrapped(c.left, _IMPLIES)} implies {_wrapped(c.right, _IMPLIES - 1)}"
