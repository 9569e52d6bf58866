"""`guidegraph check RULES [--format text|json|sarif] [--strict]`: every problem in a rules file, then an exit code.

The front half (read, parse, resolve) always runs; the checker passes (conflicts, gaps, dead rules...) run only
on a model without errors, through ``engine.compile.compiler.compile`` and ``engine.checks.CHECKS``.

Exit codes (:class:`engine.cli.support.Exit`): 0 clean (warnings alone are fine unless ``--strict``), 1 errors,
2 unreadable file or unwritable standard output.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence

from dsl.diagnostics import Diagnostic, render, sort_key
from engine.checks import CHECKS
from engine.cli import sarif
from engine.cli.support import MAX_SHOWN, Exit, emit, exit_for
from engine.compile.compiler import GraphTooLarge, compile
from engine.core.model import Model
from engine.resolve.pipeline import load_model

FORMATS = ("text", "json", "sarif")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("rules", metavar="RULES", help="the rules file to check")
    parser.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
    parser.add_argument("--strict", action="store_true", help="exit 1 on warnings too")


def run_checks(model: Model) -> list[Diagnostic]:
    """Compile the model and run every checker pass (``E501`` when the diagram grows too large)."""
    try:
        compiled = compile(model)
    except GraphTooLarge as e:
        return [e.diagnostic()]
    found: list[Diagnostic] = []
    for check in CHECKS:
        found.extend(check(compiled))
    return found


def summary(diagnostics: Sequence[Diagnostic]) -> dict[str, int]:
    return {"errors": sum(d.severity == "error" for d in diagnostics),
            "warnings": sum(d.severity == "warning" for d in diagnostics),
            "notes": sum(d.severity == "note" for d in diagnostics)}


def summary_line(path: str, counts: dict[str, int]) -> str:
    parts = [f"{n} {kind[:-1] if n == 1 else kind}" for kind, n in counts.items() if n]
    return f"{path}: {', '.join(parts) if parts else 'no problems'}"


def to_text(path: str, diagnostics: Sequence[Diagnostic], sources: dict[str, str]) -> str:
    """The first :data:`~engine.cli.support.MAX_SHOWN` diagnostics rendered, how many more there are, and the
    summary line (which counts them all; ``--format json`` lists them all)."""
    blocks = [render(d, sources) for d in diagnostics[:MAX_SHOWN]]
    if len(diagnostics) > MAX_SHOWN:
        blocks.append(f"... and {len(diagnostics) - MAX_SHOWN:,} more, not shown (--format json lists them all)")
    blocks.append(summary_line(path, summary(diagnostics)))
    return "\n\n".join(blocks) + "\n"


def to_json(path: str, diagnostics: Sequence[Diagnostic]) -> str:
    doc = {"file": path, "diagnostics": [d.to_dict() for d in diagnostics], "summary": summary(diagnostics)}
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n"


def exit_code(diagnostics: Sequence[Diagnostic], strict: bool) -> Exit:
    code = exit_for(diagnostics)
    if code is Exit.OK and strict and any(d.severity == "warning" for d in diagnostics):
        return Exit.FINDINGS
    return code


def run(args: argparse.Namespace) -> int:
    path: str = args.rules
    model, diagnostics, sources = load_model(path)
    if model is not None and not any(d.severity == "error" for d in diagnostics):
        diagnostics.extend(run_checks(model))
    diagnostics = sorted(diagnostics, key=sort_key)
    if args.format == "json":
        out = to_json(path, diagnostics)
    elif args.format == "sarif":
        out = sarif.to_sarif(path, diagnostics)
    else:
        out = to_text(path, diagnostics, sources)
    emit(out)
    return exit_code(diagnostics, args.strict)
