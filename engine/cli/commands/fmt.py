"""`guidegraph fmt RULES [--check]`: rewrite a rules file in canonical form, or check that it is.

The file is only written when its text changes, and then atomically (a temporary file in the same directory,
then ``os.replace``), so an interrupted run never leaves a half-written guideline. ``--check`` writes nothing:
it exits 1 and prints a unified diff when the file is not canonical, which is what a guideline group's CI wants.
Exit codes: 0 canonical or reformatted, 1 not canonical (``--check``) or syntax errors, 2 unreadable file.
"""

from __future__ import annotations

import argparse
import difflib
import sys

from dsl.diagnostics import render_all
from dsl.format import fmt_text
from engine.fileio.atomic import write_text
from engine.fileio.textfile import RULES_LIMIT, read_text

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("rules", metavar="RULES", help="the rules file to format in place")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 and show a diff when the file is not in canonical form")


def _read(path: str) -> str:
    return read_text(path, RULES_LIMIT, encoding="utf-8", newline="")


def _reason(err: Exception) -> str:
    if isinstance(err, UnicodeDecodeError):
        return f"not UTF-8 text (byte {err.start})"
    if isinstance(err, OSError) and err.strerror:
        return err.strerror
    return str(err)


def run(args: argparse.Namespace) -> int:
    path: str = args.rules
    try:
        text = _read(path)
    except (OSError, UnicodeDecodeError) as err:
        sys.stderr.write(f"guidegraph: cannot read '{path}': {_reason(err)}\n")
        return EXIT_USAGE
    formatted, diagnostics = fmt_text(text, path)
    if formatted is None:
        sys.stderr.write(render_all(diagnostics, {path: text}) + "\n")
        return EXIT_FINDINGS
    if formatted == text:
        return EXIT_OK
    if args.check:
        diff = difflib.unified_diff(text.splitlines(keepends=True), formatted.splitlines(keepends=True),
                                    fromfile=path, tofile=f"{path} (formatted)")
        sys.stdout.write(f"{path}: not in canonical form (run: guidegraph fmt {path})\n")
        sys.stdout.writelines(line if line.endswith("\n") else line + "\n" for line in diff)
        return EXIT_FINDINGS
    try:
        write_text(path, formatted)
    except OSError as err:
        sys.stderr.write(f"guidegraph: cannot write '{path}': {_reason(err)}\n")
        return EXIT_USAGE
    sys.stdout.write(f"reformatted {path}\n")
    return EXIT_OK
