"""`guidegraph render RULES -o OUT [--section NAME] [--case CASE] [--theme colour|grayscale]`: draw the flowchart.

The output format follows OUT's extension (.dot, .svg, .pdf, .png); a figure of several pages is one PDF with a
page each (one .dot file with a graph each), or for SVG and PNG the files OUT, OUT-p2, ... The whole pathway is
drawn unless ``--section`` names one section; ``--case`` highlights the path that patient takes (inputs the case
leaves out follow every branch). Exit codes: 0 written; 1 the rules or the case have errors; 2 usage (unknown
section, bad extension, more than one case in the case file, a page below ``--min-font`` that cannot be split) or
the output cannot be produced (unreadable input, ``dot`` missing or failing, unwritable OUT). Nothing is written
unless everything succeeded.

A case that never enters the ``--section`` drawn (the section's condition is false for it) has no path there:
the figure is drawn without a highlight and a warning (``W904``) says why, naming the case's values that exclude it.

Codes: ``E502`` rendering failed (``dot`` missing, failed or timed out; output not writable), ``E903`` a bad
render option (extension, section, case file with several cases), ``W904`` the case is outside the section.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from dsl.diagnostics import Diagnostic, did_you_mean, has_errors
from engine.cli.support import Exit, check_output, exit_for, load_guideline, refuse_inputs, report
from engine.core.semantics import truth
from engine.core.walk import inputs_read

if TYPE_CHECKING:
    from engine.evaluate.guideline import Guideline


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("rules", metavar="RULES", help="the rules file")
    parser.add_argument("-o", "--output", metavar="OUT", required=True,
                        help="output file; the format follows the extension: .dot, .svg, .pdf, .png (300 dpi)")
    parser.add_argument("--section", metavar="NAME", help="draw only this section, or the table of this "
                        "classification (default: the whole pathway)")
    parser.add_argument("--case", metavar="CASE", help="a case file (.yaml/.yml/.json) whose path to highlight")
    parser.add_argument("--theme", choices=("colour", "grayscale"), default="colour",
                        help="colour (default) or grayscale for print")
    parser.add_argument("--page", metavar="PAGE", default="a4",
                        help="the page's text width the figure must fit with its text at full size: a4 (17 cm, "
                             "default), letter (16.5 cm), a width such as 12cm, or 'none' to scale the drawing "
                             "to one page instead; a figure too wide is split into pages OUT, OUT-p2, ... joined "
                             "by 'see p. N' connectors")
    parser.add_argument("--min-font", metavar="PT", type=float, default=7.0,
                        help="the smallest text size (pt) any page may print at once fitted to the page's text "
                             "width (default 7); a page below it is split further, or the command fails naming "
                             "the figure that cannot be split and its measured size")


def _usage(message: str, help: str | None = None) -> Exit:
    report([Diagnostic("E903", "error", message, help=help)])
    return Exit.USAGE


def _case_facts(path: str, guideline: Guideline) -> tuple[dict[str, Any] | None, Exit]:
    from engine.cases.load import load_cases

    cases, diagnostics = load_cases([path], guideline.model, guideline.impossible)
    if has_errors(diagnostics):
        report(diagnostics)
        return None, exit_for(diagnostics)
    if len(cases) != 1:
        ids = ", ".join(c.id for c in cases[:10]) or "(none)"
        return None, _usage(f"--case needs a file with exactly one case; '{path}' holds {len(cases)}: {ids}")
    return dict(cases[0].facts), Exit.OK


def _outside(section: str, case: str, facts: dict[str, Any], model: Any) -> Diagnostic | None:
    """``W904`` when the case's facts make the section's condition false: it never enters the section."""
    sec = next((s for s in model.sections if s.name == section), None)
    if sec is None or truth(sec.guard, model.lets, facts) is not False:
        return None
    values = ", ".join(f"{name} = {facts[name]}" for name in inputs_read(sec.guard, model.lets) if name in facts)
    return Diagnostic("W904", "warning", f"the case in '{case}' never enters section '{section}' (its condition is "
                      f"false for {values or 'this case'}): no path is highlighted",
                      help="render the whole pathway (no --section) to see where this case goes")


def _pages(args: argparse.Namespace, guideline: Guideline, facts: dict[str, Any] | None
           ) -> list[tuple[str, str | list[str]]]:
    """(output path, DOT text) per page: OUT, then OUT-p2.ext, ...; a .dot or .pdf output holds every page (the
    PDF a page each)."""
    import os

    from visualize.dot import to_dot
    from visualize.pages import pathway_pages, section_pages
    from visualize.run_dot import layout_width
    from visualize.style import page

    if args.page.lower() == "none":
        return [(args.output, to_dot(guideline, section=args.section, case_facts=facts, theme=args.theme))]
    pg = page(args.page)
    if args.section is not None:
        dots = section_pages(guideline, args.section, facts, pg, layout_width, args.theme, min_font=args.min_font)
    else:
        dots = pathway_pages(guideline, facts, pg, layout_width, args.theme, min_font=args.min_font)
    stem, ext = os.path.splitext(args.output)
    if ext.lower() in (".dot", ".gv", ".pdf"):
        return [(args.output, dots)]
    return [(args.output if i == 0 else f"{stem}-p{i + 1}{ext}", d) for i, d in enumerate(dots)]


def run(args: argparse.Namespace) -> int:
    from visualize.plan import section_names
    from visualize.run_dot import RenderError, output_format, render_file

    try:
        output_format(args.output)
    except RenderError as e:
        return _usage(str(e))
    problem = refuse_inputs(args.output, [args.rules, *([args.case] if args.case else [])]) or \
        check_output(args.output)
    if problem is not None:
        report([problem])
        return Exit.USAGE
    guideline, code = load_guideline(args.rules)
    if guideline is None:
        return code
    names = section_names(guideline)
    from visualize.classification import classification_dot, classification_names
    tables = classification_names(guideline.compiled)
    if args.section is not None and args.section in tables and args.section not in names:
        try:  # a classification: the table that decides its value, as a figure of its own
            render_file(classification_dot(guideline.compiled, args.section, args.theme), args.output)
        except RenderError as e:
            report([Diagnostic("E502", "error", str(e))])
            return Exit.USAGE
        return Exit.OK
    names = [*names, *tables]
    if args.section is not None and args.section not in names:
        hint = did_you_mean(args.section, names)
        return _usage(f"unknown section '{args.section}'; the sections are: {', '.join(names) or '(none)'}",
                      hint)
    facts = None
    if args.case is not None:
        facts, code = _case_facts(args.case, guideline)
        if facts is None:
            return code
        outside = _outside(args.section, args.case, facts, guideline.model) if args.section else None
        if outside is not None:
            report([outside])
            facts = None
    try:
        for path, dot in _pages(args, guideline, facts):
            render_file(dot, path)
    except ValueError as e:
        return _usage(str(e))
    except RenderError as e:
        report([Diagnostic("E502", "error", str(e))])
        return Exit.USAGE
    return Exit.OK
