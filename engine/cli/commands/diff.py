"""`guidegraph diff OLD.rules NEW.rules [--cohort CSV] [--format text|json|markdown] [-o FILE]`: which patients'
recommendations change between two versions of a guideline, exactly (engine/diff/).

Either side may be ``path@REV``: the file as git has it at revision REV (``git show REV:path``). Exit codes
(:class:`engine.cli.support.Exit`): 0 no verdict changes for any patient (even if the text changed: the edit is
proven behaviour-preserving), 1 changes found (or errors in a rules file), 2 usage, an unreadable file or revision,
an unwritable output.
"""

from __future__ import annotations

import argparse
import os
import subprocess

from dsl.diagnostics import Diagnostic, has_errors
from engine.cli.support import Exit, OutputError, check_output, refuse_inputs, report, write_output
from engine.compile.compiler import GraphTooLarge, compile
from engine.compile.mdd import TooManyNodes
from engine.compile.shared import IncompatibleInputs
from engine.core.model import Model
from engine.diff import report as fmt
from engine.diff.cohort import CohortCounts, count
from engine.diff.compare import Diff, diff
from engine.resolve.pipeline import read_source

FORMATS = ("text", "json", "markdown")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("old", metavar="OLD", help="the old version: a rules file, or path@REV (from git)")
    parser.add_argument("new", metavar="NEW", help="the new version: a rules file, or path@REV (from git)")
    parser.add_argument("--cohort", metavar="CSV", help="count the patients of this cohort each change affects")
    parser.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
    parser.add_argument("-o", "--output", metavar="FILE",
                        help="write to FILE instead of standard output ('-': standard output)")
    parser.add_argument("--figure", metavar="OUT",
                        help="also draw the new version's flowchart (.svg, .pdf, .png or .dot) with the leaves "
                             "whose patients' recommendations changed marked, in pages as 'render' draws them "
                             "(one PDF or .dot; .svg and .png write OUT, OUT-p2, ...)")


def read_spec(spec: str) -> tuple[str | None, list[Diagnostic]]:
    """The text of ``spec``: a file, or ``path@REV`` read with ``git show`` (when no file has that whole name)."""
    if "@" in spec and not os.path.exists(spec):
        path, rev = spec.rsplit("@", 1)
        where = path if os.path.isabs(path) else f"./{path}"
        directory = os.path.dirname(os.path.abspath(path)) if os.path.isabs(path) else None
        try:
            proc = subprocess.run(["git", "show", f"{rev}:{where}"], capture_output=True, cwd=directory,
                                  timeout=60, check=False)
        except (OSError, subprocess.SubprocessError) as e:
            return None, [Diagnostic("E901", "error", f"cannot read '{spec}': git failed ({e})")]
        if proc.returncode != 0:
            why = proc.stderr.decode("utf-8", "replace").strip().splitlines()
            return None, [Diagnostic("E901", "error", f"cannot read '{spec}': {why[-1] if why else 'git failed'}")]
        try:
            return proc.stdout.decode("utf-8-sig"), []
        except UnicodeDecodeError:
            return None, [Diagnostic("E901", "error", f"cannot read '{spec}': not UTF-8 text")]
    return read_source(spec)


def load_spec(spec: str) -> tuple[Model | None, Exit]:
    """Read, parse and resolve one side; on failure report why and return the exit code to use."""
    from dsl.parser import parse
    from engine.resolve.resolver import resolve

    text, diags = read_spec(spec)
    if text is None:
        report(diags)
        return None, Exit.USAGE
    tree, syntax = parse(text, spec)
    model = None
    if tree is not None and not has_errors(syntax):
        model, semantic = resolve(tree, spec)
        syntax = [*syntax, *semantic]
    errors = [d for d in syntax if d.severity == "error"]
    if model is None or errors:
        report(errors, {spec: text})
        return None, Exit.FINDINGS
    return model, Exit.OK


def run(args: argparse.Namespace) -> int:
    inputs = [p for p in (args.old, args.new, args.cohort) if p and os.path.exists(p)]
    problem = refuse_inputs(args.output, inputs) or check_output(args.output)
    if problem is None and args.figure:
        problem = refuse_inputs(args.figure, inputs) or check_output(args.figure)
    if problem is not None:
        report([problem])
        return Exit.USAGE
    old, code = load_spec(args.old)
    if old is None:
        return code
    new, code = load_spec(args.new)
    if new is None:
        return code
    try:
        d = diff(old, new)
    except IncompatibleInputs as e:
        report([Diagnostic("E901", "error", f"cannot compare the two versions: {e}")])
        return Exit.USAGE
    except TooManyNodes as e:
        report([GraphTooLarge([], e.limit, "the diff of the two versions").diagnostic()])
        return Exit.FINDINGS
    counts: CohortCounts | None = None
    if args.cohort:
        got = _cohort(d, old, new, args.cohort)
        if isinstance(got, Exit):
            return got
        counts = got
    if args.format == "json":
        text = fmt.to_json(d, args.old, args.new, counts)
    elif args.format == "markdown":
        text = fmt.to_markdown(d, args.old, args.new, counts, args.cohort or "")
    else:
        text = fmt.to_text(d, args.old, args.new, counts, args.cohort or "")
    try:
        write_output([text], args.output)
    except OutputError as e:
        report([e.diagnostic])
        return Exit.USAGE
    if args.figure:
        code = _figure(d, new, args.old, args.figure)
        if code is not Exit.OK:
            return code
    return Exit.FINDINGS if d.regions else Exit.OK


def _figure(d: Diff, new: Model, old_name: str, out: str) -> Exit:
    """Draw the new version with its changed leaves marked into ``out``."""
    from engine.diff.figure import figure_files
    from visualize.run_dot import RenderError, render_file

    try:
        for path, dots in figure_files(d, compile(new), old_name, out):
            render_file(dots, path)
    except GraphTooLarge as e:
        report([e.diagnostic()])
        return Exit.FINDINGS
    except RenderError as e:
        report([Diagnostic("E902", "error", str(e))])
        return Exit.USAGE
    return Exit.OK


def _cohort(d: Diff, old: Model, new: Model, path: str) -> CohortCounts | Exit:
    """The cohort counts, or the exit code after reporting why there are none."""
    from engine.cases.load import load_all
    from engine.evaluate.guideline import Guideline

    try:
        g_old, g_new = Guideline(compile(old)), Guideline(compile(new))
    except GraphTooLarge as e:
        report([e.diagnostic()])
        return Exit.FINDINGS
    loaded = load_all([path], new, g_new.impossible)
    if loaded.unread_files:
        report(loaded.diagnostics)
        return Exit.USAGE
    if loaded.diagnostics:
        report(loaded.diagnostics)
    return count(d, g_old, g_new, (c.facts for c in loaded.cases))
