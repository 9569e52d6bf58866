"""The ``guidegraph`` command line: argument parsing and the exit-code policy, nothing else.

Each subcommand lives in ``engine/cli/commands/<name>.py`` and exports ``add_arguments(parser)`` and
``run(args) -> int``. Exit codes (the CLI contract, :class:`engine.cli.support.Exit`): 0 clean, 1 findings
(diagnostics, conflicts, failed expectations, bad case data), 2 usage, unreadable input or unwritable output
(a full or closed standard output included). A closed pipe (``guidegraph run ... | head``) ends quietly with 0.
No Python traceback ever reaches the user: an unexpected exception is reported as an internal error with exit
code 3, which is always a bug. SIGTERM and SIGHUP end the command like Ctrl-C, so no temporary file is left.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import importlib.metadata
import os
import signal
import sys
from collections.abc import Sequence
from types import FrameType

from engine.cli.support import Exit, OutputError, flush_stdout, report, say

COMMANDS = {
    "check": "Parse, resolve and check a rules file: conflicts, gaps, dead rules.",
    "fmt": "Rewrite a rules file in canonical form (or --check that it is).",
    "run": "Evaluate patient cases against a rules file.",
    "test": "Run patient cases with expectations and report rule coverage.",
    "render": "Draw the decision graph as a flowchart (.dot, .svg, .pdf, .png).",
    "export": "Write the resolved rules and the decision graph as JSON or YAML.",
    "report": "Write one self-contained HTML page of cases' verdicts, flowcharts, check findings and coverage.",
    "diff": "Which patients' recommendations change between two versions of a rules file, exactly.",
    "audit": "Guideline concordance of a cohort that records what was done (--given columns).",
    "sql": "Print the decision graph as one SQL query over a table of cases (needs the sql extra).",
    "lsp": "The language server for editors (Language Server Protocol over stdio; needs the lsp extra).",
    "serve": "A CDS Hooks service over HTTP: FHIR patients in, cards out (needs the fhir extra).",
}

class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        say(f"guidegraph: error: {message}\n")
        raise SystemExit(Exit.USAGE)


def _version() -> str:
    try:
        return importlib.metadata.version("guidegraph")
    except importlib.metadata.PackageNotFoundError:
        return "(not installed)"


def _chosen(argv: Sequence[str]) -> str | None:
    """The subcommand named on the command line (the first word that is not an option), if any."""
    for word in argv:
        if not word.startswith("-"):
            return word if word in COMMANDS else None
    return None


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser. Every subcommand is listed (so ``--help`` and "invalid choice" messages are complete), but only
    the chosen one's module is imported to add its arguments: importing all of them (networkx, yaml, the case
    loaders...) would dominate the start-up time of a short command such as ``check``. With ``argv`` None every
    module is imported (the full parser, e.g. for documentation)."""
    chosen = _chosen(argv) if argv is not None else None
    parser = _Parser(prog="guidegraph", description="Clinical practice guidelines as checked, runnable rules.")
    parser.add_argument("--version", action="version", version=f"guidegraph {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name, help_text in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        if argv is None or name == chosen:
            module = importlib.import_module(f"engine.cli.commands.{name}")
            module.add_arguments(p)
            p.set_defaults(_module=module)
    return parser


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def _silence_stdout() -> None:
    """After a closed pipe: point stdout at /dev/null, so that Python's final flush does not complain."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (default: ``sys.argv[1:]``) and return its exit code."""
    return int(_main(argv))


def _main(argv: Sequence[str] | None) -> int:
    previous: dict[signal.Signals, object] = {}
    for sig in (signal.SIGTERM, signal.SIGHUP):
        with contextlib.suppress(ValueError, OSError):  # not the main thread
            previous[sig] = signal.signal(sig, _terminate)
    try:
        words = list(sys.argv[1:] if argv is None else argv)
        args = build_parser(words).parse_args(words)
        code = int(args._module.run(args))
        flush_stdout()
        return code
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else Exit.USAGE
    except KeyboardInterrupt:
        if sys.stderr is not None:
            sys.stderr.write("guidegraph: interrupted\n")
        return 130
    except BrokenPipeError:
        _silence_stdout()
        return Exit.OK
    except OutputError as e:
        report([e.diagnostic])
        return Exit.USAGE
    except Exception as e:  # the last line of defence: never a traceback
        if sys.stderr is not None:
            sys.stderr.write(f"guidegraph: internal error: {type(e).__name__}: {e}\n"
                             "This is a bug in guidegraph, not in your input; please report it.\n")
        return Exit.BUG
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)  # type: ignore[arg-type]


if __name__ == "__main__":
    raise SystemExit(main())
