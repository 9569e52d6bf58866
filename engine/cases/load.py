"""Loading patient cases: files and directories in, validated :class:`Case` objects and diagnostics out.

``load_cases(paths, model)`` reads every case file named (a directory means every case file under it, sorted),
checks every case against the model's inputs and assumptions, and returns only the valid cases together with a
diagnostic (E3xx, or E901 for an unreadable file) for every problem found. Callers decide what to do with a
partial result: ``run`` refuses to print anything when there is an error unless ``--keep-going`` is given.

Formats: ``.yaml``/``.yml`` and ``.json`` hold one case mapping or a list of them; ``.csv`` is a cohort (see
:mod:`engine.cases.cohort`). Explicit case ids must be unique across all files (a repeated id is an error on the
later case); a case without an id is named after its file and position (``cases.yaml#2``, ``cohort.csv:17``).
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from dsl.diagnostics import Diagnostic, sort_key
from dsl.span import Span
from engine.cases.cohort import read_csv
from engine.cases.files import READERS, Document
from engine.cases.validate import CASE_KEYS, Case, CaseChecker
from engine.cases.values import describe
from engine.core.model import FactValue, Model
from engine.fileio.textfile import CASES_LIMIT, DOCUMENT_LIMIT, Refused, read_text

__all__ = ["CASE_EXTENSIONS", "CASE_KEYS", "Case", "Loaded", "case_files", "load_all", "load_cases"]

CASE_EXTENSIONS = (".yaml", ".yml", ".json", ".csv")


def _error(code: str, message: str, file: str, line: int = 1, help: str | None = None) -> Diagnostic:
    return Diagnostic(code, "error", message, Span(file, line, 1, line, 2), help)


def case_files(paths: Sequence[str]) -> tuple[list[str], list[Diagnostic]]:
    """Expand directories into the case files under them (sorted); report paths that do not exist."""
    files: list[str] = []
    diags: list[Diagnostic] = []
    for p in paths:
        if os.path.isdir(p):
            found = sorted(str(f) for f in Path(p).rglob("*")
                           if f.is_file() and f.suffix.lower() in CASE_EXTENSIONS)
            if not found:
                diags.append(Diagnostic("E316", "error", f"no case files (.yaml, .yml, .json, .csv) in directory "
                                        f"'{p}'"))
            files.extend(found)
        elif os.path.exists(p):
            files.append(p)
        else:
            diags.append(Diagnostic("E901", "error", f"cannot read case file '{p}': no such file or directory"))
    return files, diags


def _read(file: str) -> tuple[str | None, Diagnostic | None]:
    document = Path(file).suffix.lower() != ".csv"
    try:
        return read_text(file, DOCUMENT_LIMIT if document else CASES_LIMIT, newline=""), None
    except Refused as e:
        if document and e.errno == errno.EFBIG:
            return None, Diagnostic("E901", "error", f"cannot read case file '{file}': it is larger than "
                                    f"{DOCUMENT_LIMIT // 2**20} MB; YAML and JSON case files are read with the "
                                    "position of every value, so large sets of patients belong in a CSV cohort")
        return None, Diagnostic("E901", "error", f"cannot read case file '{file}': {e.strerror or e}")
    except UnicodeDecodeError as e:
        return None, Diagnostic("E901", "error", f"cannot read case file '{file}': not UTF-8 text ({e.reason})")
    except OSError as e:
        return None, Diagnostic("E901", "error", f"cannot read case file '{file}': {e.strerror or e}")


@dataclass(slots=True)
class Loaded:
    """The valid cases, every problem, and what the problems cost: cases (rows) skipped and files not read."""

    cases: list[Case] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    skipped: int = 0
    unread_files: int = 0

    def skipped_text(self) -> str | None:
        """``2 cases skipped and 1 file not read because of the errors above``, or None when nothing was."""
        parts = []
        if self.skipped:
            parts.append(f"{self.skipped:,} case{'s' if self.skipped != 1 else ''} skipped")
        if self.unread_files:
            parts.append(f"{self.unread_files:,} case file{'s' if self.unread_files != 1 else ''} not read")
        return " and ".join(parts) + " because of the errors above" if parts else None


def _document_cases(file: str, doc: Document, checker: CaseChecker) -> tuple[list[Case], list[Diagnostic]]:
    data = doc.data
    if data is None:
        return [], [_error("E302", "the case file holds no case", file,
                           help="write a case (id, description, facts) or a list of cases")]
    if isinstance(data, dict):
        case, diags = checker.mapping_case(data, file, 1, (), doc.locator)
        return ([case] if case else []), diags
    if not isinstance(data, list):
        return [], [_error("E303", f"the case file must hold a case or a list of cases, got {describe(data)}",
                           file, doc.locator.line_of(()))]
    if not data:
        return [], [_error("E302", "the case file holds an empty list of cases", file, doc.locator.line_of(()))]
    if not any(isinstance(item, dict) for item in data):
        kinds = sorted({describe(item).split(" '")[0].removeprefix("the ") for item in data})
        return [], [_error("E303", f"the case file holds a list of {' and '.join(k + 's' for k in kinds)}, "
                                   "not cases", file, doc.locator.line_of(()),
                           "each case is a mapping: '- id: ...' then 'facts: {input: value}' indented below it")]
    cases: list[Case] = []
    problems: list[Diagnostic] = []
    for i, item in enumerate(data):
        case, found = checker.mapping_case(item, file, i + 1, (i,), doc.locator)
        problems.extend(found)
        if case is not None:
            cases.append(case)
    return cases, problems


Impossible = Callable[[Mapping[str, FactValue]], Callable[[str, Span], Diagnostic] | None]
"""A check of a valid case's facts against all the assumptions together (``Guideline.impossible``): the loader
checks them one by one, and only the compiled diagram tells whether some completion satisfies them all. It gives
None, or what builds the E311 from the case's label and span."""


def _possible(cases: list[Case], impossible: Impossible | None) -> tuple[list[Case], list[Diagnostic]]:
    """``cases`` without those no patient can have, and an E311 for each of those."""
    if impossible is None:
        return cases, []
    kept: list[Case] = []
    diags: list[Diagnostic] = []
    for case in cases:
        why = impossible(case.facts)
        if why is None:
            kept.append(case)
        else:
            diags.append(why(f"case '{case.id}'", case.span()))
    return kept, diags


def _load_file(file: str, checker: CaseChecker, into: Loaded, impossible: Impossible | None = None) -> None:
    """Read one case file into ``into``."""
    suffix = Path(file).suffix.lower()
    if suffix not in CASE_EXTENSIONS:
        into.unread_files += 1
        why = f"'{file}' is not a case file: expected .yaml, .yml, .json or .csv"
        if suffix == ".parquet":  # only DuckDB reads Parquet (engine/sql/source.py)
            why += "; a Parquet cohort is read by DuckDB (run --engine duckdb, with the cohort extra installed)"
        into.diagnostics.append(_error("E315", why, file))
        return
    text, problem = _read(file)
    if text is None:
        into.unread_files += 1
        into.diagnostics.extend([problem] if problem else [])
        return
    if not text.strip():
        into.diagnostics.append(_error("E302", "the case file is empty", file))
        return
    if suffix == ".csv":
        cases, diags, skipped = read_csv(file, text, checker)
        cases, refused = _possible(cases, impossible)
        diags, skipped = diags + refused, skipped + len(refused)
        into.cases.extend(cases)
        into.diagnostics.extend(sorted(diags, key=sort_key))
        into.skipped += skipped
        if not cases and not skipped and any(d.severity == "error" for d in diags):
            into.unread_files += 1  # the header was refused: no row was read
        return
    doc = READERS[suffix](file, text)
    if doc.data is None and doc.diagnostics:
        into.unread_files += 1
        into.diagnostics.extend(doc.diagnostics)
        return
    cases, diags = _document_cases(file, doc, checker)
    total = len(doc.data) if isinstance(doc.data, list) else 1
    if doc.diagnostics:  # duplicate keys: the value read is ambiguous, so the cases are not used
        into.diagnostics.extend(sorted(doc.diagnostics + diags, key=sort_key))
        into.skipped += total
        return
    cases, refused = _possible(cases, impossible)
    diags += refused
    into.cases.extend(cases)
    into.diagnostics.extend(sorted(diags, key=sort_key))
    if any(d.severity == "error" for d in diags):
        into.skipped += max(total - len(cases), 0)


def load_all(paths: Sequence[str], model: Model, impossible: Impossible | None = None) -> Loaded:
    """Read and validate the cases in ``paths`` (files or directories) against ``model``: the valid cases (in
    file order), every problem found (in file order, then by line) and how many cases and files they cost.
    With ``impossible`` (the compiled guideline's), a case that breaks the assumptions only taken together is
    refused too."""
    files, diags = case_files(paths)
    loaded = Loaded(diagnostics=diags, unread_files=len(diags))
    checker = CaseChecker(model)
    for file in files:
        _load_file(file, checker, loaded, impossible)
    return loaded


def load_cases(paths: Sequence[str], model: Model,
               impossible: Impossible | None = None) -> tuple[list[Case], list[Diagnostic]]:
    """Read and validate the cases in ``paths`` (files or directories) against ``model``.

    Returns the valid cases (in file order) and every problem found (in file order, then by line).
    """
    loaded = load_all(paths, model, impossible)
    return loaded.cases, loaded.diagnostics
