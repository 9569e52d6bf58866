"""`guidegraph run RULES CASE... [--format text|json|csv] [--keep-going] [-o OUT]`: evaluate patient cases.

Everything is validated before anything is printed: a rules file with errors, or any bad case, gives the
diagnostics on stderr, nothing on stdout, and exit 1 (exit 2 when a file cannot be read at all). With
``--keep-going`` the bad cases are reported on stderr (with how many cases were skipped) and the good ones are
still evaluated (exit 1 all the same, so a pipeline notices). A patient with a conflict or a parameter clash is
a finding too: the report shows it, and the exit code is 1. Output goes through a temporary file, so ``-o``
never leaves a half-written file; ``-o`` may not name one of the command's inputs.
"""

from __future__ import annotations

import argparse
import gc
import os
from collections.abc import Iterator, Sequence

from dsl.diagnostics import has_errors
from engine.cases.validate import Case
from engine.cli.fhir_support import load_fhir_cases
from engine.cli.report_csv import adjust_clashes
from engine.cli.report_run import FORMATS, Progress, text_report
from engine.cli.support import (
    Exit,
    OutputError,
    exit_for,
    load_guideline,
    load_with_cases,
    report,
    say,
    write_output,
)
from engine.evaluate.guideline import Guideline
from engine.evaluate.result import Result

__all__ = ["add_arguments", "evaluate_all", "load_guideline", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("rules", metavar="RULES", help="the rules file")
    parser.add_argument("cases", metavar="CASE", nargs="+",
                        help="case files (.yaml, .yml, .json: one case or a list; .csv: a cohort) or directories")
    parser.add_argument("--format", choices=(*FORMATS, "parquet"), default=None,
                        help="output format (default: text; parquet when -o ends in .parquet; parquet needs "
                             "--engine duckdb and a CSV or Parquet cohort, and writes the CSV report's rows)")
    parser.add_argument("--explain", action="store_true",
                        help="text format: also print the full trace, rule by rule: the conditions that held (lets "
                             "expanded), each rule's notes and the source sentence it encodes")
    parser.add_argument("--keep-going", action="store_true",
                        help="report bad cases on stderr and evaluate the others (still exits 1)")
    parser.add_argument("--engine", choices=("auto", "python", "duckdb", "spark"), default="auto",
                        help="what decides the cases: the Python evaluator, DuckDB (needs the cohort extra; it "
                             "reads, validates and writes one CSV or Parquet cohort itself, same messages, same "
                             "output) or Spark (needs the spark extra and Java 17+; the cases are read by the Python "
                             "loader). auto (the default): DuckDB for a Parquet cohort, for --format parquet, and for "
                             f"a CSV cohort of {AUTO_ROWS:,} rows or more written as CSV, when the cohort extra is "
                             "installed and the guideline has no derived values; else Python. Other case files are "
                             "always read by the Python loader")
    parser.add_argument("--spark-master", metavar="URL", default=None,
                        help="--engine spark: the Spark master (default local[*], a session in this process)")
    parser.add_argument("-o", "--output", metavar="OUT", help="write to OUT instead of stdout ('-': stdout)")
    parser.add_argument("--fhir-map", metavar="MAP",
                        help="the cases are FHIR R4 bundles (.json files or directories of them), one patient each, "
                             "read as MAP says (e.g. rules/lms.fhir.yaml; docs/fhir-map.md; needs the fhir extra)")


AUTO_ROWS = 40_000
"""From this many rows a CSV cohort written as CSV goes to DuckDB under ``--engine auto``. Measured on LMS
(2-core machine, 2026-11-28, ``--format csv -o``): Python 1.41-1.49 s and DuckDB 1.46 s at 30,000 rows, 1.72-1.76 s
against 1.56-1.65 s at 40,000, 2.11 s against 1.66 s at 50,000; DuckDB's fixed cost (start-up, its queries) is
about 1.3 s, Python's about 0.5 s plus 30 µs a row."""


def _rows_at_least(path: str, n: int) -> bool:
    """Whether the CSV file at ``path`` has at least ``n`` lines after its header (read until it is known)."""
    lines = 0
    try:
        with open(path, "rb") as f:
            while lines <= n:
                chunk = f.read(1 << 20)
                if not chunk:
                    break
                lines += chunk.count(b"\n")
    except OSError:
        return False
    return lines > n


def auto_engine(args: argparse.Namespace) -> str:
    """What ``--engine auto`` runs: ``duckdb`` where it is at least as fast and gives the same bytes (see the
    ``--engine`` help and :data:`AUTO_ROWS`), else ``python``. Why not always DuckDB: its fixed cost is about a
    second, it is an extra that may be missing, and for text and JSON reports Python assembles every result
    anyway. A guideline DuckDB cannot run (derived values) falls back to Python in :func:`run`."""
    import importlib.util

    cases = args.cases
    if getattr(args, "fhir_map", None) or len(cases) != 1 or not os.path.isfile(cases[0]):
        return "python"
    path = cases[0].lower()
    if not path.endswith((".csv", ".parquet")):
        return "python"
    if importlib.util.find_spec("duckdb") is None or importlib.util.find_spec("sqlglot") is None:
        return "python"
    fmt = args.format or ("parquet" if (args.output or "").lower().endswith(".parquet") else "text")
    if path.endswith(".parquet") or fmt == "parquet":
        return "duckdb"
    if fmt != "csv":
        return "python"
    return "duckdb" if _rows_at_least(cases[0], AUTO_ROWS) else "python"


class Findings:
    """Counts the patients with a conflict or a parameter clash while the report is written."""

    def __init__(self, adjustments: bool = False, together: bool = False) -> None:
        self.conflicts = 0
        self.clashes = 0
        self.together = 0
        self.adjustments = adjustments
        """The guideline has adjustments: two in force that disagree are a clash too (this reads the verdicts)."""
        self.constraints = together
        """The guideline has ``never_together`` constraints: a patient who breaks one is a finding, as a conflict
        is (``check`` reports both as errors, E201 and E209)."""

    @classmethod
    def of(cls, guideline: Guideline) -> Findings:
        model = guideline.model
        return cls(bool(model.adjustments), bool(model.together))

    def note(self, result: Result) -> None:
        if result.conflicts:
            self.conflicts += 1
        if result.clashes or (self.adjustments and adjust_clashes(result)):
            self.clashes += 1
        if self.constraints and result.never_together:
            self.together += 1

    @property
    def found(self) -> bool:
        return bool(self.conflicts or self.clashes or self.together)

    def text(self) -> str | None:
        """``guidegraph: 2 patients have conflicting recommendations ...`` or None."""
        parts = []
        if self.conflicts:
            n = self.conflicts
            parts.append(f"{n:,} patient{'s have' if n != 1 else ' has'} conflicting recommendations")
        if self.clashes:
            n = self.clashes
            parts.append(f"{n:,} patient{'s get' if n != 1 else ' gets'} an action with different parameters "
                         "from two rules")
        if self.together:
            n = self.together
            parts.append(f"{n:,} patient{'s are' if n != 1 else ' is'} given actions that must never be given "
                         "together")
        if not parts:
            return None
        return (f"guidegraph: {'; '.join(parts)} (see 'Conflicts', 'Clashes' and 'NEVER TOGETHER' in the report; "
                "'guidegraph check' explains them)\n")


def evaluate_all(guideline: Guideline, cases: Sequence[Case], findings: Findings | None = None) -> Iterator[
        tuple[Case, Result]]:
    """Evaluate lazily, with a progress bar on a terminal for large cohorts."""
    progress = Progress(len(cases))
    try:
        for case in cases:
            result = guideline.evaluate(case.facts, case.id, validate=False)
            if findings is not None:
                findings.note(result)
            yield case, result
            progress.step()
    finally:
        progress.close()


def _in_duckdb(guideline: Guideline, cases: Sequence[Case], findings: Findings) -> Iterator[tuple[Case, Result]]:
    from engine.sql.duckdb_engine import evaluate_duckdb

    for case, result in evaluate_duckdb(guideline, cases):
        findings.note(result)
        yield case, result


def _in_spark(guideline: Guideline, cases: Sequence[Case], findings: Findings, master: str | None) -> Iterator[
        tuple[Case, Result]]:
    from py4j.protocol import Py4JError
    from pyspark.errors import PySparkException

    from engine.sql.spark_engine import evaluate_spark

    try:
        for case, result in evaluate_spark(guideline, cases, master=master):
            findings.note(result)
            yield case, result
    except (PySparkException, Py4JError) as e:
        raise SparkFailed(str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__) from None


class SparkFailed(Exception):
    """Spark (or its JVM) raised: the message is Spark's first line."""


def _spark_missing() -> str | None:
    """Why ``--engine spark`` cannot run here, or None."""
    import importlib.util
    import shutil

    if importlib.util.find_spec("pyspark") is None or importlib.util.find_spec("sqlglot") is None:
        return "--engine spark needs the spark extra: pip install 'guidegraph[cohort,spark]'"
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        return "--engine spark needs Java 17 or later (no 'java' on PATH and no JAVA_HOME)"
    return None


def run(args: argparse.Namespace) -> int:
    auto = getattr(args, "engine", "python") == "auto"
    if auto:
        args.engine = auto_engine(args)
    if getattr(args, "engine", "python") == "spark":
        missing = _spark_missing()
        if missing:
            say(f"guidegraph: error: {missing}\n")
            return Exit.USAGE
    if getattr(args, "engine", "python") == "python":
        return _run(args)
    from engine.sql.query import Unsupported
    try:
        return _run(args)
    except SparkFailed as e:
        say(f"guidegraph: error: Spark failed: {e}\n")
        return Exit.FINDINGS
    except Unsupported as e:
        if auto:  # nothing was read or written yet (the query is built first): the Python engine runs it
            args.engine = "python"
            return _run(args)
        say(f"guidegraph: error: --engine {args.engine} cannot run this guideline: {e}\n")
        return Exit.USAGE


def _run(args: argparse.Namespace) -> int:
    if getattr(args, "engine", "python") == "duckdb":
        try:
            import duckdb  # noqa: F401
            import sqlglot  # noqa: F401
        except ImportError as e:
            say(f"guidegraph: error: --engine duckdb needs the cohort extra ({e.name} is missing): "
                "pip install 'guidegraph[cohort]'\n")
            return Exit.USAGE
    if args.format is None:
        args.format = "parquet" if (args.output or "").lower().endswith(".parquet") else "text"
    if getattr(args, "engine", "python") == "duckdb" and not getattr(args, "fhir_map", None):
        from engine.sql.native import applies, run_native

        if applies(args):
            findings = Findings()
            code = run_native(args, findings)
            found = findings.text()
            if found:
                say(found)
            return code
    if args.format == "parquet":
        say("guidegraph: error: --format parquet needs --engine duckdb and one CSV or Parquet cohort file\n")
        return Exit.USAGE
    prepared = (load_fhir_cases(args.rules, args.cases, args.fhir_map, args.output)
                if getattr(args, "fhir_map", None) else load_with_cases(args.rules, args.cases, args.output))
    if isinstance(prepared, Exit):
        return prepared
    guideline, loaded = prepared
    # The compiled guideline and the loaded cohort are long-lived: move them out of the cyclic collector's way, so
    # that its full collections during a large run do not scan them again and again (measured: about 10% of
    # a 100,000-row run, 6.0 s to 5.3-5.5 s). A command is one process; this is not done in the library.
    gc.freeze()
    diagnostics = loaded.diagnostics
    bad = has_errors(diagnostics)
    report(diagnostics)
    if bad and not args.keep_going:
        return exit_for(diagnostics)
    findings = Findings.of(guideline)
    try:
        engine = getattr(args, "engine", "python")
        pairs = (evaluate_all(guideline, loaded.cases, findings) if engine == "python"
                 else _in_spark(guideline, loaded.cases, findings, getattr(args, "spark_master", None))
                 if engine == "spark" else _in_duckdb(guideline, loaded.cases, findings))
        chunks = (text_report(guideline.model, pairs, explain=True) if args.explain and args.format == "text"
                  else FORMATS[args.format](guideline.model, pairs))
        write_output(chunks, args.output)
    except OutputError as e:
        report([e.diagnostic])
        return Exit.USAGE
    skipped = loaded.skipped_text()
    if bad and skipped:
        say(f"guidegraph: {skipped}; {len(loaded.cases):,} evaluated\n")
    found = findings.text()
    if found:
        say(found)
    if bad:
        return exit_for(diagnostics)
    return Exit.FINDINGS if findings.found else Exit.OK
