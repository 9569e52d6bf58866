"""``guidegraph run RULES COHORT --engine duckdb``: a cohort file read, validated, decided and written by DuckDB.

The cohort (one ``.csv`` or ``.parquet`` file) is opened by :func:`engine.sql.source.open_cohort` (the loader's
diagnostics for bad rows, with the loader in the hot path only for rows DuckDB cannot settle, or for a whole CSV
file DuckDB must not read alone). Then:

- ``--format csv`` or ``parquet`` (or ``-o OUT.parquet``): the CSV report of ``guidegraph run``, written by DuckDB
  (:func:`engine.sql.plan.write_report`; the CSV bytes are the Python path's, the Parquet file holds the same
  columns and rows);
- ``--format text`` or ``json``: DuckDB decides, Python assembles the results (the ``because`` traces are
  Python's), as before.

The output goes to a temporary file beside the target first (:func:`engine.fileio.atomic.replacing`): a failure
never leaves half a file. Parquet is not written to standard output.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from typing import Protocol

import duckdb

from dsl.diagnostics import Diagnostic, has_errors
from engine.cases.load import Loaded, load_all
from engine.cases.validate import Case
from engine.cli.report_csv import CSV_COLUMNS
from engine.cli.report_run import FORMATS
from engine.cli.support import (
    STDOUT,
    Exit,
    OutputError,
    cannot_write,
    check_output,
    exit_for,
    flush_stdout,
    load_guideline,
    refuse_inputs,
    report,
    say,
    write_output,
)
from engine.evaluate.guideline import Guideline
from engine.evaluate.result import Result
from engine.fileio.atomic import replacing
from engine.sql.cells import Collision
from engine.sql.duckdb_engine import evaluate_duckdb
from engine.sql.plan import Queries, Written, queries, write_report
from engine.sql.source import CASES, Fallback, cases_from_loader, lit, open_cohort

NATIVE = ("csv", "parquet")


def applies(args: argparse.Namespace) -> bool:
    """Whether the native path runs: one cohort file (CSV or Parquet) on the DuckDB engine."""
    cases = args.cases
    return (getattr(args, "engine", "python") == "duckdb" and len(cases) == 1 and os.path.isfile(cases[0])
            and cases[0].lower().endswith((".csv", ".parquet")))


def open_source(con: duckdb.DuckDBPyConnection, guideline: Guideline, path: str,
                qs: Queries) -> tuple[Loaded, str | None]:
    """:data:`CASES` for the cohort at ``path``, with what the loader would say of it (``cases`` stays empty: the
    cases are in DuckDB), and the view of those cases with their key columns when the reader computed them."""
    try:
        source = open_cohort(con, path, guideline, qs.possible, keys=qs.keys)
        return Loaded(diagnostics=source.diagnostics, skipped=source.skipped,
                      unread_files=1 if has_errors(source.diagnostics) and source.flagged == 0 and
                      not source.skipped else 0), source.keys_view
    except Fallback:
        if path.lower().endswith(".parquet"):
            return Loaded(diagnostics=[Diagnostic("E901", "error", f"cannot read case file '{path}': DuckDB "
                                                  "cannot read it as Parquet")], unread_files=1), None
        loaded = load_all([path], guideline.model, guideline.impossible)
        cases_from_loader(con, guideline.model, loaded.cases)
        return loaded, None


def fetch_cases(con: duckdb.DuckDBPyConnection, guideline: Guideline, path: str) -> list[Case]:
    """The valid cases as the loader would give them (for the text and JSON reports)."""
    model = guideline.model
    names = list(model.inputs)
    cols = ", ".join(f'"{n}"' for n in names)
    out: list[Case] = []
    for row in con.execute(f"SELECT __gg_ord, __gg_case, __gg_desc, {cols} FROM {CASES} ORDER BY __gg_ord").fetchall():
        facts = {}
        for name, v in zip(names, row[3:], strict=True):
            if v is None:
                continue
            inp = model.inputs[name]
            if inp.kind == "enum":
                v = next(m for m in inp.values if str(m) == v)
            elif inp.kind == "integer":
                v = int(v)
            facts[name] = v
        out.append(Case(row[1], row[2], facts, None, path, int(row[0])))
    return out


def _write_native(con: duckdb.DuckDBPyConnection, guideline: Guideline, qs: Queries, fmt: str,
                  out: str | None, keys_view: str | None) -> Written:
    if out is not None and out != STDOUT:
        with replacing(out) as tmp:
            return write_report(con, guideline, qs, CASES, tmp, fmt, keys_view)
    fd, tmp = tempfile.mkstemp(suffix=".csv", prefix="guidegraph-")
    os.close(fd)
    try:
        written = write_report(con, guideline, qs, CASES, tmp, fmt, keys_view)
        flush_stdout()
        with open(tmp, encoding="utf-8", newline="") as f:
            shutil.copyfileobj(f, sys.stdout)
        flush_stdout()
        return written
    finally:
        os.unlink(tmp)


def _csv_to_parquet(con: duckdb.DuckDBPyConnection, chunks: Iterator[str], out: str | None) -> None:
    """The CSV report's rows written as Parquet (every column text, as the native writer's), through a temporary
    CSV file; the Parquet file replaces ``out`` only once it is whole."""
    assert out is not None and out != STDOUT  # run_native refuses Parquet to a terminal first
    fd, tmp = tempfile.mkstemp(suffix=".csv", prefix="guidegraph-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            for chunk in chunks:
                f.write(chunk)
        columns = ", ".join(f"'{n}': 'VARCHAR'" for n in CSV_COLUMNS)
        with replacing(out) as target:
            con.execute(f"COPY (SELECT * FROM read_csv({lit(tmp)}, header = true, auto_detect = false, columns = "
                        f"{{{columns}}}, quote = '\"', escape = '\"', nullstr = '')) TO {lit(target)} "
                        "(FORMAT parquet, COMPRESSION zstd)")
    finally:
        os.unlink(tmp)


class Counts(Protocol):
    """What ``run`` counts (engine/cli/commands/run.py's ``Findings``)."""

    conflicts: int
    clashes: int
    adjustments: bool
    constraints: bool

    def note(self, result: Result) -> None: ...

    @property
    def found(self) -> bool: ...


def run_native(args: argparse.Namespace, findings: Counts) -> int:
    """The whole of ``run`` on the native path (see the module docstring); returns the exit code and counts the
    patients with a conflict or a clash in ``findings`` (the caller says so)."""
    path, out, fmt = args.cases[0], args.output, args.format
    if fmt == "parquet" and (out is None or out == STDOUT):
        say("guidegraph: error: --format parquet needs -o OUT.parquet (Parquet is not written to a terminal)\n")
        return Exit.USAGE
    problem = refuse_inputs(out, [args.rules, path]) or check_output(out)
    if problem is not None:
        report([problem])
        return Exit.USAGE
    guideline, code = load_guideline(args.rules)
    if guideline is None:
        return code
    con = duckdb.connect()
    try:
        qs = queries(guideline)
        loaded, keys_view = open_source(con, guideline, path, qs)
        diagnostics = loaded.diagnostics
        bad = has_errors(diagnostics)
        report(diagnostics)
        if bad and not args.keep_going:
            return exit_for(diagnostics)
        model = guideline.model
        findings.adjustments, findings.constraints = bool(model.adjustments), bool(model.together)
        try:
            if fmt in NATIVE and not model.adjustments and not model.together:
                written = _write_native(con, guideline, qs, fmt, out, keys_view)
                findings.conflicts, findings.clashes, evaluated = written.conflicts, written.clashes, written.cases
            else:
                # per case, DuckDB decides and Python assembles the result: the text and JSON reports, and the CSV
                # report of a guideline with adjustments or never_together constraints, whose rows depend on the
                # verdicts and the facts, not on the plan alone
                cases = fetch_cases(con, guideline, path)
                evaluated = len(cases)

                def pairs() -> Iterator[tuple[Case, Result]]:
                    for case, result in evaluate_duckdb(guideline, cases, con):
                        findings.note(result)
                        yield case, result

                chunks = FORMATS["csv" if fmt == "parquet" else fmt](model, pairs())
                if fmt == "parquet":
                    _csv_to_parquet(con, chunks, out)
                else:
                    write_output(chunks, out)
        except OutputError as e:
            report([e.diagnostic])
            return Exit.USAGE
        except OSError as e:
            report([cannot_write(out, e)])
            return Exit.USAGE
        except (duckdb.Error, Collision) as e:
            say(f"guidegraph: error: DuckDB failed: {e}\n")
            return Exit.FINDINGS
    finally:
        con.close()
    skipped = loaded.skipped_text()
    if bad and skipped:
        say(f"guidegraph: {skipped}; {evaluated:,} evaluated\n")
    if bad:
        return exit_for(diagnostics)
    return Exit.FINDINGS if findings.found else Exit.OK
