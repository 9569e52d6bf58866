"""What every ``guidegraph`` command shares: exit codes, loading a guideline, reporting, writing output.

- :class:`Exit`: the exit codes of the CLI contract, defined here only. 0 clean, 1 findings (diagnostics,
  conflicts, failed expectations, bad case data), 2 usage, an unreadable input or an unwritable output, 3 a bug
  in guidegraph (an unexpected exception; the README asks to report it).
- :func:`load_guideline`: read, parse, resolve and compile a rules file, reporting any problem.
- :func:`report`: diagnostics on stderr, with source excerpts, at most :data:`MAX_SHOWN` of them
  ("... and 99,900 more").
- :func:`exit_for`: the exit code a list of diagnostics calls for.
- :func:`emit`, :func:`write_output`, :func:`refuse_inputs`: standard output and ``-o`` files. A full or closed
  standard output is an :class:`OutputError` (exit 2 with a message); a closed pipe (``| head``) is a clean exit 0,
  handled by :func:`engine.cli.main.main`.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import replace
from enum import IntEnum
from typing import TYPE_CHECKING

from dsl.diagnostics import Diagnostic, has_errors, render_all
from engine.fileio.atomic import output_target, same_file, write_text
from engine.resolve.pipeline import load_model

if TYPE_CHECKING:
    from engine.cases.load import Loaded
    from engine.evaluate.guideline import Guideline as Guideline


class Exit(IntEnum):
    """Exit codes of every command."""

    OK = 0
    FINDINGS = 1
    USAGE = 2
    BUG = 3


MAX_SHOWN = 100
"""Diagnostics printed by one command; the rest are counted ("... and N more"), not printed."""

MAX_MESSAGE = 2_000
"""Characters of one diagnostic's message printed: a message quoting a 10 MB cell is cut."""

MAX_EXCERPT_FILE = 5_000_000
"""Files larger than this are not re-read to show source excerpts under their diagnostics."""

STDOUT = "-"
"""``-o -``: write to standard output."""


class OutputError(Exception):
    """Output could not be written (standard output full or closed, an unwritable ``-o``): exit 2."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


def say(text: str) -> None:
    """Write ``text`` to stderr (nothing when stderr is closed)."""
    stream = sys.stderr
    if stream is None:  # closed (2>&-): nowhere to say anything
        return
    try:
        stream.write(text)
        stream.flush()
    except OSError:
        pass


def report(diagnostics: Sequence[Diagnostic], sources: dict[str, str] | None = None,
           limit: int = MAX_SHOWN) -> None:
    """Diagnostics on stderr, with excerpts of the files they point into (small files only); past ``limit``
    only their number is printed."""
    if not diagnostics:
        return
    shown = [d if len(d.message) <= MAX_MESSAGE else
             replace(d, message=f"{d.message[:MAX_MESSAGE // 2]}...({len(d.message):,} characters)")
             for d in diagnostics[:limit]]
    texts = dict(sources or {})
    for d in shown:
        f = d.span.file if d.span else None
        if f and f not in texts and os.path.isfile(f) and os.path.getsize(f) <= MAX_EXCERPT_FILE:
            try:
                with open(f, encoding="utf-8-sig") as fh:
                    texts[f] = fh.read()
            except (OSError, UnicodeDecodeError):
                pass
    text = render_all(shown, texts) + "\n"
    if len(diagnostics) > limit:
        rest = diagnostics[limit:]
        errors = sum(d.severity == "error" for d in rest)
        kinds = f" ({errors:,} errors)" if errors and errors != len(rest) else ""
        text += f"\n... and {len(rest):,} more{kinds}, not shown\n"
    say(text)


def exit_for(diagnostics: Iterable[Diagnostic]) -> Exit:
    """USAGE when a file could not be read or written (an ``E9xx`` error), FINDINGS for other errors, else OK."""
    errors = [d for d in diagnostics if d.severity == "error"]
    if any(d.code.startswith("E9") for d in errors):
        return Exit.USAGE
    return Exit.FINDINGS if errors else Exit.OK


def load_guideline(path: str) -> tuple[Guideline | None, Exit]:
    """Parse, resolve and compile ``path``; on failure report why and return the exit code to use."""
    from engine.compile.compiler import GraphTooLarge, compile
    from engine.evaluate.guideline import Guideline

    model, diagnostics, sources = load_model(path)
    if model is None or has_errors(diagnostics):
        errors = [d for d in diagnostics if d.severity == "error"]
        report(errors, sources)
        return None, exit_for(errors)
    try:
        return Guideline(compile(model)), Exit.OK
    except GraphTooLarge as e:
        report([e.diagnostic()], sources)
        return None, Exit.FINDINGS


def load_with_cases(rules: str, cases: Sequence[str], output: str | None) -> tuple[Guideline, Loaded] | Exit:
    """What every command that evaluates case files does first: refuse an output that is an input or cannot be
    written, load the guideline, then the cases (each valid case also checked against all the assumptions
    together). Returns the guideline and the cases, or the exit code after reporting why."""
    from engine.cases.load import case_files, load_all

    files, _ = case_files(cases)
    problem = refuse_inputs(output, [rules, *files]) or check_output(output)
    if problem is not None:
        report([problem])
        return Exit.USAGE
    guideline, code = load_guideline(rules)
    if guideline is None:
        return code
    return guideline, load_all(cases, guideline.model, guideline.impossible)


def cannot_write(path: str | None, err: OSError) -> Diagnostic:
    """``E902``: an output that could not be written, and why."""
    where = "standard output" if path in (None, STDOUT) else f"'{path}'"
    return Diagnostic("E902", "error", f"cannot write {where}: {err.strerror or err}")


def emit(text: str) -> None:
    """Write ``text`` to standard output. A full or closed stdout raises :class:`OutputError`; a closed pipe
    raises BrokenPipeError, which :func:`engine.cli.main.main` turns into a quiet exit 0."""
    stream = sys.stdout
    if stream is None:
        raise OutputError(Diagnostic("E902", "error", "cannot write standard output: it is closed"))
    try:
        stream.write(text)
    except BrokenPipeError:
        raise
    except OSError as e:
        raise OutputError(cannot_write(None, e)) from None


def flush_stdout() -> None:
    """Flush standard output, with :func:`emit`'s errors (buffered text fails only here)."""
    stream = sys.stdout
    if stream is None:
        return
    try:
        stream.flush()
    except BrokenPipeError:
        raise
    except OSError as e:
        raise OutputError(cannot_write(None, e)) from None
    except ValueError:  # already closed by someone
        pass


def check_output(output: str | None) -> Diagnostic | None:
    """``E902`` when the ``-o`` path must not or cannot be written (a device, a read-only file, a missing
    directory...), found before any work is done."""
    if output is None or output == STDOUT:
        return None
    try:
        output_target(output)
    except OSError as e:
        return cannot_write(output, e)
    return None


def refuse_inputs(output: str | None, inputs: Iterable[str]) -> Diagnostic | None:
    """``E902`` when the ``-o`` path names one of the command's own inputs (through links): writing it would
    destroy the input the output is made from."""
    if output in (None, "", STDOUT):
        return None
    for path in inputs:
        if same_file(output, path):
            return Diagnostic("E902", "error", f"refusing to write '{output}': it is one of this command's inputs "
                              f"('{path}'), and writing it would replace that input",
                              help="choose another output file")
    return None


def write_output(chunks: Iterable[str], out: str | None) -> None:
    """Write everything to ``out`` in one step (:func:`engine.fileio.atomic.write_text`), or, when ``out`` is
    None or ``-``, to stdout once it is all produced (spooled in a temporary file), so a failure half-way prints
    nothing. Raises :class:`OutputError` when it cannot be written."""
    if out is not None and out != STDOUT:
        try:
            write_text(out, chunks)
        except OSError as e:
            raise OutputError(cannot_write(out, e)) from None
        return
    with tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as f:
        for chunk in chunks:
            f.write(chunk)
        f.seek(0)
        flush_stdout()
        stream = sys.stdout
        if stream is None:
            raise OutputError(Diagnostic("E902", "error", "cannot write standard output: it is closed"))
        try:
            shutil.copyfileobj(f, stream)
        except BrokenPipeError:
            raise
        except OSError as e:
            raise OutputError(cannot_write(None, e)) from None
        flush_stdout()
