"""`guidegraph test RULES CASES... [--format text|junit] [--min-coverage PCT] [-o OUT]`: cases with expectations.

Cases and their ``expect:`` blocks are all validated first (E3xx/E4xx on stderr, exit 1, nothing on stdout).
Then every case is evaluated, its expectations matched, and rule coverage measured on the decision graph.
Exit 0 when every expectation holds (and coverage reaches ``--min-coverage``), 1 otherwise, 2 for unreadable files.
"""

from __future__ import annotations

import argparse

from dsl.diagnostics import Diagnostic, has_errors
from engine.cases.coverage import coverage
from engine.cases.expect import failures, parse_expectation
from engine.cli.report_test import Outcome, counts, junit_report, text_report
from engine.cli.support import (
    Exit,
    OutputError,
    exit_for,
    load_with_cases,
    report,
    write_output,
)


def _percent(text: str) -> float:
    try:
        value = float(text.rstrip("%"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a percentage") from None
    if not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"{text} is not between 0 and 100")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("rules", metavar="RULES", help="the rules file")
    parser.add_argument("cases", metavar="CASES", nargs="+", help="case files or directories (cases with expect:)")
    parser.add_argument("--format", choices=("text", "junit"), default="text", help="output format (default: text)")
    parser.add_argument("--min-coverage", type=_percent, metavar="PCT",
                        help="fail when fewer than PCT%% of the rules fire in some case")
    parser.add_argument("-o", "--output", metavar="OUT", help="write the report to OUT instead of stdout ('-': stdout)")


def run(args: argparse.Namespace) -> int:
    prepared = load_with_cases(args.rules, args.cases, args.output)
    if isinstance(prepared, Exit):
        return prepared
    guideline, loaded = prepared
    model = guideline.model
    cases, diagnostics = loaded.cases, loaded.diagnostics
    expectations = []
    for case in cases:
        exp, problems = parse_expectation(case, model)
        diagnostics.extend(problems)
        expectations.append(exp)
    if has_errors(diagnostics):
        report(diagnostics)
        return exit_for(diagnostics)
    report(diagnostics)  # warnings, if any
    if not cases:
        report([Diagnostic("E302", "error", "no cases to test")])
        return Exit.FINDINGS
    results = [guideline.evaluate(case.facts, case.id, validate=False) for case in cases]
    outcomes = [Outcome(case, None if exp is None else tuple(failures(exp, result)))
                for case, exp, result in zip(cases, expectations, results, strict=True)]
    cov = coverage(guideline, [c.facts for c in cases], results)
    render = junit_report if args.format == "junit" else text_report
    try:
        write_output(render(guideline, outcomes, cov, args.min_coverage), args.output)
    except OutputError as e:
        report([e.diagnostic])
        return Exit.USAGE
    _, failed = counts(outcomes)
    below = args.min_coverage is not None and cov.percent < args.min_coverage
    return Exit.FINDINGS if failed or below else Exit.OK
