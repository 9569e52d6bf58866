"""`guidegraph export RULES [--format json|yaml] [-o FILE]`: the rules and the decision graph as data.

The data schema is engine/compile/export.py's (docs/graph.md, "Rules as data"). Output goes to stdout, or atomically to
``-o FILE`` (written beside it, then renamed), so a failed export never leaves half a file. Exit codes: 0 written,
1 errors in the rules, 2 unreadable rules file or unwritable output.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

import yaml

from dsl.diagnostics import Diagnostic, has_errors, render_all
from engine.compile.compiler import GraphTooLarge, compile
from engine.compile.export import to_data
from engine.evaluate.api import too_large
from engine.fileio.atomic import write_text
from engine.resolve.pipeline import load_model


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("rules", metavar="RULES", help="the rules file to export")
    parser.add_argument("--format", choices=("json", "yaml"), default="json", help="output format (default: json)")
    parser.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")


def dumps(data: dict[str, Any], fmt: str) -> str:
    if fmt == "yaml":
        text: str = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False, width=120)
        return text
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _report(diagnostics: list[Diagnostic], sources: dict[str, str]) -> None:
    sys.stderr.write(render_all(diagnostics, sources) + "\n")


def run(args: argparse.Namespace) -> int:
    model, diagnostics, sources = load_model(args.rules)
    errors = [d for d in diagnostics if d.severity == "error"]
    if model is None or has_errors(diagnostics):
        _report(errors, sources)
        return 2 if any(d.code == "E901" for d in errors) else 1
    try:
        guideline = compile(model)
    except GraphTooLarge as e:
        _report([too_large(e)], sources)
        return 1
    text = dumps(to_data(guideline), args.format)
    if not args.output:
        sys.stdout.write(text)
        return 0
    try:
        write_text(args.output, text)
    except OSError as e:
        _report([Diagnostic("E902", "error", f"cannot write '{args.output}': {e.strerror or e}")], {})
        return 2
    return 0
