"""CSV cohorts: one patient per row, one input per column.

The header names the inputs (plus optional ``id`` and ``description`` columns); an empty cell is an unknown value;
cells are parsed by their input's type with a converter built once per column. The header is checked first: an
unknown or repeated column rejects the whole file, since every row would be misread. Rows are then checked one by
one; a bad row is reported with its true line number and skipped, the good rows are returned.

No row is lost to another row's mistake. The file is split into physical lines and parsed record by record; when
a record cannot be read (a cell over :data:`CELL_LIMIT` characters, a line over :data:`LINE_LIMIT`), or a quoted
cell runs over line ends where no cell may (only ``description`` may hold line breaks, and not whole rows), that
record is reported on the line it starts and reading resumes on the next line: one unterminated quote costs one
row, not every row after it.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any, NamedTuple

from dsl.diagnostics import Diagnostic
from dsl.span import Span
from engine.cases.validate import Case, CaseChecker, case_label
from engine.cases.values import BadValue, Converter
from engine.evaluate.result import FactValue

SPECIAL = ("id", "description")
CELL_MEMO = 10_000
"""Distinct cell texts remembered per column: a cohort repeats the same few texts (enum members, booleans,
common numbers), so most cells are converted by one dictionary lookup."""
UNKNOWN: Any = object()
"""The memoised value of an empty cell (facts never hold None, so None means "not memoised yet")."""
ASSUMPTION_MEMO = 50_000
CELL_LIMIT = 131_072
"""Characters in one cell (Python's csv default field limit, stated here)."""
LINE_LIMIT = 1_000_000
"""Characters in one line of a cohort file."""
COLUMN_LIMIT = 10_000
"""Columns in a cohort file's header."""

_LINE_ENDS = re.compile(r"(?<=\n)|(?<=\r)(?!\n)")
"""Splits text after every line end (\\n, \\r\\n or a lone \\r), as the csv module counts lines."""


def _assumption_memo(checker: CaseChecker) -> Callable[[dict[str, FactValue]], bool]:
    """``facts -> some assumption is definitely false``, memoised on the values of the inputs the assumptions
    read (equal values give equal truth: an input's values are all of one kind)."""
    names = tuple(dict.fromkeys(n for _, _, reads in checker.assumptions for n in reads))
    tests = [holds for _, holds, _ in checker.assumptions]
    memo: dict[tuple[FactValue | None, ...], bool] = {}

    def broken(facts: dict[str, FactValue]) -> bool:
        key = tuple([facts.get(n) for n in names])
        hit = memo.get(key)
        if hit is None:
            hit = any(holds(facts) is False for holds in tests)
            if len(memo) >= ASSUMPTION_MEMO:
                memo.clear()
            memo[key] = hit
        return hit

    return broken


def _span(file: str, line: int, column: int, width: int = 1) -> Span:
    return Span(file, line, column, line, column + max(width, 1))


def _header_columns(file: str, header: list[str], checker: CaseChecker) -> tuple[
        list[tuple[int, str, Converter]], int | None, int | None, list[Diagnostic]]:
    diags: list[Diagnostic] = []
    columns: list[tuple[int, str, Converter]] = []
    id_col = desc_col = None
    seen: set[str] = set()
    offset = 1
    for i, raw in enumerate(header):
        name = raw.strip()
        span = _span(file, 1, offset, len(raw))
        offset += len(raw) + 1
        if name in seen:
            diags.append(Diagnostic("E313", "error", f"column '{name}' appears twice in the header", span))
            continue
        seen.add(name)
        if name == "id":
            id_col = i
        elif name == "description":
            desc_col = i
        elif name in checker.text_converters:
            columns.append((i, name, checker.text_converters[name]))
        elif not name:
            diags.append(Diagnostic("E307", "error", f"column {i + 1} of the header has no name", span,
                                    "the header must name an input in every column"))
        else:
            diags.append(checker.unknown_input("header", name, span))
    return columns, id_col, desc_col, diags


_QUOTE_HELP = 'check the quotes on this line: a cell that starts with " must end with "'


class _Lines:
    """The lines of a file fed to ``csv.reader`` one at a time, from a position that can be moved back."""

    __slots__ = ("at", "lines")

    def __init__(self, lines: list[str]) -> None:
        self.lines, self.at = lines, 0

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        at = self.at
        if at >= len(self.lines):
            raise StopIteration
        self.at = at + 1
        return self.lines[at]


def _swallowed(row: list[str], lines: list[str], first: int, end: int, desc_col: int | None, width: int) -> bool:
    """Whether the record read from ``lines[first:end]`` looks like an unterminated quote that ran over other
    rows: a line break in a cell other than the description, or a whole line inside the description that has
    the commas of a row."""
    for i, cell in enumerate(row):
        if i != desc_col and ("\n" in cell or "\r" in cell):
            return True
    return any(lines[k].count(",") >= width - 1 for k in range(first + 1, end - 1))


class _Reader:
    """Records of a cohort file, robust to unterminated quotes and oversized cells (see the module docstring)."""

    def __init__(self, file: str, text: str, diags: list[Diagnostic]) -> None:
        self.file, self.diags = file, diags
        self.lines = _LINE_ENDS.split(text)
        if self.lines and not self.lines[-1]:
            self.lines.pop()
        for k, line in enumerate(self.lines):
            if len(line) > LINE_LIMIT:
                self.lines[k] = "\n"  # read as a blank line; reported here
                diags.append(Diagnostic("E301", "error", f"line {k + 1} is longer than {LINE_LIMIT:,} characters; "
                                        "it is skipped", _span(file, k + 1, 1)))
        self.skipped = sum(d.code == "E301" for d in diags)
        self.width = 0
        self.desc_col: int | None = None

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        feed = _Lines(self.lines)
        reader = csv.reader(feed)
        lines = self.lines
        while True:
            first = feed.at
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as e:
                if feed.at - first > 1:  # a quoted cell ran on over the following lines
                    self._skip(first, f"a quoted cell opened on this line is not closed on it (it runs on past "
                               f"line {feed.at}); the row is skipped and reading resumes on the next line",
                               _QUOTE_HELP)
                else:
                    reason = (f"a cell is longer than {CELL_LIMIT:,} characters" if "field limit" in str(e)
                              else f"invalid CSV: {e}")
                    self._skip(first, f"{reason}; the row is skipped")
                feed.at = first + 1
                reader = csv.reader(feed)
                continue
            end = feed.at
            if (end - first > 1 or end == len(lines)) and self.width and \
                    _swallowed(row, lines, first, end, self.desc_col, self.width):
                self._skip(first, f"a quoted cell opened on this line is not closed on it (it runs on to line "
                           f"{end}); the row is skipped and reading resumes on the next line", _QUOTE_HELP)
                feed.at = first + 1
                reader = csv.reader(feed)
                continue
            yield first + 1, row

    def _skip(self, index: int, message: str, help: str | None = None) -> None:
        self.skipped += 1
        self.diags.append(Diagnostic("E301", "error", message, _span(self.file, index + 1, 1), help))


def read_csv(file: str, text: str, checker: CaseChecker) -> tuple[list[Case], list[Diagnostic], int]:
    """Validate a CSV cohort: the valid rows as cases, a diagnostic for every bad cell or row, and the number of
    rows skipped because of them."""
    diags: list[Diagnostic] = []
    old_limit = csv.field_size_limit(CELL_LIMIT)
    try:
        return _read_csv(file, text, checker, diags)
    finally:
        csv.field_size_limit(old_limit)


def load_csv(file: str, text: str, checker: CaseChecker) -> tuple[list[Case], list[Diagnostic]]:
    """Validate a CSV cohort; returns the valid rows as cases and a diagnostic for every bad cell or row."""
    cases, diags, _ = read_csv(file, text, checker)
    return cases, diags


def _read_csv(file: str, text: str, checker: CaseChecker, diags: list[Diagnostic]) -> tuple[
        list[Case], list[Diagnostic], int]:
    source = _Reader(file, text, diags)
    records = iter(source)
    try:
        header_line, header = next(records)
    except StopIteration:
        if diags:
            return [], diags, source.skipped
        return [], [Diagnostic("E302", "error", "the cohort file is empty", _span(file, 1, 1))], 0
    if header_line != 1 or any(d.span is not None and d.span.line == 1 for d in diags):
        return [], [*diags, Diagnostic("E301", "error", "the header (line 1) cannot be read, so no row is read",
                                       _span(file, 1, 1))], 0
    if len(header) > COLUMN_LIMIT:
        return [], [Diagnostic("E303", "error", f"the header has {len(header):,} columns; at most {COLUMN_LIMIT:,} "
                               "are read", _span(file, 1, 1))], 0
    columns, id_col, desc_col, header_diags = _header_columns(file, header, checker)
    if header_diags:
        return [], header_diags, 0
    width = len(header)
    source.width, source.desc_col = width, desc_col
    cases, skipped = check_rows(file, Header(columns, id_col, desc_col, width), records, checker, diags)
    return cases, diags, skipped + source.skipped


class Header(NamedTuple):
    """A checked header: per input column its index, input name and converter; where ``id`` and ``description``
    are; how many columns a row must have."""

    columns: list[tuple[int, str, Converter]]
    id_col: int | None
    desc_col: int | None
    width: int


def header_columns(file: str, header: list[str], checker: CaseChecker) -> tuple[Header, list[Diagnostic]]:
    """The header of a cohort checked (unknown, unnamed or repeated columns are errors that reject the file)."""
    columns, id_col, desc_col, diags = _header_columns(file, header, checker)
    return Header(columns, id_col, desc_col, len(header)), diags


def check_rows(file: str, header: Header, records: Iterable[tuple[int, list[str]]], checker: CaseChecker,
               diags: list[Diagnostic]) -> tuple[list[Case], int]:
    """The valid cases among ``records`` (``(line, cells)``, in file order), with a diagnostic appended to
    ``diags`` for every bad row, and how many rows were skipped. The one place a row's cells become a case: the
    SQL engines send the rows they cannot settle themselves here, so their messages are these."""
    columns, id_col, desc_col, width = header
    cases: list[Case] = []
    skipped = 0
    assumptions = checker.assumptions
    verdict = _assumption_memo(checker)
    # per column, besides its converter: cell text -> value (or UNKNOWN), for the texts seen so far
    cells: list[tuple[int, str, Converter, dict[str, Any]]] = [(i, name, conv, {}) for i, name, conv in columns]
    for line, row in records:
        if len(row) != width:
            if not any(c.strip() for c in row):
                continue  # blank line
            diags.append(Diagnostic("E303", "error", f"row {line} has {len(row)} cells but the header has "
                                    f"{width} columns", _span(file, line, 1)))
            skipped += 1
            continue
        row_id = row[id_col].strip() if id_col is not None else ""
        if row_id and (dup := checker.claim_id(row_id, file, line)):
            diags.append(dup)
            skipped += 1
            continue
        facts: dict[str, FactValue] = {}
        bad = False
        for i, name, conv, seen in cells:
            raw = row[i]
            value = seen.get(raw)
            if value is None:
                cell = raw.strip()
                if not cell:
                    value = UNKNOWN
                else:
                    try:
                        value = conv(cell)
                    except BadValue as b:
                        bad = True
                        column = sum(len(c) + 1 for c in row[:i]) + 1
                        label = case_label(row_id or None, line, "row ")
                        diags.append(checker.bad_value(label, name, b, _span(file, line, column, len(raw))))
                        continue
                if len(seen) < CELL_MEMO:
                    seen[raw] = value
            if value is not UNKNOWN:
                facts[name] = value
        if bad:
            skipped += 1
            continue
        if assumptions and verdict(facts):
            label = case_label(row_id or None, line, "row ")
            diags.extend(checker.check_assumptions(label, facts, _span(file, line, 1)))
            skipped += 1
            continue
        description = row[desc_col].strip() or None if desc_col is not None else None
        cases.append(Case(row_id or f"{file}:{line}", description, facts, None, file, line))
    return cases, skipped
