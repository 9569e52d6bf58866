"""`guidegraph check RULES [--format text|json|sarif] [--strict]`: every problem in a rules file, then an exit code.

The front half (read, parse, resolve) always runs; the checker passes (conflicts, gaps, dead rules...) run only
on a model without errors, through ``engine.compile.compiler.compile`` and ``engine.checks.CHECKS``. Both are looked up
at run time so that ``check`` works, with the front half only, before those modules exist.

Exit codes: 0 clean (warnings alone are fine unless ``--strict``), 1 errors, 2 unreadable file.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any

from dsl.diagnostics import Diagnostic, render, sort_key
from engine.cli import sarif
from engine.core.model import Model
from engine.resolve.pipeline import load_model

FORMATS = ("text", "json", "sarif")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("rules", metavar="RULES", help="the rules file to check")
    parser.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
    parser.add_argument("--strict", action="store_true", help="exit 1 on warnings too")


def run_checks(model: Model) -> list[Diagnostic]:
    """Compile the model and run every checker pass; nothing when those modules are not installed yet."""
    try:
        compiler = importlib.import_module("engine.compile.compiler")
        checks = importlib.import_module("engine.checks")
    except ModuleNotFoundError as e:
        if e.name in ("engine.compile.compiler", "engine.checks"):
            return []
        raise
    compile_fn: Callable[[Model], Any] | None = getattr(compiler, "compile", None)
    passes: Sequence[Callable[[Any], list[Diagnostic]]] | None = getattr(checks, "CHECKS", None)
    if compile_fn is None or passes is None:
        return []
    too_large: type[Exception] | None = getattr(compiler, "GraphTooLarge", None)
    try:
        compiled = compile_fn(model)
    except Exception as e:
        if too_large is None or not isinstance(e, too_large):
            raise
        return [Diagnostic("E501", "error", str(e), help="simplify the thresholds of those inputs or split the "
                           "rules into more sections")]
    found: list[Diagnostic] = []
    if isinstance(compiled, tuple):  # compile may also return its own diagnostics: (guideline, diagnostics)
        compiled, more = compiled
        found.extend(more)
    for check in passes:
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
    blocks = [render(d, sources) for d in diagnostics]
    blocks.append(summary_line(path, summary(diagnostics)))
    return "\n\n".join(blocks) + "\n"


def to_json(path: str, diagnostics: Sequence[Diagnostic]) -> str:
    doc = {"file": path, "diagnostics": [d.to_dict() for d in diagnostics], "summary": summary(diagnostics)}
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n"


def exit_code(diagnostics: Sequence[Diagnostic], strict: bool) -> int:
    if any(d.code.startswith("E9") for d in diagnostics):
        return 2
    if any(d.severity == "error" for d in diagnostics):
        return 1
    return 1 if strict and any(d.severity == "warning" for d in diagnostics) else 0


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
    sys.stdout.write(out)
    return exit_code(diagnostics, args.strict)
