"""Reading case files into plain data, with the source position of every key and value.

Case files are YAML or JSON (``engine.cases.load`` handles CSV cohorts itself, row by row, for speed). This module only
turns text into Python data and a :class:`Locator` that answers "where in the file is ``cases[2].facts.size_cm``?",
so that every later complaint can point at a line. Nothing here knows about inputs or guidelines.

YAML is read with a *safe* loader (no object construction) whose booleans are only ``true``/``false``: YAML 1.1's
``yes``/``no``/``on``/``off`` booleans silently turn ``site: no`` into ``False``, which is the wrong thing to do
with patient data. Positions come from ``yaml.compose`` nodes; JSON positions are recovered lazily (only when an
error needs one) by composing the JSON text as YAML, of which it is almost always a subset.

Bounds: YAML aliases (``*a``) share one node, and the walk that records positions visits each node once, so an
"alias bomb" (nine levels of nine aliases: 9^9 values from 560 bytes) costs nothing to read; its expanded size is
computed on the shared nodes and a file whose aliases expand past :data:`MAX_EXPANDED` values is refused (E301),
since the checks that follow would walk every copy. Duplicate JSON keys are found while parsing
(``object_pairs_hook``), at any file size; only their position needs the slower positional parse.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml

from dsl.diagnostics import Diagnostic
from dsl.span import Span

Path_ = tuple[str | int, ...]
"""A path into a document: mapping keys and list indexes (``(0, "facts", "size_cm")``)."""

_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StrictBoolLoader(_Base):  # type: ignore[misc]
    """A safe loader whose only booleans are true/false (any capitalisation YAML 1.2 allows)."""


_StrictBoolLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_StrictBoolLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


@dataclass(slots=True)
class Marks:
    """Where keys and values are, by document path: the composed YAML nodes (their spans are made only when asked
    for, :meth:`key_span` and :meth:`value_span`: a span per value of a large file would double its memory)."""

    file: str = ""
    keys: dict[Path_, Any] = field(default_factory=dict)
    values: dict[Path_, Any] = field(default_factory=dict)
    duplicates: list[tuple[Path_, Span]] = field(default_factory=list)

    def key_span(self, path: Path_) -> Span | None:
        node = self.keys.get(path)
        return None if node is None else _span(self.file, node)

    def value_span(self, path: Path_) -> Span | None:
        node = self.values.get(path)
        return None if node is None else _span(self.file, node)


class Locator:
    """Positions inside one case file, computed on first use (JSON) or while reading (YAML)."""

    def __init__(self, file: str, text: str, marks: Marks | None = None) -> None:
        self.file = file
        self._text = text
        self._marks = marks

    @property
    def marks(self) -> Marks:
        if self._marks is None:
            try:
                node = _compose(self._text)
                self._marks = _collect_marks(self.file, node) if node is not None else Marks()
            except yaml.YAMLError:
                self._marks = Marks()
        return self._marks

    def key(self, path: Path_) -> Span | None:
        """The span of the key that ends ``path`` (falling back to its value, then to its parents)."""
        marks = self.marks
        for n in range(len(path), -1, -1):
            sub = path[:n]
            span = marks.key_span(sub) or marks.value_span(sub)
            if span is not None:
                return span
        return None

    def value(self, path: Path_) -> Span | None:
        """The span of the value at ``path`` (falling back to its key, then to its parents)."""
        span = self.marks.value_span(path)
        return span if span is not None else self.key(path)

    def line_of(self, path: Path_) -> int:
        span = self.value(path)
        return span.line if span else 1


def _compose(text: str) -> Any:
    loader = _StrictBoolLoader(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def _span(file: str, node: Any) -> Span:
    s, e = node.start_mark, node.end_mark
    end_line, end_col = e.line + 1, e.column + 1
    if end_line != s.line + 1:  # block values end on the next line: keep the span on one line
        end_line, end_col = s.line + 1, s.column + 2
    return Span(file, s.line + 1, s.column + 1, end_line, end_col, s.index, e.index)


MAX_VALUES = 3_000_000
"""Values (about: separators counted) in one YAML or JSON case file. Each value costs about 5 us and 650 bytes to
read with its position, so 3,000,000 take about 16 s and 1.9 GB; a CSV cohort is the format for more."""


def too_many_values(file: str, text: str) -> Diagnostic | None:
    """``E301`` when ``text`` has more separators (``,`` ``:`` and line ends) than :data:`MAX_VALUES`: counted in
    C before anything is parsed, an overestimate of the number of values that only refuses very large files."""
    estimate = text.count(",") + text.count(":") + text.count("\n")
    if estimate <= MAX_VALUES:
        return None
    return _error("E301", f"the file holds about {estimate:,} values, more than {MAX_VALUES:,}", _point(file, 1, 1),
                  "YAML and JSON case files are read with the position of every value: put large sets of "
                  "patients in a CSV cohort")


MAX_EXPANDED = 1_000_000
"""Values a YAML case file may hold once its aliases are expanded (a 50,000-case file holds about 1,000,000)."""


class AliasBomb(Exception):
    """A YAML document whose aliases expand past :data:`MAX_EXPANDED` values, or refer to themselves."""


def expanded_size(root: Any) -> int:
    """How many nodes the composed YAML graph ``root`` would have with every alias expanded; raises
    :class:`AliasBomb` past :data:`MAX_EXPANDED` or on a cycle. Each shared node is sized once."""
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            on_path.discard(key)
            children = _children(node)
            total = 1 + sum(sizes[id(c)] for c in children)
            if total > MAX_EXPANDED:
                raise AliasBomb(f"its aliases expand to more than {MAX_EXPANDED:,} values")
            sizes[key] = total
            continue
        if key in sizes:
            continue
        if key in on_path:
            raise AliasBomb("an alias refers to the value that contains it")
        on_path.add(key)
        stack.append((node, True))
        stack.extend((c, False) for c in _children(node) if id(c) not in sizes)
    return sizes[id(root)]


def _children(node: Any) -> list[Any]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _collect_marks(file: str, root: Any) -> Marks:
    """Spans by path; a node reached again through an alias is not walked again (its copies have no marks of
    their own: a complaint about one points at the nearest enclosing value that has)."""
    marks = Marks(file)
    stack: list[tuple[Any, Path_]] = [(root, ())]
    visited: set[int] = set()
    while stack:
        node, path = stack.pop()
        if id(node) in visited:
            continue
        visited.add(id(node))
        marks.values[path] = node
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key_node, value_node in node.value:
                key = str(key_node.value)
                sub = (*path, key)
                if key in seen:
                    marks.duplicates.append((sub, _span(file, key_node)))
                    continue
                seen.add(key)
                marks.keys[sub] = key_node
                stack.append((value_node, sub))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                stack.append((item, (*path, i)))
    return marks


@dataclass(slots=True)
class Document:
    """A parsed case file: its data (None when it could not be read) and where things are in it."""

    data: Any
    locator: Locator
    diagnostics: list[Diagnostic]


def _error(code: str, message: str, span: Span, help: str | None = None) -> Diagnostic:
    return Diagnostic(code, "error", message, span, help)


def _point(file: str, line: int, column: int) -> Span:
    return Span(file, max(line, 1), max(column, 1), max(line, 1), max(column, 1) + 1)


def read_yaml(file: str, text: str) -> Document:
    """Parse YAML text with positions; syntax errors become E301 diagnostics with line and column."""
    if (large := too_many_values(file, text)) is not None:
        return Document(None, Locator(file, text, Marks()), [large])
    try:
        loader = _StrictBoolLoader(text)
        try:
            node = loader.get_single_node()
            if node is not None and "&" in text:  # no anchor, no alias
                expanded_size(node)
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except AliasBomb as e:
        return Document(None, Locator(file, text, Marks()),
                        [_error("E301", f"invalid YAML: {e}", _point(file, 1, 1),
                                "write the values out, or use fewer aliases")])
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = _point(file, mark.line + 1, mark.column + 1) if mark else _point(file, 1, 1)
        problem = " ".join(p for p in (e.context, e.problem) if p) or "syntax error"
        return Document(None, Locator(file, text, Marks()), [_error("E301", f"invalid YAML: {problem}", where)])
    except yaml.YAMLError as e:
        return Document(None, Locator(file, text, Marks()),
                        [_error("E301", f"invalid YAML: {e}", _point(file, 1, 1))])
    marks = _collect_marks(file, node) if node is not None else Marks()
    return Document(data, Locator(file, text, marks), _duplicate_keys(marks))


def read_json(file: str, text: str) -> Document:
    """Parse JSON text; positions are recovered lazily through YAML composition when an error needs them."""
    if (large := too_many_values(file, text)) is not None:
        return Document(None, Locator(file, text, Marks()), [large])
    duplicates: list[str] = []
    try:
        data = json.loads(text, parse_constant=_reject_constant,
                          object_pairs_hook=lambda pairs: _object(pairs, duplicates))
    except json.JSONDecodeError as e:
        return Document(None, Locator(file, text, Marks()),
                        [_error("E301", f"invalid JSON: {e.msg}", _point(file, e.lineno, e.colno))])
    except ValueError as e:
        return Document(None, Locator(file, text, Marks()),
                        [_error("E301", f"invalid JSON: {e}", _point(file, 1, 1))])
    except RecursionError:
        return Document(None, Locator(file, text, Marks()),
                        [_error("E301", "invalid JSON: values nested too deeply", _point(file, 1, 1),
                                "a case is a mapping of a few levels: id, description, facts, expect")])
    locator = Locator(file, text)
    if not duplicates:
        return Document(data, locator, [])
    found = _duplicate_keys(locator.marks)
    if not found:  # positions unavailable (the text is JSON that YAML does not read): name the keys at least
        found = [_error("E313", f"duplicate key '{key}': only one value is allowed", _point(file, 1, 1))
                 for key in dict.fromkeys(duplicates)]
    return Document(data, locator, found)


def _object(pairs: list[tuple[str, Any]], duplicates: list[str]) -> dict[str, Any]:
    """``json.loads``'s object hook: the dict, noting keys that appear twice in one object."""
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                duplicates.append(key)
            seen.add(key)
    return obj


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a valid JSON number")


def _duplicate_keys(marks: Marks) -> list[Diagnostic]:
    return [_error("E313", f"duplicate key '{path[-1]}': only one value is allowed", span)
            for path, span in sorted(marks.duplicates, key=lambda p: (p[1].line, p[1].column))]


READERS: dict[str, Callable[[str, str], Document]] = {".yaml": read_yaml, ".yml": read_yaml, ".json": read_json}
