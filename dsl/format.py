"""The canonical text of a rules file: ``format_file(File) -> str``.

One layout for every file, so that reviews of rule changes are diffs of meaning, not of whitespace: each
declaration, section item and rule clause on its own line (a long action declaration on two); 2 spaces inside a
section, 4 inside a rule; one blank line between groups of top-level declarations of different kinds, around
every section and around every rule; rule clauses in the order when, strengths, overrides, evidence, preference,
cite, source, footnote. Numbers keep the digits as written, strings are re-escaped, parentheses are kept as
written (and added only where a tree built by code needs them).

Comments are put back where the author meant them: a comment on a line of its own goes before the line that
followed it (indented like that line), a comment after code stays at the end of that code's line. Which line a
comment belongs to is found from the spans of the tree, since the formatter never sees the source text.

>>> from dsl.parser import parse
>>> f, _ = parse('guideline "T" input x:bool   # why\\nassume x', "x.rules")
>>> print(format_file(f), end="")
guideline "T"
<BLANKLINE>
input x: bool  # why
<BLANKLINE>
assume x
"""

from __future__ import annotations

import bisect
import dataclasses
from collections.abc import Iterator
from typing import Any

from dsl import ast
from dsl.diagnostics import Diagnostic, has_errors
from dsl.parser import parse

_CLAUSE_ORDER: dict[type, int] = {ast.When: 0, ast.Recommend: 1, ast.Choice: 1, ast.Adjust: 1, ast.Overrides: 2,
                                  ast.Evidence: 3, ast.Preference: 4, ast.Cite: 5, ast.Source: 6, ast.Footnote: 7}
WIDTH = 120
"""Past this many characters an action declaration continues on a second line (nothing else is wrapped)."""
_PRECEDENCE: dict[type, int] = {ast.Implies: 1, ast.Or: 2, ast.And: 3, ast.Not: 4, ast.Compare: 5, ast.Relation: 5,
                                 ast.InSet: 5, ast.InRange: 5, ast.Between: 5, ast.Member: 5, ast.IsKnown: 5,
                                 ast.AtLeast: 5, ast.Neg: 8}
_SUM, _PRODUCT, _UNARY = 6, 7, 8

# ---------------------------------------------------------------------------------------------------------------
# Text of one node


def string(s: ast.String) -> str:
    escaped = s.value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _unit(unit: str | None) -> str:
    return f" {unit}" if unit else ""


def number(n: ast.Number) -> str:
    return (n.text or repr(n.value)) + _unit(n.unit)


def range_text(r: ast.Range) -> str:
    return f"{number(r.low)}..{number(r.high)}{_unit(r.unit)}"


def value(v: ast.Value) -> str:
    if isinstance(v, ast.Name):
        return v.name
    if isinstance(v, ast.Number):
        return number(v)
    if isinstance(v, ast.Range):
        return range_text(v)
    if isinstance(v, ast.Bool):
        return "true" if v.value else "false"
    if isinstance(v, ast.Bound):
        return f"{v.op} {number(v.value)}"
    return string(v)


def _level(c: ast.Cond) -> int:
    if isinstance(c, ast.Arith):
        return _SUM if c.op in "+-" else _PRODUCT
    return _PRECEDENCE.get(type(c), 9)


def _operand(c: ast.Cond, parent: int, allow_equal: bool) -> str:
    own = _level(c)
    text = cond(c)
    return text if own > parent or (allow_equal and own == parent) else f"({text})"


def cond(c: ast.Cond) -> str:
    """A condition on one line; parentheses as written, plus any a hand-built tree needs to keep its shape."""
    if isinstance(c, ast.Compare):
        return f"{c.subject.name} {c.op} {value(c.value)}"
    if isinstance(c, ast.InSet):
        return f"{c.subject.name} in {{{', '.join(value(v) for v in c.values)}}}"
    if isinstance(c, ast.InRange):
        return f"{c.subject.name} in {range_text(c.range)}"
    if isinstance(c, ast.IsKnown):
        return f"{c.subject.name} is {'known' if c.known else 'unknown'}"
    if isinstance(c, ast.And):
        return " and ".join(_operand(i, 3, False) for i in c.items)
    if isinstance(c, ast.Or):
        return " or ".join(_operand(i, 2, False) for i in c.items)
    if isinstance(c, ast.Not):
        return "not " + _operand(c.item, 4, True)
    if isinstance(c, ast.Implies):
        return f"{_operand(c.left, 1, False)} implies {_operand(c.right, 1, False)}"
    if isinstance(c, ast.Paren):
        return f"({cond(c.item)})"
    if isinstance(c, ast.Relation):
        return f"{_operand(c.left, 5, False)} {c.op} {_operand(c.right, 5, False)}"
    if isinstance(c, ast.Between):
        return f"{_operand(c.subject, 5, False)} in {range_text(c.range)}"
    if isinstance(c, ast.Member):
        return f"{value(c.value)} in {c.subject.name}"
    if isinstance(c, ast.AtLeast):
        return f"at_least {number(c.n)} of {{{', '.join(cond(i) for i in c.items)}}}"
    if isinstance(c, ast.Arith):
        own = _level(c)
        return f"{_operand(c.left, own, True)} {c.op} {_operand(c.right, own, False)}"
    if isinstance(c, ast.Neg):
        return f"-{_operand(c.item, _UNARY, False)}"
    if isinstance(c, ast.Call):
        return f"{c.func.name}({', '.join(cond(a) for a in c.args)})"
    if isinstance(c, ast.Count):
        return f"count_of {{{', '.join(cond(i) for i in c.items)}}}"
    if isinstance(c, ast.CountSet):
        return f"count_of {c.subject.name}"
    if isinstance(c, ast.Points):
        return "points_of {" + ", ".join(f"{cond(p.cond)}: {number(p.points)}" for p in c.items) + "}"
    return value(c)


def _label(label: ast.String | None) -> str:
    return f" {string(label)}" if label else ""


def _enum(e: ast.EnumType) -> str:
    labels = e.labels or (None,) * len(e.values)
    return "{" + ", ".join(value(v) + _label(label) for v, label in zip(e.values, labels, strict=True)) + "}"


def input_type(t: ast.InputType) -> str:
    if isinstance(t, ast.BoolType):
        words = ", ".join(f"{value(b)} {string(label)}" for b, label in t.labels)
        return "bool" + (f" {{{words}}}" if words else "")
    if isinstance(t, ast.EnumType):
        return _enum(t)
    if isinstance(t, ast.SetType):
        return "set of " + _enum(t.values)
    text = ("integer" if t.integer else "number") + _unit(t.unit)
    return text + (f" in {range_text(t.range)}" if t.range else "")


def _params(params: tuple[ast.ParamDecl, ...]) -> str:
    if not params:
        return ""
    inner = ", ".join(f"{p.name.name}: {_enum(p.type) if isinstance(p.type, ast.EnumType) else p.type.name}"
                      for p in params)
    return f"({inner})"


def _action(d: ast.Action) -> str:
    """One line; or, past WIDTH, two: broken after the parameters if any, else before ``modality``."""
    modality = f" modality {d.modality.name}" if d.modality else ""
    head = f"action {d.name.name}{_params(d.params)}"
    one = head + _label(d.label) + modality
    if len(one) <= WIDTH or not (d.params or d.modality) or (d.params and not (d.label or d.modality)):
        return one
    if d.params:
        return f"{head}\n    {(_label(d.label) + modality).lstrip()}"
    return f"{head}{_label(d.label)}\n    {modality.lstrip()}"


def decl_line(d: ast.Header | ast.Decl) -> str:
    """The line a declaration starts (for a section: its header, without its items)."""
    if isinstance(d, ast.Header):
        return f"guideline {string(d.title)}" + (f" version {string(d.version)}" if d.version else "")
    if isinstance(d, ast.Reference):
        return f"reference {number(d.number)} {string(d.text)}"
    if isinstance(d, ast.Input):
        return f"input {d.name.name}{_label(d.label)}: {input_type(d.type)}"
    if isinstance(d, ast.Assume):
        return f"assume {cond(d.cond)}"
    if isinstance(d, ast.Let):
        typed = f": {input_type(d.type)}" if d.type is not None else ""
        return f"let {d.name.name}{_label(d.label)}{typed} = {cond(d.cond)}"
    if isinstance(d, ast.Classify):
        return f"classify {d.name.name}{_label(d.label)}{' first_match' if d.first_match else ''}:"
    if isinstance(d, ast.Action):
        return _action(d)
    if isinstance(d, ast.UnitDecl):
        return f"unit {d.name.name} {string(d.display)}"
    if isinstance(d, ast.Together):
        return ("never_together " + ", ".join(a.name for a in d.actions)
                + (f" when {cond(d.cond)}" if d.cond is not None else "")
                + (f" {clause_line(d.cite)}" if d.cite is not None else "")
                + (f" source {string(d.source)}" if d.source is not None else ""))
    guard = f" when {cond(d.guard)}" if d.guard else ""
    return f"section {d.name.name}{_label(d.label)}{guard}:"


def item_line(i: ast.SectionItem) -> str:
    if isinstance(i, ast.Rule):
        return f"rule {i.name.name}{_label(i.label)}:"
    if isinstance(i, ast.Cover):
        return f"cover {i.action.name}{_label(i.note)}" + (f" when {cond(i.cond)}" if i.cond else "")
    if isinstance(i, ast.QuestionOrder):
        return "question_order " + ", ".join(n.name for n in i.names) + (" as_sequence" if i.sequence else "")
    return f"todo {string(i.text)}"


def _entry(c: ast.Recommend | ast.Adjust) -> str:
    return c.action.name + (f"({', '.join(f'{a.name.name}: {value(a.value)}' for a in c.args)})" if c.args else "")


def _attrs(c: ast.Recommend) -> str:
    return f" [{', '.join(clause_line(a) for a in c.attrs)}]" if c.attrs else ""


def clause_line(c: ast.Clause) -> str:
    if isinstance(c, ast.When):
        return f"when {cond(c.cond)}"
    if isinstance(c, ast.Recommend):
        return f"{c.strength} {_entry(c)}" + (" prevails" if c.prevails else "") + _attrs(c)
    if isinstance(c, ast.Adjust):
        return f"adjust {_entry(c)}"
    if isinstance(c, ast.Choice):
        return f"{c.strength} {c.kind}({', '.join(_entry(a) + _attrs(a) for a in c.alternatives)})"
    if isinstance(c, ast.Overrides):
        return "overrides " + ", ".join(r.name + (f".{a.name}" if a is not None else "") for r, a in c.targets())
    if isinstance(c, ast.Cite):
        return "cite " + ", ".join(number(n) for n in c.numbers)
    if isinstance(c, ast.Preference):
        return f"preference {c.value.name}"
    keyword = {ast.Evidence: "evidence", ast.Source: "source", ast.Footnote: "footnote"}[type(c)]
    return f"{keyword} {string(c.text)}"


def canonical_clauses(clauses: tuple[ast.Clause, ...]) -> list[ast.Clause]:
    """A rule's clauses in the canonical order (stable: strengths and footnotes keep their own order)."""
    return sorted(clauses, key=lambda c: _CLAUSE_ORDER[type(c)])


def canonical(f: ast.File) -> ast.File:
    """``f`` with every rule's clauses in canonical order: the tree that ``parse(format_file(f))`` gives back."""
    def item(i: ast.SectionItem) -> ast.SectionItem:
        return dataclasses.replace(i, clauses=tuple(canonical_clauses(i.clauses))) if isinstance(i, ast.Rule) else i

    decls = tuple(dataclasses.replace(d, items=tuple(item(i) for i in d.items)) if isinstance(d, ast.Section) else d
                  for d in f.decls)
    return dataclasses.replace(f, decls=decls)


# ---------------------------------------------------------------------------------------------------------------
# Where the comments go


def _nodes(node: Any) -> Iterator[Any]:
    """Every syntax node under ``node`` (itself included), without recursion limits of its own."""
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, tuple):
            stack.extend(n)
        elif dataclasses.is_dataclass(n) and not isinstance(n, type):
            yield n
            stack.extend(getattr(n, f.name) for f in dataclasses.fields(n) if f.name not in ("span", "comments"))


def _anchors(f: ast.File) -> list[Any]:
    """The nodes that start a line of the canonical text, in source order."""
    out: list[Any] = [f.header]
    for d in f.decls:
        out.append(d)
        if isinstance(d, ast.Classify):
            out.extend(d.branches)
            if d.otherwise is not None:
                out.append(d.otherwise)
        if isinstance(d, ast.Section):
            for i in d.items:
                out.append(i)
                if isinstance(i, ast.Rule):
                    out.extend(i.clauses)
    return sorted(out, key=lambda n: n.span.start)


class _Placement:
    """Each comment attached to a line: leading (before an anchor), trailing (after it) or at the file's end.

    Blank lines next to a comment on its own line are the one piece of the author's layout that is kept (at most
    one): they separate a banner comment from what follows, or one comment paragraph from the next.
    """

    def __init__(self, f: ast.File) -> None:
        self.leading: dict[int, list[ast.Comment]] = {}
        self.trailing: dict[int, ast.Comment] = {}
        self.tail: list[ast.Comment] = []
        self.occupied: set[int] = set()  # lines holding code or a comment
        if not f.comments:
            return
        anchors = _anchors(f)
        starts = [a.span.start for a in anchors]
        code_at: dict[int, int] = {}  # line -> the leftmost column where code starts or ends on it
        for n in _nodes(f):
            s = n.span
            if s.line > 0:
                code_at[s.line] = min(code_at.get(s.line, s.column), s.column)
                code_at[s.end_line] = min(code_at.get(s.end_line, s.end_column), s.end_column)
        self.occupied = set(code_at) | {c.span.line for c in f.comments}
        for c in sorted(f.comments, key=lambda c: c.span.start):
            k = bisect.bisect_left(starts, c.span.start)  # anchors[k] is the first anchor after the comment
            after_code = code_at.get(c.span.line, c.span.column + 1) <= c.span.column
            if after_code and k > 0 and id(anchors[k - 1]) not in self.trailing:
                self.trailing[id(anchors[k - 1])] = c
            elif k < len(anchors):
                self.leading.setdefault(id(anchors[k]), []).append(c)
            else:
                self.tail.append(c)

    def blank_before(self, c: ast.Comment) -> bool:
        return c.span.line > 1 and c.span.line - 1 not in self.occupied

    def blank_after(self, c: ast.Comment, anchor: Any) -> bool:
        return c.span.line + 1 < anchor.span.line and c.span.line + 1 not in self.occupied


# ---------------------------------------------------------------------------------------------------------------
# The writer


class _Writer:
    def __init__(self, placement: _Placement) -> None:
        self.place = placement
        self.lines: list[str] = []

    def blank(self) -> None:
        if self.lines and self.lines[-1] != "":
            self.lines.append("")

    def _comments(self, pad: str, comments: list[ast.Comment]) -> None:
        for c in comments:
            if self.place.blank_before(c):
                self.blank()
            self.lines.append(f"{pad}#{c.text}".rstrip())

    def line(self, indent: int, text: str, anchor: Any) -> None:
        pad = " " * indent
        leading = self.place.leading.get(id(anchor), [])
        self._comments(pad, leading)
        if leading and self.place.blank_after(leading[-1], anchor):
            self.blank()
        trailing = self.place.trailing.get(id(anchor))
        self.lines.append(f"{pad}{text}" + (f"  #{trailing.text}".rstrip() if trailing else ""))

    def text(self) -> str:
        self._comments("", self.place.tail)
        return "\n".join(self.lines) + "\n"


def _section(w: _Writer, s: ast.Section) -> None:
    w.line(0, decl_line(s), s)
    previous: ast.SectionItem | None = None
    for item in s.items:
        if isinstance(item, ast.Rule) or isinstance(previous, ast.Rule):
            w.blank()
        w.line(2, item_line(item), item)
        if isinstance(item, ast.Rule):
            for c in canonical_clauses(item.clauses):
                w.line(4, clause_line(c), c)
        previous = item


def format_file(f: ast.File) -> str:
    """The canonical text of a parsed (or hand-built) file; ``parse(format_file(f))`` equals ``f``."""
    w = _Writer(_Placement(f))
    w.line(0, decl_line(f.header), f.header)
    previous: ast.Decl | None = None
    for d in f.decls:
        if previous is None or isinstance(d, ast.Section | ast.Classify) or type(d) is not type(previous) \
                or isinstance(previous, ast.Section | ast.Classify):
            w.blank()
        if isinstance(d, ast.Section):
            _section(w, d)
        elif isinstance(d, ast.Classify):
            w.line(0, decl_line(d), d)
            for b in d.branches:
                w.line(2, f"when {cond(b.cond)} then {b.value.name}{_label(b.label)}", b)
            if d.otherwise is not None:
                w.line(2, f"otherwise {d.otherwise.name}{_label(d.otherwise_label)}", d.otherwise)
        else:
            w.line(0, decl_line(d), d)
        previous = d
    return w.text()


def fmt_text(text: str, file: str) -> tuple[str | None, list[Diagnostic]]:
    """Parse and format: the canonical text, or None and the syntax errors."""
    tree, diagnostics = parse(text, file)
    if tree is None or has_errors(diagnostics):
        return None, diagnostics
    return format_file(tree), diagnostics
