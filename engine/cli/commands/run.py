"""`guidegraph run RULES CASE... [--format text|json|csv] [--keep-going] [-o OUT]`: evaluate patient cases.

Everything is validated before anything is printed: a rules file with errors, or any bad case, gives the
diagnostics on stderr, nothing on stdout, and exit 1 (exit 2 when a file cannot be read at all). With
``--keep-going`` the bad cases are reported on stderr and the good ones are still evaluated (exit 1 all the same,
so a pipeline notices). Output goes through a temporary file, so ``-o`` never leaves a half-written file.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator, Sequence

from dsl.diagnostics import Diagnostic, has_errors, render_all
from engine.cases.load import load_cases
from engine.cases.validate import Case
from engine.cli.report_run import FORMATS, Progress, write_output
from engine.compile.guideline import Guideline
from engine.evaluate.result import Result
from engine.resolve.pipeline import load_model

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
MAX_EXCERPT_FILE = 5_000_000
"""Case files larger than this are not re-read to show source excerpts under their diagnostics."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("rules", metavar="RULES", help="the rules file")
    parser.add_argument("cases", metavar="CASE", nargs="+",
                        help="case files (.yaml, .yml, .json: one case or a list; .csv: a cohort) or directories")
    parser.add_argument("--format", choices=tuple(FORMATS), default="text", help="output format (default: text)")
    parser.add_argument("--keep-going", action="store_true",
                        help="report bad cases on stderr and evaluate the others (still exits 1)")
    parser.add_argument("-o", "--output", metavar="OUT", help="write to OUT instead of stdout")


def report(diagnostics: Sequence[Diagnostic], sources: dict[str, str] | None = None) -> None:
    """Diagnostics on stderr, with excerpts of the files they point into (small files only)."""
    if not diagnostics:
        return
    texts = dict(sources or {})
    for d in diagnostics:
        f = d.span.file if d.span else None
        if f and f not in texts and os.path.isfile(f) and os.path.getsize(f) <= MAX_EXCERPT_FILE:
            try:
                with open(f, encoding="utf-8-sig") as fh:
                    texts[f] = fh.read()
            except (OSError, UnicodeDecodeError):
                pass
    sys.stderr.write(render_all(diagnostics, texts) + "\n")


def load_guideline(path: str) -> tuple[Guideline | None, int]:
    """Parse, resolve and compile ``path``; on failure report why and return the exit code to use."""
    model, diagnostics, sources = load_model(path)
    if model is None or has_errors(diagnostics):
        report([d for d in diagnostics if d.severity == "error"], sources)
        unreadable = not sources and any(d.code.startswith("E9") for d in diagnostics)
        return None, EXIT_USAGE if unreadable else EXIT_FINDINGS
    from engine.compile.compiler import GraphTooLarge, compile

    try:
        return compile(model), EXIT_OK
    except GraphTooLarge as e:
        report([Diagnostic("E501", "error", str(e), help="simplify the thresholds of those inputs or split the "
                           "rules into more sections")])
        return None, EXIT_FINDINGS


def unreadable_only(diagnostics: Sequence[Diagnostic]) -> bool:
    """True when every error is about a file that could not be read (exit 2 rather than 1)."""
    errors = [d for d in diagnostics if d.severity == "error"]
    return bool(errors) and all(d.code.startswith("E9") for d in errors)


def evaluate_all(guideline: Guideline, cases: Sequence[Case]) -> Iterator[tuple[Case, Result]]:
    """Evaluate lazily, with a progress bar on a terminal for large cohorts."""
    progress = Progress(len(cases))
    try:
        for case in cases:
            yield case, guideline.evaluate(case.facts, case.id, validate=False)
            progress.step()
    finally:
        progress.close()


def run(args: argparse.Namespace) -> int:
    guideline, code = load_guideline(args.rules)
    if guideline is None:
        return code
    cases, diagnostics = load_cases(args.cases, guideline.model)
    bad = has_errors(diagnostics)
    report(diagnostics)
    if bad and not args.keep_going:
        return EXIT_USAGE if unreadable_only(diagnostics) else EXIT_FINDINGS
    try:
        write_output(FORMATS[args.format](guideline.model, evaluate_all(guideline, cases)), args.output)
    except OSError as e:
        sys.stderr.write(f"error[E902]: cannot write '{args.output}': {e.strerror or e}\n")
        return EXIT_USAGE
    return EXIT_FINDINGS if bad else EXIT_OK
