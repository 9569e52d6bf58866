"""`guidegraph fmt RULES [--check]`: rewrite a rules file in canonical form, or check that it is.

The file is only written when its text changes, and then atomically (a temporary file in the same directory,
then ``os.replace``), so an interrupted run never leaves a half-written guideline. ``--check`` writes nothing:
it exits 1 and prints a unified diff when the file is not canonical, which is what a guideline group's CI wants.
A symlink is followed (the file it points to is formatted; the link stays), and a read-only file is refused
(:mod:`engine.fileio.atomic`). Exit codes: 0 canonical or reformatted, 1 not canonical (``--check``) or syntax
errors, 2 unreadable or unwritable file (reported as ``E901``/``E902``, like every command).
"""

from __future__ import annotations

import argparse
import difflib

from dsl.format import fmt_text
from engine.cli.support import Exit, OutputError, emit, report, write_output
from engine.resolve.pipeline import read_source


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("rules", metavar="RULES", help="the rules file to format in place")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 and show a diff when the file is not in canonical form")


def run(args: argparse.Namespace) -> int:
    path: str = args.rules
    text, problems = read_source(path, encoding="utf-8", newline="")
    if text is None:
        report(problems)
        return Exit.USAGE
    formatted, diagnostics = fmt_text(text, path)
    if formatted is None:
        report(diagnostics, {path: text})
        return Exit.FINDINGS
    if formatted == text:
        return Exit.OK
    if args.check:
        diff = difflib.unified_diff(text.splitlines(keepends=True), formatted.splitlines(keepends=True),
                                    fromfile=path, tofile=f"{path} (formatted)")
        emit(f"{path}: not in canonical form (run: guidegraph fmt {path})\n")
        emit("".join(line if line.endswith("\n") else line + "\n" for line in diff))
        return Exit.FINDINGS
    try:
        write_output([formatted], path)
    except OutputError as e:
        report([e.diagnostic])
        return Exit.USAGE
    emit(f"reformatted {path}\n")
    return Exit.OK
