"""CSV cohorts: one patient per row, one input per column.

The header names the inputs (plus optional ``id`` and ``description`` columns); an empty cell is an unknown value;
cells are parsed by their input's type with a converter built once per column. The header is checked first: an
unknown or repeated column rejects the whole file, since every row would be misread. Rows are then checked one by
one; a bad row is reported with its line number and skipped, the good rows are returned.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

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


def load_csv(file: str, text: str, checker: CaseChecker) -> tuple[list[Case], list[Diagnostic]]:
    """Validate a CSV cohort; returns the valid rows as cases and a diagnostic for every bad cell or row."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        return [], [Diagnostic("E302", "error", "the cohort file is empty", _span(file, 1, 1))]
    except csv.Error as e:
        return [], [Diagnostic("E301", "error", f"invalid CSV: {e}", _span(file, 1, 1))]
    columns, id_col, desc_col, diags = _header_columns(file, header, checker)
    if diags:
        return [], diags
    width = len(header)
    cases: list[Case] = []
    assumptions = checker.assumptions
    verdict = _assumption_memo(checker)
    # per column, besides its converter: cell text -> value (or UNKNOWN), for the texts seen so far
    cells: list[tuple[int, str, Converter, dict[str, Any]]] = [(i, name, conv, {}) for i, name, conv in columns]
    try:
        for row in reader:
            line = reader.line_num
            if len(row) != width:
                if not any(c.strip() for c in row):
                    continue  # blank line
                diags.append(Diagnostic("E303", "error", f"row {line} has {len(row)} cells but the header has "
                                        f"{width} columns", _span(file, line, 1)))
                continue
            row_id = row[id_col].strip() if id_col is not None else ""
            if row_id and (dup := checker.claim_id(row_id, file, line)):
                diags.append(dup)
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
                continue
            if assumptions and verdict(facts):
                label = case_label(row_id or None, line, "row ")
                diags.extend(checker.check_assumptions(label, facts, _span(file, line, 1)))
                continue
            description = row[desc_col].strip() or None if desc_col is not None else None
            cases.append(Case(row_id or f"{file}:{line}", description, facts, None, file, line))
    except csv.Error as e:
        diags.append(Diagnostic("E301", "error", f"invalid CSV: {e}", _span(file, reader.line_num, 1)))
    return cases, diags
