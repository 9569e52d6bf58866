"""`guidegraph report RULES CASES... -o report.html [--keep-going]`: one self-contained HTML page for people to read.

Per case the verdicts, the actions the guideline leaves open, the data that would change the answer and the
flowcharts with the patient's path; then the guideline's check findings and the cases' rule coverage
(engine/cli/report_html.py). Exit codes are ``run``'s: bad case data is reported on stderr and nothing is written
(exit 1; with ``--keep-going`` the good cases are still reported, exit 1 all the same); a patient with a conflict
or a parameter clash, or a case whose ``expect:`` is not met, is a finding (the page is written, exit 1); an
unreadable input, ``dot`` missing or failing, or an unwritable OUT is exit 2. The page is written atomically
(:func:`engine.cli.support.write_output`).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from dsl.diagnostics import Diagnostic, has_errors, sort_key
from engine.cases.coverage import coverage
from engine.cases.expect import failures, parse_expectation
from engine.cases.validate import Case
from engine.cli.report_html import CaseReport, Figure, UnsafeSvg, figure_anchor, figure_sections, inline_svg, page
from engine.cli.support import (
    Exit,
    OutputError,
    exit_for,
    load_with_cases,
    report,
    say,
    write_output,
)
from engine.evaluate.guideline import Guideline
from engine.evaluate.result import Result


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("rules", metavar="RULES", help="the rules file")
    parser.add_argument("cases", metavar="CASES", nargs="+", help="case files or directories (.yaml, .yml, .json)")
    parser.add_argument("-o", "--output", metavar="OUT", required=True, help="the HTML file to write ('-': stdout)")
    parser.add_argument("--keep-going", action="store_true",
                        help="report bad cases on stderr and put the others in the page (still exits 1)")


MAX_FIGURE_CASES = 500
"""Past this many cases the page has no flowcharts (each costs a ``dot`` run and tens of kilobytes)."""


class _Layouts:
    """Each distinct DOT page laid out once: measuring a page for the page split (``section_pages``) keeps its
    SVG, which is then the one inlined."""

    def __init__(self) -> None:
        self.svgs: dict[str, str] = {}

    def svg(self, dot: str) -> str:
        from visualize.run_dot import render_svg

        found = self.svgs.get(dot)
        if found is None:
            found = self.svgs[dot] = render_svg(dot)
        return found

    def width(self, dot: str) -> float:
        from visualize.run_dot import svg_width

        return svg_width(self.svg(dot))


def _figures(guideline: Guideline, cases: Sequence[Case], results: Sequence[Result]) -> list[tuple[Figure, ...]]:
    """Per case, its figures: each section the case's answer comes from, drawn as ``render --page a4`` draws it
    (pages whose text prints at 7 pt or more, joined by "see p. N" connectors that link to the page), with the
    patient's path highlighted. Equal pages are laid out once."""
    from visualize.dot import to_dot
    from visualize.order import reading_view
    from visualize.pages import FigureTooSmall, section_pages
    from visualize.style import PAGES

    titles = {s.name: s.label or s.name for s in guideline.model.sections}
    layouts = _Layouts()
    jobs = [(k, j, name, case) for k, (case, result) in enumerate(zip(cases, results, strict=True), 1)
            for j, name in enumerate(figure_sections(guideline, case, result), 1)]
    view = reading_view(guideline, sorted({name for _, _, name, _ in jobs}))  # sifted once, not per case

    def draw(job: tuple[int, int, str, Case]) -> Figure:
        k, j, name, case = job
        try:
            dots = section_pages(view, name, case.facts, PAGES["a4"], layouts.width, anchors=True)
        except FigureTooSmall:  # no page cut makes it print at 7 pt: on screen, one page scaled to fit will do
            dots = [to_dot(view, section=name, case_facts=case.facts)]
        anchor = figure_anchor(k, j)
        return Figure(titles[name], tuple(inline_svg(layouts.svg(dot), f"{anchor}p{n}-", links=anchor)
                                          for n, dot in enumerate(dots, 1)))

    with ThreadPoolExecutor(max_workers=2) as pool:
        drawn = list(pool.map(draw, jobs))
    out: list[list[Figure]] = [[] for _ in cases]
    for (k, _, _, _), fig in zip(jobs, drawn, strict=True):
        out[k - 1].append(fig)
    return [tuple(figs) for figs in out]


def run(args: argparse.Namespace) -> int:
    from engine.cli.commands.check import run_checks
    from visualize.run_dot import RenderError

    prepared = load_with_cases(args.rules, args.cases, args.output)
    if isinstance(prepared, Exit):
        return prepared
    guideline, loaded = prepared
    model = guideline.model
    diagnostics: list[Diagnostic] = list(loaded.diagnostics)
    expectations = []
    for case in loaded.cases:
        exp, problems = parse_expectation(case, model)
        diagnostics.extend(problems)
        expectations.append(exp)
    bad = has_errors(diagnostics)
    report(diagnostics)
    if bad and not args.keep_going:
        return exit_for(diagnostics)
    cases = loaded.cases
    results = [guideline.evaluate(case.facts, case.id, validate=False) for case in cases]
    unmet = [None if exp is None else tuple(failures(exp, res))
             for exp, res in zip(expectations, results, strict=True)]
    cov = coverage(guideline, [c.facts for c in cases], results, witnesses=False)
    findings = sorted(run_checks(model), key=sort_key)
    try:
        figures = _figures(guideline, cases, results) if len(cases) <= MAX_FIGURE_CASES else [() for _ in cases]
    except (RenderError, UnsafeSvg) as e:
        report([Diagnostic("E502", "error", f"cannot draw the flowcharts: {e}")])
        return Exit.USAGE
    items = [CaseReport(case, res, figs, fail)
             for case, res, figs, fail in zip(cases, results, figures, unmet, strict=True)]
    try:
        write_output(page(guideline, items, findings, cov, args.rules), args.output)
    except OutputError as e:
        report([e.diagnostic])
        return Exit.USAGE
    if bad:
        skipped = loaded.skipped_text()
        if skipped:
            say(f"guidegraph: {skipped}; {len(cases):,} in the report\n")
        return exit_for(diagnostics)
    found = sum(1 for r in results if r.conflicts or r.clashes) + sum(1 for f in unmet if f)
    return Exit.FINDINGS if found else Exit.OK
