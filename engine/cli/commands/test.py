"""`guidegraph test RULES CASES... [--format text|junit] [--min-coverage PCT] [-o OUT]`: cases with expectations.

Cases and their ``expect:`` blocks are all validated first (E3xx/E4xx on stderr, exit 1, nothing on stdout).
Then every case is evaluated, its expectations matched, and rule coverage measured on the decision graph.
Exit 0 when every expectation holds (and coverage reaches ``--min-coverage``), 1 otherwise, 2 for unreadable files.
"""

from __future__ import annotations

import argparse
import sys

from dsl.diagnostics import Diagnostic, has_errors
from engine.cases.coverage import coverage
from engine.cases.expect import failures, parse_expectation
from engine.cases.load import load_cases
from engine.cli.commands.run import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, load_guideline, report, unreadable_only
from engine.cli.report_run import write_output
from engine.cli.report_test import Outcome, counts, junit_report, text_report


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
    parser.add_argument("-o", "--output", metavar="OUT", help="write the report to OUT instead of stdout")


def run(args: argparse.Namespace) -> int:
    guideline, code = load_guideline(args.rules)
    if guideline is None:
        return code
    model = guideline.model
    cases, diagnostics = load_cases(args.cases, model)
    expectations = []
    for case in cases:
        exp, problems = parse_expectation(case, model)
        diagnostics.extend(problems)
        expectations.append(exp)
    if has_errors(diagnostics):
        report(diagnostics)
        return EXIT_USAGE if unreadable_only(diagnostics) else EXIT_FINDINGS
    report(diagnostics)  # warnings, if any
    if not cases:
        report([Diagnostic("E302", "error", "no cases to test")])
        return EXIT_FINDINGS
    results = [guideline.evaluate(case.facts, case.id, validate=False) for case in cases]
    outcomes = [Outcome(case, None if exp is None else tuple(failures(exp, result)))
                for case, exp, result in zip(cases, expectations, results, strict=True)]
    cov = coverage(guideline, [c.facts for c in cases], results)
    render = junit_report if args.format == "junit" else text_report
    try:
        write_output(render(guideline, outcomes, cov, args.min_coverage), args.output)
    except OSError as e:
        sys.stderr.write(f"error[E902]: cannot write '{args.output}': {e.strerror or e}\n")
        return EXIT_USAGE
    _, failed = counts(outcomes)
    below = args.min_coverage is not None and cov.percent < args.min_coverage
    return EXIT_FINDINGS if failed or below else EXIT_OK
